/**
 * Helm expressions that the cdk8s constructs carry as placeholders.
 *
 * One construct tree is rendered twice: as Helm templates (each placeholder becomes a Go-template
 * expression, so `helm install --set ...` changes the object) and as plain manifests for k8s/
 * (each placeholder is evaluated here, in TypeScript, with the chart's default values). Every
 * expression therefore has both forms: `helm` (Go template + sprig) and `evaluate` (the same
 * meaning in TypeScript). test/chart_test.ts checks that `helm template` with the defaults and
 * the TypeScript evaluation give the same objects.
 */

/** What an expression is evaluated against: the merged values and the release. */
export interface EvalContext {
  readonly values: Record<string, unknown>;
  readonly release: { readonly name: string; readonly namespace: string };
  readonly chart: { readonly version: string; readonly appVersion: string };
  /** Files shipped in the chart's files/ folder, by path relative to the chart. */
  readonly files: ReadonlyMap<string, string>;
}

export type ExprType = "str" | "int" | "bool" | "any";

export class Expr<V = unknown> {
  constructor(
    /** A Go-template pipeline, parenthesised when it has more than one word. */
    readonly helm: string,
    readonly evaluate: (ctx: EvalContext) => V,
    readonly type: ExprType,
  ) {}
}

// ---------------------------------------------------------------------------------------------
// Building blocks

function goString(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid Go string literal for our text
}

export function lit(value: string): Expr<string>;
export function lit(value: number): Expr<number>;
export function lit(value: boolean): Expr<boolean>;
export function lit(value: string | number | boolean): Expr<string | number | boolean> {
  if (typeof value === "string") return new Expr(goString(value), () => value, "str");
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`lit(${value}): integers only`);
    return new Expr(String(value), () => value, "int");
  }
  return new Expr(String(value), () => value, "bool");
}

function getPath(values: Record<string, unknown>, path: string): unknown {
  let cur: unknown = values;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") {
      throw new Error(`values path ${path}: ${part} is not reachable`);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** `.Values.<path>`; the type comes from the typed values definition (see values.ts). */
export function valueRef<V>(path: string, type: ExprType): Expr<V> {
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
    throw new Error(`values path ${path} must be dotted camelCase words`);
  }
  return new Expr(`$.Values.${path}`, (c) => getPath(c.values, path) as V, type);
}

export const releaseName: Expr<string> = new Expr("$.Release.Name", (c) => c.release.name, "str");
export const releaseNamespace: Expr<string> = new Expr(
  "$.Release.Namespace",
  (c) => c.release.namespace,
  "str",
);
export const chartAppVersion: Expr<string> = new Expr(
  "$.Chart.AppVersion",
  (c) => c.chart.appVersion,
  "str",
);

type Part = Expr<unknown> | string | number;
const asExpr = (p: Part): Expr<unknown> =>
  p instanceof Expr ? p : typeof p === "string" ? lit(p) : lit(p);

function asString(e: Expr<unknown>): string {
  // sprig's toString prints a float64 (how Helm holds every number from YAML) as 8.9e+08: go
  // through int64 for integers.
  if (e.type === "int") return `(toString (int64 ${e.helm}))`;
  if (e.type === "str") return e.helm.startsWith('"') ? e.helm : `(toString ${e.helm})`;
  return `(toString ${e.helm})`;
}

/** String concatenation of the parts (numbers printed as integers). */
export function cat(...parts: Part[]): Expr<string> {
  const exprs = parts.map(asExpr);
  return new Expr(
    `(print ${exprs.map(asString).join(" ")})`,
    (c) => exprs.map((e) => String(e.evaluate(c))).join(""),
    "str",
  );
}

