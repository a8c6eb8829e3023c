/**
 * deno task k8s:check --phase pre|post [-n NS] [--release NAME] [-f values.yaml]...
 *
 * Checks a cluster before and after `helm install` of charts/ovenline and prints a report; see
 * checks.ts for what is checked, docs/deploy.md for when to run it.
 */
import { parse as parseYaml } from "yaml";
import { loadKubeConfig } from "../../adapters/kubernetes/kube_config.ts";
import { checkCluster, formatReport } from "./checks.ts";
import { readK8sCheckConfig, USAGE } from "./config.ts";
import { mergeValues, setValue, type Values } from "./requirements.ts";

const CHART_VALUES = new URL("../../../charts/ovenline/values.yaml", import.meta.url);

/** The chart's defaults, then each values file, then each --set. */
export async function releaseValues(
  files: readonly string[],
  set: readonly [string, unknown][],
): Promise<Values> {
  let values = parseYaml(await Deno.readTextFile(CHART_VALUES)) as Values;
  for (const file of files) {
    values = mergeValues(values, parseYaml(await Deno.readTextFile(file)) ?? {}) as Values;
  }
  for (const [key, value] of set) setValue(values, key, value);
  return values;
}

export async function main(args: readonly string[]): Promise<number> {
  const config = readK8sCheckConfig(args);
  if ("error" in config) {
    if (config.error) console.error(`k8s:check: ${config.error}`);
    console.error(USAGE);
    return 2;
  }
  let values: Values;
  try {
    values = await releaseValues(config.valuesFiles, config.set);
  } catch (error) {
    console.error(`k8s:check: reading values: ${(error as Error).message}`);
    return 2;
  }
  let kc;
  try {
    kc = loadKubeConfig(config.kube);
  } catch (error) {
    console.error(`k8s:check: no cluster to check: ${(error as Error).message}`);
    return 2;
  }
  const opts = { ...config, values };
  const findings = await checkCluster(kc, opts);
  console.log(formatReport(findings, opts));
  const unreachable = findings.some((f) =>
    f.section === "API server" && f.status === "fail" && f.detail.startsWith("not reachable")
  );
  if (unreachable) return 2;
  return findings.some((f) => f.status === "fail") ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
