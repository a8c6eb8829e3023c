/**
 * The KDS parts around the board: the station selector, the all-day counts strip and the recall
 * button with its drawer of recently bumped (read-only) tickets.
 */
import { h, replaceChildren } from "./dom.js";
import { stationName } from "./i18n.js";
import { ALL_STATIONS } from "./kds_state.js";
import { ticketElement } from "./kds_ticket_view.js";

/**
 * One big button per station, "All" first; the chosen one is pressed.
 * @param {HTMLElement} container
 * @param {{ stations: readonly string[], station: string, lang: import("./i18n.js").Lang,
 *   t: (key: string) => string, choose: (station: string) => void }} options
 */
export function renderStations(container, { stations, station, lang, t, choose }) {
  const names = [ALL_STATIONS, ...stations];
  if (!names.includes(station)) names.push(station);
  replaceChildren(
    container,
    names.map((name) =>
      h("button", {
        type: "button",
        class: "station",
        "aria-pressed": String(name === station),
        dataset: { station: name },
        onclick: () => choose(name),
      }, name === ALL_STATIONS ? t("station.all") : stationName(lang, name))
    ),
  );
}

/**
 * "В работе: 3 Маргарита 2 Пепперони …"
 * @param {HTMLElement} container
 * @param {readonly { name: string, count: number }[]} counts
 * @param {(key: string) => string} t
 */
export function renderAllDay(container, counts, t) {
  replaceChildren(
    container,
    h("span", { class: "all-day-label" }, t("kds.allDay")),
    counts.length === 0
      ? h("span", { class: "all-day-none" }, t("kds.allDayEmpty"))
      : counts.map(({ name, count }) =>
        h(
          "span",
          { class: "all-day-item", dataset: { name } },
          h("b", null, String(count)),
          ` ${name}`,
        )
      ),
  );
}

/**
 * The recall button (with how many can be recalled) and, while open, the drawer's tickets,
 * the last bumped first.
 * @param {{ button: HTMLElement, drawer: HTMLElement, list: HTMLElement }} els
 * @param {readonly import("./recall_list.js").RecallEntry[]} recall
 * @param {import("./kds_ticket_view.js").TicketContext} ctx
 */
export function renderRecall({ button, drawer, list }, recall, ctx) {
  button.dataset.count = String(recall.length);
  replaceChildren(
    button,
    ctx.t("kds.recall"),
    recall.length > 0 ? h("span", { class: "badge" }, String(recall.length)) : null,
  );
  if (drawer.hidden) return;
  replaceChildren(
    list,
    recall.length === 0
      ? h("p", { class: "recall-empty" }, ctx.t("kds.recallEmpty"))
      : recall.map((entry) => ticketElement(entry.order, ctx, { bumpedAtMs: entry.bumpedAtMs })),
  );
}
