// @ts-check
/**
 * Every word the KDS and the dashboard show, in Russian (the default: cooks read Russian) and
 * English. `{name}` in a message is filled from the params passed to `translate`.
 * Pure: no DOM here (page_shell.js applies it to a page).
 */

/** @typedef {"ru" | "en"} Lang */

export const LANGS = /** @type {const} */ (["ru", "en"]);
export const DEFAULT_LANG = "ru";

/** @type {Record<Lang, Record<string, string>>} */
export const MESSAGES = {
  ru: {
    "lang.switch": "EN",
    "lang.switchTitle": "Switch to English",
    "conn.connecting": "Подключение…",
    "conn.offline": "Нет связи — переподключение…",
    "conn.retryIn": "повтор через {seconds} с",
    "conn.online": "На связи",
    "auth.denied": "Нет доступа",
    "auth.deniedHint":
      "Откройте страницу по ссылке с действующим токеном или обратитесь к менеджеру.",
    "err.network": "Нет связи с сервером",
    "err.conflict": "Статус уже изменён на другом экране",
    "err.notFound": "Заказ не найден",
    "err.generic": "Ошибка: {message}",
    "err.noConfirm": "Нет подтверждения — нажмите ещё раз",
    "err.badQuery": "Неверные параметры страницы: {message}",
    "status.pending": "Новый",
    "status.preparing": "Готовится",
    "status.cooking": "В печи",
    "status.ready": "Готов",
    "status.completed": "Выдан",
    "status.cancelled": "Отменён",
    "station.all": "Все",
    "station.pizza": "Пицца",
    "station.dessert": "Десерты",
    "kds.title": "Кухня",
    "kds.station": "Станция",
    "kds.action.pending": "Начать",
    "kds.action.preparing": "В печь",
    "kds.action.cooking": "Готово",
    "kds.action.ready": "Выдать",
    "kds.sending": "Отправка…",
    "kds.slot": "к {time}",
    "kds.pickup": "Самовывоз",
    "kds.delivery": "Доставка",
    "kds.grams": "{grams} г",
    "kds.extra": "+ {name}",
    "kds.otherStations": "ещё позиций на других станциях: {count}",
    "kds.allDay": "В работе",
    "kds.allDayEmpty": "нет",
    "kds.empty": "Заказов нет",
    "kds.recall": "Вернуть",
    "kds.recallTitle": "Недавно выданные",
    "kds.recallEmpty": "Пока ничего не выдано",
    "kds.bumpedAt": "Выдан в {time}",
    "kds.close": "Закрыть",
    "kds.soundEnable": "Нажмите, чтобы включить звук",
    "kds.soundHint": "Звук сообщает о новых заказах",
    "erp.title": "Смена — панель управления",
    "erp.kitchen": "Кухня",
    "erp.slots": "Слоты на сегодня",
    "erp.slotsEmpty": "Сегодня слотов нет (кухня закрыта)",
    "erp.slotsDate": "{date}, {zone}",
    "erp.active": "Активные заказы",
    "erp.scheduled": "Запланированные заказы",
    "erp.noOrders": "Нет заказов",
    "erp.col.number": "№",
    "erp.col.status": "Статус",
    "erp.col.slot": "Слот",
    "erp.col.visibleAt": "На кухне с",
    "erp.col.age": "Возраст",
    "erp.col.items": "Позиции",
    "erp.col.total": "Сумма",
    "erp.col.customer": "Клиент",
    "erp.col.kind": "Получение",
    "erp.col.actions": "",
    "erp.cancel": "Отменить",
    "erp.reveal": "Показать",
    "erp.revealTitle": "Показать номер полностью (действие записывается в журнал)",
    "erp.cancelConfirm": "Отменить заказ {number}?",
    "erp.settings": "Мощность и часы работы",
    "erp.capacity": "Мощность слота",
    "erp.capacityUnit": "Единица мощности",
    "erp.unit.value": "Сумма заказов, ₽",
    "erp.unit.items": "Пиццы, шт.",
    "erp.unit.orders": "Заказы, шт.",
    "erp.unitShort.items": "шт.",
    "erp.unitShort.orders": "зак.",
    "erp.slotMinutes": "Длина слота, мин",
    "erp.leadMinutes": "Заранее на кухню, мин",
    "erp.bookingHorizonDays": "Предзаказ на дней вперёд",
    "erp.acceptingOrders": "Принимаем заказы",
    "erp.hours": "Часы работы",
    "erp.closed": "Выходной",
    "erp.addOpening": "+ часы",
    "erp.removeOpening": "Убрать интервал",
    "erp.open": "с",
    "erp.close": "до",
    "erp.save": "Сохранить",
    "erp.saved": "Сохранено",
    "erp.saving": "Сохранение…",
    "erp.fixErrors": "Исправьте отмеченные поля",
    "erp.mustBeNumber": "должно быть целым числом",
    "erp.mustBeMoney": "сумма в рублях, например 962,50",
    "erp.menu": "Меню и стоп-лист",
    "erp.pizzas": "Пиццы",
    "erp.extras": "Добавки",
    "erp.col.name": "Название",
    "erp.col.station": "Станция",
    "erp.col.price": "Цена, ₽",
    "erp.col.available": "В наличии",
    "erp.col.grams": "Вес, г",
    "erp.stopList": "в стоп-листе",
    "erp.day.mon": "Пн",
    "erp.day.tue": "Вт",
    "erp.day.wed": "Ср",
    "erp.day.thu": "Чт",
    "erp.day.fri": "Пт",
    "erp.day.sat": "Сб",
    "erp.day.sun": "Вс",
  },
  en: {
    "lang.switch": "RU",
    "lang.switchTitle": "Переключить на русский",
    "conn.connecting": "Connecting…",
    "conn.offline": "Offline — reconnecting…",
    "conn.retryIn": "retry in {seconds} s",
    "conn.online": "Online",
    "auth.denied": "Access denied",
    "auth.deniedHint": "Open the page with a valid token link or ask your manager.",
    "err.network": "Cannot reach the server",
    "err.conflict": "The status was already changed on another screen",
    "err.notFound": "Order not found",
    "err.generic": "Error: {message}",
    "err.noConfirm": "Not confirmed — tap again",
    "err.badQuery": "Bad page parameters: {message}",
    "status.pending": "New",
    "status.preparing": "Preparing",
    "status.cooking": "In the oven",
    "status.ready": "Ready",
    "status.completed": "Completed",
    "status.cancelled": "Cancelled",
    "station.all": "All",
    "station.pizza": "Pizza",
    "station.dessert": "Desserts",
    "kds.title": "Kitchen",
    "kds.station": "Station",
    "kds.action.pending": "Start",
    "kds.action.preparing": "Into oven",
    "kds.action.cooking": "Done",
    "kds.action.ready": "Bump",
    "kds.sending": "Sending…",
    "kds.slot": "for {time}",
    "kds.pickup": "Pickup",
    "kds.delivery": "Delivery",
    "kds.grams": "{grams} g",
    "kds.extra": "+ {name}",
    "kds.otherStations": "items at other stations: {count}",
    "kds.allDay": "All day",
    "kds.allDayEmpty": "none",
    "kds.empty": "No orders",
    "kds.recall": "Recall",
    "kds.recallTitle": "Recently bumped",
    "kds.recallEmpty": "Nothing bumped yet",
    "kds.bumpedAt": "Bumped at {time}",
    "kds.close": "Close",
    "kds.soundEnable": "Tap to enable sound",
    "kds.soundHint": "A sound announces new orders",
    "erp.title": "Shift dashboard",
    "erp.kitchen": "Kitchen",
    "erp.slots": "Today's slots",
    "erp.slotsEmpty": "No slots today (kitchen closed)",
    "erp.slotsDate": "{date}, {zone}",
    "erp.active": "Active orders",
    "erp.scheduled": "Scheduled orders",
    "erp.noOrders": "No orders",
    "erp.col.number": "#",
    "erp.col.status": "Status",
    "erp.col.slot": "Slot",
    "erp.col.visibleAt": "In kitchen from",
    "erp.col.age": "Age",
    "erp.col.items": "Items",
    "erp.col.total": "Total",
    "erp.col.customer": "Customer",
    "erp.col.kind": "Handover",
    "erp.col.actions": "",
    "erp.cancel": "Cancel",
    "erp.reveal": "Show",
    "erp.revealTitle": "Show the full number (the action is logged)",
    "erp.cancelConfirm": "Cancel order {number}?",
    "erp.settings": "Capacity and opening hours",
    "erp.capacity": "Slot capacity",
    "erp.capacityUnit": "Capacity unit",
    "erp.unit.value": "Order value, ₽",
    "erp.unit.items": "Pizzas",
    "erp.unit.orders": "Orders",
    "erp.unitShort.items": "pcs",
    "erp.unitShort.orders": "orders",
    "erp.slotMinutes": "Slot length, min",
    "erp.leadMinutes": "Lead time, min",
    "erp.bookingHorizonDays": "Pre-orders, days ahead",
    "erp.acceptingOrders": "Accepting orders",
    "erp.hours": "Opening hours",
    "erp.closed": "Closed",
    "erp.addOpening": "+ hours",
    "erp.removeOpening": "Remove opening",
    "erp.open": "from",
    "erp.close": "to",
    "erp.save": "Save",
    "erp.saved": "Saved",
    "erp.saving": "Saving…",
    "erp.fixErrors": "Fix the marked fields",
    "erp.mustBeNumber": "must be a whole number",
    "erp.mustBeMoney": "an amount in roubles, e.g. 962.50",
    "erp.menu": "Menu and stop-list",
    "erp.pizzas": "Pizzas",
    "erp.extras": "Extras",
    "erp.col.name": "Name",
    "erp.col.station": "Station",
    "erp.col.price": "Price, ₽",
    "erp.col.available": "In stock",
    "erp.col.grams": "Weight, g",
    "erp.stopList": "on the stop-list",
    "erp.day.mon": "Mon",
    "erp.day.tue": "Tue",
    "erp.day.wed": "Wed",
    "erp.day.thu": "Thu",
    "erp.day.fri": "Fri",
    "erp.day.sat": "Sat",
    "erp.day.sun": "Sun",
  },
};

