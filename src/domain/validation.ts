/**
 * Checks a CreateOrder request in full: every bad field is reported (proto field names), nothing is
 * looked up outside the injected menu and kitchens, and a valid request comes back normalised.
 * Stock (the stop-list) is a separate question: see `findOutOfStock()`.
 */
import type { FieldViolation } from "./errors.ts";
import { isKitchenId } from "./kitchen_config.ts";
import type { Menu, MenuExtra, MenuPizza } from "./menu.ts";
import { normalizeName, normalizePhone } from "./normalize.ts";
import type { OrderRequest } from "./order.ts";
import { codePointLength, isBlank, quoted, textProblem, truncated } from "./text.ts";

export interface ValidationContext {
  readonly menu: Menu;
  readonly knownKitchens: ReadonlySet<string>;
  readonly defaultKitchenId: string;
  readonly now: Date;
  /** How far ahead a pre-order's requested time may be. */
  readonly maxRequestAheadMs: number;
}

export interface ValidOrderLine {
  readonly pizza: MenuPizza;
  readonly quantity: number;
  /** In request order; a repeated extra appears repeatedly. */
  readonly extras: readonly MenuExtra[];
}

export interface ValidOrderRequest {
  /** Canonical decimal int64, e.g. "12345". */
  readonly customerId: string;
  readonly customerFirstName: string;
  /** "" when not given. */
  readonly customerLastName: string;
  /** E.164. */
  readonly customerPhone: string;
  /** "" for a pickup order without one. */
  readonly deliveryAddress: string;
  readonly isPickup: boolean;
  /** The seed's pizza_name line first (when set), then `items` in order. */
  readonly lines: readonly ValidOrderLine[];
  readonly kitchenId: string;
  readonly requestedTime?: Date;
  /** "" = no de-duplication. */
  readonly idempotencyKey: string;
}

export type OrderValidation =
  | { readonly ok: true; readonly value: ValidOrderRequest }
  | { readonly ok: false; readonly violations: FieldViolation[] };

export const ORDER_LIMITS = {
  maxLines: 20,
  minQuantity: 1,
  maxQuantity: 50,
  maxTotalPizzas: 100,
  maxExtrasPerLine: 10,
  maxNameLength: 64,
  minAddressLength: 5,
  maxAddressLength: 300,
  maxIdempotencyKeyLength: 128,
  /** A requested time this far in the past still counts as "now" (clock skew, slow typing). */
  requestedTimeGraceMs: 60_000,
  /** Bounds the error for an abusive request; far more than a real client can get wrong at once. */
  maxViolations: 100,
} as const;

const MAX_CUSTOMER_ID = 9223372036854775807n; // int64 max
const IDEMPOTENCY_KEY = /^[\x21-\x7e]*$/;

/** Every violation in `req`, or the normalised request. */
export function validateOrderRequest(req: OrderRequest, ctx: ValidationContext): OrderValidation {
  const violations: FieldViolation[] = [];
  const add: AddViolation = (field, reason) => {
    if (violations.length < ORDER_LIMITS.maxViolations) violations.push({ field, reason });
  };

  const customerId = checkCustomerId(req.customerId, add);
  const lines = checkLines(req, ctx.menu, add);
  const customerFirstName = checkText(req.customerFirstName, "customer_first_name", add, {
    required: true,
    maxLength: ORDER_LIMITS.maxNameLength,
  });
  const customerLastName = checkText(req.customerLastName, "customer_last_name", add, {
    required: false,
    maxLength: ORDER_LIMITS.maxNameLength,
  });
  const customerPhone = checkPhone(req.customerPhone, add);
  const isPickup = req.isPickup === true;
  const deliveryAddress = checkText(req.deliveryAddress, "delivery_address", add, {
    required: !isPickup,
    minLength: ORDER_LIMITS.minAddressLength,
    maxLength: ORDER_LIMITS.maxAddressLength,
  });
  const kitchenId = checkKitchenId(req.kitchenId, ctx, add);
  const requestedTime = checkRequestedTime(req.requestedTime, ctx, add);
  const idempotencyKey = checkIdempotencyKey(req.idempotencyKey, add);

  if (violations.length > 0) return { ok: false, violations };
  return {
    ok: true,
    value: {
      customerId: customerId!,
      customerFirstName: customerFirstName!,
      customerLastName: customerLastName!,
      customerPhone: customerPhone!,
      deliveryAddress: deliveryAddress!,
      isPickup,
      lines: lines!,
      kitchenId: kitchenId!,
      ...(requestedTime ? { requestedTime } : {}),
      idempotencyKey: idempotencyKey!,
    },
  };
}

