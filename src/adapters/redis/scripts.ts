/** Registers the Lua scripts in lua/ on an ioredis client (EVALSHA, with EVAL when the cache is cold). */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";

const LUA_DIR = new URL("../../../lua/", import.meta.url);

export type ScriptName =
  | "reserve_slot"
  | "release_slot"
  | "confirm_booking"
  | "apply_order"
  | "apply_orders"
  | "promote_due"
  | "index_kitchens";

type ScriptFn = (keys: string[], args: (string | number | Uint8Array)[]) => Promise<unknown>;

/**
 * Scripts made from another one: each runs its script's body once for every item of a batch, in
 * one call, instead of one call per item. The body sees its own item's KEYS and ARGV.
 */
const BATCHED: Partial<Record<ScriptName, ScriptName>> = { apply_orders: "apply_order" };

const sources = new Map<ScriptName, string>();

function source(name: ScriptName): string {
  let text = sources.get(name);
  if (!text) {
    const batched = BATCHED[name];
    text = batched
      ? batchedSource(source(batched))
      : Deno.readTextFileSync(new URL(`${name}.lua`, LUA_DIR));
    sources.set(name, text);
  }
  return text;
}

/**
 * KEYS: every item's keys in turn. ARGV: the item count, the keys and the arguments each item has,
 * then every item's arguments in turn.
 */
function batchedSource(body: string): string {
  return `local function one(KEYS, ARGV)
${body}
end
local count, keysEach, argsEach = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local results = {}
for i = 0, count - 1 do
  results[i + 1] = one(
    { unpack(KEYS, i * keysEach + 1, (i + 1) * keysEach) },
    { unpack(ARGV, i * argsEach + 4, (i + 1) * argsEach + 3) })
end
return results
`;
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
