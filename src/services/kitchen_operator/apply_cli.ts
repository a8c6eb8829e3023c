/**
 * File mode of the Kitchen operator, for a stack without Kubernetes (deno task kitchens:apply):
 *
 *   deno run -A src/services/kitchen_operator/apply_cli.ts [--dry-run] [--watch] PATH...
 *
 * Each PATH is a YAML file of Kitchen manifests or a directory of them (*.yaml, *.yml). Every
 * Kitchen is checked and applied exactly as the controller applies a Kitchen resource (saved to
 * PostgreSQL when it differs; intake and the hub reload within a second). --dry-run only checks;
 * --watch keeps running and applies the files again whenever they change. Needs DATABASE_URL.
 * Exit status: 0 all applied (or valid), 1 some Kitchen invalid or applying failed, 2 usage or
 * unreadable files.
 */
import { getKitchenRecord, saveKitchen } from "../../adapters/postgres/kitchen_repository.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import type { KitchenStore } from "./apply_kitchen.ts";
import { readKitchenFilesConfig } from "./config.ts";
import {
  applyKitchenDocuments,
  type FileApplyResult,
  type KitchenDocument,
  KitchenFileError,
  parseKitchenFile,
} from "./kitchen_files.ts";

const USAGE = `usage: kitchens:apply [--dry-run] [--watch] PATH...
  PATH       a YAML file of Kitchen manifests, or a directory of them (*.yaml, *.yml)
  --dry-run  check the Kitchens, write nothing
  --watch    apply again whenever a file changes (Ctrl-C stops)`;

export interface ApplyArgs {
  readonly paths: readonly string[];
  readonly dryRun: boolean;
  readonly watch: boolean;
}

export function parseApplyArgs(args: readonly string[]): ApplyArgs | { readonly error: string } {
  const paths: string[] = [];
  let dryRun = false;
  let watch = false;
  for (const arg of args) {
    if (arg === "-h" || arg === "--help") return { error: "" };
    else if (arg === "--dry-run") dryRun = true;
    else if (arg === "--watch") watch = true;
    else if (arg.startsWith("-")) return { error: `unknown option ${arg}` };
    else paths.push(arg);
  }
  if (paths.length === 0) return { error: "no files given" };
  return { paths, dryRun, watch };
}

/** The YAML files a path names: itself, or the *.yaml / *.yml in it (sorted). */
export async function kitchenFiles(path: string): Promise<string[]> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return [path];
  const files: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isFile && /\.ya?ml$/.test(entry.name)) {
      files.push(`${path.replace(/\/$/, "")}/${entry.name}`);
    }
  }
  return files.sort();
}

export async function readKitchenDocuments(paths: readonly string[]): Promise<KitchenDocument[]> {
  const docs: KitchenDocument[] = [];
  for (const path of paths) {
    for (const file of await kitchenFiles(path)) {
      docs.push(...parseKitchenFile(file, await Deno.readTextFile(file)));
    }
  }
  return docs;
}

export function describe(result: FileApplyResult): string {
  const head = `${result.kitchen} (${result.file}):`;
  switch (result.kind) {
    case "applied":
      return `${head} applied as version ${result.version}`;
    case "unchanged":
      return `${head} unchanged (version ${result.version})`;
    case "checked":
      return `${head} valid`;
    case "invalid":
      return `${head} INVALID, not applied: ${result.problems}`;
  }
}

async function applyOnce(args: ApplyArgs, store: KitchenStore): Promise<number> {
  let docs: KitchenDocument[];
  try {
    docs = await readKitchenDocuments(args.paths);
  } catch (error) {
    const message = error instanceof KitchenFileError || error instanceof Deno.errors.NotFound
      ? error.message
      : String(error);
    console.error(`kitchens: ${message}`);
    return 2;
  }
  if (docs.length === 0) {
    console.error(`kitchens: no Kitchen manifests in ${args.paths.join(", ")}`);
    return 2;
  }
  try {
    const results = await applyKitchenDocuments(docs, store, { dryRun: args.dryRun });
    for (const r of results) {
      (r.kind === "invalid" ? console.error : console.log)(`kitchens: ${describe(r)}`);
    }
    return results.some((r) => r.kind === "invalid") ? 1 : 0;
  } catch (error) {
    console.error(`kitchens: applying failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

async function main(): Promise<number> {
  const args = parseApplyArgs(Deno.args);
  if ("error" in args) {
    if (args.error) console.error(`kitchens: ${args.error}`);
    console.error(USAGE);
    return 2;
  }
  const config = readKitchenFilesConfig();
  const pool = createPool(config.databaseUrl, {
    applicationName: "ovenline-kitchens-apply",
    max: 1,
  });
  const store: KitchenStore = {
    get: (id) => getKitchenRecord(pool, id),
    save: (cfg, opts) => saveKitchen(pool, cfg, opts),
  };
  try {
    const code = await applyOnce(args, store);
    if (!args.watch) return code;
    console.log(`kitchens: watching ${args.paths.join(", ")}`);
    const watcher = Deno.watchFs([...args.paths]);
    Deno.addSignalListener("SIGINT", () => watcher.close());
    Deno.addSignalListener("SIGTERM", () => watcher.close());
    let timer: ReturnType<typeof setTimeout> | undefined;
    for await (const event of watcher) {
      if (!event.paths.some((p) => /\.ya?ml$/.test(p))) continue;
      clearTimeout(timer); // editors write in bursts: apply once they are done
      timer = setTimeout(() => void applyOnce(args, store), 300);
    }
    clearTimeout(timer);
    return 0;
  } finally {
    await pool.end();
  }
}

if (import.meta.main) Deno.exit(await main());
