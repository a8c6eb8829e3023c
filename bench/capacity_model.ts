/**
 * The capacity model of docs/capacity.md: from the CPU each order costs each process (measured by
 * `deno task bench`, `cpu_ms_per_order`) to what a deployment for a given order rate needs. Pure
 * arithmetic; the rules are the ones docs/capacity.md explains.
 */

/** Milliseconds of CPU per accepted order, per process, as the bench measures them. */
export interface CpuPerOrder {
  readonly intake: number;
  readonly consumer: number;
  /** The hub with no socket open (its share of applying and promoting an order). */
  readonly hub: number;
  readonly kafka: number;
  readonly redis: number;
  readonly postgres: number;
}

export interface Assumptions {
  /** CPU the hub spends per event per socket that receives it. */
  readonly hubMsPerDelivery: number;
  /** Screens (KDS stations and dashboards) open per kitchen at a busy hour. */
  readonly socketsPerKitchen: number;
  /** Events the hub sends per order over its life (visible, cooking, baked, done, …). */
  readonly eventsPerOrder: number;
  /** The autoscaled pods' CPU request (cores) and the HPA's target utilisation of it. */
  readonly podCpuRequest: number;
  readonly hpaTargetUtilization: number;
  /** Share of its one event loop a consumer replica may use at the planned rate. */
  readonly consumerLoopBudget: number;
  /** The order-to-KDS latency a consumer backlog may add: KEDA's lag threshold is this much work. */
  readonly lagLatencyBudgetMs: number;
  /** Kafka replication factor: every follower repeats most of the leader's work. */
  readonly kafkaReplicas: number;
  /** Cores one broker may use at the planned rate (its request). */
  readonly kafkaCoresPerBroker: number;
  /** Share of its one command thread Redis may use (scripts run there, one at a time). */
  readonly redisThreadBudget: number;
  /** Zones the stateless services are spread over: at least one replica in each. */
  readonly zones: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  hubMsPerDelivery: 0.01,
  socketsPerKitchen: 4,
  eventsPerOrder: 5,
  podCpuRequest: 0.5,
  hpaTargetUtilization: 0.6,
  consumerLoopBudget: 0.5,
  lagLatencyBudgetMs: 100,
  kafkaReplicas: 3,
  kafkaCoresPerBroker: 1,
  redisThreadBudget: 0.7,
  zones: 3,
};

