/**
 * A tiny element builder for the pages: `h("div", { class: "x", onclick }, "text", child)`.
 * Text is always set as text (never parsed as HTML), so order data cannot inject markup.
 */

/**
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props] attributes; `on…` functions become listeners;
 *   `dataset` an object of data-* values, `style` an object of CSS properties;
 *   false/null/undefined attributes are left out
 * @param {...(Node | string | number | null | undefined | false | (Node | string)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style") {
      // Through CSSOM: the pages' Content-Security-Policy refuses style attributes.
      for (const [name, v] of Object.entries(/** @type {Record<string, string>} */ (value))) {
        el.style.setProperty(name, v);
      }
    } else if (key === "value" && "value" in el) {
      /** @type {HTMLInputElement} */ (el).value = String(value);
    } else if (key === "checked" && "checked" in el) {
      /** @type {HTMLInputElement} */ (el).checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} el
 * @param {unknown[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces all children of `el`.
 * @param {Element} el
 * @param {...(Node | string | null | undefined | false | (Node | string)[])} children
 */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * The element with `id`, or a clear failure naming it.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el;
}
