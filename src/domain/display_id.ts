/**
 * Short order numbers for the KDS and the customer ("042"), unique per kitchen per business day.
 * The sequence number comes from a per-kitchen-per-day counter (Redis INCR on `displaySequenceKey`),
 * so uniqueness follows from the counter rather than from chance (the seed's UUID suffix collided).
 */

const MIN_DIGITS = 3;
const DISPLAY_ID = /^(?:\d{3}|[1-9]\d{3,15})$/;

/** `seq` ≥ 1 → at least three digits, zero-padded: 1 → "001", 1000 → "1000". */
export function formatDisplayId(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`display sequence must be a positive integer, got ${seq}`);
  }
  return String(seq).padStart(MIN_DIGITS, "0");
}

/** The sequence number behind a display id in its canonical form ("042" → 42); undefined otherwise. */
export function parseDisplayId(text: string): number | undefined {
  if (!DISPLAY_ID.test(text)) return undefined;
  const seq = Number(text);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/** The counter key for one kitchen's business day, e.g. "display:main:2026-11-26". */
export function displaySequenceKey(kitchenId: string, businessDate: Temporal.PlainDate): string {
  return `display:${kitchenId}:${businessDate.toString()}`;
}