/** Go templates' truthiness, which sprig's `default`, `ternary` and `if` use. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/** `cond ? a : b` (both sides are evaluated, as sprig's ternary does). */
export function ifElse<V>(cond: Expr<unknown>, a: Expr<V> | V, b: Expr<V> | V): Expr<V> {
  const ea = (a instanceof Expr ? a : jsonLit(a)) as Expr<V>;
  const eb = (b instanceof Expr ? b : jsonLit(b)) as Expr<V>;
  const type = ea.type === eb.type ? ea.type : "any";
  return new Expr(
    // sprig's ternary wants a real bool; `empty` is Go templates' falsiness (see truthy).
    `(ternary ${ea.helm} ${eb.helm} (not (empty ${cond.helm})))`,
    (c) => (truthy(cond.evaluate(c)) ? ea.evaluate(c) : eb.evaluate(c)),
    type,
  );
}

/** A constant JSON value (object, list, string, number, bool) as an expression. */
export function jsonLit<V>(value: V): Expr<V> {
  if (typeof value === "string") return lit(value) as unknown as Expr<V>;
  if (typeof value === "number") return lit(value) as unknown as Expr<V>;
  if (typeof value === "boolean") return lit(value) as unknown as Expr<V>;
  const text = JSON.stringify(value);
  return new Expr(`(${goString(text)} | fromJson)`, () => structuredClone(value), "any");
}

/** `value` unless it is empty, else `fallback` (sprig `default`). */
export function orElse<V>(value: Expr<V>, fallback: Expr<V> | V): Expr<V> {
  const fb = (fallback instanceof Expr ? fallback : jsonLit(fallback)) as Expr<V>;
  return new Expr(
    `(default ${fb.helm} ${value.helm})`,
    (c) => {
      const v = value.evaluate(c);
      return truthy(v) ? v : fb.evaluate(c);
    },
    value.type === fb.type ? value.type : "any",
  );
}

export function not(e: Expr<unknown>): Expr<boolean> {
  return new Expr(`(not ${e.helm})`, (c) => !truthy(e.evaluate(c)), "bool");
}

export function and(...es: Expr<unknown>[]): Expr<boolean> {
  if (es.length === 1) {
    return new Expr(`(not (not ${es[0].helm}))`, (c) => truthy(es[0].evaluate(c)), "bool");
  }
  return new Expr(
    `(and ${es.map((e) => e.helm).join(" ")})`,
    (c) => es.every((e) => truthy(e.evaluate(c))),
    "bool",
  );
}

export function or(...es: Expr<unknown>[]): Expr<boolean> {
  return new Expr(
    `(or ${es.map((e) => e.helm).join(" ")})`,
    (c) => es.some((e) => truthy(e.evaluate(c))),
    "bool",
  );
}

/** Integer division, as sprig's div (both sides converted to int64). */
export function div(a: Expr<number>, b: Expr<number>): Expr<number> {
  return new Expr(
    `(div (int64 ${a.helm}) (int64 ${b.helm}))`,
    (c) => Math.trunc(Number(a.evaluate(c)) / Number(b.evaluate(c))),
    "int",
  );
}

/** Integer sum, as sprig's add (every term converted to int64). */
export function sum(...terms: (Expr<number> | number)[]): Expr<number> {
  const es = terms.map((t) => (typeof t === "number" ? lit(t) : t));
  if (es.length === 1) return es[0];
  return new Expr(
    `(add ${es.map((e) => `(int64 ${e.helm})`).join(" ")})`,
    (c) => es.reduce((acc, e) => acc + Number(e.evaluate(c)), 0),
    "int",
  );
}

/** Integer product, as sprig's mul. */
export function mul(a: Expr<number>, b: Expr<number> | number): Expr<number> {
  const eb = typeof b === "number" ? lit(b) : b;
  return new Expr(
    `(mul (int64 ${a.helm}) (int64 ${eb.helm}))`,
    (c) => Number(a.evaluate(c)) * Number(eb.evaluate(c)),
    "int",
  );
}

