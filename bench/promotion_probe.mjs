/**
 * How fast a runtime promotes the objects of a plain ioredis loop into V8's old space: the same
 * file runs on Deno and on Node, so the two can be compared (bench/README.md, "Where the 200/s
 * tail comes from"). It sends PING `--rate` times a second for `--seconds`, and adds up how much
 * the old space grew between samples taken every 20 ms (it shrinks only at a mark-compact), after
 * 2 s of warm-up.
 *
 *   deno run -A bench/promotion_probe.mjs redis://127.0.0.1:6379/5
 *   node bench/promotion_probe.mjs redis://127.0.0.1:6379/5
 */
import { Redis } from "ioredis";
import v8 from "node:v8";
import process from "node:process";

const [url = "redis://127.0.0.1:6379/5", rate = "2500", seconds = "8"] = process.argv.slice(2);
const redis = new Redis(url, { lazyConnect: true });
await redis.connect();

const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space");
let grown = 0;
let last = oldSpace().space_used_size;
let measuring = false; // from the second second on: start-up and JIT promote too
const sampler = setInterval(() => {
  if (!measuring) return void (last = oldSpace().space_used_size);
  const now = oldSpace().space_used_size;
  if (now > last) grown += now - last;
  last = now;
}, 20);
const perTick = Math.max(1, Math.round(Number(rate) / 500));
const load = setInterval(() => {
  for (let i = 0; i < perTick; i++) redis.ping();
}, 2);

await new Promise((r) => setTimeout(r, 2000));
measuring = true;
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
clearInterval(load);
clearInterval(sampler);
redis.disconnect();
const runtime = typeof Deno === "undefined"
  ? `Node ${process.version}`
  : `Deno ${Deno.version.deno}`;
console.log(
  `${runtime}: PING at ${perTick * 500}/s for ${seconds} s, old space grew ` +
    `${(grown / 1024 / Number(seconds)).toFixed(0)} KB/s`,
);
