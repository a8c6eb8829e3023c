/** Today's slots of a kitchen with their booked load, for the dashboard and the REST API. */
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { businessDateOf, slotsOfDay } from "../../domain/slot_plan.ts";

export interface SlotView {
  readonly id: string;
  readonly start: string;
  readonly end: string;
  readonly load: number;
  readonly capacity: number;
  readonly unit: string;
}

export interface DaySlots {
  readonly kitchenId: string;
  readonly date: string;
  readonly timeZone: string;
  readonly unit: string;
  readonly capacity: number;
  readonly slots: SlotView[];
}

export async function daySlots(
  kitchen: KitchenConfig,
  date: Temporal.PlainDate | undefined,
  now: Date,
  loadsOf: (slotIds: readonly string[]) => Promise<number[]>,
): Promise<DaySlots> {
  const day = date ?? businessDateOf(kitchen, now);
  const slots = slotsOfDay(kitchen, day);
  const loads = await loadsOf(slots.map((s) => s.id));
  return {
    kitchenId: kitchen.id,
    date: day.toString(),
    timeZone: kitchen.timeZone,
    unit: kitchen.capacityUnit,
    capacity: kitchen.capacity,
    slots: slots.map((s, i) => ({
      id: s.id,
      start: s.start.toISOString(),
      end: s.end.toISOString(),
      load: loads[i],
      capacity: kitchen.capacity,
      unit: kitchen.capacityUnit,
    })),
  };
}

/** Completes a slots.updated entry ({id, load} from the consumer) with the slot's times and capacity. */
export function slotDetails(
  slot: { id: string; load: number },
  kitchen: KitchenConfig | undefined,
): SlotView | { id: string; load: number } {
  const epoch = Number(slot.id.split(":").pop());
  if (!kitchen || !Number.isFinite(epoch)) return slot;
  return {
    id: slot.id,
    start: new Date(epoch * 1000).toISOString(),
    end: new Date(epoch * 1000 + kitchen.slotMinutes * 60_000).toISOString(),
    load: slot.load,
    capacity: kitchen.capacity,
    unit: kitchen.capacityUnit,
  };
}
