/**
 * What a running service allocated a little while ago and still holds: the objects that live long
 * enough to be promoted to V8's old space and fill it between mark-compacts.
 *
 *   deno run -A --inspect=127.0.0.1:9230 src/services/intake/main.ts   # the service, under load
 *   deno run -A bench/heap_survivors.ts --port 9230 [--window-ms 2000] [--settle-ms 300]
 *
 * It takes three heap snapshots, each after a full GC: at the start of the window, at its end, and
 * `settle` later. V8 keeps an object's id from one snapshot to the next and numbers the objects it
 * has not seen before upwards, so the objects of the last snapshot whose ids fall between the
 * highest id of the first and of the second were allocated during the window and are still alive;
 * they are listed by kind and constructor, with what holds them from outside the window.
 * `--settle-ms 0` lists what the end of the window held, from the second snapshot.
 */
import { parseArgs } from "node:util";
import { connectInspector } from "./inspector_client.ts";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "9230" },
    "window-ms": { type: "string", default: "2000" },
    "settle-ms": { type: "string", default: "300" },
    top: { type: "string", default: "25" },
  },
});
const windowMs = Number(args["window-ms"]);
const settleMs = Number(args["settle-ms"]);
const top = Number(args.top);

const inspector = await connectInspector(args.port);
const chunks: string[] = [];
inspector.on("HeapProfiler.addHeapSnapshotChunk", (p) => chunks.push(p.chunk as string));
const send = inspector.send;

// deno-lint-ignore no-explicit-any
async function snapshot(): Promise<any> {
  chunks.length = 0;
  await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  return JSON.parse(chunks.join(""));
}

// deno-lint-ignore no-explicit-any
function highestId(snap: any): number {
  const nf = snap.snapshot.meta.node_fields.length;
  const at = snap.snapshot.meta.node_fields.indexOf("id");
  let max = 0;
  for (let n = at; n < snap.nodes.length; n += nf) max = Math.max(max, snap.nodes[n]);
  return max;
}

await send("HeapProfiler.enable");
const fromId = highestId(await snapshot());
await new Promise((r) => setTimeout(r, windowMs));
const end = await snapshot();
const toId = highestId(end);
// --settle-ms 0: what the window's end still held, without a wait.
const snap = settleMs > 0
  ? (await new Promise((r) => setTimeout(r, settleMs)), await snapshot())
  : end;
inspector.close();
const fields: string[] = snap.snapshot.meta.node_fields;
const edgeFields: string[] = snap.snapshot.meta.edge_fields;
const nodeTypes: string[] = snap.snapshot.meta.node_types[0];
const edgeTypes: string[] = snap.snapshot.meta.edge_types[0];
const strings: string[] = snap.strings;
const nodes: number[] = snap.nodes;
const edges: number[] = snap.edges;
const NF = fields.length;
const EF = edgeFields.length;
const [fType, fName, fId, fSize, fEdges] = ["type", "name", "id", "self_size", "edge_count"].map(
  (f) => fields.indexOf(f),
);
const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) => edgeFields.indexOf(f));

const label = (n: number) => `${nodeTypes[nodes[n + fType]]} ${strings[nodes[n + fName]]}`;
const inWindow = (n: number) => nodes[n + fId] > fromId && nodes[n + fId] <= toId;

const groups = new Map<string, { count: number; bytes: number }>();
const holders = new Map<string, number>();
let count = 0;
let bytes = 0;
for (let n = 0, e = 0; n < nodes.length; n += NF) {
  const edgeEnd = e + nodes[n + fEdges] * EF;
  const fresh = inWindow(n);
  if (fresh) {
    const key = label(n);
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[n + fSize];
    groups.set(key, g);
    count++;
    bytes += nodes[n + fSize];
  }
  if (!fresh) {
    for (; e < edgeEnd; e += EF) {
      const to = edges[e + eTo];
      if (!inWindow(to) || edgeTypes[edges[e + eType]] === "weak") continue;
      const type = edgeTypes[edges[e + eType]];
      const name = type === "element" || type === "hidden"
        ? `[${type}]`
        : String(strings[edges[e + eName]]).slice(0, 40);
      const key = `${label(n).slice(0, 60)} .${name} → ${label(to).slice(0, 50)}`;
      holders.set(key, (holders.get(key) ?? 0) + 1);
    }
  }
  e = edgeEnd;
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
console.log(
  `window ${windowMs} ms (ids ${fromId}..${toId}), ${settleMs} ms before the snapshot: ` +
    `${count} objects, ${kb(bytes)} still alive`,
);
console.log("\nby kind and constructor (self size):");
for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`  ${kb(g.bytes).padStart(10)} ${String(g.count).padStart(7)}  ${key.slice(0, 100)}`);
}
console.log("\nheld from outside the window by:");
for (const [key, n] of [...holders].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${String(n).padStart(7)}  ${key}`);
}
