// @ts-check
/**
 * The hub's REST API (`/api/v1/erp`, docs/hub-api.md) for the pages: JSON in and out, the bearer
 * token on every call, and one error type carrying what the hub said (status, code, field errors).
 * No DOM: `fetch` and the token source are injected.
 */

import { authHeaders } from "./auth.js";

/** @typedef {{ field: string, reason: string }} FieldError */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the hub could not be reached
   * @param {string} code the hub's error code ("not_found", "conflict", "invalid", …)
   * @param {string} message
   * @param {FieldError[]} fields
   */
  constructor(status, code, message, fields = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** 401 or 403: the token is missing, wrong, or lacks the role. */
  get accessDenied() {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * @param {{ base: string, token: () => string | undefined, fetchImpl?: typeof fetch }} options
 *   `base` is the URL the API paths are relative to (the page's directory), e.g. "http://hub/"
 */
export function createApi({ base, token, fetchImpl = globalThis.fetch.bind(globalThis) }) {
  /**
   * @param {"GET" | "PUT" | "POST"} method
   * @param {string} path e.g. "orders/active?kitchen=main" (under api/v1/erp/)
   * @param {unknown} [body]
   * @param {string | undefined} [bearer] the token to send (the page's own by default)
   */
  async function call(method, path, body, bearer = token()) {
    const url = new URL(`api/v1/erp/${path}`, base);
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json", ...authHeaders(bearer) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, "network", String(error instanceof Error ? error.message : error));
    }
    const text = await response.text();
    /** @type {any} */
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = json?.error ?? {};
      throw new ApiError(
        response.status,
        typeof error.code === "string" ? error.code : `http_${response.status}`,
        typeof error.message === "string" ? error.message : response.statusText || text,
        Array.isArray(error.fields) ? error.fields : [],
      );
    }
    return json;
  }

  const id = encodeURIComponent;
  return {
    /** @param {string} kitchenId */
    kitchen: (kitchenId) => call("GET", `kitchens/${id(kitchenId)}`),
    kitchens: () => call("GET", "kitchens"),
    /** @param {string} kitchenId @param {unknown} config */
    saveKitchen: (kitchenId, config) => call("PUT", `kitchens/${id(kitchenId)}`, config),
    /** @param {string} kitchenId */
    slots: (kitchenId) => call("GET", `slots?kitchen=${id(kitchenId)}`),
    /** @param {string} kitchenId */
    activeOrders: (kitchenId) => call("GET", `orders/active?kitchen=${id(kitchenId)}`),
    /** @param {string} kitchenId */
    scheduledOrders: (kitchenId) => call("GET", `orders/scheduled?kitchen=${id(kitchenId)}`),
    /** @param {string} orderId @param {string} status */
    setStatus: (orderId, status) => call("PUT", `orders/${id(orderId)}/status`, { status }),
    /** @param {string} orderId @param {string} [reason] */
    cancel: (orderId, reason) => call("POST", `orders/${id(orderId)}/cancel`, { reason }),
    /** @param {string} orderId the customer's full phone: a manager's explicit, logged action */
    revealContact: (orderId) => call("POST", `orders/${id(orderId)}/contact`, {}),
    /**
     * Trades `current` (still valid) for a fresh token of the same session.
     * @param {string} current
     * @returns {Promise<string>}
     */
    renewToken: async (current) => (await call("POST", "token", undefined, current)).token,
    menu: () => call("GET", "menu"),
    /**
     * @param {"pizzas" | "extras"} kind
     * @param {string} code
     * @param {{ priceKopecks?: number, available?: boolean }} change
     */
    updateMenuItem: (kind, code, change) => call("PUT", `menu/${kind}/${id(code)}`, change),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
