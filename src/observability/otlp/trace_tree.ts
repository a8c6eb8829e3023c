/**
 * Spans of one trace as an indented tree, one line per span: service, name,
 * duration and the attributes worth reading (order, messaging, db, rpc).
 * Spans whose parent is not (yet) known are shown as roots, marked "↳".
 */
import type { AttributeValue, FlatSpan } from "./otlp_json.ts";

const KINDS = ["", "", "server", "client", "producer", "consumer"];

const KEY_ATTRIBUTES = [
  "ovenline.order.id",
  "ovenline.event.kind",
  "ovenline.event.type",
  "ovenline.outcome",
  "ovenline.rejection.reason",
  "rpc.grpc.status_code",
  "messaging.destination.name",
  "messaging.destination.partition.id",
  "messaging.kafka.offset",
  "messaging.consumer.group.name",
  "db.stored_procedure.name",
  "db.operation.batch.size",
  "ovenline.ws.channel",
  "ovenline.ws.deliveries",
  "ovenline.promoted.count",
  "http.request.method",
  "url.path",
  "http.response.status_code",
];

function shortValue(v: AttributeValue): string {
  const text = String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function formatSpan(span: FlatSpan): string {
  const kind = KINDS[span.kind] ? ` (${KINDS[span.kind]})` : "";
  const ms = (span.endMs - span.startMs).toFixed(2);
  const attrs = KEY_ATTRIBUTES.filter((k) => k in span.attributes)
    .map((k) => `${k.replace(/^(ovenline|messaging)\./, "")}=${shortValue(span.attributes[k])}`);
  const links = span.links.length > 0 ? ` links=${span.links.length}` : "";
  const error = span.statusCode === 2 ? ` ERROR ${span.statusMessage}` : "";
  return `[${span.service}] ${span.name}${kind} ${ms} ms${
    attrs.length ? ` ${attrs.join(" ")}` : ""
  }${links}${error}`;
}

/** Lines of the tree of `spans` (all of one trace), in start order. */
export function traceTree(spans: readonly FlatSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, FlatSpan[]>();
  const roots: FlatSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else {
      roots.push(s);
    }
  }
  const lines: string[] = [];
  const walk = (span: FlatSpan, depth: number) => {
    const orphan = depth === 0 && span.parentSpanId ? "↳ " : "";
    lines.push(`${"  ".repeat(depth)}${orphan}${formatSpan(span)}`);
    for (const c of (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      walk(c, depth + 1);
    }
  };
  for (const r of roots.sort((a, b) => a.startMs - b.startMs)) walk(r, 0);
  return lines;
}
