/**
 * Finds the repository files that docs, comments and chart texts name, and reports the names that
 * point at nothing: a file or folder the repository lacks, or a place outside it (a path that
 * climbs above the repository root, or an absolute path on the machine the text was written on).
 *
 * What is read: Markdown, YAML, JSON, shell, Lua, SQL, proto, the Dockerfile and the Tiltfile
 * whole; in TypeScript and JavaScript the comments and the string literals (code itself is checked
 * by the type checker, and `obj.json` there is a property); in test files (`*_test.ts`) the
 * comments only, since their strings are fixtures (temporary files, hostile paths).
 *
 * What counts as a file reference:
 * - a name whose last part ends in one of EXTENSIONS, with or without folders (`README.md`,
 *   `lua/reserve_slot.lua`, `files/load/scenario.js`);
 * - a path with folders whose first folder is a top-level entry of the repository
 *   (`scripts/infra/`, `src/services/hub`);
 * - a `../` path, which must stay inside the repository (and exist, when it is one of the above).
 *
 * Where a reference may resolve: `../` and `./` paths against the referring file's folder (`./`
 * also against the root, where commands are typed); other paths at the root, beside the referring
 * file, or as the tail of a repository path (`lib/chart.ts` in a table about `cdk8s/`). Paths in
 * git-ignored places (`.tools/`, `.infra/`, `node_modules/`, `bench/results/tmp/`) are made at run
 * time and are not checked. Placeholders and globs (`src/services/<name>/`, `${root}/lua/x.lua`,
 * `docs/runbooks/*.md`, `$1`) stand for one path part each: a pattern with a fixed folder in it
 * must match a repository path, one without (`*.yml`) names no particular file. A leading
 * placeholder is a location and is dropped (`${ROOT}scripts/x.sh` is `scripts/x.sh`); a bare name
 * in an unnamed location (`${dir}/a.sql`) is not checked.
 * Brace lists (`src/adapters/{grpc,kafka}/`) are expanded and each choice must exist.
 *
 * Not file references, on purpose: URLs and other `scheme:` specifiers (`npm:`, `node:`, `redis:`),
 * npm package names (`@grpc/grpc-js`, `kubernetes-models/v1/Secret`: no extension, and a first
 * part that is not a top-level entry), Kubernetes API groups and label keys
 * (`kafka.strimzi.io/v1`, `app.kubernetes.io/name`), kubectl object names (`deploy/x` on a kubectl
 * line), absolute paths in a container or the OS (`/etc/ovenline/kafka-ca`) and HTTP routes
 * (`/api/v1/erp/orders/{id}`), and the names in NOT_FILES.
 */
import { posix } from "node:path";

/** Extensions that make a name a file reference. */
export const EXTENSIONS = new Set(
  "md ts js mjs sh yaml yml json lua sql proto tsv html css xml tpl".split(" "),
);

/** Names that look like files of the repository but are not, each for its reason. */
export const NOT_FILES: ReadonlyMap<string, string> = new Map([
  ["Node.js", "the JavaScript runtime"],
  ["config.json", "a key of a ConfigMap (the OpenTelemetry Collector's, local-path-provisioner's)"],
  ["helperPod.yaml", "local-path-provisioner's helper pod template, a key of its ConfigMap"],
  ["ovenline.json", "the Grafana dashboard's file name in its ConfigMap"],
  ["package.json", "npm's manifest of an installed tool (the project itself has deno.json)"],
  ["keda.sh", "KEDA's API group"],
  ["_test.ts", "the suffix of test files"],
  ["NNN_name.sql", "the naming pattern of migrations"],
  ["listener-0.json", "the file a benchmark listener writes (its --out)"],
  ["jwks.json", "the customers' key set: a key of intake's Secret, a file the local stack makes"],
]);

/** protoc's well-known types (`import "google/protobuf/timestamp.proto"`), from protoc's own include path. */
const PROTOC_WELL_KNOWN = /^google\/protobuf\/\w+\.proto$/;

/** kubectl's `kind/name` (`kubectl exec deploy/ovenline-consumer`), on a line that runs kubectl. */
const KUBECTL_OBJECT =
  /^(?:deploy|deployment|job|cronjob|pod|svc|service|statefulset|sts|secret|configmap|cm)\/[a-z0-9.-]+$/;

