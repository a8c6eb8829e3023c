import assert from "node:assert/strict";
import { METRICS } from "../metric_names.ts";
import { parseMetrics, parseTraces, prometheusName, prometheusSeriesNames } from "./otlp_json.ts";

const TYPE = { counter: "sum", updowncounter: "sum", gauge: "gauge", histogram: "histogram" };

Deno.test("prometheusName() gives every Ovenline metric the Prometheus name the docs list", () => {
  for (const spec of Object.values(METRICS)) {
    const name = prometheusName({
      name: spec.name,
      unit: spec.unit,
      type: TYPE[spec.instrument],
      monotonic: spec.instrument === "counter",
    });
    assert.equal(name, spec.prometheus, spec.name);
  }
});

Deno.test("prometheusName() follows the OTLP translation rules, when names already end in their suffix", () => {
  const n = (name: string, unit: string, type: string, monotonic = false) =>
    prometheusName({ name, unit, type, monotonic });
  assert.equal(
    n("http.server.request.duration", "s", "histogram"),
    "http_server_request_duration_seconds",
  );
  assert.equal(n("jobs.total", "", "sum", true), "jobs_total");
  assert.equal(n("queue.size", "{item}", "sum", false), "queue_size");
  assert.equal(n("cpu.ratio", "1", "gauge"), "cpu_ratio");
  assert.equal(n("memory", "By", "gauge"), "memory_bytes");
  assert.deepEqual(
    prometheusSeriesNames({ name: "a.b", unit: "s", type: "histogram", monotonic: false }),
    ["a_b_seconds", "a_b_seconds_bucket", "a_b_seconds_sum", "a_b_seconds_count"],
  );
});

Deno.test("parseTraces() and parseMetrics() read Deno's OTLP/JSON export", () => {
  const spans = parseTraces({
    resourceSpans: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "intake" } }] },
      scopeSpans: [{
        scope: { name: "ovenline" },
        spans: [{
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: "b7ad6b7169203331",
          parentSpanId: "",
          name: "send pizza-orders",
          kind: 4,
          startTimeUnixNano: "1795698294898684726",
          endTimeUnixNano: "1795698294910772726",
          attributes: [
            { key: "messaging.kafka.offset", value: { doubleValue: 7.0 } },
            { key: "messaging.system", value: { stringValue: "kafka" } },
          ],
          links: [{ traceId: "aa", spanId: "bb" }],
          status: { code: 2, message: "boom" },
        }],
      }],
    }],
  });
  assert.equal(spans.length, 1);
  assert.equal(spans[0].service, "intake");
  assert.equal(spans[0].scope, "ovenline");
  assert.equal(spans[0].attributes["messaging.kafka.offset"], 7);
  assert.equal(Math.round(spans[0].endMs - spans[0].startMs), 12);
  assert.deepEqual(spans[0].links, [{ traceId: "aa", spanId: "bb" }]);
  assert.equal(spans[0].statusCode, 2);

  const [counter, histogram] = parseMetrics({
    resourceMetrics: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "intake" } }] },
      scopeMetrics: [{
        metrics: [
          {
            name: "ovenline.orders.rejected",
            unit: "{order}",
            sum: {
              isMonotonic: true,
              dataPoints: [{
                attributes: [{ key: "reason", value: { stringValue: "slots_full" } }],
                timeUnixNano: "1795698296416891734",
                asDouble: 2.0,
              }],
            },
          },
          {
            name: "ovenline.order.create.duration",
            unit: "s",
            histogram: {
              dataPoints: [{
                attributes: [],
                timeUnixNano: "1795698296416891734",
                count: 3,
                sum: 0.2,
                explicitBounds: [0.1, 0.5],
                bucketCounts: [1, 2, 0],
              }],
            },
          },
        ],
      }],
    }],
  });
  assert.equal(counter.value, 2);
  assert.equal(counter.attributes.reason, "slots_full");
  assert.equal(prometheusName(counter), "ovenline_orders_rejected_total");
  assert.equal(histogram.count, 3);
  assert.deepEqual(histogram.bounds, [0.1, 0.5]);
});
