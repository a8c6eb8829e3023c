import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextOfTraceparent, linkToTraceparent } from "./trace_context.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

Deno.test("contextOfTraceparent() continues a sampled traceparent as a remote parent", () => {
  const ctx = contextOfTraceparent(`00-${TRACE}-${SPAN}-01`);
  const sc = ctx && trace.getSpanContext(ctx);
  assert.deepEqual(sc, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
});

Deno.test("contextOfTraceparent() ignores absent, malformed and unsampled traceparents", () => {
  for (const tp of [undefined, "", "garbage", `00-${TRACE}-${SPAN}`, `00-${TRACE}-${SPAN}-00`]) {
    assert.equal(contextOfTraceparent(tp), undefined, String(tp));
  }
});

Deno.test("linkToTraceparent() links to the span a traceparent names", () => {
  assert.equal(linkToTraceparent(`00-${TRACE}-${SPAN}-01`)?.context.spanId, SPAN);
  assert.equal(linkToTraceparent(undefined), undefined);
});