/** The file types read (by extension), and extensionless files read by name. */
const READ_EXTENSIONS = new Set("md ts js sh yaml yml json lua sql proto tpl txt".split(" "));
const READ_NAMES = new Set(["Dockerfile", "Tiltfile", "dev", ".ci/run"]);
/** Never read: the lock file is npm metadata, not prose. */
const NOT_READ = new Set(["deno.lock"]);

export function isRead(path: string): boolean {
  if (NOT_READ.has(path)) return false;
  if (READ_NAMES.has(path) || READ_NAMES.has(posix.basename(path))) return true;
  return READ_EXTENSIONS.has(extensionOf(posix.basename(path)));
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly reason: string;
}

/** The repository's paths (files, and the folders that hold them), for lookups. */
export class RepoIndex {
  readonly files: ReadonlySet<string>;
  readonly dirs: ReadonlySet<string>;
  readonly topLevel: ReadonlySet<string>;
  readonly #tails = new Set<string>();
  readonly #all: readonly string[];

  /** `ignored`: .gitignore patterns (`name/` or `dir/sub/`), places made at run time. */
  constructor(paths: Iterable<string>, private readonly ignored: readonly string[] = []) {
    const files = new Set<string>();
    const dirs = new Set<string>();
    for (const path of paths) {
      files.add(path);
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    this.files = files;
    this.dirs = dirs;
    this.topLevel = new Set([...files, ...dirs].map((p) => p.split("/")[0]));
    this.#all = [...files, ...dirs];
    for (const path of this.#all) {
      const parts = path.split("/");
      for (let i = 0; i < parts.length; i++) this.#tails.add(parts.slice(i).join("/"));
    }
  }

  /** A file or folder at exactly `path` (relative to the root; "." is the root). */
  has(path: string): boolean {
    return path === "." || this.files.has(path) || this.dirs.has(path);
  }

  /** A file or folder whose path is `tail` or ends with "/" + `tail`. */
  hasTail(tail: string): boolean {
    return this.#tails.has(tail);
  }

  /** Whether any file or folder path matches `pattern`. */
  matches(pattern: RegExp): boolean {
    return this.#all.some((p) => pattern.test(p));
  }

  /** Whether `path` (relative to the root) lies in a git-ignored place. */
  isIgnored(path: string): boolean {
    return this.ignored.some((pattern) => {
      const p = pattern.replace(/^\/|\/$/g, "");
      const anchored = pattern.startsWith("/") || p.includes("/");
      return path === p || path.startsWith(`${p}/`) || (!anchored && path.includes(`/${p}/`));
    });
  }
}

/** One path part: a character of a name, or a placeholder/glob standing for a whole part. */
const PART = String
  .raw`(?:\$\{[^}\s]*\}|\$(?:[A-Za-z_]\w*|\d)|\{[\w.,-]*\}|<[\w.-]+>|\*|[\w.@~+-])`;
const TOKEN = new RegExp(String.raw`(?:${PART}|/)+`, "g");
/** `scheme:rest` (URLs, npm:/node: specifiers, redis://…): blanked before looking for paths. */
const SCHEMED = /\b[a-z][a-z0-9+.-]*:(?:\/\/)?[^\s'"`)<>\]]+/gi;
const PLACEHOLDER = /\$\{[^}]*\}|\$(?:[A-Za-z_]\w*|\d)|\{[\w.-]*\}|<[\w.-]+>|\*/g;
const HAS_PLACEHOLDER = new RegExp(PLACEHOLDER.source);

/** The file references in `file` (its `text`) that do not resolve. */
export function checkText(file: string, text: string, repo: RepoIndex): Problem[] {
  const problems: Problem[] = [];
  for (const [i, raw] of proseOf(file, text).split("\n").entries()) {
    const line = raw.replace(SCHEMED, (m) => " ".repeat(m.length));
    for (const match of line.matchAll(TOKEN)) {
      // Trailing `${…}` adds to the text after the path, or completes it (then its folder stays).
      const token = match[0].replace(/[.,;:]+$/, "").replace(/^\*\*+|\*+$/g, "")
        .replace(/(?:\$\{[^}]*\})+$/, "");
      if (KUBECTL_OBJECT.test(token) && raw.includes("kubectl")) continue;
      const reason = problemOf(file, token, repo);
      if (reason) problems.push({ file, line: i + 1, reference: token, reason });
    }
  }
  return problems;
}

