/** Startup, liveness and readiness probes of the services, with the timings they all share. */
import { type Expr, v } from "../expr.ts";
import type * as k from "../k8s_types.ts";

export type Probes = Pick<k.IContainer, "startupProbe" | "livenessProbe" | "readinessProbe">;
type ProbeKind = keyof Probes;

/**
 * Up to two minutes to start; restarted after 30 s of failing liveness; out of rotation after 10 s.
 * The HTTP services open their health port before anything else and answer /healthz as soon as
 * they run, so their startup probe passes within seconds: start-up itself (dependencies coming
 * back, a live-state restore) takes as long as it needs, /readyz saying "starting" meanwhile,
 * and liveness fails only when a loop stops making progress (STALL_AFTER_MS). Intake's gRPC health
 * turns SERVING once its dependencies are connected.
 */
const TIMINGS: Record<ProbeKind, k.IProbe> = {
  startupProbe: { periodSeconds: 2, failureThreshold: 60 },
  livenessProbe: { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
  readinessProbe: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
};

/** The three probes, each asking what `check` says for its kind. */
export function probes(check: (kind: ProbeKind) => k.IProbe): Probes {
  const out: Probes = {};
  for (const kind of Object.keys(TIMINGS) as ProbeKind[]) {
    out[kind] = { ...check(kind), ...TIMINGS[kind] };
  }
  return out;
}

/** GET /readyz for readiness, /healthz for the others. */
export function httpProbes(port: Expr<number>): Probes {
  const p = v(port);
  return probes((kind) => ({
    httpGet: { path: kind === "readinessProbe" ? "/readyz" : "/healthz", port: p },
  }));
}
