/**
 * A typed definition of the chart's values, written once. From it come: the TypeScript type of
 * the values, the defaults (values.yaml, with each value's description as a comment), the JSON
 * schema (values.schema.json, which Helm checks on install, upgrade, template and lint), and typed
 * references (`ref("intake.replicas")`) that the constructs turn into placeholders.
 */
import { type Expr, type ExprType, valueRef } from "./expr.ts";

export type JsonSchema = Record<string, unknown>;

export interface Leaf<T> {
  readonly kind: "leaf";
  readonly default: T;
  readonly doc: string;
  readonly schema: JsonSchema;
  readonly type: ExprType;
}

export interface Group<C extends Children = Children> {
  readonly kind: "group";
  readonly doc: string;
  readonly children: C;
  /** Extra JSON-schema keywords for this object (e.g. if/then rules between its values). */
  readonly extra?: JsonSchema;
}

// deno-lint-ignore no-explicit-any
export type Children = { readonly [key: string]: Leaf<any> | Group<any> };

export type ValuesOf<N> = N extends Leaf<infer T> ? T
  : N extends Group<infer C> ? { -readonly [K in keyof C]: ValuesOf<C[K]> }
  : never;

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

export function int(def: number, doc: string, bounds: Bounds = {}): Leaf<number> {
  return {
    kind: "leaf",
    default: def,
    doc,
    type: "int",
    schema: { type: "integer", minimum: bounds.min, maximum: bounds.max },
  };
}

export function str<S extends string = string>(
  def: S,
  doc: string,
  opts: { enum?: readonly S[]; pattern?: string; minLength?: number } = {},
): Leaf<S> {
  return {
    kind: "leaf",
    default: def,
    doc,
    type: "str",
    schema: {
      type: "string",
      enum: opts.enum ? [...opts.enum] : undefined,
      pattern: opts.pattern,
      minLength: opts.minLength,
    },
  };
}

export function bool(def: boolean, doc: string): Leaf<boolean> {
  return { kind: "leaf", default: def, doc, type: "bool", schema: { type: "boolean" } };
}

/** A structured value (a list, a Kubernetes sub-object) rendered as a whole. */
export function json<T>(def: T, doc: string, schema: JsonSchema): Leaf<T> {
  return { kind: "leaf", default: def, doc, type: "any", schema };
}

export function group<C extends Children>(doc: string, children: C, extra?: JsonSchema): Group<C> {
  return { kind: "group", doc, children, extra };
}

// --- derived artefacts -------------------------------------------------------------------------

export function defaults<C extends Children>(g: Group<C>): ValuesOf<Group<C>> {
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(g.children)) {
    out[k] = node.kind === "leaf" ? structuredClone(node.default) : defaults(node);
  }
  return out as ValuesOf<Group<C>>;
}

function clean(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}

/** JSON schema (draft-07): every object closed (a misspelt --set key fails), every value required. */
export function jsonSchema(g: Group, root = true): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, node] of Object.entries(g.children)) {
    properties[k] = node.kind === "leaf"
      ? clean({ description: node.doc, ...node.schema })
      : jsonSchema(node, false);
  }
  return clean({
    $schema: root ? "http://json-schema.org/draft-07/schema#" : undefined,
    title: root ? "Values of the ovenline chart" : undefined,
    description: g.doc,
    type: "object",
    additionalProperties: false,
    required: Object.keys(g.children),
    properties,
    allOf: g.extra ? [g.extra] : undefined,
  });
}

/** Every leaf with its dotted path (for docs and tests). */
export function leaves(g: Group, prefix = ""): { path: string; leaf: Leaf<unknown> }[] {
  return Object.entries(g.children).flatMap(([k, node]) =>
    node.kind === "leaf"
      ? [{ path: prefix + k, leaf: node as Leaf<unknown> }]
      : leaves(node, `${prefix}${k}.`)
  );
}

// --- typed references --------------------------------------------------------------------------

type Join<K extends string, P> = P extends string ? `${K}.${P}` : never;

/** Dotted paths to every group and leaf. */
export type PathsOf<N> = N extends Group<infer C> ? {
    [K in keyof C & string]: C[K] extends Group ? K | Join<K, PathsOf<C[K]>> : K;
  }[keyof C & string]
  : never;

export type NodeAt<N, P extends string> = N extends Group<infer C>
  ? P extends `${infer H}.${infer R}` ? H extends keyof C ? NodeAt<C[H], R> : never
  : P extends keyof C ? C[P]
  : never
  : never;

/** A function giving typed `.Values` references for the definition `root`. */
export function refs<R extends Group>(root: R) {
  return function ref<P extends PathsOf<R>>(path: P): Expr<ValuesOf<NodeAt<R, P>>> {
    let node: Leaf<unknown> | Group = root;
    for (const part of path.split(".")) {
      if (node.kind !== "group" || !(part in node.children)) {
        throw new Error(`no value ${path}`);
      }
      node = node.children[part];
    }
    return valueRef(path, node.kind === "leaf" ? node.type : "any");
  };
}