/** Integer difference, as sprig's sub. */
export function minus(a: Expr<number>, b: Expr<number> | number): Expr<number> {
  const eb = typeof b === "number" ? lit(b) : b;
  return new Expr(
    `(sub (int64 ${a.helm}) (int64 ${eb.helm}))`,
    (c) => Number(a.evaluate(c)) - Number(eb.evaluate(c)),
    "int",
  );
}

/** `a` when it is the larger, else `b` (sprig's max). */
export function max(a: Expr<number>, b: Expr<number> | number): Expr<number> {
  const eb = typeof b === "number" ? lit(b) : b;
  return new Expr(
    `(max (int64 ${a.helm}) (int64 ${eb.helm}))`,
    (c) => Math.max(Number(a.evaluate(c)), Number(eb.evaluate(c))),
    "int",
  );
}

export function gt(a: Expr<number>, b: Expr<number>): Expr<boolean> {
  return new Expr(
    `(gt (int64 ${a.helm}) (int64 ${b.helm}))`,
    (c) => Number(a.evaluate(c)) > Number(b.evaluate(c)),
    "bool",
  );
}

/**
 * Whether the cluster holds the object (Helm's lookup). Always false where Helm cannot look
 * (helm template, a client-side dry run) and in the plain manifests.
 */
export function exists(
  apiVersion: string,
  kind: string,
  name: Expr<string>,
): Expr<boolean> {
  return new Expr(
    `(not (empty (lookup ${goString(apiVersion)} ${
      goString(kind)
    } $.Release.Namespace ${name.helm})))`,
    () => false,
    "bool",
  );
}

/** Whether Helm can see the cluster (a real install or upgrade, not helm template). */
export const clusterVisible: Expr<boolean> = new Expr(
  `(not (empty (lookup "v1" "Namespace" "" $.Release.Namespace)))`,
  () => false,
  "bool",
);

/** Whether this render is an upgrade (helm upgrade, or helm template --is-upgrade). */
export const isUpgrade: Expr<boolean> = new Expr("$.Release.IsUpgrade", () => false, "bool");

/** The non-empty ones of `items`, as a list (sprig compact). */
export function nonEmpty(...items: Expr<string>[]): Expr<string[]> {
  return new Expr(
    `(compact (list ${items.map((e) => e.helm).join(" ")}))`,
    (c) => items.map((e) => e.evaluate(c)).filter((v) => truthy(v)).map(String),
    "any",
  );
}

/** `text` split at `sep`, empty pieces left out (sprig splitList, compact). */
export function splitNonEmpty(sep: string, text: Expr<string>): Expr<string[]> {
  return new Expr(
    `(compact (splitList ${goString(sep)} ${text.helm}))`,
    (c) => String(text.evaluate(c) ?? "").split(sep).filter((v) => v !== ""),
    "any",
  );
}

/** Whether `text` matches the RE2 `pattern` (sprig regexMatch; the pattern must mean the same in JS). */
export function matches(pattern: string, text: Expr<string>): Expr<boolean> {
  return new Expr(
    `(regexMatch ${goString(pattern)} ${text.helm})`,
    (c) => new RegExp(pattern).test(String(text.evaluate(c) ?? "")),
    "bool",
  );
}

/** The `|`-joined list as a string (sprig join). */
export function join(sep: string, list: Expr<unknown[]>): Expr<string> {
  return new Expr(
    `(join ${goString(sep)} ${list.helm})`,
    (c) => (list.evaluate(c) ?? []).map(String).join(sep),
    "str",
  );
}

/** A file shipped in the chart (files/...); the TypeScript side reads the same bytes. */
export function chartFile(path: string): Expr<string> {
  return new Expr(`($.Files.Get ${goString(path)})`, (c) => {
    const text = c.files.get(path);
    if (text === undefined) throw new Error(`chart file ${path} is missing`);
    return text;
  }, "str");
}