/** The part of a file that is prose about paths (see the module comment), other text blanked. */
export function proseOf(file: string, text: string): string {
  const ext = extensionOf(posix.basename(file));
  if (ext !== "ts" && ext !== "js") return text;
  return commentsAndStrings(text, !file.endsWith("_test.ts"));
}

function problemOf(file: string, token: string, repo: RepoIndex): string | undefined {
  if (token === "" || token.startsWith("@") || NOT_FILES.has(token)) return undefined;
  if (token === "/work" || token.startsWith("/work/")) {
    return "an absolute path on the machine it was written on: the repository must stand alone";
  }
  if (token.startsWith("/") || token.startsWith("~")) return undefined; // in a container or the OS
  const dir = posix.dirname(file);
  if (token.startsWith("../")) {
    const resolved = posix.normalize(posix.join(dir, token));
    if (resolved === ".." || resolved.startsWith("../")) {
      return "leaves the repository: everything a reader needs must be inside it";
    }
  }
  const relative = token.startsWith("./") || token.startsWith("../");
  const path = relative ? token : withoutLeadingPlaceholder(token);
  if (path !== token && !path.replace(/\/+$/, "").includes("/")) return undefined; // `${dir}/a.sql`
  if (!isFileLike(path.replace(/^(?:\.\.?\/)+/, ""), repo)) return undefined;
  if (PROTOC_WELL_KNOWN.test(path)) return undefined;
  for (const choice of expandBraces(path)) {
    if (!resolves(choice, dir, relative, repo)) {
      return choice === token
        ? "no such file or folder in the repository"
        : `no such file or folder in the repository: ${choice}`;
    }
  }
  return undefined;
}

function isFileLike(path: string, repo: RepoIndex): boolean {
  const parts = path.replace(/\/+$/, "").split("/");
  if (EXTENSIONS.has(extensionOf(parts.at(-1)!))) return true;
  return parts.length > 1 && repo.topLevel.has(parts[0]);
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1) : "";
}

/** `a/{b,c}/d` → `a/b/d`, `a/c/d`; `{id}` (no comma) is a placeholder and stays. */
export function expandBraces(token: string): string[] {
  const list = /\{([\w.-]*,[\w.,-]*)\}/.exec(token);
  if (!list) return [token];
  const head = token.slice(0, list.index);
  const tail = token.slice(list.index + list[0].length);
  return list[1].split(",").flatMap((choice) => expandBraces(head + choice + tail));
}

function resolves(token: string, dir: string, relative: boolean, repo: RepoIndex): boolean {
  const path = token.replace(/\/+$/, "");
  const candidates = (token.startsWith("../") ? [posix.join(dir, path)] : [
    posix.join(dir, path),
    posix.normalize(path),
  ]).map((c) => posix.normalize(c));
  if (candidates.some((c) => repo.isIgnored(c))) return true; // made at run time
  if (HAS_PLACEHOLDER.test(path)) {
    const folders = path.split("/").slice(0, -1);
    if (!folders.some((f) => f !== "." && f !== ".." && !HAS_PLACEHOLDER.test(f))) return true;
    const patterns = candidates.map((c) => new RegExp(`^${patternOf(c)}$`));
    if (!relative) patterns.push(new RegExp(`(?:^|/)${patternOf(path)}$`));
    return patterns.some((re) => repo.matches(re));
  }
  return candidates.some((c) => repo.has(c)) || (!relative && repo.hasTail(path));
}

/** `${root}/lua/x.lua`, `${ROOT}scripts/x.sh` → `lua/x.lua`, `scripts/x.sh`: a location, dropped. */
function withoutLeadingPlaceholder(path: string): string {
  const lead = /^(?:\$\{[^}]*\}|\$[A-Za-z_]\w*)+\/?/.exec(path);
  return lead && lead[0].length < path.length ? path.slice(lead[0].length) : path;
}

