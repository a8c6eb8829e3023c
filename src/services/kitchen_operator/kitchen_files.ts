/**
 * File mode: Kitchen manifests read from YAML files (the same documents `kubectl apply` takes)
 * and applied by the controller's own step (applyKitchen), for a stack without Kubernetes.
 * A file may hold several documents; documents of other kinds are skipped.
 */
import { parseAllDocuments } from "yaml";
import {
  KITCHEN_API_VERSION,
  KITCHEN_KIND,
  KITCHEN_SPEC_SCHEMA,
} from "../../adapters/kubernetes/kitchen_crd.ts";
import {
  kitchenConfigOf,
  type KitchenResource,
} from "../../adapters/kubernetes/kitchen_resource.ts";
import type { FieldViolation } from "../../domain/errors.ts";
import { applyKitchen, type KitchenStore } from "./apply_kitchen.ts";
import { violationsText } from "./kitchen_status.ts";

export interface KitchenDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly resource: KitchenResource;
}

export type FileApplyResult =
  | {
    readonly kitchen: string;
    readonly file: string;
    readonly kind: "applied" | "unchanged";
    readonly version: number;
  }
  | {
    readonly kitchen: string;
    readonly file: string;
    readonly kind: "invalid";
    readonly problems: string;
  }
  | { readonly kitchen: string; readonly file: string; readonly kind: "checked" };

export class KitchenFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "KitchenFileError";
  }
}

/** The Kitchen documents of `text` (a file's contents). Throws KitchenFileError on bad YAML. */
export function parseKitchenFile(file: string, text: string): KitchenDocument[] {
  const docs = parseAllDocuments(text);
  const kitchens: KitchenDocument[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      throw new KitchenFileError(file, `document ${index + 1}: ${doc.errors[0].message}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return; // empty document
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new KitchenFileError(file, `document ${index + 1} is not a mapping`);
    }
    const obj = value as Record<string, unknown>;
    if (obj.kind !== KITCHEN_KIND) return;
    if (obj.apiVersion !== KITCHEN_API_VERSION) {
      throw new KitchenFileError(
        file,
        `document ${index + 1}: apiVersion must be ${KITCHEN_API_VERSION}, got ${
          JSON.stringify(obj.apiVersion)
        }`,
      );
    }
    const metadata = obj.metadata as Record<string, unknown> | undefined;
    if (!metadata || typeof metadata.name !== "string") {
      throw new KitchenFileError(file, `document ${index + 1}: metadata.name is required`);
    }
    kitchens.push({ file, index, resource: obj as unknown as KitchenResource });
  });
  return kitchens;
}

/** Spec fields the schema does not know (the API server would drop or refuse them). */
export function unknownSpecFields(spec: unknown): FieldViolation[] {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    return [{ field: "spec", reason: "must be a mapping" }];
  }
  const known = new Set(Object.keys(KITCHEN_SPEC_SCHEMA.properties ?? {}));
  return Object.keys(spec).filter((k) => !known.has(k)).map((k) => ({
    field: `spec.${k}`,
    reason: "unknown field",
  }));
}

/**
 * Applies every Kitchen in `docs` (or only checks them with `dryRun`). Two documents naming the
 * same kitchen are an error: which one wins would depend on file order.
 */
export async function applyKitchenDocuments(
  docs: readonly KitchenDocument[],
  store: KitchenStore,
  opts: { readonly dryRun?: boolean } = {},
): Promise<FileApplyResult[]> {
  const seen = new Map<string, string>();
  const results: FileApplyResult[] = [];
  for (const { file, resource } of docs) {
    const kitchen = resource.metadata!.name!;
    const where = file;
    if (seen.has(kitchen)) {
      results.push({
        kitchen,
        file: where,
        kind: "invalid",
        problems: `metadata.name: kitchen "${kitchen}" is also declared in ${seen.get(kitchen)}`,
      });
      continue;
    }
    seen.set(kitchen, where);
    const unknown = unknownSpecFields(resource.spec);
    if (unknown.length > 0) {
      results.push({ kitchen, file: where, kind: "invalid", problems: violationsText(unknown) });
      continue;
    }
    const outcome = opts.dryRun ? checkOnly(resource) : await applyKitchen(resource, store);
    if (outcome.kind === "invalid") {
      results.push({
        kitchen,
        file: where,
        kind: "invalid",
        problems: violationsText(outcome.violations),
      });
    } else if (outcome.kind === "checked") {
      results.push({ kitchen, file: where, kind: "checked" });
    } else {
      results.push({ kitchen, file: where, kind: outcome.kind, version: outcome.record.version });
    }
  }
  return results;
}

function checkOnly(resource: KitchenResource):
  | { kind: "checked" }
  | { kind: "invalid"; violations: readonly FieldViolation[] } {
  const checked = kitchenConfigOf(resource);
  return checked.ok ? { kind: "checked" } : { kind: "invalid", violations: checked.violations };
}