/**
 * The message `key` in `lang` with `{param}`s filled in. A key missing from `lang` falls back to
 * Russian, then to `fallback` (if given), then to the key itself, so a typo shows, never crashes.
 * @param {Lang} lang
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @param {string} [fallback]
 * @returns {string}
 */
export function translate(lang, key, params = {}, fallback) {
  const template = MESSAGES[lang]?.[key] ?? MESSAGES[DEFAULT_LANG][key] ?? fallback ?? key;
  return template.replace(
    /\{(\w+)\}/g,
    (whole, name) => (name in params ? String(params[name]) : whole),
  );
}

/**
 * The page language: `?lang=` wins, then what the user chose before, then Russian.
 * @param {string | null | undefined} queryLang
 * @param {string | null | undefined} storedLang
 * @returns {Lang}
 */
export function pickLang(queryLang, storedLang) {
  for (const candidate of [queryLang, storedLang]) {
    const lang = candidate?.trim().toLowerCase();
    if (lang === "ru" || lang === "en") return lang;
  }
  return DEFAULT_LANG;
}

/**
 * @param {Lang} lang
 * @returns {Lang}
 */
export function otherLang(lang) {
  return lang === "ru" ? "en" : "ru";
}

/**
 * The BCP 47 locale used for numbers, money and times.
 * @param {Lang} lang
 */
export function localeOf(lang) {
  return lang === "ru" ? "ru-RU" : "en-GB";
}

/**
 * A station's display name: a known station is translated, any other shows as configured.
 * @param {Lang} lang
 * @param {string} station
 */
export function stationName(lang, station) {
  return translate(lang, `station.${station}`, {}, station);
}
