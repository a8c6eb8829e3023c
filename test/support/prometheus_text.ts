/**
 * Reads what a service serves at /metrics (Prometheus' text format 0.0.4): its samples, and the
 * units its `# UNIT` comments declare.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: readonly Sample[];
  readonly units: ReadonlyMap<string, string>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const units = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# UNIT ")) {
      const [name, unit] = line.slice(7).split(" ");
      units.set(name, unit);
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[3] ?? "").matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_all, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return { samples, units };
}

/** GET /metrics of the service on `port`, parsed. */
export async function scrape(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics on ${port}: ${res.status} ${await res.text()}`);
  return parsePrometheusText(await res.text());
}

/** The value of the one sample `name` whose labels include `labels`, or undefined. */
export function valueOf(
  scrape: Scrape,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return scrape.samples.find((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value;
}