/** Names of the pizzas and extras in `valid` that are on the stop-list, each once, in order. */
export function findOutOfStock(valid: ValidOrderRequest): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  const note = (kind: string, item: MenuPizza | MenuExtra) => {
    const key = `${kind}:${item.code}`;
    if (item.available || seen.has(key)) return;
    seen.add(key);
    names.push(item.name);
  };
  for (const line of valid.lines) {
    note("pizza", line.pizza);
    for (const extra of line.extras) note("extra", extra);
  }
  return names;
}

type AddViolation = (field: string, reason: string) => void;

interface RawLine {
  /** "" for the seed's top-level line, "items[i]." for the others. */
  readonly prefix: string;
  readonly pizzaName: unknown;
  readonly quantity: unknown;
  readonly extras: unknown;
}

function checkLines(
  req: OrderRequest,
  menu: Menu,
  add: AddViolation,
): ValidOrderLine[] | undefined {
  const raw: RawLine[] = [];
  const seedName: unknown = req.pizzaName ?? "";
  // A non-string name counts as given, so that checkText reports it.
  const seedNamed = typeof seedName !== "string" || normalizeName(seedName) !== "";
  const seedExtras = Array.isArray(req.extras) ? req.extras : [];
  const items = Array.isArray(req.items) ? req.items : [];
  let valid = true;

  if (!Array.isArray(req.items)) {
    add("items", "must be a list of order lines");
    valid = false;
  }
  if (seedNamed) {
    raw.push({ prefix: "", pizzaName: req.pizzaName, quantity: req.quantity, extras: req.extras });
  } else if ((req.quantity !== 0 && req.quantity !== undefined) || seedExtras.length > 0) {
    add("pizza_name", "must not be empty when quantity or extras are set");
    valid = false;
  } else if (items.length === 0) {
    add("pizza_name", "an order needs at least one pizza: set pizza_name or items");
    valid = false;
  }
  items.forEach((item, i) =>
    raw.push({
      prefix: `items[${i}].`,
      pizzaName: item?.pizzaName,
      quantity: item?.quantity,
      extras: item?.extras,
    })
  );

  if (raw.length > ORDER_LIMITS.maxLines) {
    add(
      "items",
      `an order may have at most ${ORDER_LIMITS.maxLines} lines, pizza_name included (got ${raw.length})`,
    );
    valid = false;
  }

  const lines: ValidOrderLine[] = [];
  let totalPizzas = 0;
  for (const line of raw) {
    const quantity = checkQuantity(line.quantity, `${line.prefix}quantity`, add);
    if (quantity !== undefined) totalPizzas += quantity;
    const pizza = checkPizza(line.pizzaName, `${line.prefix}pizza_name`, menu, add);
    const extras = checkExtras(line.extras, `${line.prefix}extras`, menu, add);
    if (quantity === undefined || pizza === undefined || extras === undefined) valid = false;
    else lines.push({ pizza, quantity, extras });
  }
  if (totalPizzas > ORDER_LIMITS.maxTotalPizzas) {
    add(
      "items",
      `an order may have at most ${ORDER_LIMITS.maxTotalPizzas} pizzas in total (got ${totalPizzas})`,
    );
    valid = false;
  }
  return valid ? lines : undefined;
}

function checkQuantity(raw: unknown, field: string, add: AddViolation): number | undefined {
  const { minQuantity: min, maxQuantity: max } = ORDER_LIMITS;
  if (typeof raw !== "number" || !Number.isInteger(raw)) {
    add(field, `must be a whole number between ${min} and ${max}`);
    return undefined;
  }
  if (raw < min || raw > max) {
    add(field, `must be between ${min} and ${max} (got ${raw})`);
    return undefined;
  }
  return raw;
}

function checkPizza(
  raw: unknown,
  field: string,
  menu: Menu,
  add: AddViolation,
): MenuPizza | undefined {
  const name = checkText(raw, field, add, { required: true });
  if (name === undefined) return undefined;
  const key = normalizeName(name);
  const pizza = menu.pizzas.get(key);
  if (pizza === undefined) add(field, `unknown pizza ${quoted(key)}`);
  return pizza;
}

function checkExtras(
  raw: unknown,
  field: string,
  menu: Menu,
  add: AddViolation,
): MenuExtra[] | undefined {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    add(field, "must be a list of extra names");
    return undefined;
  }
  let valid = true;
  if (raw.length > ORDER_LIMITS.maxExtrasPerLine) {
    add(
      field,
      `must have at most ${ORDER_LIMITS.maxExtrasPerLine} extras per pizza (got ${raw.length})`,
    );
    valid = false;
  }
  const extras: MenuExtra[] = [];
  raw.forEach((entry: unknown, j: number) => {
    const name = checkText(entry, `${field}[${j}]`, add, { required: true });
    if (name === undefined) {
      valid = false;
      return;
    }
    const key = normalizeName(name);
    const extra = menu.extras.get(key);
    if (extra === undefined) {
      add(`${field}[${j}]`, `unknown extra ${quoted(key)}`);
      valid = false;
    } else {
      extras.push(extra);
    }
  });
  return valid ? extras : undefined;
}

