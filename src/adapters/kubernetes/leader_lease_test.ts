import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { createLogger } from "../../observability/logger.ts";
import { LeaderLease, type LeaseSettings } from "./leader_lease.ts";

const quiet = createLogger({}, "error");

/** One Lease in memory with the API server's rules: 404, 409 on create, 409 on a stale replace. */
class FakeLeases {
  lease: k8s.V1Lease | undefined;
  version = 0;
  down = false;

  readNamespacedLease(): Promise<k8s.V1Lease> {
    if (this.down) return Promise.reject(new Error("connection refused"));
    if (!this.lease) return Promise.reject(new k8s.ApiException(404, "not found", "{}", {}));
    return Promise.resolve(structuredClone(this.lease));
  }
  createNamespacedLease({ body }: { body: k8s.V1Lease }): Promise<k8s.V1Lease> {
    if (this.down) return Promise.reject(new Error("connection refused"));
    if (this.lease) return Promise.reject(new k8s.ApiException(409, "exists", "{}", {}));
    return Promise.resolve(this.#store(body));
  }
  replaceNamespacedLease({ body }: { body: k8s.V1Lease }): Promise<k8s.V1Lease> {
    if (this.down) return Promise.reject(new Error("connection refused"));
    if (body.metadata?.resourceVersion !== String(this.version)) {
      return Promise.reject(new k8s.ApiException(409, "conflict", "{}", {}));
    }
    return Promise.resolve(this.#store(body));
  }
  #store(body: k8s.V1Lease): k8s.V1Lease {
    this.version++;
    const spec = { ...body.spec };
    for (const key of ["renewTime", "acquireTime"] as const) {
      if (spec[key] instanceof Date) {
        spec[key] = spec[key].toISOString() as unknown as k8s.V1MicroTime;
      }
    }
    this.lease = { metadata: { ...body.metadata, resourceVersion: String(this.version) }, spec };
    return structuredClone(this.lease);
  }
}

const SETTINGS: Omit<LeaseSettings, "identity"> = {
  namespace: "ns",
  name: "lease",
  leaseDurationS: 15,
  renewMs: 5_000,
  retryMs: 2_000,
  renewDeadlineMs: 10_000,
};

function replica(api: FakeLeases, identity: string, clock: { now: number }) {
  const events: string[] = [];
  const lease = new LeaderLease(
    api as unknown as k8s.CoordinationV1Api,
    { ...SETTINGS, identity },
    {
      onStartedLeading: () => void events.push("start"),
      onStoppedLeading: () => void events.push("stop"),
    },
    quiet,
    () => clock.now,
  );
  return { lease, events };
}

Deno.test("LeaderLease: one of two candidates leads; the other takes over only after the lease expires", async () => {
  const api = new FakeLeases();
  const clock = { now: 1_000_000 };
  const a = replica(api, "a", clock);
  const b = replica(api, "b", clock);
  await a.lease.tick();
  await b.lease.tick();
  assert.equal(a.lease.isLeader, true);
  assert.equal(b.lease.isLeader, false);
  assert.deepEqual(a.events, ["start"]);
  assert.equal(api.lease?.spec?.holderIdentity, "a");

  // a renews: b keeps seeing a changing record and waits.
  for (let i = 0; i < 5; i++) {
    clock.now += 5_000;
    await a.lease.tick();
    await b.lease.tick();
  }
  assert.equal(b.lease.isLeader, false);

  // a dies (no more ticks): b takes over once it has seen no change for the lease duration.
  clock.now += 14_000;
  await b.lease.tick();
  assert.equal(b.lease.isLeader, false, "not before the duration");
  clock.now += 1_000;
  await b.lease.tick();
  assert.equal(b.lease.isLeader, true);
  assert.equal(api.lease?.spec?.holderIdentity, "b");
  assert.equal(api.lease?.spec?.leaseTransitions, 1);

  // a comes back and learns it is no longer the holder.
  await a.lease.tick();
  assert.equal(a.lease.isLeader, false);
  assert.deepEqual(a.events, ["start", "stop"]);
});

Deno.test("LeaderLease: a leader that cannot renew steps down before the lease could expire", async () => {
  const api = new FakeLeases();
  const clock = { now: 1_000_000 };
  const a = replica(api, "a", clock);
  await a.lease.tick();
  assert.equal(a.lease.isLeader, true);
  api.down = true;
  clock.now += 5_000;
  await a.lease.tick();
  assert.equal(a.lease.isLeader, true, "within the renew deadline");
  assert.equal(a.lease.apiReachable, false);
  clock.now += 5_000;
  await a.lease.tick();
  assert.equal(a.lease.isLeader, false, "10 s without renewal: stepped down (lease lasts 15 s)");
  assert.deepEqual(a.events, ["start", "stop"]);
});

Deno.test("LeaderLease: run() with release hands the Lease over on stop", async () => {
  const api = new FakeLeases();
  const clock = { now: 1_000_000 };
  const a = replica(api, "a", clock);
  const stop = new AbortController();
  const running = a.lease.run(stop.signal, { release: true });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(a.lease.isLeader, true);
  stop.abort();
  await running;
  assert.deepEqual(a.events, ["start", "stop"]);
  assert.equal(api.lease?.spec?.holderIdentity, undefined);
  // A candidate takes a released Lease at once.
  const b = replica(api, "b", clock);
  await b.lease.tick();
  assert.equal(b.lease.isLeader, true);
});
