/**
 * Values an observable instrument reports that take I/O to compute (Kafka
 * offsets, Redis loads). Computed only when /metrics is read (never when
 * nothing scrapes), at most one computation at a time, bounded by a timeout; a
 * failed or slow computation reports nothing rather than stale numbers.
 */
export interface Observation {
  readonly value: number;
  readonly attributes: Record<string, string>;
}

export function observedValues(
  compute: () => Promise<Observation[]>,
  timeoutMs = 2_000,
  onError: (error: unknown) => void = () => {},
): () => Promise<Observation[]> {
  let running: Promise<Observation[]> | undefined;
  return async () => {
    running ??= compute().finally(() => (running = undefined));
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        running,
        new Promise<Observation[]>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      onError(error);
      return [];
    } finally {
      clearTimeout(timer);
    }
  };
}
