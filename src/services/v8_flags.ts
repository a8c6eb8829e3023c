/** The `--v8-flags=…` a service runs with (see v8_flags.tsv); empty for an unlisted one. */
const TABLE = new URL("./v8_flags.tsv", import.meta.url);

export function v8FlagsFor(service: string): string[] {
  for (const line of Deno.readTextFileSync(TABLE).split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [name, flags] = line.split("\t");
    if (name === service && flags) return [`--v8-flags=${flags.trim()}`];
  }
  return [];
}
