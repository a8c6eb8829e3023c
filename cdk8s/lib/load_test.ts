/**
 * An in-cluster k6 run (k6-operator TestRun) of a script from load/, shipped in a ConfigMap, aimed
 * at intake and the hub (loadTest.enabled; it runs once on creation).
 */
import { and, cat, chartFile, chartFileNamed, not, releaseName, v } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { n, nameOf, objectMeta } from "./names.ts";
import { CONTAINER_SECURITY, imageOf, resources } from "./pods.ts";
import type { Add, Check } from "./render.ts";
import { ref } from "../values.ts";

/** The uid/gid of the k6 and k6-operator starter images. */
const K6_UID = 12345;

/** Files the chart ships in files/: name → content (synth copies them from the repository). */
export interface ChartFiles {
  readonly loadScripts: readonly string[];
}

export function loadTest(add: Add, checks: Check[], files: ChartFiles): void {
  const on = ref("loadTest.enabled");
  add(
    "load-scripts-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta("load-test", "load-scripts"),
      data: Object.fromEntries(
        files.loadScripts.map((name) => [name, v(chartFile(`files/load/${name}`))]),
      ),
    } satisfies k.IConfigMap,
    on,
  );

  const k6Security = {
    runAsNonRoot: true,
    runAsUser: K6_UID,
    runAsGroup: K6_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
  add("load-testrun", {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: objectMeta("load-test", "load"),
    spec: {
      parallelism: v(ref("loadTest.parallelism")),
      script: { configMap: { name: n("load-scripts"), file: v(ref("loadTest.script")) } },
      arguments: v(ref("loadTest.arguments")),
      cleanup: "post",
      runner: {
        image: imageOf("loadTest.runnerImage"),
        metadata: { labels: { "ovenline.io/load-test": v(releaseName) } },
        env: [
          { name: "INTAKE_ADDR", value: v(cat(nameOf("intake"), ":", ref("intake.grpcPort"))) },
          { name: "HUB_URL", value: v(cat("http://", nameOf("hub"), ":", ref("hub.port"))) },
          { name: "HUB_WS_URL", value: v(cat("ws://", nameOf("hub"), ":", ref("hub.port"))) },
        ],
        resources: resources(ref("loadTest.resources")),
        securityContext: k6Security,
        containerSecurityContext: CONTAINER_SECURITY,
      },
      starter: {
        image: imageOf("loadTest.starterImage"),
        securityContext: k6Security,
        containerSecurityContext: CONTAINER_SECURITY,
      },
    },
  }, on);

  checks.push({
    failWhen: and(on, not(chartFileNamed("files/load/", ref("loadTest.script")))),
    message: "loadTest.script names no script in load/ (files/load/ in the chart)",
  }, {
    // The load generator places orders of made-up customers without tokens.
    failWhen: and(on, not(ref("intake.customers.allowAnonymous"))),
    message:
      "loadTest needs intake.customers.allowAnonymous (its orders come from made-up customers without tokens; for a test cluster only)",
  });
}
