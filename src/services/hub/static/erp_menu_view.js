/**
 * Menu prices and the stop-list: one row per pizza or extra with its price in roubles and kopecks
 * (edit, then Enter or "Save") and an "in stock" switch. Each change is one PUT of
 * `{priceKopecks}` or `{available}`; intake applies it live.
 */
import { h, replaceChildren } from "./dom.js";
import { formatMoney, moneyInputValue, parseMoney } from "./format.js";
import { stationName } from "./i18n.js";

/**
 * @typedef {{ code: string, name: string, priceKopecks: number, available: boolean,
 *   station?: string, grams?: number }} MenuItem
 * @typedef {{ pizzas: MenuItem[], extras: MenuItem[] }} Menu
 * @typedef {{ lang: import("./i18n.js").Lang, t: (k: string, p?: object) => string,
 *   update: (kind: "pizzas" | "extras", code: string, change: object) => Promise<MenuItem>,
 *   explain: (error: unknown) => string }} MenuContext
 */

export class MenuView {
  /** @type {Menu | undefined} */
  #menu;

  /**
   * @param {{ pizzas: HTMLElement, extras: HTMLElement }} bodies the two tables' tbody elements
   * @param {() => MenuContext} context
   */
  constructor(bodies, context) {
    this.bodies = bodies;
    this.context = context;
  }

  /** @param {Menu} menu */
  load(menu) {
    this.#menu = { pizzas: [...menu.pizzas], extras: [...menu.extras] };
    this.render();
  }

  render() {
    if (!this.#menu) return;
    for (const kind of /** @type {const} */ (["pizzas", "extras"])) {
      replaceChildren(this.bodies[kind], this.#menu[kind].map((item) => this.#row(kind, item)));
    }
  }

  /**
   * @param {"pizzas" | "extras"} kind
   * @param {MenuItem} item
   */
  #row(kind, item) {
    const { t, lang } = this.context();
    const price = /** @type {HTMLInputElement} */ (h("input", {
      class: "price",
      name: `price-${item.code}`,
      inputmode: "decimal",
      value: moneyInputValue(item.priceKopecks, lang),
      "aria-label": `${t("erp.col.price")} ${item.name}`,
      onkeydown: (/** @type {KeyboardEvent} */ e) => e.key === "Enter" && savePrice(),
    }));
    const message = h("span", { class: "row-error", role: "status" });
    const savePrice = () => {
      const kopecks = parseMoney(price.value);
      if (kopecks === undefined) {
        message.textContent = t("erp.mustBeMoney");
        return;
      }
      if (kopecks !== item.priceKopecks) {
        this.#change(kind, item, { priceKopecks: kopecks }, message).catch(() => {});
      }
    };
    return h(
      "tr",
      { dataset: { code: item.code, available: String(item.available) } },
      h(
        "td",
        null,
        h("span", { class: "name" }, item.name),
        item.available ? null : h("span", { class: "stop-tag" }, t("erp.stopList")),
      ),
      h(
        "td",
        null,
        kind === "pizzas"
          ? stationName(lang, item.station ?? "")
          : t("kds.grams", { grams: item.grams ?? 0 }),
      ),
      h(
        "td",
        { class: "price-cell" },
        h(
          "span",
          { class: "price-edit" },
          price,
          h("span", { class: "currency", title: formatMoney(item.priceKopecks, lang) }, "₽"),
          h("button", { type: "button", class: "small", onclick: savePrice }, t("erp.save")),
        ),
        message,
      ),
      h(
        "td",
        null,
        h(
          "label",
          { class: "switch" },
          h("input", {
            type: "checkbox",
            name: `available-${item.code}`,
            "aria-label": `${t("erp.col.available")}: ${item.name}`,
            checked: item.available,
            onchange: (/** @type {Event} */ e) => {
              const box = /** @type {HTMLInputElement} */ (e.target);
              this.#change(kind, item, { available: box.checked }, message)
                .catch(() => (box.checked = item.available));
            },
          }),
        ),
      ),
    );
  }

  /**
   * @param {"pizzas" | "extras"} kind
   * @param {MenuItem} item
   * @param {{ priceKopecks?: number, available?: boolean }} change
   * @param {HTMLElement} message
   * @returns {Promise<void>} rejects when the hub refused (the message says why)
   */
  async #change(kind, item, change, message) {
    const ctx = this.context();
    message.textContent = ctx.t("erp.saving");
    try {
      const saved = await ctx.update(kind, item.code, change);
      const list = /** @type {Menu} */ (this.#menu)[kind];
      const index = list.findIndex((x) => x.code === item.code);
      if (index >= 0) list[index] = { ...list[index], ...change, ...saved };
      this.render();
    } catch (error) {
      const fields = /** @type {{ fields?: { field: string, reason: string }[] }} */ (error).fields;
      message.textContent = fields && fields.length > 0
        ? fields.map((f) => `${f.field}: ${f.reason}`).join("; ")
        : ctx.explain(error);
      message.dataset.kind = "error";
      throw error; // the row keeps what was typed, for correction
    }
  }
}