function patternOf(path: string): string {
  return path.split(PLACEHOLDER).map(escapeRegExp).join("[^/]+");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * TypeScript/JavaScript with everything but comments (and, with `strings`, string literals)
 * blanked, line breaks kept. A template literal's `${…}` becomes the placeholder `${}`.
 */
export function commentsAndStrings(src: string, strings: boolean): string {
  const out: string[] = [];
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  const keep = (s: string, asString: boolean) => (asString && !strings ? blank(s) : s);
  let i = 0;
  let last = ""; // the last significant code character, to tell a regex from a division
  let lastWord = "";
  /** Code up to the `}` closing a template expression (depth 0), or to the end. */
  const code = (inTemplate: boolean): void => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i];
      const next = src[i + 1];
      if (c === "/" && next === "/") {
        const end = src.indexOf("\n", i);
        const stop = end === -1 ? src.length : end;
        out.push(src.slice(i, stop));
        i = stop;
      } else if (c === "/" && next === "*") {
        const end = src.indexOf("*/", i + 2);
        const stop = end === -1 ? src.length : end + 2;
        out.push(src.slice(i, stop));
        i = stop;
      } else if (c === "'" || c === '"') {
        const start = i++;
        while (i < src.length && src[i] !== c && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
        const closed = src[i] === c;
        out.push(" ", keep(src.slice(start + 1, i), true), closed ? " " : "");
        if (closed) i++;
        last = c;
      } else if (c === "`") {
        out.push(" ");
        i++;
        template();
        last = "`";
      } else if (c === "/" && startsRegex(last, lastWord)) {
        const start = i++;
        let inClass = false;
        while (i < src.length && src[i] !== "\n" && (src[i] !== "/" || inClass)) {
          if (src[i] === "\\") i++;
          else if (src[i] === "[") inClass = true;
          else if (src[i] === "]") inClass = false;
          i++;
        }
        i++;
        out.push(blank(src.slice(start, i)));
        last = "/";
      } else {
        if (inTemplate && c === "}" && depth === 0) return;
        if (c === "{") depth++;
        if (c === "}") depth--;
        if (/\s/.test(c)) {
          out.push(c === "\n" ? "\n" : " ");
        } else {
          out.push(" ");
          if (/[\w$]/.test(c)) {
            lastWord = /[\w$]/.test(last) ? lastWord + c : c;
          } else {
            lastWord = "";
          }
          last = c;
        }
        i++;
      }
    }
  };
  /** The rest of a template literal after its opening backtick. */
  const template = (): void => {
    while (i < src.length) {
      const c = src[i];
      if (c === "\\") {
        out.push(keep(src.slice(i, i + 2), true));
        i += 2;
      } else if (c === "`") {
        out.push(" ");
        i++;
        return;
      } else if (c === "$" && src[i + 1] === "{") {
        const mark = out.length;
        i += 2;
        code(true);
        i++; // the closing brace
        const inside = out.splice(mark).join("");
        const lines = inside.split("\n").length - 1;
        out.push(strings ? "${}" : "   ", "\n".repeat(lines));
      } else {
        out.push(keep(c, true));
        i++;
      }
    }
  };
  code(false);
  return out.join("");
}

/** A `/` after these starts a regular expression literal rather than a division. */
function startsRegex(last: string, lastWord: string): boolean {
  if (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last)) return true;
  return [
    "return",
    "typeof",
    "case",
    "in",
    "of",
    "delete",
    "void",
    "throw",
    "new",
    "yield",
    "await",
  ]
    .includes(lastWord);
}

/** The repository's files: tracked, plus new ones not ignored, that exist on disk. */
export async function repositoryFiles(root: string): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: root,
  }).output();
  if (code !== 0) {
    throw new Error(`git ls-files failed in ${root}: ${new TextDecoder().decode(stderr)}`);
  }
  const paths = [...new Set(new TextDecoder().decode(stdout).split("\0").filter((p) => p))];
  const present = await Promise.all(
    paths.map((p) => Deno.stat(`${root}/${p}`).then((s) => s.isFile, () => false)),
  );
  return paths.filter((_, i) => present[i]);
}

/** The .gitignore patterns of the root (comments and blank lines left out). */
export async function ignoredPatterns(root: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${root}/.gitignore`).catch(() => "");
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

/** Every problem in the files read of the repository at `root`, except in the files of `skip`. */
export async function scanRepository(
  root: string,
  skip: ReadonlySet<string> = new Set(),
): Promise<Problem[]> {
  const files = await repositoryFiles(root);
  const repo = new RepoIndex(files, await ignoredPatterns(root));
  const problems: Problem[] = [];
  for (const file of files.filter((f) => isRead(f) && !skip.has(f))) {
    problems.push(...checkText(file, await Deno.readTextFile(`${root}/${file}`), repo));
  }
  return problems;
}
