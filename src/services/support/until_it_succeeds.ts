/**
 * Start-up steps that need their dependencies (a database, Kafka) which may still be coming up:
 * run until one try succeeds, logging each failure and waiting a little longer each time (3 s at
 * most). An aborted `signal` ends the waiting with the last error; `onFailure` hears of each failed
 * try (a start-up's readiness says why it is still waiting).
 */
import type { Logger } from "../../observability/logger.ts";

export async function untilItSucceeds<T>(
  what: string,
  step: () => Promise<T>,
  logger: Logger,
  signal?: AbortSignal,
  onFailure?: (error: unknown) => void,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (signal?.aborted) throw error;
      onFailure?.(error);
      logger.warn(`${what} failed; retrying`, { error, attempt });
      await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 3_000)));
    }
  }
}
