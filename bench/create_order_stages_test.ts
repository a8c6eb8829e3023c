import assert from "node:assert/strict";
import type { FlatSpan } from "../src/observability/otlp/otlp_json.ts";
import { callStages, report, stalls } from "./create_order_stages.ts";

let ids = 0;
function span(
  name: string,
  kind: number,
  startMs: number,
  endMs: number,
  parentSpanId = "",
): FlatSpan {
  return {
    service: "ovenline-intake",
    scope: "ovenline",
    traceId: "t",
    spanId: `s${++ids}`,
    parentSpanId,
    name,
    kind,
    startMs,
    endMs,
    attributes: {},
    links: [],
    statusCode: 0,
    statusMessage: "",
  };
}

function call(startMs: number, reserve: [number, number], send: [number, number], totalMs: number) {
  const server = span("ovenline.v1.OrderService/CreateOrder", 2, startMs, startMs + totalMs);
  return [
    server,
    // Children arrive in any order.
    span("send bench-orders-x", 4, startMs + send[0], startMs + send[1], server.spanId),
    span("redis reserve_slot", 3, startMs + reserve[0], startMs + reserve[1], server.spanId),
  ];
}

Deno.test("call stages: each child span and the gaps around it, named by the spans", () => {
  const [c] = callStages([...call(1000, [1, 3], [3.5, 7], 9), span("POST", 2, 999, 1010)]);
  assert.equal(c.totalMs, 9);
  assert.deepEqual([...c.segments], [
    ["start → redis reserve_slot", 1],
    ["redis reserve_slot", 2],
    ["redis reserve_slot → kafka send", 0.5],
    ["kafka send", 3.5],
    ["kafka send → answer", 2],
  ]);
});

Deno.test("stalls: slow calls that start close together are one stall, with its worst call", () => {
  const calls = callStages([
    ...call(0, [0, 1], [1, 2], 3),
    ...call(2000, [0, 30], [30, 31], 32),
    ...call(2100, [0, 40], [40, 41], 45),
    ...call(2500, [0, 1], [1, 2], 3),
    ...call(4000, [0, 1], [1, 25], 26),
  ]);
  assert.deepEqual(stalls(calls, 20), [[2, 45], [4, 26]]);
});

Deno.test("report: the slowest call's largest segment is counted, and no spans is said so", () => {
  const calls = callStages([
    ...call(0, [0, 1], [1, 2], 3),
    ...call(10, [0, 50], [50, 51], 52),
  ]);
  const text = report(calls, 20);
  assert.match(text, /^2 CreateOrder calls \(server side\): p50 3\.00 ms, p90 52\.00, p99 52\.00/);
  assert.match(text, /\| redis reserve_slot \| 1\.00 \| 50\.00 \| 50\.00 \| 1 \|/);
  assert.match(text, /\| kafka send \| 1\.00 \| 1\.00 \| 1\.00 \| 0 \|/);
  assert.equal(report([], 20), "no CreateOrder spans received");
});
