/** The chart's identity, object names (`<fullname>-<suffix>`) and the labels every object carries. */
import { cat, chartAppVersion, type Expr, orElse, releaseName, v, withEntries } from "./expr.ts";
import { fullname } from "./helpers.ts";
import { ref } from "../values.ts";

export const CHART_NAME = "ovenline";
export const CHART_VERSION = "0.1.0";
export const APP_VERSION = "0.1.0";

/** `<fullname>-<suffix>` */
export const nameOf = (suffix: string): Expr<string> => cat(fullname, `-${suffix}`);
/** `<fullname>-<suffix>` where a name goes in an object. */
export const n = (suffix: string): string => v(nameOf(suffix));

function labelExprs(component: string, partOf = true): Record<string, Expr<string> | string> {
  return {
    "app.kubernetes.io/name": CHART_NAME,
    "app.kubernetes.io/instance": releaseName,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/version": orElse(ref("image.tag"), chartAppVersion),
    "app.kubernetes.io/managed-by": "Helm",
    "helm.sh/chart": `${CHART_NAME}-${CHART_VERSION}`,
    ...(partOf ? { "app.kubernetes.io/part-of": CHART_NAME } : {}),
  };
}

/**
 * The chart's labels. `partOf` (the default) puts the object's pods under the release's
 * NetworkPolicies (see ownPods); operator-run objects leave it out.
 */
export function labels(component: string, partOf = true): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labelExprs(component, partOf)).map((
      [key, e],
    ) => [key, typeof e === "string" ? e : v(e)]),
  );
}

/** The chart's labels plus those from a values map (for objects other tools select by label). */
export function labelsWith(
  component: string,
  extra: Expr<Record<string, string>>,
): Record<string, string> {
  return v(withEntries(labelExprs(component), extra));
}

/** metadata of an object of `component` named `<fullname>-<suffix>` (the component by default). */
export function objectMeta(
  component: string,
  suffix: string = component,
): { name: string; labels: Record<string, string> } {
  return { name: n(suffix), labels: labels(component) };
}

/** The labels that select one component's pods. */
export function selector(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": CHART_NAME,
    "app.kubernetes.io/instance": v(releaseName),
    "app.kubernetes.io/component": component,
  };
}

/** Every pod of the release that the chart's NetworkPolicies govern. */
export function ownPods(): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": CHART_NAME,
    "app.kubernetes.io/instance": v(releaseName),
  };
}
