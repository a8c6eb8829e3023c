/**
 * Turns the synthesised objects (JSON with placeholders) into
 *   - Helm templates: placeholders become Go-template expressions, gated objects are wrapped in
 *     `{{- if ... }}`, optional entries in line-level `{{- if ... }}`;
 *   - plain manifests: placeholders evaluated with the default values, gated-off objects left out.
 */
import { stringify } from "yaml";
import { type EvalContext, type Expr, PLACEHOLDER, placeholder, truthy } from "./expr.ts";

export interface RenderedObject {
  /** File name (without .yaml) in templates/ and k8s/. */
  readonly file: string;
  /** The object as cdk8s synthesised it, placeholders included. */
  readonly json: Record<string, unknown>;
  /** Rendered only when this holds. */
  readonly gate?: Expr<unknown>;
}

/** Adds one object to the chart: its file name (without .yaml), the object, and its gate. */
export type Add = <T extends { apiVersion: string; kind: string }>(
  file: string,
  obj: T,
  gate?: Expr<unknown>,
) => void;

export interface Check {
  /** The chart refuses to render when this holds. */
  readonly failWhen: Expr<boolean>;
  /** What the refusal says; an expression when it names the values' numbers. */
  readonly message: string | Expr<string>;
}

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, indent: 2 } as const;

export function toYaml(value: unknown): string {
  return stringify(value, YAML_OPTIONS);
}

// --- Helm --------------------------------------------------------------------------------------

/** `{{ ... }}` that prints the expression's value as JSON (valid YAML in any position). */
export function helmValue(e: Expr<unknown>): string {
  if (e.type === "bool") return `{{ if ${e.helm} }}true{{ else }}false{{ end }}`;
  if (e.type === "int") return `{{ int64 ${e.helm} | toJson }}`;
  return `{{ ${e.helm} | toJson }}`;
}

/** A value tree as one line of flow JSON, placeholders inside replaced by `{{ }}` expressions. */
function inlineHelm(value: unknown): string {
  return JSON.stringify(value).replace(/"(@@ovl:\d+@@)"/g, (_m, token: string) => {
    const p = placeholder(token);
    if (!p) throw new Error(`unknown placeholder ${token}`);
    if (p.kind !== "value") throw new Error("an optional entry cannot sit inside another one");
    return helmValue(p.expr);
  });
}

const TOKEN_LINE = /^(\s*)(- )?((?:"[^"]*"|'[^']*'|[^\s:'"][^:]*): )?(["']?)(@@ovl:\d+@@)\4$/;

/** One object's template text. */
export function helmTemplate(obj: RenderedObject): string {
  const lines = toYaml(obj.json).trimEnd().split("\n");
  const out: string[] = [];
  for (const line of lines) {
    if (!line.includes("@@ovl:")) {
      out.push(line);
      continue;
    }
    const m = TOKEN_LINE.exec(line);
    if (!m) throw new Error(`${obj.file}: a placeholder is not a whole value in: ${line}`);
    const [, indent, dash = "", key = "", , token] = m;
    const p = placeholder(token)!;
    if (p.kind === "value" && p.expr.type === "any" && key && !dash) {
      // A map or list from values: as a YAML block under its key, for readable output.
      out.push(`${indent}${key.trimEnd()}`);
      out.push(`{{- ${p.expr.helm} | toYaml | nindent ${indent.length + 2} }}`);
    } else if (p.kind === "value") {
      out.push(`${indent}${dash}${key}${helmValue(p.expr)}`);
    } else {
      out.push(`{{- if ${p.when.helm} }}`);
      out.push(`${indent}${dash}${key}${inlineHelm(p.value)}`);
      if (dash && key) {
        // The entry opens a list item whose other keys follow: keep the item's dash.
        out.push(`{{- else }}`);
        out.push(`${indent}-`);
      }
      out.push(`{{- end }}`);
    }
  }
  const body = out.join("\n");
  if (PLACEHOLDER.test(body)) throw new Error(`${obj.file}: placeholder left over`);
  PLACEHOLDER.lastIndex = 0;
  if (!obj.gate) return `${body}\n`;
  return `{{- if ${obj.gate.helm} }}\n${body}\n{{- end }}\n`;
}

export function helmChecks(checks: readonly Check[]): string {
  const lines = checks.map((c) => {
    const message = typeof c.message === "string" ? JSON.stringify(c.message) : c.message.helm;
    return `{{- if ${c.failWhen.helm} }}\n{{- fail ${message} }}\n{{- end }}`;
  });
  return `{{- /* Rules between values that values.schema.json cannot express. */}}\n${
    lines.join("\n")
  }\n`;
}

// --- plain -------------------------------------------------------------------------------------

const OMIT = Symbol("omit");

function resolve(value: unknown, ctx: EvalContext): unknown {
  if (typeof value === "string") {
    if (!value.includes("@@ovl:")) return value;
    const p = placeholder(value);
    if (!p) throw new Error(`a placeholder is not a whole value: ${value}`);
    if (p.kind === "value") return p.expr.evaluate(ctx);
    return truthy(p.when.evaluate(ctx)) ? resolve(p.value, ctx) : OMIT;
  }
  if (Array.isArray(value)) {
    const items = value.map((x) => resolve(x, ctx)).filter((x) => x !== OMIT);
    // A list whose every entry was left out renders as an empty (null) key in Helm: leave it out.
    return items.length === 0 && value.length > 0 ? OMIT : items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) {
      const r = resolve(x, ctx);
      if (r !== OMIT) out[k] = r;
    }
    return out;
  }
  return value;
}

/** The object with its placeholders evaluated, or undefined when its gate is off. */
export function plainObject(
  obj: RenderedObject,
  ctx: EvalContext,
): Record<string, unknown> | undefined {
  if (obj.gate && !truthy(obj.gate.evaluate(ctx))) return undefined;
  return resolve(obj.json, ctx) as Record<string, unknown>;
}

export function runChecks(checks: readonly Check[], ctx: EvalContext): void {
  for (const c of checks) {
    if (!truthy(c.failWhen.evaluate(ctx))) continue;
    const message = typeof c.message === "string" ? c.message : c.message.evaluate(ctx);
    throw new Error(`default values: ${message}`);
  }
}