interface TextRule {
  readonly required: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** The trimmed text, "" when optional and absent, or undefined after reporting why not. */
function checkText(
  raw: unknown,
  field: string,
  add: AddViolation,
  rule: TextRule,
): string | undefined {
  if (raw === undefined || raw === null) raw = "";
  if (typeof raw !== "string") {
    add(field, "must be text");
    return undefined;
  }
  const problem = textProblem(raw);
  if (problem !== undefined) {
    add(field, problem);
    return undefined;
  }
  const text = raw.trim();
  if (isBlank(text)) {
    // Zero-width characters alone are no name: as empty as "".
    if (rule.required) add(field, "must not be empty");
    return rule.required ? undefined : "";
  }
  const length = codePointLength(text);
  if (rule.minLength !== undefined && length < rule.minLength) {
    add(field, `must be at least ${rule.minLength} characters (got ${length})`);
    return undefined;
  }
  if (rule.maxLength !== undefined && length > rule.maxLength) {
    add(field, `must be at most ${rule.maxLength} characters (got ${length})`);
    return undefined;
  }
  return text;
}

function checkCustomerId(raw: unknown, add: AddViolation): string | undefined {
  const field = "customer_id";
  if (typeof raw !== "string" || raw === "") {
    add(field, "must not be empty");
    return undefined;
  }
  if (!/^\d+$/.test(raw)) {
    add(field, `must be a positive whole number (got ${quoted(raw, 24)})`);
    return undefined;
  }
  // Over 25 digits is out of range whatever the value; spares BigInt a huge string.
  const value = raw.length <= 25 ? BigInt(raw) : MAX_CUSTOMER_ID + 1n;
  if (value < 1n || value > MAX_CUSTOMER_ID) {
    add(field, `must be between 1 and ${MAX_CUSTOMER_ID} (got ${truncated(raw, 24)})`);
    return undefined;
  }
  return value.toString();
}

function checkPhone(raw: unknown, add: AddViolation): string | undefined {
  const text = checkText(raw, "customer_phone", add, { required: true });
  if (text === undefined) return undefined;
  const phone = normalizePhone(text);
  if (phone === undefined) {
    add("customer_phone", "must be a phone number in international format, e.g. +79001234567");
  }
  return phone;
}

function checkKitchenId(
  raw: unknown,
  ctx: ValidationContext,
  add: AddViolation,
): string | undefined {
  const field = "kitchen_id";
  if (raw === undefined || raw === "") return ctx.defaultKitchenId;
  if (typeof raw !== "string" || !isKitchenId(raw)) {
    add(
      field,
      "must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit (or empty for the default kitchen)",
    );
    return undefined;
  }
  if (!ctx.knownKitchens.has(raw)) {
    add(field, `unknown kitchen ${quoted(raw)}`);
    return undefined;
  }
  return raw;
}

function checkRequestedTime(
  raw: unknown,
  ctx: ValidationContext,
  add: AddViolation,
): Date | undefined {
  const field = "requested_time";
  if (raw === undefined || raw === null) return undefined;
  if (!(raw instanceof Date) || !Number.isFinite(raw.getTime())) {
    add(field, "must be a valid point in time");
    return undefined;
  }
  const now = ctx.now.getTime();
  if (raw.getTime() < now - ORDER_LIMITS.requestedTimeGraceMs) {
    add(field, "must not be in the past (more than 1 minute before now)");
    return undefined;
  }
  if (raw.getTime() > now + ctx.maxRequestAheadMs) {
    add(field, `must be at most ${describeDuration(ctx.maxRequestAheadMs)} from now`);
    return undefined;
  }
  return raw;
}

function checkIdempotencyKey(raw: unknown, add: AddViolation): string | undefined {
  const field = "idempotency_key";
  if (raw === undefined) return "";
  if (typeof raw !== "string") {
    add(field, "must be text");
    return undefined;
  }
  const max = ORDER_LIMITS.maxIdempotencyKeyLength;
  if (raw.length > max) {
    add(field, `must be at most ${max} characters (got ${codePointLength(raw)})`);
    return undefined;
  }
  if (!IDEMPOTENCY_KEY.test(raw)) {
    add(field, "must contain only printable ASCII characters without spaces");
    return undefined;
  }
  return raw;
}

/** "2 days", "3 hours", "90 minutes", "45 seconds": the largest unit that divides `ms` evenly. */
function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return plural(ms / size, name);
  }
  return plural(Math.round(ms / 1000), "second");
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
