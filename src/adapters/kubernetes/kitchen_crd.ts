/**
 * The Kitchen custom resource (`kitchens.ovenline.dev`, v1alpha1): its CustomResourceDefinition,
 * as plain JSON with the API's own key names. The cdk8s app writes it to the chart's `crds/` and
 * to `k8s/`; tests install it from there.
 *
 * The spec schema is derived from the domain's limits and patterns (src/domain/kitchen_config.ts),
 * so the API server rejects (422) what is structurally wrong — types, ranges, patterns, lengths,
 * duplicate stations. What needs knowledge the schema cannot have (is the time zone in the IANA
 * database, do two openings overlap, is an opening at least one slot long) is left to
 * validateKitchenConfig, which the controller runs on every generation and reports as the
 * condition Invalid. The same schema's defaults are applied to Kitchen files (file mode).
 */
import {
  CAPACITY_UNITS,
  IANA_ZONE_NAME,
  KITCHEN_ID,
  KITCHEN_LIMITS,
  STATION_NAME,
} from "../../domain/kitchen_config.ts";
import { CLOCK, WEEKDAYS } from "../../domain/opening_hours.ts";

export const KITCHEN_GROUP = "ovenline.dev";
export const KITCHEN_VERSION = "v1alpha1";
export const KITCHEN_PLURAL = "kitchens";
export const KITCHEN_KIND = "Kitchen";
export const KITCHEN_API_VERSION = `${KITCHEN_GROUP}/${KITCHEN_VERSION}`;
export const KITCHEN_CRD_NAME = `${KITCHEN_PLURAL}.${KITCHEN_GROUP}`;

/** A JSON schema node as the API server takes it (OpenAPI v3, structural). */
export type SchemaNode = {
  readonly type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly default?: unknown;
  readonly [keyword: string]: unknown;
};

/** The spec's defaults (also the API server's): what a Kitchen may leave out. */
export const KITCHEN_SPEC_DEFAULTS = {
  slotMinutes: 15,
  leadMinutes: 30,
  capacityUnit: "value",
  bookingHorizonDays: 0,
  acceptingOrders: true,
} as const;

const source = (pattern: RegExp) => pattern.source;
const CLOSE_CLOCK = `^(?:${CLOCK.source.slice(1, -1)}|24:00)$`;

const opening: SchemaNode = {
  type: "object",
  description: 'One opening, local "HH:MM". A close at or before the open closes after midnight; ' +
    '"24:00" closes at midnight.',
  required: ["open", "close"],
  properties: {
    open: { type: "string", pattern: source(CLOCK), description: "00:00 to 23:59" },
    close: { type: "string", pattern: CLOSE_CLOCK, description: "00:00 to 24:00" },
  },
};

const range = (limits: { readonly min: number; readonly max: number }) => ({
  type: "integer" as const,
  minimum: limits.min,
  maximum: limits.max,
});

/** The Kitchen spec: the KitchenConfig of src/domain/kitchen.ts without its id (the resource name). */
export const KITCHEN_SPEC_SCHEMA: SchemaNode = {
  type: "object",
  description: "How the kitchen works. Applied live to order intake and the scheduler.",
  required: ["displayName", "timeZone", "hours", "capacity", "stations"],
  properties: {
    displayName: {
      type: "string",
      minLength: 1,
      maxLength: KITCHEN_LIMITS.maxDisplayNameLength,
      description: "Name shown on the dashboard.",
    },
    timeZone: {
      type: "string",
      pattern: source(IANA_ZONE_NAME),
      maxLength: 64,
      description: "IANA time zone the hours are in, e.g. Europe/Moscow.",
    },
    hours: {
      type: "object",
      description: "Openings per weekday (mon … sun); a weekday left out is closed. " +
        "Openings must not overlap (checked by the controller: condition Invalid).",
      properties: Object.fromEntries(WEEKDAYS.map((day) => [day, {
        type: "array",
        maxItems: KITCHEN_LIMITS.maxOpeningsPerDay,
        items: opening,
      }])),
    },
    slotMinutes: {
      ...range(KITCHEN_LIMITS.slotMinutes),
      default: KITCHEN_SPEC_DEFAULTS.slotMinutes,
      description: "Slot length in minutes.",
    },
    leadMinutes: {
      ...range(KITCHEN_LIMITS.leadMinutes),
      default: KITCHEN_SPEC_DEFAULTS.leadMinutes,
      description: "An order appears on the kitchen display this long before its slot.",
    },
    capacity: {
      type: "integer",
      format: "int64",
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "What one slot can take, in capacityUnit.",
    },
    capacityUnit: {
      type: "string",
      enum: [...CAPACITY_UNITS],
      default: KITCHEN_SPEC_DEFAULTS.capacityUnit,
      description: "value: kopecks of order value; items: pizzas; orders: one per order.",
    },
    bookingHorizonDays: {
      ...range(KITCHEN_LIMITS.bookingHorizonDays),
      default: KITCHEN_SPEC_DEFAULTS.bookingHorizonDays,
      description: "How many days ahead orders may be booked; 0: today only.",
    },
    stations: {
      type: "array",
      minItems: 1,
      maxItems: KITCHEN_LIMITS.maxStations,
      "x-kubernetes-list-type": "set",
      items: { type: "string", pattern: source(STATION_NAME) },
      description: "Kitchen display stations (e.g. pizza, dessert).",
    },
    acceptingOrders: {
      type: "boolean",
      default: KITCHEN_SPEC_DEFAULTS.acceptingOrders,
      description: "false: the kitchen takes no new orders (existing ones stay).",
    },
  },
};

