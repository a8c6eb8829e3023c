/** Registers the Lua scripts in lua/ on an ioredis client (EVALSHA, with EVAL when the cache is cold). */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";

const LUA_DIR = new URL("../../../lua/", import.meta.url);

export type ScriptName =
  | "reserve_slot"
  | "release_slot"
  | "confirm_booking"
  | "apply_order"
  | "promote_due"
  | "index_kitchens";

type ScriptFn = (keys: string[], args: (string | number | Uint8Array)[]) => Promise<unknown>;

const sources = new Map<ScriptName, string>();

function source(name: ScriptName): string {
  let text = sources.get(name);
  if (!text) {
    text = Deno.readTextFileSync(new URL(`${name}.lua`, LUA_DIR));
    sources.set(name, text);
  }
  return text;
}

/** Returns a caller for `name`; the command is defined on the client once. */
export function script(
  redis: Redis,
  name: ScriptName,
  opts: { binaryReply?: boolean } = {},
): ScriptFn {
  const command = `ovenline_${name}`;
  const client = redis as unknown as Record<string, unknown>;
  if (typeof client[command] !== "function") {
    redis.defineCommand(command, { lua: source(name) });
  }
  // ioredis adds a "<command>Buffer" twin that leaves bulk replies as bytes.
  const method = opts.binaryReply ? `${command}Buffer` : command;
  return (keys, args) =>
    (client[method] as (...a: unknown[]) => Promise<unknown>).call(
      redis,
      keys.length,
      ...keys,
      // A view, not a copy (Buffer.from(Uint8Array) copies byte by byte).
      ...args.map((
        a,
      ) => (a instanceof Uint8Array ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a)),
    );
}
