/**
 * Structured JSON logs, one object per line on stderr. Personal data is
 * masked before it is written: call sites pass raw values under the field
 * names below (names, phones, addresses) and never format them into the
 * message; a phone number in E.164 is masked in any field's text too. A line written inside
 * a traced operation carries its trace_id and span_id; call sites name the
 * order under `orderId`.
 */
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { maskAddress, maskName, maskPhone } from "../domain/personal_data.ts";

type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const MASKED_FIELDS: Record<string, (value: string) => string> = {
  firstName: maskName,
  lastName: maskName,
  customerFirstName: maskName,
  customerLastName: maskName,
  customer_first_name: maskName,
  customer_last_name: maskName,
  first_name: maskName,
  last_name: maskName,
  phone: maskPhone,
  customerPhone: maskPhone,
  customer_phone: maskPhone,
  address: maskAddress,
  deliveryAddress: maskAddress,
  delivery_address: maskAddress,
  token: () => "[redacted]",
  authorization: () => "[redacted]",
  password: () => "[redacted]",
};

export { maskAddress, maskPhone };

/** A phone number in E.164 inside any text (an error message quoting a request, say). */
const PHONE_IN_TEXT = /\+\d{10,15}/g;

function mask(fields: LogFields, depth = 0): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    const masker = MASKED_FIELDS[key];
    if (masker && typeof value === "string") out[key] = masker(value);
    else if (typeof value === "string") out[key] = value.replace(PHONE_IN_TEXT, maskPhone);
    else if (value instanceof Error) {
      out[key] = { name: value.name, message: value.message.replace(PHONE_IN_TEXT, maskPhone) };
    } else out[key] = maskNested(value, depth);
  }
  return out;
}

/** Nested objects (an order's `customer`) are masked by the same field names, a few levels deep. */
function maskNested(value: unknown, depth: number): unknown {
  if (depth >= 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => maskNested(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return mask(value as LogFields, depth + 1);
}

/** The active span's ids, to find the line's trace (and the trace's lines). */
function traceIds(): { trace_id?: string; span_id?: string } {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

export function createLogger(
  base: LogFields,
  minLevel: Level = "info",
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  const emit = (level: Level, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    const record = {
      time: new Date().toISOString(),
      level,
      msg,
      ...traceIds(),
      ...base,
      ...mask(fields ?? {}),
    };
    write(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...mask(fields) }, minLevel, write),
  };
}

export function parseLevel(text: string | undefined): Level {
  return text === "debug" || text === "warn" || text === "error" ? text : "info";
}
