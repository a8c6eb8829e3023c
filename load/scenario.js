// @ts-check
/**
 * The load scenarios, targets and seed figures: ONE definition shared by the
 * in-repo benchmark (`deno task bench`, bench/run.ts imports this module) and
 * the k6 scripts in load/ (they import it too; the chart ships every
 * load/*.js next to the script its TestRun runs, so a relative import works
 * in the cluster as it does locally).
 *
 * Change a rate, a duration or a target here and both the benchmark and the
 * k6 thresholds follow. Command-line flags of the benchmark (--rate,
 * --duration, --sockets, ...) override these for one run only.
 *
 * Plain ES module, no imports: k6 (goja) and Deno both load it as is.
 */

/** What the issue asks of this machine (2 cores, whole stack co-located, acks=all). */
export const TARGETS = {
  /** Sustained CreateOrder rate with p99 ≤ createP99Ms and zero errors. */
  createRatePerSecond: 3000,
  createP99Ms: 25,
  /** Start of CreateOrder → the order on a KDS WebSocket, p99, at kdsLatency.ratePerSecond. */
  orderToKdsP99Ms: 100,
  /** Event → receipt on each of fanout.sockets sockets, p99. */
  fanoutDeliveryP99Ms: 50,
  /** Peak resident memory of each service. */
  serviceRssMb: 150,
  /** Create p99 at the light scenario's rates (far below saturation: the floor of the tail). */
  lightCreateP99Ms: 10,
  /**
   * CPU per order of a service: its processes' CPU time over the measured window divided by the
   * orders answered OK in that window, in ms (fixed-rate scenario).
   */
  cpuMsPerOrder: { intake: 0.3, consumer: 0.1 },
};

/** The seed implementation's promises, the baseline the ratios are taken against. */
export const SEED = {
  ordersPerSecond: 800,
  createMs: 50,
  orderToKdsMs: 200,
};

export const SCENARIO = {
  /** (a) CreateOrder at a constant arrival rate (open model: a slow answer does not slow the sender). */
  fixedRate: {
    ratePerSecond: 1000,
    durationSeconds: 60,
    /** Sent at the same rate before the measured window, excluded from the figures. */
    warmupSeconds: 5,
  },
  /** (b) The highest rate where create p99 ≤ TARGETS.createP99Ms with zero errors. */
  maxRate: {
    startPerSecond: 1000,
    /** Each step's measured length (plus fixedRate.warmupSeconds of warm-up). */
    stepSeconds: 15,
    /** Rate × factor while steps pass; then bisection between the last pass and the first fail. */
    growthFactor: 1.5,
    /** Stop bisecting when pass and fail are this close (orders/s). */
    resolutionPerSecond: 100,
    maxSteps: 10,
    /** Give up searching above this rate. */
    ceilingPerSecond: 20000,
  },
  /** (c) Order-to-KDS latency: orders at a rate while KDS sockets listen. */
  kdsLatency: {
    ratePerSecond: 1000,
    durationSeconds: 60,
    warmupSeconds: 5,
    sockets: 50,
    /** Listener processes the sockets are spread over (separate from the order generator). */
    listenerProcesses: 2,
  },
  /** (e) Light load: CreateOrder at each rate in turn (fresh services and kitchen per rate). */
  light: {
    ratesPerSecond: [200, 300],
    durationSeconds: 30,
    warmupSeconds: 5,
  },
  /** (f) Order-to-KDS latency at half kdsLatency's rate: TARGETS.orderToKdsP99Ms below saturation. */
  kds500: {
    ratePerSecond: 500,
    durationSeconds: 60,
    warmupSeconds: 5,
    sockets: 50,
    listenerProcesses: 2,
  },
  /**
   * (g) Scale-out: fixedRate's load split over several intake processes (one ghz each, an equal
   * share of the rate) with several consumer processes in one group: checks docs/capacity.md's
   * model, which takes the CPU an order costs to be the same however many processes share it.
   */
  scaleOut: {
    ratePerSecond: 800,
    durationSeconds: 30,
    warmupSeconds: 5,
    intakes: 2,
    consumers: 2,
  },
  /** (d) Fan-out: many KDS sockets, each must receive every event. */
  fanout: {
    sockets: 1000,
    listenerProcesses: 4,
    /** Orders per second while the sockets listen: each order is one order.visible per socket. */
    ratePerSecond: 20,
    durationSeconds: 60,
    warmupSeconds: 3,
  },
  /** How load reaches intake. */
  grpc: {
    /** HTTP/2 connections the load tool spreads calls over. */
    connections: 8,
    /** ghz workers handing out the rate's ticks (calls are asynchronous: not a concurrency cap). */
    concurrency: 64,
    timeoutMs: 10000,
  },
  /** The benchmark's kitchen: open all day, room for everything, every order due at once. */
  kitchen: {
    slotMinutes: 15,
    /** ≥ slotMinutes: an order booked into the next slot is also due on the KDS at once. */
    leadMinutes: 30,
    capacityUnit: "orders",
    capacity: 100000000,
    stations: ["pizza", "dessert"],
  },
  /**
   * The order every load tool sends: the seed's example request. Customer id,
   * phone and idempotency key are made distinct per order by each tool
   * (the intake's per-customer and per-phone rate limits stay at production settings).
   */
  request: {
    pizzaName: "Пицца Классическая",
    quantity: 2,
    customerFirstName: "Иван",
    customerLastName: "Иванов",
    deliveryAddress: "ул. Ленина, д. 1",
    isPickup: false,
  },
};

/**
 * The phone of the n-th distinct customer: +79 and nine digits.
 * @param {number} n
 * @returns {string}
 */
export function phoneFor(n) {
  return `+79${String(n % 1000000000).padStart(9, "0")}`;
}
