/** How full each kitchen's remaining slots of today are, for the slot fill ratio gauge. */
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { SlotFill } from "../../observability/slot_fill_gauge.ts";
import { daySlots } from "./slot_view.ts";

export async function remainingSlotFills(
  kitchens: Iterable<KitchenConfig>,
  now: Date,
  loadsOf: (slotIds: readonly string[]) => Promise<number[]>,
): Promise<SlotFill[]> {
  const fills: SlotFill[] = [];
  for (const kitchen of kitchens) {
    const day = await daySlots(kitchen, undefined, now, loadsOf);
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: kitchen.timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    for (const slot of day.slots) {
      if (Date.parse(slot.end) <= now.getTime()) continue;
      fills.push({
        kitchenId: kitchen.id,
        slot: local.format(new Date(slot.start)),
        load: slot.load,
        capacity: slot.capacity,
      });
    }
  }
  return fills;
}
