/**
 * The capacity-and-hours form: capacity and its unit, slot length, lead time, booking horizon,
 * opening hours per weekday (several openings a day, none = closed) and "accepting orders".
 * Inputs edit a KitchenForm (kitchen_form.js) in place; saving sends the whole configuration and
 * shows the hub's field errors (a 400 answer) next to the inputs they name.
 */
import { h, replaceChildren } from "./dom.js";
import {
  CAPACITY_UNITS,
  configToForm,
  formToConfig,
  placeErrors,
  WEEKDAYS,
} from "./kitchen_form.js";

/**
 * @typedef {{ lang: import("./i18n.js").Lang, t: (k: string, p?: object) => string,
 *   save: (body: object) => Promise<import("./kitchen_form.js").KitchenConfig>,
 *   explain: (error: unknown) => string }} SettingsContext
 */

export class SettingsView {
  /** @type {import("./kitchen_form.js").KitchenConfig | undefined} */
  #config;
  /** @type {import("./kitchen_form.js").KitchenForm | undefined} */
  #form;
  #busy = false;

  /**
   * @param {HTMLFormElement} root
   * @param {() => SettingsContext} context
   */
  constructor(root, context) {
    this.root = root;
    this.context = context;
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#save();
    });
  }

  /**
   * Shows `config` (what the hub holds), discarding unsaved edits.
   * @param {import("./kitchen_form.js").KitchenConfig} config
   */
  load(config) {
    this.#config = config;
    this.#form = configToForm(config, this.context().lang);
    this.render();
  }

  get config() {
    return this.#config;
  }

  render() {
    const form = this.#form;
    if (!form) return;
    const { t } = this.context();
    /** @param {string} field @param {string} label @param {HTMLElement} input */
    const row = (field, label, input) =>
      h("label", { class: "field", dataset: { field } }, h("span", null, label), input);
    /** @param {"capacity" | "slotMinutes" | "leadMinutes" | "bookingHorizonDays"} field */
    const text = (field) =>
      h("input", {
        name: field,
        inputmode: field === "capacity" ? "decimal" : "numeric",
        value: form[field],
        oninput: (
          /** @type {Event} */ e,
        ) => (form[field] = /** @type {HTMLInputElement} */ (e.target).value),
      });

    replaceChildren(
      this.root,
      h("div", { class: "form-errors", role: "alert" }),
      h(
        "label",
        { class: "field switch", dataset: { field: "acceptingOrders" } },
        h("input", {
          type: "checkbox",
          name: "acceptingOrders",
          checked: form.acceptingOrders,
          onchange: (
            /** @type {Event} */ e,
          ) => (form.acceptingOrders = /** @type {HTMLInputElement} */ (e.target).checked),
        }),
        h("span", null, t("erp.acceptingOrders")),
      ),
      row(
        "capacityUnit",
        t("erp.capacityUnit"),
        h(
          "select",
          {
            name: "capacityUnit",
            onchange: (
              /** @type {Event} */ e,
            ) => (form.capacityUnit = /** @type {HTMLSelectElement} */ (e.target).value),
          },
          CAPACITY_UNITS.map((unit) =>
            h(
              "option",
              { value: unit, selected: unit === form.capacityUnit },
              t(`erp.unit.${unit}`),
            )
          ),
        ),
      ),
      row("capacity", t("erp.capacity"), text("capacity")),
      row("slotMinutes", t("erp.slotMinutes"), text("slotMinutes")),
      row("leadMinutes", t("erp.leadMinutes"), text("leadMinutes")),
      row("bookingHorizonDays", t("erp.bookingHorizonDays"), text("bookingHorizonDays")),
      h(
        "fieldset",
        { class: "hours", dataset: { field: "hours" } },
        h("legend", null, t("erp.hours")),
        WEEKDAYS.map((day) => this.#dayRow(day)),
      ),
      h(
        "div",
        { class: "form-actions" },
        h(
          "button",
          { type: "submit", class: "primary", disabled: this.#busy },
          t(this.#busy ? "erp.saving" : "erp.save"),
        ),
        h("span", { class: "form-status", role: "status" }),
      ),
    );
  }

  /** @param {import("./kitchen_form.js").Weekday} day */
  #dayRow(day) {
    const form = /** @type {import("./kitchen_form.js").KitchenForm} */ (this.#form);
    const { t } = this.context();
    const openings = form.hours[day];
    return h(
      "div",
      { class: "day", dataset: { field: `hours.${day}`, day } },
      h("span", { class: "day-name" }, t(`erp.day.${day}`)),
      h(
        "span",
        { class: "openings" },
        openings.length === 0 ? h("span", { class: "closed" }, t("erp.closed")) : null,
        openings.map((opening, i) =>
          h(
            "span",
            { class: "opening", dataset: { field: `hours.${day}[${i}]` } },
            ["open", "close"].map((end, n) => [
              n === 1 ? h("span", { class: "dash", "aria-hidden": "true" }, "–") : null,
              h(
                "span",
                { class: "clock-input", dataset: { field: `hours.${day}[${i}].${end}` } },
                h("input", {
                  name: `hours.${day}[${i}].${end}`,
                  value: opening[/** @type {"open" | "close"} */ (end)],
                  placeholder: "HH:MM",
                  size: 5,
                  inputmode: "numeric",
                  "aria-label": `${t(`erp.day.${day}`)} ${t(`erp.${end}`)}`,
                  oninput: (
                    /** @type {Event} */ e,
                  ) => (opening[/** @type {"open" | "close"} */ (end)] =
                    /** @type {HTMLInputElement} */ (e.target).value),
                }),
              ),
            ]),
            h("button", {
              type: "button",
              class: "small",
              title: t("erp.removeOpening"),
              "aria-label": t("erp.removeOpening"),
              onclick: () => {
                openings.splice(i, 1);
                this.render();
              },
            }, "×"),
          )
        ),
      ),
      h("button", {
        type: "button",
        class: "small",
        title: t("erp.addOpening"),
        onclick: () => {
          const last = openings.at(-1);
          openings.push(last ? { ...last } : { open: "10:00", close: "23:00" });
          this.render();
        },
      }, t("erp.addOpening")),
    );
  }

  async #save() {
    const ctx = this.context();
    if (!this.#form || !this.#config || this.#busy) return;
    const checked = formToConfig(this.#form, this.#config, ctx.t);
    if (!checked.ok) {
      this.#showErrors(checked.errors);
      return;
    }
    this.#busy = true;
    this.render();
    try {
      const saved = await ctx.save(checked.body);
      this.#busy = false;
      this.load(saved);
      this.#status(ctx.t("erp.saved"), "ok");
    } catch (error) {
      this.#busy = false;
      this.render();
      const fields = /** @type {{ fields?: { field: string, reason: string }[] }} */ (error).fields;
      if (fields && fields.length > 0) this.#showErrors(fields);
      else this.#status(ctx.explain(error), "error");
    }
  }

  /** @param {readonly { field: string, reason: string }[]} errors */
  #showErrors(errors) {
    const { t } = this.context();
    for (const el of this.root.querySelectorAll("[data-invalid]")) {
      el.removeAttribute("data-invalid");
    }
    for (const el of this.root.querySelectorAll(".field-error")) el.remove();
    const { placed, general } = placeErrors(
      errors,
      (field) => this.root.querySelector(`[data-field="${CSS.escape(field)}"]`) !== null,
    );
    for (const [field, reasons] of placed) {
      const el =
        /** @type {HTMLElement} */ (this.root.querySelector(`[data-field="${CSS.escape(field)}"]`));
      el.dataset.invalid = "true";
      // A clock input is too narrow for words: its error goes under the weekday's row.
      const holder = el.classList.contains("clock-input") ? el.closest(".day") ?? el : el;
      holder.appendChild(h("span", { class: "field-error" }, reasons.join("; ")));
    }
    const box = /** @type {HTMLElement} */ (this.root.querySelector(".form-errors"));
    replaceChildren(
      box,
      h("strong", null, t("erp.fixErrors")),
      general.length > 0
        ? h("ul", null, general.map((e) => h("li", null, `${e.field}: ${e.reason}`)))
        : null,
    );
    this.#status(t("erp.fixErrors"), "error");
  }

  /**
   * @param {string} message
   * @param {"ok" | "error"} kind
   */
  #status(message, kind) {
    const el = /** @type {HTMLElement | null} */ (this.root.querySelector(".form-status"));
    if (!el) return;
    el.textContent = message;
    el.dataset.kind = kind;
  }
}
