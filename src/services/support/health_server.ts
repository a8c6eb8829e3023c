/**
 * /healthz (liveness: every loop of the process makes progress) and /readyz (readiness: it is
 * started, its loops are neither stopped nor waiting, and its dependencies answer) for probes.
 * Each answer lists the loops and what is wrong with them. The port opens before anything else
 * starts, reporting "not ready: starting" until the service says it is.
 */
import type { ProgressWatchdog, Verdict } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Startup } from "./startup.ts";

export interface HealthChecks {
  readonly watchdog: ProgressWatchdog;
  /**
   * When false (a port the public reaches, as the hub's), the answers say only ok / not live and
   * ready / not ready; the reasons go to the log.
   */
  readonly detailed?: boolean;
  /** Where a terse answer's reasons go. */
  readonly logger?: Logger;
  /** Not ready until it is done; says what start-up is waiting for meanwhile. */
  readonly startup?: Startup;
  /** Asked by /readyz only: throws when a dependency does not answer. */
  readonly dependencies?: () => Promise<void>;
}

/** The answer to a health path, or undefined for any other path. */
export function healthResponse(
  path: string,
  checks: HealthChecks,
): Promise<Response> | undefined {
  if (path === "/healthz") {
    const verdict = checks.watchdog.verdict();
    return Promise.resolve(
      answer(checks, verdict.live, verdict.live ? "ok" : "not live", "", loopLines(verdict)),
    );
  }
  if (path === "/readyz") return readiness(checks);
  return undefined;
}

async function readiness(checks: HealthChecks): Promise<Response> {
  const verdict = checks.watchdog.verdict();
  const lines = loopLines(verdict);
  if (checks.startup && !checks.startup.done) {
    return answer(checks, false, "not ready", `starting: ${checks.startup.status}`, lines);
  }
  const blocking = verdict.loops.find((l) => !l.ready);
  if (blocking) {
    return answer(checks, false, "not ready", `${blocking.loop}: ${blocking.detail}`, lines);
  }
  try {
    await checks.dependencies?.();
  } catch (error) {
    // Loops log their own changes (logHealthChanges); a dependency's failure is logged here.
    if (checks.detailed === false) checks.logger?.warn("not ready", { error });
    return answer(checks, false, "not ready", (error as Error).message, lines);
  }
  return answer(checks, true, "ready", "", lines);
}

function answer(
  checks: HealthChecks,
  ok: boolean,
  verdict: string,
  reason: string,
  lines: string,
): Response {
  const body = checks.detailed === false
    ? `${verdict}\n`
    : `${verdict}${reason ? `: ${reason}` : ""}\n${lines}`;
  return new Response(body, { status: ok ? 200 : 503 });
}

function loopLines(verdict: Verdict): string {
  return verdict.loops.map((l) => `${l.loop}: ${l.detail}\n`).join("");
}

export interface HealthServer {
  readonly port: number;
  shutdown(): Promise<void>;
}

/** Serves the two paths on `port` (0: any free port) and logs every change of the verdict. */
export function serveHealth(port: number, checks: HealthChecks, logger: Logger): HealthServer {
  const server = Deno.serve(
    { port, hostname: "0.0.0.0", onListen: () => {} },
    (req) =>
      healthResponse(new URL(req.url).pathname, checks) ??
        new Response("not found\n", { status: 404 }),
  );
  const stopLogging = logHealthChanges(checks.watchdog, logger);
  return {
    port: server.addr.port,
    shutdown: async () => {
      stopLogging();
      await server.shutdown();
    },
  };
}

/**
 * Logs when a loop stops being live or ready and when it recovers, once per change, so the
 * log says why a probe failed. Returns the function that stops it.
 */
export function logHealthChanges(
  watchdog: ProgressWatchdog,
  logger: Logger,
  everyMs = 1_000,
): () => void {
  const last = new Map<string, string>();
  const timer = setInterval(() => {
    const seen = new Set<string>();
    for (const loop of watchdog.verdict().loops) {
      seen.add(loop.loop);
      const state = loop.live ? (loop.ready ? "ok" : "not ready") : "not live";
      const before = last.get(loop.loop);
      last.set(loop.loop, state);
      // A loop's first state is where it starts (a consume loop not yet in its group): only
      // "not live" is worth a line then.
      if (state === before || (before === undefined && state !== "not live")) continue;
      const fields = { loop: loop.loop, detail: loop.detail };
      if (state === "not live") logger.error("a loop makes no progress: not live", fields);
      else if (state === "not ready") logger.warn("a loop is not ready", fields);
      else logger.info("a loop is healthy again", fields);
    }
    for (const name of last.keys()) if (!seen.has(name)) last.delete(name);
  }, everyMs);
  return () => clearInterval(timer);
}
