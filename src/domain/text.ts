/** Checks shared by every piece of untrusted text the domain accepts. */

// Control characters, and the Unicode line and paragraph separators (line breaks by another name).
const CONTROL_CHARACTER = /[\p{Cc}\p{Zl}\p{Zp}]/u;
// Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and
// the direction marks (U+200E, U+200F, U+061C). They reorder what follows them, so a name can show
// on the KDS as something else than what was typed ("Trojan Source"). Names in right-to-left scripts
// need none of them: the Unicode bidi algorithm orders their letters by itself.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
// Nothing a reader would see: whitespace and invisible format characters (zero-width space, joiners, marks).
const BLANK = /^[\s\p{Cf}]*$/u;

/** Length as people count characters (code points), so "й" and "🍕" count once. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** Why `text` cannot be stored or shown as is, or undefined when it is fine. */
export function textProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return "must be valid Unicode text (it has an unpaired surrogate)";
  if (CONTROL_CHARACTER.test(text)) {
    return "must not contain control characters (tabs, line breaks and the like)";
  }
  if (BIDI_CONTROL.test(text)) {
    return "must not contain bidirectional control characters (U+202E and the like), which can disguise text";
  }
  return undefined;
}

/** Whether `text` shows nothing: empty, whitespace, or only invisible format characters such as U+200B. */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/** `text` cut to `maxLength` code points, with an ellipsis when cut. */
export function truncated(text: string, maxLength = 64): string {
  const codePoints = [...text];
  return codePoints.length > maxLength ? `${codePoints.slice(0, maxLength).join("")}…` : text;
}

/** `text` in double quotes for an error message, cut to `maxLength` code points. */
export function quoted(text: string, maxLength = 64): string {
  return `"${truncated(text, maxLength)}"`;
}
