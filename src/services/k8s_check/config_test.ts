import assert from "node:assert/strict";
import { readK8sCheckConfig } from "./config.ts";
import { CRD_REQUIREMENTS, fullnameOf, mergeValues } from "./requirements.ts";

Deno.test("readK8sCheckConfig() reads the phase, namespace, values files and --set", () => {
  const config = readK8sCheckConfig(
    [
      "--phase=post",
      "-n",
      "pizza",
      "-f",
      "a.yaml",
      "--values",
      "b.yaml",
      "--set",
      "x.y=true",
      "--set",
      "n=3",
    ],
    { KUBECONFIG: "/k" },
  );
  assert.ok(!("error" in config));
  assert.equal(config.phase, "post");
  assert.equal(config.namespace, "pizza");
  assert.equal(config.release, "ovenline");
  assert.deepEqual(config.valuesFiles, ["a.yaml", "b.yaml"]);
  assert.deepEqual(config.set, [["x.y", true], ["n", 3]]);
  assert.equal(config.kube.kubeconfigPath, "/k");
  assert.deepEqual(readK8sCheckConfig([], {}), { error: "--phase must be pre or post" });
  assert.deepEqual(readK8sCheckConfig(["--phase", "pre", "--bogus"], {}), {
    error: "unknown argument --bogus",
  });
});

Deno.test("the CRDs the check requires follow the values", () => {
  const needed = (values: Record<string, unknown>) =>
    CRD_REQUIREMENTS.filter((r) => r.needed(values)).map((r) => r.kind);
  assert.deepEqual(needed({}), ["Kitchen"]);
  assert.deepEqual(
    needed({
      kafka: { operator: { enabled: true } },
      consumer: { autoscaling: { enabled: true } },
    }),
    [
      "Kafka",
      "KafkaNodePool",
      "KafkaTopic",
      "KafkaUser",
      "ScaledObject",
      "TriggerAuthentication",
      "Kitchen",
    ],
  );
  assert.deepEqual(
    mergeValues({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }),
    { a: { b: 1, c: [2], d: 3 } },
  );
  assert.equal(fullnameOf("ovenline", {}), "ovenline");
  assert.equal(fullnameOf("prod", {}), "prod-ovenline");
  assert.equal(fullnameOf("prod", { fullnameOverride: "pizza" }), "pizza");
});