/** Parses a YAML string (sprig fromYaml); `parse` must be the same YAML parser semantics. */
export function fromYaml(
  e: Expr<string>,
  parse: (text: string) => unknown,
): Expr<Record<string, unknown>> {
  return new Expr(
    `(${e.helm} | fromYaml)`,
    (c) => parse(e.evaluate(c)) as Record<string, unknown>,
    "any",
  );
}

/** A call of a named template from _helpers.tpl, with its TypeScript twin. */
export function include<V>(
  name: string,
  args: Record<string, Expr<unknown>>,
  evaluate: (ctx: EvalContext, args: Record<string, unknown>) => V,
  type: ExprType = "str",
): Expr<V> {
  const dict = Object.entries(args).map(([k, v]) => `${goString(k)} ${v.helm}`).join(" ");
  return new Expr(
    `(include ${goString(name)} (dict "root" $ ${dict}))`,
    (c) =>
      evaluate(c, Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v.evaluate(c)]))),
    type,
  );
}

// ---------------------------------------------------------------------------------------------
// Placeholders in construct props

/**
 * A placeholder is a string `@@ovl:N@@` put where a value goes in an object's props. The renderer
 * replaces it: in Helm templates by `{{ <expr> | toJson }}` (JSON is valid YAML, so numbers stay
 * numbers and strings are quoted safely), in plain manifests by the evaluated value.
 */
export type Placeholder =
  | { readonly kind: "value"; readonly expr: Expr<unknown> }
  /** A map key or list item that is present only when `when` holds; `value` may hold placeholders. */
  | { readonly kind: "optional"; readonly when: Expr<unknown>; readonly value: unknown };

const registry = new Map<string, Placeholder>();
export const PLACEHOLDER = /@@ovl:(\d+)@@/g;

function register(p: Placeholder): string {
  const token = `@@ovl:${registry.size}@@`;
  registry.set(token, p);
  return token;
}

export function placeholder(token: string): Placeholder | undefined {
  return registry.get(token);
}

/** The value of `e` where a `V` goes (the type is what the value is after rendering). */
export function v<V>(e: Expr<V>): V {
  return register({ kind: "value", expr: e as Expr<unknown> }) as unknown as V;
}

/** `value` in a map entry or list item that exists only when `when` holds. */
export function when<V>(cond: Expr<unknown>, value: V): V {
  return register({ kind: "optional", when: cond, value }) as unknown as V;
}

export function eq(a: Expr<unknown>, b: Expr<unknown> | string | number): Expr<boolean> {
  const eb = b instanceof Expr ? b : asExpr(b);
  return new Expr(
    `(eq ${a.helm} ${eb.helm})`,
    (c) => a.evaluate(c) === eb.evaluate(c),
    "bool",
  );
}

/** `.Files.Get` of `prefix + name` where name comes from values; "" when there is no such file. */
export function chartFileNamed(prefix: string, name: Expr<string>): Expr<string> {
  return new Expr(
    `($.Files.Get (print ${goString(prefix)} ${name.helm}))`,
    (c) => c.files.get(prefix + String(name.evaluate(c))) ?? "",
    "str",
  );
}

/** `base` with the `fixed` entries added (the fixed ones win), as sprig `merge (dict ...) base`. */
export function withEntries(
  fixed: Record<string, Expr<string> | string>,
  base: Expr<Record<string, string>>,
): Expr<Record<string, string>> {
  const entries = Object.entries(fixed).map(([k, e]) => [k, asExpr(e)] as const);
  const dict = entries.map(([k, e]) => `${goString(k)} ${e.helm}`).join(" ");
  return new Expr(
    `(merge (dict ${dict}) ${base.helm})`,
    (c) => {
      const out: Record<string, string> = { ...(base.evaluate(c) ?? {}) };
      for (const [key, e] of entries) out[key] = String(e.evaluate(c));
      return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a < b ? -1 : 1));
    },
    "any",
  );
}
