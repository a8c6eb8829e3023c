// @ts-check
/**
 * The bearer token the pages present to the hub. A page is opened once with `?token=…`; the token
 * is kept in localStorage and removed from the address bar (so it does not end up in screenshots,
 * bookmarks or the browser history). `?token=` with an empty value forgets it.
 * Every REST call then sends `Authorization: Bearer <token>`; a WebSocket, which cannot send
 * headers from a browser, offers it as the subprotocol `bearer.<token>` next to `ovenline`.
 */

export const TOKEN_KEY = "ovenline.token";
export const SUBPROTOCOL = "ovenline";

/**
 * @typedef {{ getItem(key: string): string | null, setItem(key: string, value: string): void,
 *   removeItem(key: string): void }} KeyValueStore
 */

/**
 * Moves `token` from the URL into `store`. Returns the URL to show instead (the same URL without
 * `token`), or undefined when the URL had no token.
 * @param {string} href
 * @param {KeyValueStore} store
 * @returns {string | undefined}
 */
export function takeTokenFromUrl(href, store) {
  const url = new URL(href);
  if (!url.searchParams.has("token")) return undefined;
  const token = (url.searchParams.get("token") ?? "").trim();
  if (token === "") store.removeItem(TOKEN_KEY);
  else store.setItem(TOKEN_KEY, token);
  url.searchParams.delete("token");
  return url.toString();
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