const condition: SchemaNode = {
  type: "object",
  required: ["type", "status"],
  properties: {
    type: { type: "string", maxLength: 64 },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: { type: "string", maxLength: 256 },
    message: { type: "string", maxLength: 32768 },
    lastTransitionTime: { type: "string", format: "date-time" },
    observedGeneration: { type: "integer", format: "int64", minimum: 0 },
  },
};

export const KITCHEN_STATUS_SCHEMA: SchemaNode = {
  type: "object",
  description: "Written by the Kitchen operator.",
  properties: {
    observedGeneration: {
      type: "integer",
      format: "int64",
      description: "The generation of the spec the conditions describe.",
    },
    conditions: {
      type: "array",
      description: "Ready: the spec is applied. Invalid: the spec was rejected (reason, message).",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: condition,
    },
    appliedVersion: {
      type: "integer",
      format: "int64",
      description: "Version of the kitchen's configuration in PostgreSQL that the spec became.",
    },
    today: {
      type: "object",
      description: "Booked load of the kitchen's current business day, refreshed periodically.",
      properties: {
        date: { type: "string", description: "Business date, local to the kitchen." },
        unit: { type: "string", enum: [...CAPACITY_UNITS] },
        booked: { type: "integer", format: "int64", description: "Booked load, in unit." },
        capacity: {
          type: "integer",
          format: "int64",
          description: "Capacity of all of the day's slots, in unit.",
        },
        slots: { type: "integer", description: "Slots in the day." },
        fillRatio: { type: "number", description: "booked / capacity." },
        fill: { type: "string", description: "fillRatio as a percentage, e.g. 37%." },
        asOf: { type: "string", format: "date-time" },
      },
    },
  },
};

const READY = '.status.conditions[?(@.type=="Ready")]';

/** The CustomResourceDefinition, with the API's key names (x-kubernetes-*, default). */
export function kitchenCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: KITCHEN_CRD_NAME,
      labels: { "app.kubernetes.io/name": "ovenline", "app.kubernetes.io/component": "kitchen" },
    },
    spec: {
      group: KITCHEN_GROUP,
      scope: "Namespaced",
      names: {
        plural: KITCHEN_PLURAL,
        singular: "kitchen",
        kind: KITCHEN_KIND,
        listKind: `${KITCHEN_KIND}List`,
        shortNames: ["kit"],
        categories: ["ovenline"],
      },
      versions: [{
        name: KITCHEN_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Zone", type: "string", jsonPath: ".spec.timeZone" },
          { name: "Capacity", type: "integer", jsonPath: ".spec.capacity" },
          { name: "Unit", type: "string", jsonPath: ".spec.capacityUnit" },
          { name: "Accepting", type: "boolean", jsonPath: ".spec.acceptingOrders" },
          { name: "Ready", type: "string", jsonPath: `${READY}.status` },
          { name: "Load", type: "string", jsonPath: ".status.today.fill" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          { name: "Display", type: "string", jsonPath: ".spec.displayName", priority: 1 },
          { name: "Reason", type: "string", jsonPath: `${READY}.reason`, priority: 1 },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description: "A kitchen of the chain: hours, slots and capacity. The name is the " +
              "kitchen id orders carry (lowercase letters, digits and dashes, at most 63).",
            required: ["spec"],
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: KITCHEN_SPEC_SCHEMA,
              status: KITCHEN_STATUS_SCHEMA,
            },
            "x-kubernetes-validations": [{
              rule: `self.metadata.name.matches('${KITCHEN_ID.source}')`,
              message: "the name is the kitchen id: 1 to 63 lowercase letters, digits or dashes",
              reason: "FieldValueInvalid",
            }],
          },
        },
      }],
    },
  };
}

/**
 * `spec` with the schema's defaults filled in where a field is absent, as the API server does for
 * a resource (used for Kitchen files). Walks objects and arrays of the schema; leaves the rest.
 */
export function withSchemaDefaults(
  value: unknown,
  schema: SchemaNode = KITCHEN_SPEC_SCHEMA,
): unknown {
  if (schema.type === "object" && isRecord(value) && schema.properties) {
    const out: Record<string, unknown> = { ...value };
    for (const [key, child] of Object.entries(schema.properties)) {
      if (out[key] === undefined && child.default !== undefined) {
        out[key] = structuredClone(child.default);
      } else if (out[key] !== undefined) out[key] = withSchemaDefaults(out[key], child);
    }
    return out;
  }
  if (schema.type === "array" && Array.isArray(value) && schema.items) {
    return value.map((item) => withSchemaDefaults(item, schema.items!));
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
