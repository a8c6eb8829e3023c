/**
 * How much of a bare grpc-js unary server's per-call garbage a runtime moves into V8's old space,
 * so Deno and Node can be compared on the same file (bench/README.md, "Where the 200/s tail comes
 * from"). The server answers `grpc.health.v1.Health/Check` and does nothing else; ghz (installed by
 * `deno task bench` into .tools/ghz) calls it `--rate` times a second. The old space shrinks only
 * at a mark-compact, so its growth between samples taken every 20 ms, summed over the measured
 * window, is what scavenges promoted. The first `--warmup` seconds are left out: start-up garbage
 * is promoted late when scavenges are rare, and a short warm-up reads it as per-call promotion
 * (an earlier version of this probe, on ioredis, was misled that way).
 *
 *   deno run -A bench/promotion_probe.mjs [--rate 200] [--seconds 15] [--warmup 10] [--timeout 0]
 *   node bench/promotion_probe.mjs ...        (from a directory where node resolves @grpc/grpc-js)
 *
 * `--timeout 10s` makes ghz send a deadline with every call, as the bench does.
 */
import * as grpc from "@grpc/grpc-js";
import { protoPath, service as healthService } from "grpc-health-check";
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import process from "node:process";

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "15" },
    warmup: { type: "string", default: "10" },
    timeout: { type: "string", default: "0" },
    port: { type: "string", default: "50998" },
    ghz: { type: "string", default: ".tools/ghz/ghz" },
  },
});
const seconds = Number(opts.seconds);
const warmup = Number(opts.warmup);

const server = new grpc.Server();
let calls = 0;
server.addService(healthService, {
  check(_call, answer) {
    calls++;
    answer(null, { status: "SERVING" });
  },
});
await new Promise((resolve, reject) =>
  server.bindAsync(
    `127.0.0.1:${opts.port}`,
    grpc.ServerCredentials.createInsecure(),
    (err) => (err ? reject(err) : resolve()),
  )
);

const oldSpaceUsed = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space").space_used_size;
let grown = 0;
let last = oldSpaceUsed();
let measuring = false;
const sampler = setInterval(() => {
  const now = oldSpaceUsed();
  if (measuring && now > last) grown += now - last;
  last = now;
}, 20);

const ghz = spawn(opts.ghz, [
  "--insecure",
  "--proto",
  protoPath,
  "--call",
  "grpc.health.v1.Health/Check",
  "--rps",
  opts.rate,
  "--duration",
  `${warmup + seconds + 2}s`,
  "--concurrency",
  "50",
  "--connections",
  "4",
  "--timeout",
  opts.timeout,
  "--format",
  "summary",
  `127.0.0.1:${opts.port}`,
], { stdio: ["ignore", "ignore", "inherit"] });
const ghzDone = new Promise((resolve) => ghz.on("exit", resolve));

await new Promise((r) => setTimeout(r, warmup * 1000));
const callsBefore = calls;
measuring = true;
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const measuredCalls = calls - callsBefore;
clearInterval(sampler);
await ghzDone;
server.forceShutdown();

const runtime = typeof Deno === "undefined"
  ? `Node ${process.version}`
  : `Deno ${Deno.version.deno}`;
console.log(
  `${runtime}: ${measuredCalls} calls in ${seconds} s (timeout ${opts.timeout}); old space grew ` +
    `${(grown / 1024).toFixed(0)} KB, ${
      (grown / 1024 / Math.max(1, measuredCalls)).toFixed(2)
    } KB ` +
    "per call",
);
