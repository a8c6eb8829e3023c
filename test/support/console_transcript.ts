/**
 * Shell transcripts in Markdown, so a test can run a document's commands and hold their output to
 * what the document shows. A transcript is a ```console block: a line starting with `$ ` is a
 * command, the lines up to the next command are what it printed.
 *
 * - A command goes on over the next lines while it ends in a backslash or has an open single
 *   quote (a JSON request spread over lines). Single quotes inside double quotes are not
 *   supported.
 * - An output line that is `…` alone stands for any number of lines the document left out.
 * - Output is compared line by line with runs of spaces and tabs made one space and blank lines
 *   dropped; the caller names the values that differ from run to run (ids, times), and those
 *   compare as equal whatever they are.
 */

export const ELLIPSIS = "…";

export interface TranscriptEntry {
  /** The command as a shell reads it (continuation lines joined with newlines). */
  readonly command: string;
  /** The output lines shown after it. */
  readonly output: readonly string[];
  /** 1-based line of the `$ ` in the Markdown text. */
  readonly line: number;
}

/** The text under the heading `## <title>`, up to the next heading of that level or higher. */
export function markdownSection(markdown: string, title: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) throw new Error(`no section "## ${title}"`);
  const end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

function openCommand(command: string): boolean {
  return command.endsWith("\\") || (command.match(/'/g)?.length ?? 0) % 2 === 1;
}

/** Every command of every ```console block in `markdown`, in order. */
export function consoleTranscript(markdown: string, firstLine = 1): TranscriptEntry[] {
  const lines = markdown.split("\n");
  const entries: { command: string; output: string[]; line: number }[] = [];
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inBlock) {
      inBlock = line.trim() === "```console";
      continue;
    }
    if (line.trim() === "```") {
      inBlock = false;
      continue;
    }
    if (line.startsWith("$ ")) {
      const entry = { command: line.slice(2), output: [] as string[], line: firstLine + i };
      while (openCommand(entry.command) && i + 1 < lines.length) entry.command += `\n${lines[++i]}`;
      entries.push(entry);
    } else if (entries.length > 0) {
      entries[entries.length - 1].output.push(line);
    } else {
      throw new Error(`line ${firstLine + i}: output before any command in a console block`);
    }
  }
  return entries;
}

function normalise(text: string, variable: readonly RegExp[]): string[] {
  return text.split("\n")
    .map((line) =>
      variable.reduce((l, pattern) => l.replace(pattern, "<var>"), line.replace(/\s+/g, " ").trim())
    )
    .filter((line) => line !== "");
}

/**
 * Whether `actual` is what `shown` shows, `…` lines standing for any lines and the `variable`
 * patterns (global regexps) for any value. Returns undefined when it is, or a message saying
 * where it first differs.
 */
export function compareOutput(
  shown: readonly string[],
  actual: string,
  variable: readonly RegExp[] = [],
): string | undefined {
  const want = normalise(shown.join("\n"), variable);
  const got = normalise(actual, variable);
  // want[i..] matches got[j..]; `…` matches any run of lines. Memoised: at most |want|·|got| cases.
  const memo = new Map<number, boolean>();
  const matches = (i: number, j: number): boolean => {
    const key = i * (got.length + 1) + j;
    let result = memo.get(key);
    if (result === undefined) {
      if (i === want.length) result = j === got.length;
      else if (want[i] === ELLIPSIS) {
        result = matches(i + 1, j) || (j < got.length && matches(i, j + 1));
      } else result = j < got.length && want[i] === got[j] && matches(i + 1, j + 1);
      memo.set(key, result);
    }
    return result;
  };
  if (matches(0, 0)) return undefined;
  const firstMissing = want.find((line) => line !== ELLIPSIS && !got.includes(line));
  return [
    firstMissing === undefined
      ? "the lines are there, but not in the order or number shown"
      : `not printed: ${JSON.stringify(firstMissing)}`,
    `printed:\n${actual}`,
  ].join("\n");
}