export interface CapacityPlan {
  readonly ordersPerSecond: number;
  /** Orders per second one fully busy core handles, per process. */
  readonly ordersPerCore: Record<keyof CpuPerOrder, number>;
  /** Cores each part needs at this rate. */
  readonly cores: Record<keyof CpuPerOrder, number>;
  readonly intakeReplicas: number;
  readonly hubReplicas: number;
  readonly consumerReplicas: number;
  /** At least one partition per consumer replica (more replicas than partitions sit idle). */
  readonly minPartitions: number;
  readonly kafkaBrokers: number;
  /** Share of Redis's single command thread this rate takes; over `redisThreadBudget`: shard. */
  readonly redisThreadShare: number;
  readonly redisFits: boolean;
  /** Consumer lag (orders) per replica at which KEDA adds one: `lagLatencyBudgetMs` of its work. */
  readonly kedaLagThreshold: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function capacityPlan(
  ordersPerSecond: number,
  cpu: CpuPerOrder,
  a: Assumptions = DEFAULT_ASSUMPTIONS,
): CapacityPlan {
  if (!(ordersPerSecond > 0)) throw new RangeError("ordersPerSecond must be positive");
  for (const [name, ms] of Object.entries(cpu)) {
    if (!(ms > 0)) throw new RangeError(`cpu.${name} must be a positive number of milliseconds`);
  }
  const hubMs = cpu.hub + a.hubMsPerDelivery * a.socketsPerKitchen * a.eventsPerOrder;
  const perOrder = { ...cpu, hub: hubMs };
  const cores = mapValues(perOrder, (ms) => round2((ordersPerSecond * ms) / 1000));
  const ordersPerCore = mapValues(perOrder, (ms) => Math.floor(1000 / ms));

  const podCores = a.podCpuRequest * a.hpaTargetUtilization;
  const replicasFor = (c: number) => Math.max(a.zones, Math.ceil(c / podCores));
  const consumerRatePerReplica = ordersPerCore.consumer * a.consumerLoopBudget;
  const consumerReplicas = Math.max(
    2,
    Math.ceil(ordersPerSecond / consumerRatePerReplica),
  );
  const kafkaCores = (ordersPerSecond * cpu.kafka * a.kafkaReplicas) / 1000;
  const redisThreadShare = round2((ordersPerSecond * cpu.redis) / 1000);
  const lag = (consumerRatePerReplica * a.lagLatencyBudgetMs) / 1000;
  return {
    ordersPerSecond,
    ordersPerCore,
    cores,
    intakeReplicas: replicasFor((ordersPerSecond * cpu.intake) / 1000),
    hubReplicas: replicasFor((ordersPerSecond * hubMs) / 1000),
    consumerReplicas,
    minPartitions: consumerReplicas,
    kafkaBrokers: Math.max(a.kafkaReplicas, Math.ceil(kafkaCores / a.kafkaCoresPerBroker)),
    redisThreadShare,
    redisFits: redisThreadShare <= a.redisThreadBudget,
    // Rounded down to a multiple of 50: a threshold reads better, and lower scales up sooner.
    kedaLagThreshold: Math.max(50, Math.floor(lag / 50) * 50),
  };
}

function mapValues<T extends object>(o: T, f: (v: number) => number): Record<keyof T, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as number)])) as Record<
    keyof T,
    number
  >;
}

/**
 * CPU per order of a bench results file's fixed-rate scenario: its `cpu_ms_per_order` where it has
 * one, otherwise (and for Kafka, Redis and PostgreSQL) the process's CPU seconds over the measured
 * window divided by the orders answered OK in it.
 */
export function cpuPerOrderOf(results: unknown): CpuPerOrder {
  const fixed = (results as { scenarios?: Record<string, FixedRateResults> }).scenarios
    ?.["fixed-rate"];
  if (!fixed) throw new Error("the results have no fixed-rate scenario");
  const orders = fixed.create?.ok ?? 0;
  const pick = (name: keyof CpuPerOrder, processName: string) => {
    const given = fixed.cpu_ms_per_order?.[name];
    if (typeof given === "number" && given > 0) return given;
    const seconds = fixed.resources?.processes?.find((p) => p.name === processName)?.cpuSeconds;
    if (typeof seconds === "number" && seconds > 0 && orders > 0) {
      return Math.round((seconds * 1000 / orders) * 1000) / 1000;
    }
    throw new Error(`the fixed-rate scenario has no CPU figure for ${name} (${processName})`);
  };
  return {
    intake: pick("intake", "intake"),
    consumer: pick("consumer", "consumer"),
    hub: pick("hub", "hub"),
    kafka: pick("kafka", "kafka (infra)"),
    redis: pick("redis", "redis (infra)"),
    postgres: pick("postgres", "postgres (infra, all backends)"),
  };
}

/** Each process's median CPU per order over several runs (runs are noisy; one can be off). */
export function medianCpuPerOrder(runs: readonly CpuPerOrder[]): CpuPerOrder {
  if (runs.length === 0) throw new Error("no runs to take the median of");
  const median = (k: keyof CpuPerOrder) => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : Math.round(((v[mid - 1] + v[mid]) / 2) * 1000) / 1000;
  };
  return {
    intake: median("intake"),
    consumer: median("consumer"),
    hub: median("hub"),
    kafka: median("kafka"),
    redis: median("redis"),
    postgres: median("postgres"),
  };
}

interface FixedRateResults {
  readonly cpu_ms_per_order?: Record<string, number | null>;
  readonly create?: { readonly ok?: number };
  readonly resources?: {
    readonly processes?: readonly { name: string; cpuSeconds: number | null }[];
  };
}
