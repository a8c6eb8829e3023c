/** How one kitchen works: hours, slots and capacity. All times are local to `timeZone`. */
export type CapacityUnit = "value" | "items" | "orders";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** One opening on a weekday, "HH:MM" local time. `close` at or before `open` means it closes after midnight. */
export interface OpeningHours {
  readonly open: string;
  readonly close: string;
}

export interface KitchenConfig {
  readonly id: string;
  readonly displayName: string;
  /** IANA zone, e.g. "Europe/Moscow". */
  readonly timeZone: string;
  /** Missing weekday = closed that day. */
  readonly hours: Readonly<Partial<Record<Weekday, readonly OpeningHours[]>>>;
  readonly slotMinutes: number;
  readonly leadMinutes: number;
  readonly capacity: number;
  /** value = kopecks of order value (the seed's rule), items = pizzas, orders = one per order. */
  readonly capacityUnit: CapacityUnit;
  /** 0 = only the current business day may be booked. */
  readonly bookingHorizonDays: number;
  readonly stations: readonly string[];
  readonly acceptingOrders: boolean;
}
