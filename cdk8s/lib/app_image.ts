/** The one Ovenline image (see Dockerfile) and how a process of it starts. */
import { cat, chartAppVersion, type Expr, orElse, v, when } from "./expr.ts";
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
 * The command that runs `script` of the image. `watch`: restart on source changes when it holds
 * (devMode); `allowWrite`: the only directory the process may write.
 */
export function denoRun(
  script: string,
  opts: { readonly watch?: Expr<unknown>; readonly allowWrite?: string } = {},
): string[] {
  // src/services/<name>/main.ts runs with that service's heap limits (src/services/v8_flags.tsv).
  const service = /^src\/services\/([a-z_]+)\/main\.ts$/.exec(script)?.[1];
  return [
    "deno",
    "run",
    ...(opts.watch ? [when(opts.watch, "--watch")] : []),
    ...DENO_FLAGS,
    ...(service ? v8FlagsFor(service) : []),
    ...(opts.allowWrite ? [`--allow-write=${opts.allowWrite}`] : []),
    script,
  ];
}
