// @ts-check
/**
 * The hub's clock as seen from a tablet. Age timers count from the server's `visibleAt`; a tablet
 * whose own clock is minutes off would colour every ticket wrong, so the page corrects its clock
 * by the offset measured from ping/pong round trips (the pong carries the hub's time).
 * Pure: the caller passes its local times.
 */

/**
 * The server-minus-local offset one round trip shows, assuming the pong was stamped half-way.
 * @param {{ sentMs: number, receivedMs: number, at: string }} pong
 * @returns {{ offsetMs: number, rttMs: number } | undefined}
 */
export function measureOffset(pong) {
  const serverMs = Date.parse(pong.at);
  const rttMs = pong.receivedMs - pong.sentMs;
  if (Number.isNaN(serverMs) || rttMs < 0) return undefined;
  return { offsetMs: Math.round(serverMs - (pong.sentMs + rttMs / 2)), rttMs };
}

/**
 * Keeps the offset of the quickest of the recent round trips (the least distorted by delay).
 * @param {readonly { offsetMs: number, rttMs: number }[]} samples newest last
 * @param {number} [keep]
 * @returns {number} offset in ms to add to the local clock (0 without samples)
 */
export function bestOffset(samples, keep = 8) {
  const recent = samples.slice(-keep);
  if (recent.length === 0) return 0;
  return recent.reduce((best, s) => (s.rttMs < best.rttMs ? s : best)).offsetMs;
}
