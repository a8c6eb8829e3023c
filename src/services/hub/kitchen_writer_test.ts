import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { ConflictError } from "../../adapters/http/errors.ts";
import type { KitchenResource } from "../../adapters/kubernetes/kitchen_resource.ts";
import { DependencyUnavailableError, ValidationError } from "../../domain/errors.ts";
import { DEFAULT_KITCHEN } from "../../domain/kitchen_config.ts";
import { createLogger } from "../../observability/logger.ts";
import {
  filesKitchenWriter,
  kubernetesKitchenWriter,
  postgresKitchenWriter,
} from "./kitchen_writer.ts";

const quiet = createLogger({}, "error");
const changed = { ...DEFAULT_KITCHEN, capacity: 7 };

/** A Kitchen API whose resource the "operator" (the test) marks after `polls` reads. */
function fakeApi(opts: {
  replace?: () => Promise<KitchenResource>;
  status?: (generation: number) => KitchenResource["status"];
  afterPolls?: number;
}) {
  const specs: unknown[] = [];
  let polls = 0;
  return {
    specs,
    api: {
      namespace: "ovenline",
      replaceSpec: (_name: string, spec: unknown) => {
        specs.push(spec);
        return opts.replace?.() ??
          Promise.resolve({ metadata: { generation: 4 }, spec: {} } as KitchenResource);
      },
      get: () => {
        polls++;
        const done = polls > (opts.afterPolls ?? 0);
        return Promise.resolve(
          {
            metadata: { generation: 4 },
            spec: {},
            status: done ? opts.status?.(4) : undefined,
          } as KitchenResource,
        );
      },
    },
  };
}

const condition = (type: string, status: string, reason = "R", message = "m") =>
  ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: "2026-01-01T00:00:00Z",
  }) as never;

Deno.test("kubernetesKitchenWriter() replaces the spec and answers applied once the operator is Ready", async () => {
  let reloads = 0;
  const { api, specs } = fakeApi({
    status: (g) => ({ observedGeneration: g, conditions: [condition("Ready", "True")] }),
    afterPolls: 2,
  });
  const save = kubernetesKitchenWriter(api, () => Promise.resolve(void reloads++), {
    waitMs: 2_000,
    pollMs: 5,
  }, quiet);
  const saved = await save(changed);
  assert.deepEqual(saved, { config: changed, applied: true });
  const { id: _id, ...spec } = changed;
  assert.deepEqual(specs, [spec], "the whole spec, without the id");
  assert.equal(reloads, 1);
});

Deno.test("kubernetesKitchenWriter() answers not-yet-applied (202) when the operator is slow", async () => {
  const { api } = fakeApi({ status: () => ({ observedGeneration: 3 }) });
  const save = kubernetesKitchenWriter(
    api,
    () => Promise.resolve(),
    { waitMs: 50, pollMs: 5 },
    quiet,
  );
  assert.deepEqual(await save(changed), { config: changed, applied: false });
});

Deno.test("kubernetesKitchenWriter() maps the API's refusals", async () => {
  const failing = (code: number) =>
    kubernetesKitchenWriter(
      fakeApi({
        replace: () => Promise.reject(new k8s.ApiException(code, "x", '{"message":"nope"}', {})),
      })
        .api,
      () => Promise.resolve(),
      { waitMs: 10 },
      quiet,
    );
  await assert.rejects(failing(404)(changed), ConflictError);
  await assert.rejects(failing(422)(changed), ValidationError);
  await assert.rejects(failing(500)(changed), DependencyUnavailableError);
  const invalid = kubernetesKitchenWriter(
    fakeApi({
      status: (g) => ({
        observedGeneration: g,
        conditions: [condition("Invalid", "True", "UnknownTimeZone", "spec.timeZone: bad")],
      }),
    }).api,
    () => Promise.resolve(),
    { waitMs: 1_000, pollMs: 5 },
    quiet,
  );
  await assert.rejects(invalid(changed), /refused the change \(UnknownTimeZone\)/);
});

Deno.test("postgresKitchenWriter() saves and reloads; filesKitchenWriter() refuses", async () => {
  const saved: unknown[] = [];
  let reloads = 0;
  const save = postgresKitchenWriter((c) => {
    saved.push(c);
    return Promise.resolve(c);
  }, () => Promise.resolve(void reloads++));
  assert.deepEqual(await save(changed), { config: changed, applied: true });
  assert.deepEqual([saved.length, reloads], [1, 1]);
  await assert.rejects(filesKitchenWriter()(changed), ConflictError);
});
