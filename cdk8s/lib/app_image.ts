/** The one Ovenline image (see Dockerfile) and how a process of it starts. */
import {
  cat,
  chartAppVersion,
  div,
  type Expr,
  lit,
  max,
  minus,
  mul,
  orElse,
  v,
  when,
} from "./expr.ts";
import { mebibytes } from "./helpers.ts";
import type * as k from "./k8s_types.ts";
import { ref } from "../values.ts";
import { v8FlagsFor } from "../../src/services/v8_flags.ts";

/** The uid/gid of the `deno` user in the denoland/deno images (see Dockerfile). */
export const APP_UID = 1993;

/**
 * How every Ovenline process starts (see Dockerfile). Measured on Deno 2.8.3 as an unprivileged
 * user with a read-only DENO_DIR, node_modules and sources: all four services and the migration
 * run with these; none needs --allow-write (the housekeeper writes its archive directory only:
 * denoRun's allowWrite); intake needs --allow-sys (uid, for proto-loader);
 * `--node-modules-dir=manual` keeps Deno from touching the node_modules the image installed.
 */
const DENO_FLAGS = [
  "--node-modules-dir=manual",
  "--frozen",
  "--cached-only",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-sys",
];

const appImage = cat(
  ref("image.repository"),
  ":",
  orElse(ref("image.tag"), chartAppVersion),
);

/** imagePullSecrets of a pod that runs the Ovenline image. */
export function appImagePullSecrets(): k.IPodSpec["imagePullSecrets"] {
  return v(ref("image.pullSecrets"));
}

/** image and imagePullPolicy of a container that runs the Ovenline image. */
export function appImageFields(): Pick<k.IContainer, "image" | "imagePullPolicy"> {
  return { image: v(appImage), imagePullPolicy: v(ref("image.pullPolicy")) };
}

/**
 * V8's old-space cap in a container limited to `memoryLimit`: three quarters of it up to 512 MiB,
 * then all but 128 MiB (young generation, code and Deno's own native memory stay below that).
 */
export function oldSpaceMiB(memoryLimit: Expr<string>): Expr<number> {
  const mib = mebibytes(memoryLimit);
  return max(div(mul(mib, 3), lit(4)), minus(mib, 128));
}

/**
 * The `--v8-flags=` of src/services/<service>/main.ts (src/services/v8_flags.tsv), its old-space
 * cap derived from the container's memory limit instead of the table's, which is sized for a
 * process on a developer's machine.
 */
function v8Flags(service: string, memoryLimit: Expr<string>): string[] {
  return v8FlagsFor(service).map((flag) => {
    const [before, after] = flag.split(/--max-old-space-size=[0-9]+/);
    if (after === undefined) return flag;
    return v(cat(before, "--max-old-space-size=", oldSpaceMiB(memoryLimit), after));
  });
}

/**
 * The command that runs `script` of the image. `watch`: restart on source changes when it holds
 * (devMode); `allowWrite`: the only directory the process may write; `memoryLimit`: the
 * container's, which sizes V8's heap.
 */
export function denoRun(
  script: string,
  opts: {
    readonly watch?: Expr<unknown>;
    readonly allowWrite?: string;
    readonly memoryLimit?: Expr<string>;
  } = {},
): string[] {
  // src/services/<name>/main.ts runs with that service's heap limits (src/services/v8_flags.tsv).
  const service = /^src\/services\/([a-z_]+)\/main\.ts$/.exec(script)?.[1];
  if (service && !opts.memoryLimit) throw new Error(`${script}: denoRun needs the memory limit`);
  return [
    "deno",
    "run",
    ...(opts.watch ? [when(opts.watch, "--watch")] : []),
    ...DENO_FLAGS,
    ...(service && opts.memoryLimit ? v8Flags(service, opts.memoryLimit) : []),
    ...(opts.allowWrite ? [`--allow-write=${opts.allowWrite}`] : []),
    script,
  ];
}
