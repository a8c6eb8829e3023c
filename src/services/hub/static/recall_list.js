// @ts-check
/**
 * The KDS recall drawer's memory: the orders this tablet saw bumped (completed), newest first.
 * A bumped order is completed on the server for good (the status machine has no way back), so
 * recall does not reopen it: it shows the ticket again, read-only, for cooks who bumped too early
 * or need to check what went out. Entries expire; the list is small and kept per tablet.
 * Pure: the page stores the list (localStorage) and passes "now".
 */

/** @typedef {import("./kds_state.js").Order} Order */
/** @typedef {{ order: Order, bumpedAtMs: number }} RecallEntry */

export const RECALL_LIMIT = 8;
export const RECALL_MAX_AGE_MS = 30 * 60_000;

/**
 * `order` at the head of the list (once: an order bumped again replaces its older entry).
 * @param {readonly RecallEntry[]} list
 * @param {Order} order
 * @param {number} nowMs
 * @returns {RecallEntry[]}
 */
export function pushRecall(list, order, nowMs) {
  const rest = list.filter((entry) => entry.order.id !== order.id);
  return [{ order, bumpedAtMs: nowMs }, ...rest].slice(0, RECALL_LIMIT);
}

/**
 * The entries still worth showing at `nowMs`.
 * @param {readonly RecallEntry[]} list
 * @param {number} nowMs
 * @returns {RecallEntry[]}
 */
export function pruneRecall(list, nowMs) {
  return list.filter((entry) => nowMs - entry.bumpedAtMs <= RECALL_MAX_AGE_MS);
}

/**
 * A stored list read back; anything malformed is dropped rather than trusted.
 * @param {string | null} text
 * @param {number} nowMs
 * @returns {RecallEntry[]}
 */
export function parseRecall(text, nowMs) {
  try {
    const raw = JSON.parse(text ?? "[]");
    if (!Array.isArray(raw)) return [];
    const valid = raw.filter((entry) =>
      entry && typeof entry.bumpedAtMs === "number" && typeof entry.order?.id === "string" &&
      Array.isArray(entry.order.items)
    );
    return pruneRecall(valid, nowMs).slice(0, RECALL_LIMIT);
  } catch {
    return [];
  }
}
