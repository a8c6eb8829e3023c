/**
 * What both pages share around their content: the language (Russian by default, `?lang=en` or the
 * toggle), the token (taken from `#token=` once, and renewed before it expires), the REST client, the "offline — reconnecting"
 * banner, the "access denied" screen and short messages (toasts).
 *
 * The page markup provides #conn-banner, #denied, #toast and #lang-toggle, and marks fixed text
 * with data-i18n="key" (text) or data-i18n-title / data-i18n-aria-label (attributes).
 */
import { createApi } from "./api.js";
import { socketProtocols, storedToken, takeTokenFromUrl, TokenKeeper } from "./auth.js";
import { byId } from "./dom.js";
import { otherLang, pickLang, translate } from "./i18n.js";

const LANG_KEY = "ovenline.lang";

/**
 * @param {{ onLangChange?: () => void }} [options]
 */
export function startPage({ onLangChange } = {}) {
  const cleanUrl = takeTokenFromUrl(location.href, localStorage);
  if (cleanUrl) history.replaceState(history.state, "", cleanUrl);
  const query = new URL(location.href).searchParams;

  /** @type {import("./i18n.js").Lang} */
  let lang = pickLang(query.get("lang"), localStorage.getItem(LANG_KEY));
  const token = () => storedToken(localStorage);
  const base = new URL(".", location.href).toString();
  const api = createApi({ base, token });
  /** @type {((token: string) => void)[]} */
  const renewedListeners = [];
  new TokenKeeper({
    store: localStorage,
    renew: (current) => api.renewToken(current),
    onRenewed: (fresh) => renewedListeners.forEach((listener) => listener(fresh)),
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), now: () => Date.now() },
  }).start();

  const banner = byId("conn-banner");
  const denied = byId("denied");
  const toastEl = byId("toast");
  const langToggle = byId("lang-toggle");
  /** @type {{ state: string, detail: import("./live_socket.js").StateDetail, at: number }} */
  let connection = { state: "connecting", detail: { attempt: 0 }, at: Date.now() };
  /** @type {number | undefined} */
  let toastTimer;

  /** @param {string} key @param {Record<string, string | number>} [params] */
  const t = (key, params) => translate(lang, key, params);

  function applyFixedText() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = t(/** @type {HTMLElement} */ (el).dataset.i18n ?? "");
    }
    for (const attr of ["title", "aria-label", "placeholder"]) {
      for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`) ?? ""));
      }
    }
    langToggle.textContent = t("lang.switch");
    langToggle.title = t("lang.switchTitle");
    renderBanner();
  }

  function renderBanner() {
    const { state, detail } = connection;
    const down = state === "offline" || (state === "connecting" && detail.attempt > 0) ||
      state === "failed";
    banner.hidden = !down;
    banner.dataset.state = state;
    if (!down) return;
    if (state === "failed") {
      banner.textContent = t("err.badQuery", { message: detail.reason ?? String(detail.code) });
      return;
    }
    const left = state === "offline" && detail.retryInMs !== undefined
      ? Math.max(0, Math.ceil((connection.at + detail.retryInMs - Date.now()) / 1000))
      : 0;
    banner.textContent = left > 0
      ? `${t("conn.offline")} ${t("conn.retryIn", { seconds: left })}`
      : t("conn.offline");
  }
  setInterval(() => connection.state === "offline" && renderBanner(), 500);

  langToggle.addEventListener("click", () => {
    lang = otherLang(lang);
    localStorage.setItem(LANG_KEY, lang);
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(history.state, "", url);
    applyFixedText();
    onLangChange?.();
  });

  applyFixedText();

  return {
    query,
    api,
    get lang() {
      return lang;
    },
    t,
    protocols: () => socketProtocols(token()),
    /**
     * Calls `listener` with each renewed token (the page hands it to its open socket).
     * @param {(token: string) => void} listener
     */
    onTokenRenewed(listener) {
      renewedListeners.push(listener);
    },
    /**
     * Shows the socket's state (the banner while it is down). After the second failed attempt
     * in a row it asks the REST API whether the token is refused, and then calls `stop`.
     * @param {import("./live_socket.js").SocketState} state
     * @param {import("./live_socket.js").StateDetail} detail
     * @param {() => void} [stop] stops the socket
     */
    showConnection(state, detail, stop) {
      connection = { state, detail, at: Date.now() };
      document.body.dataset.connection = state;
      if (state === "denied") this.showDenied();
      if (state === "offline" && detail.attempt === 2) {
        this.probeAccess().then((denied) => denied && stop?.());
      }
      renderBanner();
    },
    /**
     * Whether the hub refuses this page's token. A refused WebSocket upgrade looks like any
     * network failure to a browser, so the page asks the REST API, which answers 401/403 plainly.
     * Shows the denied screen when so.
     * @returns {Promise<boolean>}
     */
    async probeAccess() {
      try {
        await api.kitchens();
        return false;
      } catch (error) {
        if (!(/** @type {import("./api.js").ApiError} */ (error)?.accessDenied)) return false;
        this.showDenied();
        return true;
      }
    },
    showDenied() {
      denied.hidden = false;
      document.body.dataset.denied = "true";
    },
    /**
     * A short message at the bottom; errors stay a little longer.
     * @param {string} message
     * @param {"info" | "error"} [kind]
     */
    toast(message, kind = "info") {
      toastEl.textContent = message;
      toastEl.dataset.kind = kind;
      toastEl.hidden = false;
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => (toastEl.hidden = true), kind === "error" ? 6000 : 3000);
    },
    /**
     * The words for a failed REST call; shows the denied screen for 401/403.
     * @param {unknown} error
     */
    explain(error) {
      const e = /** @type {import("./api.js").ApiError} */ (error);
      if (e?.accessDenied) {
        this.showDenied();
        return t("auth.denied");
      }
      if (e?.status === 0) return t("err.network");
      if (e?.status === 404) return t("err.notFound");
      if (e?.status === 409) return t("err.conflict");
      return t("err.generic", { message: e?.message ?? String(error) });
    },
  };
}

/** @typedef {ReturnType<typeof startPage>} Page */
