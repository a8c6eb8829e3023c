// @ts-check
/**
 * The bearer token the pages present to the hub. A page is opened once with the token in the URL's
 * fragment, `#token=…`: browsers never send a fragment to a server, so the token reaches no access
 * log, no trace and no Referer. The page keeps it in localStorage and removes it from the address
 * bar (screenshots, bookmarks, history). `#token=` with an empty value forgets it. A token in the
 * query (`?token=`, older links) is removed and never used: it has been sent to the server already.
 * Every REST call then sends `Authorization: Bearer <token>`; a WebSocket, which cannot send
 * headers from a browser, offers it as the subprotocol `bearer.<token>` next to `ovenline`.
 * Before the token expires the page trades it for a fresh one (TokenKeeper) and hands the fresh
 * one to its open socket, up to the end of the session (12 h after the link's token was made).
 */

export const TOKEN_KEY = "ovenline.token";
export const SUBPROTOCOL = "ovenline";

/**
 * @typedef {{ getItem(key: string): string | null, setItem(key: string, value: string): void,
 *   removeItem(key: string): void }} KeyValueStore
 */

/**
 * Moves the token from the URL's fragment into `store`, and drops any `?token=`. Returns the URL
 * to show instead, or undefined when the URL carries no token at all.
 * @param {string} href
 * @param {KeyValueStore} store
 * @returns {string | undefined}
 */
export function takeTokenFromUrl(href, store) {
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  const inQuery = url.searchParams.has("token");
  if (!fragment.has("token") && !inQuery) return undefined;
  if (fragment.has("token")) {
    const token = (fragment.get("token") ?? "").trim();
    if (token === "") store.removeItem(TOKEN_KEY);
    else store.setItem(TOKEN_KEY, token);
    fragment.delete("token");
    url.hash = fragment.toString();
  }
  url.searchParams.delete("token");
  return url.toString().replace(/#$/, "");
}

/**
 * @param {KeyValueStore} store
 * @returns {string | undefined}
 */
export function storedToken(store) {
  const token = store.getItem(TOKEN_KEY);
  return token ? token : undefined;
}

/**
 * Headers for a REST call.
 * @param {string | undefined} token
 * @returns {Record<string, string>}
 */
export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * WebSocket subprotocols; the hub answers with `ovenline`.
 * @param {string | undefined} token
 * @returns {string[]}
 */
export function socketProtocols(token) {
  return token ? [SUBPROTOCOL, `bearer.${token}`] : [SUBPROTOCOL];
}

/**
 * The token's issue and expiry times (ms), read without checking the signature (the hub does).
 * @param {string} token
 * @returns {{ issuedMs: number, expiresMs: number } | undefined}
 */
export function tokenTimes(token) {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json);
    if (typeof claims.exp !== "number" || typeof claims.iat !== "number") return undefined;
    return { issuedMs: claims.iat * 1000, expiresMs: claims.exp * 1000 };
  } catch {
    return undefined;
  }
}

/**
 * When to renew a token: once half its life has passed, and for a token of more than two
 * minutes at least a minute before it expires.
 * @param {{ issuedMs: number, expiresMs: number }} times
 * @param {number} nowMs
 */
export function renewAtMs(times, nowMs) {
  const life = times.expiresMs - times.issuedMs;
  const half = times.issuedMs + life / 2;
  return Math.max(nowMs, life > 120_000 ? Math.min(half, times.expiresMs - 60_000) : half);
}

/**
 * @typedef {{
 *   store: KeyValueStore,
 *   renew: (token: string) => Promise<string>,
 *   onRenewed: (token: string) => void,
 *   timers: { setTimeout: (fn: () => void, ms: number) => unknown, now: () => number },
 * }} TokenKeeperOptions
 */

/**
 * Renews the stored token before it expires, again and again, until the hub says the session is
 * over (renew throws with `accessDenied`); a failure to reach the hub is retried in 30 s while the
 * token lasts. No DOM: storage, the REST call and timers are injected.
 */
export class TokenKeeper {
  /** @param {TokenKeeperOptions} o */
  constructor(o) {
    this.o = o;
    /** @type {unknown} */
    this.timer = undefined;
  }

  start() {
    const token = storedToken(this.o.store);
    const times = token ? tokenTimes(token) : undefined;
    if (!token || !times) return;
    const now = this.o.timers.now();
    if (times.expiresMs <= now) return;
    this.timer = this.o.timers.setTimeout(() => this.#renew(token), renewAtMs(times, now) - now);
  }

  /** @param {string} token */
  async #renew(token) {
    try {
      const fresh = await this.o.renew(token);
      this.o.store.setItem(TOKEN_KEY, fresh);
      this.o.onRenewed(fresh);
      this.start();
    } catch (error) {
      if (/** @type {{ accessDenied?: boolean }} */ (error)?.accessDenied) return;
      const times = tokenTimes(token);
      if (times && times.expiresMs > this.o.timers.now() + 30_000) {
        this.timer = this.o.timers.setTimeout(() => this.#renew(token), 30_000);
      }
    }
  }
}
