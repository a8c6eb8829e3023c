/** Every Redis key Ovenline uses, in one place (documented in docs/redis-keys.md). */

export const READY_MARKER = "ovenline:state:ready";
/** Set once PostgreSQL's live state is back in Redis; ready follows when the backlog is applied. */
export const RESTORED_MARKER = "ovenline:state:restored";
/** Topic end offsets when the restore was written (JSON partition → offset). */
export const RESTORE_OFFSETS = "ovenline:state:restore_offsets";
export const RESTORE_LOCK = "ovenline:restore:lock";
export const EVENT_STREAM = "ovenline:events";
/** The hub replays missed events from here; older gaps get a fresh snapshot instead. */
export const EVENT_STREAM_MAX_LENGTH = 100_000;
export const ACTIVE_ORDERS = "erp:orders:active";
export const SCHEDULED_ORDERS = "erp:orders:pending_slots";
/** One kitchen's share of ACTIVE_ORDERS, and of SCHEDULED_ORDERS: the hub reads only its kitchen's. */
export const KITCHEN_ACTIVE_PREFIX = `${ACTIVE_ORDERS}:`;
export const KITCHEN_SCHEDULED_PREFIX = `${SCHEDULED_ORDERS}:`;
export const kitchenActiveKey = (kitchenId: string) => `${KITCHEN_ACTIVE_PREFIX}${kitchenId}`;
export const kitchenScheduledKey = (kitchenId: string) => `${KITCHEN_SCHEDULED_PREFIX}${kitchenId}`;
/** Present once the per-kitchen sets hold every live order (a restore, or the upgrade's build). */
export const KITCHEN_INDEXES_BUILT = "ovenline:state:kitchen_indexes";
export const KITCHEN_INDEXES_VERSION = "1";
export const ORDERS_TOTAL = "orders:total";
export const PENDING_COUNT = "erp:orders:pending";
export const STATUS_COUNTS = "erp:orders:by_status";
export const DEAD_LETTER_COUNT = "erp:dead_letters";
/** Bookings kept after an uncertain Kafka send, by the time they were held (release_slot.lua). */
export const HELD_BOOKINGS = "order:held";
/** Bookings with Kafka sends under way, by when the last was counted (reserve_slot.lua). */
export const SENDING_BOOKINGS = "order:sending";

export const orderSnapshotKey = (orderId: string) => `erp:order:${orderId}`;
export const reservationKey = (orderId: string) => `order:slot:${orderId}`;
/** A customer's bookings by slot end (reserve_slot.lua counts the open ones). */
export const customerOpenOrdersKey = (customerId: string) => `customer:${customerId}:open`;
/** Failed order lookups (GetOrder, WatchOrder, CancelOrder) per customer or peer, in a window. */
export const lookupMissesKey = (subject: "customer" | "peer", id: string) =>
  `ratelimit:misses:${subject}:${id}`;
/** Slot ids already carry the kitchen: "slot:{kitchen}:{epochSeconds}". */
export const slotLoadKey = (slotId: string) => slotId;
export const slotOrdersKey = (slotId: string) => `${slotId}:orders`;
export const displayCounterKey = (kitchenId: string, businessDate: string) =>
  `display:${kitchenId}:${businessDate}`;

export function slotId(kitchenId: string, start: Date): string {
  return `slot:${kitchenId}:${Math.floor(start.getTime() / 1000)}`;
}
