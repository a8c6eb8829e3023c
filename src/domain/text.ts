/** Checks shared by every piece of untrusted text the domain accepts. */

const CONTROL_CHARACTER = /\p{Cc}/u;

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
  return undefined;
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
