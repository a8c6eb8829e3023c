/**
 * Summarizes a V8 .cpuprofile (deno run --cpu-prof) as markdown: the top
 * functions by self time and the self time per library, the library told by
 * the url of each call frame.
 *
 *   deno run -A bench/cpuprofile_summary.ts intake.cpuprofile [--top 15]
 *
 * Self time of a sample is the time until the next sample (V8's timeDeltas
 * are the gaps before each sample). "(idle)" is time the thread waited for
 * I/O; shares are of the busy (non-idle) time.
 */
import { parseArgs } from "node:util";

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}

export interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** The library a call frame belongs to, by its url (npm package paths, Deno's own schemes, ours). */
export function libraryOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") {
    if (frame.functionName === "(garbage collector)") return "GC";
    if (frame.functionName === "(idle)") return "idle";
    return "node/deno internals";
  }
  const rules: [RegExp, string][] = [
    [/\/@grpc\//, "grpc-js"],
    [/\/kafkajs\//, "kafkajs"],
    [
      /\/(ioredis|redis-parser|redis-errors|denque|cluster-key-slot|standard-as-callback)\//,
      "ioredis",
    ],
    [/\/(pg|pg-protocol|pg-types|pg-pool|pg-connection-string|postgres-[a-z]+)\//, "pg"],
    [
      /\/(@bufbuild|protobufjs|@protobufjs)\/|\/src\/gen\/|\/src\/adapters\/protobuf\//,
      "protobuf encoding",
    ],
    [
      /\/src\/domain\/(validation|normalize|text|new_order)\.ts|\/tolerant_decoding\.ts/,
      "validation",
    ],
    [
      /\/@opentelemetry\/|\/src\/observability\/(?!logger)|^ext:telemetry|ext:deno_telemetry/,
      "telemetry",
    ],
    [/\/src\/observability\/logger\.ts|^ext:.*console/, "logging"],
    [/^(node:|ext:|deno:)/, "node/deno internals"],
    [/^file:\/\/.*\/src\//, "ours"],
  ];
  for (const [re, lib] of rules) if (re.test(url)) return lib;
  const pkg = /\/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return pkg ? `npm: ${pkg[1]}` : "other";
}

export interface Entry {
  readonly name: string;
  readonly library: string;
  /** The file (npm package path, repository path or runtime module); "" for V8's own entries. */
  readonly file: string;
  readonly line: number | null;
  readonly selfMs: number;
}

export interface Summary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly top: Entry[];
  readonly libraries: { library: string; selfMs: number }[];
  /**
   * Self time of node/deno internals (buffers, streams, sockets, hashing) charged to the nearest
   * caller from a library: who made the runtime do the work. GC stays GC.
   */
  readonly charged: { library: string; selfMs: number }[];
}

/** A call frame's url, short: `npm:<package path>`, a repository path, or the runtime's own. */
export function shortUrl(url: string): string {
  const m = /node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?(.*)$/.exec(url);
  if (m) return `npm:${m[1]}`;
  const src = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return src ? src[1] : url;
}

export function summarize(p: CpuProfile, top = 15): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const next = p.timeDeltas[i + 1];
    const us = next !== undefined && next >= 0 ? next : 0;
    selfByNode.set(p.samples[i], (selfByNode.get(p.samples[i]) ?? 0) + us);
    total += us;
  }
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const chargedTo = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const lib = libraryOf(byId.get(at)!.callFrame);
      if (lib !== "node/deno internals") return lib;
    }
    return "node/deno internals";
  };
  const charged = new Map<string, number>();
  const fns = new Map<string, { frame: CallFrame; us: number }>();
  const libs = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const lib = libraryOf(frame);
    if (lib === "idle") {
      idle += us;
      continue;
    }
    libs.set(lib, (libs.get(lib) ?? 0) + us);
    const to = chargedTo(id);
    charged.set(to, (charged.get(to) ?? 0) + us);
    const key = `${frame.functionName}\0${frame.url}\0${frame.lineNumber}`;
    const e = fns.get(key) ?? { frame, us: 0 };
    e.us += us;
    fns.set(key, e);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    totalMs: ms(total),
    idleMs: ms(idle),
    busyMs: ms(total - idle),
    top: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({
      name: e.frame.functionName || "(anonymous)",
      library: libraryOf(e.frame),
      file: e.frame.url ? shortUrl(e.frame.url) : "",
      line: e.frame.url ? e.frame.lineNumber + 1 : null,
      selfMs: ms(e.us),
    })),
    libraries: [...libs].sort((a, b) => b[1] - a[1]).map(([library, us]) => ({
      library,
      selfMs: ms(us),
    })),
    charged: [...charged].sort((a, b) => b[1] - a[1]).map(([library, us]) => ({
      library,
      selfMs: ms(us),
    })),
  };
}

export function markdown(title: string, s: Summary): string {
  const pct = (v: number) => s.busyMs > 0 ? `${(v / s.busyMs * 100).toFixed(1)} %` : "–";
  const out = [
    `### ${title}`,
    "",
    `Profiled ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s ` +
    `(idle ${(s.idleMs / 1000).toFixed(1)} s); shares are of the busy time.`,
    "",
    "| # | function | library | file | line | self ms | share |",
    "|---:|---|---|---|---:|---:|---:|",
    ...s.top.map((e, i) =>
      `| ${i + 1} | \`${e.name}\` | ${e.library} | ${e.file.replaceAll("|", "\\|")} | ${
        e.line ?? ""
      } | ${e.selfMs} | ${pct(e.selfMs)} |`
    ),
    "",
    "By library: self time, and self time with node/deno internals charged to their nearest caller.",
    "",
    "| library | self ms | share | internals charged to caller: ms | share |",
    "|---|---:|---:|---:|---:|",
    ...[...new Set([...s.libraries, ...s.charged].map((l) => l.library))].map((lib) => {
      const own = s.libraries.find((l) => l.library === lib)?.selfMs ?? 0;
      const ch = s.charged.find((l) => l.library === lib)?.selfMs ?? 0;
      return `| ${lib} | ${own} | ${pct(own)} | ${ch} | ${pct(ch)} |`;
    }),
  ];
  return out.join("\n") + "\n";
}

/** Writes `<name>.summary.md` next to every .cpuprofile under `dir` (recursively). */
export async function summarizeProfiles(dir: string, log: (m: string) => void): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await summarizeProfiles(path, log);
    else if (e.name.endsWith(".cpuprofile")) {
      const s = summarize(JSON.parse(await Deno.readTextFile(path)));
      const out = `${path.slice(0, -".cpuprofile".length)}.summary.md`;
      await Deno.writeTextFile(out, markdown(e.name, s));
      log(`profile summary: ${out}`);
    }
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { top: { type: "string", default: "15" } },
    allowPositionals: true,
  });
  if (!positionals.length) {
    console.error("usage: deno run -A bench/cpuprofile_summary.ts FILE.cpuprofile... [--top N]");
    Deno.exit(2);
  }
  for (const file of positionals) {
    const s = summarize(JSON.parse(await Deno.readTextFile(file)), Number(values.top));
    console.log(markdown(file.split("/").pop()!, s));
  }
}
