/** One fault at a time: SIGKILL a part of the stack, start it again, wait until it is healthy. */
import { infraCtl } from "../support/infra.ts";
import type { TestStack } from "../support/stack.ts";
import type { ServiceName } from "../support/service_process.ts";

export type FaultTarget = ServiceName | "kafka" | "redis" | "postgres";

export const ALL_FAULTS: readonly FaultTarget[] = [
  "intake",
  "consumer",
  "promoter",
  "hub",
  "kafka",
  "redis",
  "postgres",
];

export interface FaultRecord {
  readonly target: FaultTarget;
  readonly killedAt: number;
  readonly recoveredAt?: number;
  readonly error?: string;
}

export async function injectFault(
  stack: TestStack,
  target: FaultTarget,
  downMs: number,
): Promise<FaultRecord> {
  const killedAt = Date.now();
  try {
    if (target === "kafka" || target === "redis" || target === "postgres") {
      await infraCtl(target, "kill");
      await new Promise((r) => setTimeout(r, downMs));
      await infraCtl(target, "start");
    } else {
      await stack.service(target).kill();
      await new Promise((r) => setTimeout(r, downMs));
      await stack.startService(target);
    }
    return { target, killedAt, recoveredAt: Date.now() };
  } catch (error) {
    return { target, killedAt, error: (error as Error).message };
  }
}
