/**
 * Where a running service allocates the objects that outlive the young generation: V8's sampling
 * heap profiler, told to keep the samples of objects a mark-compact freed and to drop those a
 * scavenge freed. What is left is what was promoted to the old space (or is still alive), by the
 * stack that allocated it: the objects that fill the old space between mark-compacts.
 *
 *   deno run -A --inspect=127.0.0.1:9230 src/services/intake/main.ts   # the service, under load
 *   deno run -A bench/heap_promoted.ts --port 9230 [--seconds 10] [--interval 4096] [--all]
 *
 * `--all` keeps the samples of every allocation instead (what scavenges free too), to compare.
 * Sizes are V8's estimates from one sample per `interval` bytes allocated.
 */
import { parseArgs } from "node:util";
import { type CallFrame, libraryOf, shortUrl } from "./cpuprofile_summary.ts";
import { connectInspector } from "./inspector_client.ts";

interface SamplingNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: SamplingNode[];
}

export interface AllocationSite {
  /** The innermost frames of the allocating stack, innermost first, runtime frames folded. */
  readonly stack: string[];
  /** The nearest library on the stack that is not Deno's or Node's runtime. */
  readonly library: string;
  readonly bytes: number;
}

function frameName(f: CallFrame): string {
  return `${f.functionName || "(anonymous)"} (${f.url ? shortUrl(f.url) : "native"} ${
    f.lineNumber + 1
  })`;
}

/** Allocation sites by bytes, from a sampling heap profile's tree. */
export function allocationSites(head: SamplingNode, depth = 6): AllocationSite[] {
  const sites = new Map<string, AllocationSite>();
  const walk = (node: SamplingNode, path: CallFrame[]) => {
    const here = node.callFrame.url || node.callFrame.functionName !== "(root)"
      ? [...path, node.callFrame]
      : path;
    if (node.selfSize > 0) {
      const inner = here.slice().reverse();
      const libraries = inner.map(libraryOf);
      const library = libraries.find((l) => l !== "node/deno internals") ?? "node/deno internals";
      const stack: string[] = [];
      for (const [i, f] of inner.entries()) {
        const internal = libraries[i] === "node/deno internals";
        if (internal && stack.length > 0 && stack[stack.length - 1] === "…runtime") continue;
        stack.push(internal && stack.length > 0 ? "…runtime" : frameName(f));
        if (stack.length >= depth) break;
      }
      const key = stack.join(" < ");
      const prev = sites.get(key);
      sites.set(key, { stack, library, bytes: (prev?.bytes ?? 0) + node.selfSize });
    }
    for (const c of node.children) walk(c, here);
  };
  walk(head, []);
  return [...sites.values()].sort((a, b) => b.bytes - a.bytes);
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    options: {
      port: { type: "string", default: "9230" },
      seconds: { type: "string", default: "10" },
      interval: { type: "string", default: "4096" },
      top: { type: "string", default: "25" },
      all: { type: "boolean", default: false },
    },
  });
  const inspector = await connectInspector(args.port);
  await inspector.send("HeapProfiler.enable");
  await inspector.send("HeapProfiler.startSampling", {
    samplingInterval: Number(args.interval),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: args.all,
  });
  await new Promise((r) => setTimeout(r, Number(args.seconds) * 1000));
  const { profile } = await inspector.send("HeapProfiler.stopSampling") as {
    profile: { head: SamplingNode };
  };
  inspector.close();

  const sites = allocationSites(profile.head);
  const total = sites.reduce((s, x) => s + x.bytes, 0);
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const pct = (b: number) => `${(b / total * 100).toFixed(1)} %`;
  console.log(
    `${args.all ? "every allocation" : "promoted or still alive"} over ${args.seconds} s: ` +
      `${kb(total)} sampled`,
  );
  const byLibrary = new Map<string, number>();
  for (const s of sites) byLibrary.set(s.library, (byLibrary.get(s.library) ?? 0) + s.bytes);
  console.log("\nby library (nearest non-runtime frame):");
  for (const [lib, b] of [...byLibrary].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${kb(b).padStart(9)} ${pct(b).padStart(7)}  ${lib}`);
  }
  console.log("\nby allocating stack (innermost first):");
  for (const s of sites.slice(0, Number(args.top))) {
    console.log(`  ${kb(s.bytes).padStart(9)} ${pct(s.bytes).padStart(7)}  ${s.stack.join(" < ")}`);
  }
}
