import assert from "node:assert/strict";
import { allocationSites } from "./heap_promoted.ts";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});
const node = (callFrame: Node["callFrame"], selfSize: number, children: Node[] = []): Node => ({
  callFrame,
  selfSize,
  children,
});

const ioredis = "file:///r/node_modules/.deno/ioredis@5.9.3/node_modules/ioredis/built/Command.js";
const ours = "file:///r/src/adapters/redis/scripts.ts";

Deno.test("allocation sites: by stack, innermost first, runtime frames folded, largest first", () => {
  const head = node(frame("(root)", ""), 0, [
    node(frame("call", ours, 21), 100, [
      node(frame("Command", ioredis, 36), 3000, [
        node(frame("Promise", ""), 500),
        node(frame("from", "ext:deno_node/internal/buffer.mjs", 327), 0, [
          node(frame("FastBuffer", "ext:deno_node/internal/buffer.mjs", 191), 700),
        ]),
      ]),
    ]),
    node(frame("__eventLoopTick", "ext:core/01_core.js", 462), 40),
  ]);

  const sites = allocationSites(head);

  assert.deepStrictEqual(sites.map((s) => s.bytes), [3000, 700, 500, 100, 40]);
  assert.deepStrictEqual(sites[0].stack, [
    "Command (npm:ioredis/built/Command.js 37)",
    "call (src/adapters/redis/scripts.ts 22)",
  ]);
  assert.deepStrictEqual(sites[0].library, "ioredis");
  // Runtime frames under a library's call are folded into one marker and charged to the library.
  assert.deepStrictEqual(sites[1].stack, [
    "FastBuffer (ext:deno_node/internal/buffer.mjs 192)",
    "…runtime",
    "Command (npm:ioredis/built/Command.js 37)",
    "call (src/adapters/redis/scripts.ts 22)",
  ]);
  assert.deepStrictEqual(sites[1].library, "ioredis");
  assert.deepStrictEqual(sites[2].stack[0], "Promise (native 1)");
  assert.deepStrictEqual(sites[3].library, "ours");
  assert.deepStrictEqual(sites[4].library, "node/deno internals");
});

Deno.test("allocation sites: one entry per stack, however many nodes share it", () => {
  const head = node(frame("(root)", ""), 0, [
    node(frame("a", ours, 1), 0, [node(frame("b", ours, 2), 10)]),
    node(frame("a", ours, 1), 0, [node(frame("b", ours, 2), 5)]),
  ]);
  assert.deepStrictEqual(allocationSites(head), [{
    stack: ["b (src/adapters/redis/scripts.ts 3)", "a (src/adapters/redis/scripts.ts 2)"],
    library: "ours",
    bytes: 15,
  }]);
});
