// @ts-check
/**
 * Numbers, money and times as the pages show them. Times arrive as ISO-8601 UTC and are shown in
 * the kitchen's own time zone (not the tablet's); money arrives as integer kopecks.
 * Pure: no DOM.
 */
import { localeOf } from "./i18n.js";

/** @typedef {import("./i18n.js").Lang} Lang */

/**
 * "HH:MM" (24-hour) of `iso` in `timeZone`; "—" for a missing or unreadable instant.
 * @param {string | undefined} iso
 * @param {string | undefined} timeZone IANA zone; undefined = the browser's own zone
 * @param {Lang} lang
 */
export function formatTime(iso, timeZone, lang) {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) return "—";
  return new Intl.DateTimeFormat(localeOf(lang), {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(ms);
}

/**
 * "HH:MM–HH:MM" of a slot in `timeZone`.
 * @param {string} startIso
 * @param {string} endIso
 * @param {string | undefined} timeZone
 * @param {Lang} lang
 */
export function formatTimeRange(startIso, endIso, timeZone, lang) {
  return `${formatTime(startIso, timeZone, lang)}–${formatTime(endIso, timeZone, lang)}`;
}

/**
 * A price: kopecks as roubles with kopecks, e.g. "962,00 ₽" (ru) or "₽962.00" (en).
 * @param {number} kopecks
 * @param {Lang} lang
 */
export function formatMoney(kopecks, lang) {
  if (!Number.isFinite(kopecks)) return "—";
  return new Intl.NumberFormat(localeOf(lang), {
    style: "currency",
    currency: "RUB",
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(kopecks / 100);
}

/**
 * Roubles with kopecks as typed into a price field ("962", "962,5", "962.50", "1 234,00 ₽") as
 * integer kopecks; undefined when it is not a non-negative amount with at most 2 decimals.
 * @param {string} text
 * @returns {number | undefined}
 */
export function parseMoney(text) {
  const compact = text.replace(/[\s\u00a0\u202f₽]/g, "").replace(/^RUB|RUB$|р\.?$|руб\.?$/gi, "");
  const match = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(compact);
  if (!match) return undefined;
  const kopecks = Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
  return Number.isSafeInteger(kopecks) ? kopecks : undefined;
}

/**
 * Kopecks as the plain number a price field starts with: "962.50" / "962,50".
 * @param {number} kopecks
 * @param {Lang} lang
 */
export function moneyInputValue(kopecks, lang) {
  const text = (kopecks / 100).toFixed(2);
  return lang === "ru" ? text.replace(".", ",") : text;
}

/**
 * An elapsed time as "m:ss", or "h:mm:ss" from an hour on; negative counts as zero.
 * @param {number} ms
 */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}

/**
 * A whole number with the locale's grouping, e.g. "12 340".
 * @param {number} n
 * @param {Lang} lang
 */
export function formatCount(n, lang) {
  return new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 0 }).format(n);
}
