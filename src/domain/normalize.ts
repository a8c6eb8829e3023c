/** Canonical forms of free text that the system compares or stores. */

/** Menu lookup key: NFC, trimmed, inner runs of whitespace collapsed to one space. */
export function normalizeName(name: string): string {
  return name.normalize("NFC").trim().replace(/\s+/gu, " ");
}

// Separators people type inside phone numbers: whitespace, ASCII and Unicode hyphens/dashes, dots, parentheses.
const PHONE_SEPARATORS = /[\s\-\u2010-\u2015\u2212.()]/gu;
const E164 = /^\+[1-9]\d{7,14}$/;
const RUSSIAN_NATIONAL = /^8(\d{10})$/;

/**
 * A phone number in E.164 ("+79001234567"), or undefined when `raw` is not one.
 * Accepts the Russian national form "8 900 123-45-67", which means +7.
 */
export function normalizePhone(raw: string): string | undefined {
  const compact = raw.replace(PHONE_SEPARATORS, "");
  const national = RUSSIAN_NATIONAL.exec(compact);
  const candidate = national ? `+7${national[1]}` : compact;
  return E164.test(candidate) ? candidate : undefined;
}
