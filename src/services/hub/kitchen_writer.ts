/**
 * Where `PUT /kitchens/{id}` (and so the dashboard) writes, by KITCHEN_CONFIG_SOURCE — the kitchen
 * configuration has one writer (docs/kitchen-operator.md, "One writer"):
 *
 * - postgres (default): the hub's API is the writer; it saves to PostgreSQL directly.
 * - kubernetes: the Kitchen resource is the source of truth. The hub replaces the resource's spec
 *   and waits (a few seconds at most) for the Kitchen operator to apply it: 200 when the status
 *   says Ready for the new generation, 202 when it has not yet (the operator applies it shortly).
 * - files: Kitchen files are the source (kitchens:apply); the API refuses to write (409).
 */
import { ConflictError } from "../../adapters/http/errors.ts";
import type { KitchenApi } from "../../adapters/kubernetes/kitchen_api.ts";
import { conditionOf, kitchenSpecOf } from "../../adapters/kubernetes/kitchen_resource.ts";
import { httpStatusOf, kubeErrorText } from "../../adapters/kubernetes/kube_errors.ts";
import { DependencyUnavailableError, ValidationError } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Logger } from "../../observability/logger.ts";

export type KitchenConfigSource = "postgres" | "kubernetes" | "files";

export interface SavedKitchen {
  readonly config: KitchenConfig;
  /** false: accepted by the source of truth, not applied yet (answered 202). */
  readonly applied: boolean;
}

export type SaveKitchen = (config: KitchenConfig) => Promise<SavedKitchen>;

/** postgres mode: save, then reload the hub's own copy. */
export function postgresKitchenWriter(
  save: (config: KitchenConfig) => Promise<KitchenConfig>,
  reload: () => Promise<void>,
): SaveKitchen {
  return async (config) => {
    const saved = await save(config);
    await reload();
    return { config: saved, applied: true };
  };
}

/** files mode: nothing to write here. */
export function filesKitchenWriter(): SaveKitchen {
  return (config) =>
    Promise.reject(
      new ConflictError(
        `kitchen ${config.id} is declared in a Kitchen file; change the file and apply it ` +
          "(deno task kitchens:apply)",
      ),
    );
}

export interface KubernetesWriterOptions {
  /** How long to wait for the operator to apply the new spec before answering 202. */
  readonly waitMs: number;
  readonly pollMs?: number;
}

/** kubernetes mode: replace the Kitchen's spec, then wait for the operator's status. */
export function kubernetesKitchenWriter(
  api: Pick<KitchenApi, "namespace" | "get" | "replaceSpec">,
  reload: () => Promise<void>,
  options: KubernetesWriterOptions,
  logger: Logger,
): SaveKitchen {
  const pollMs = options.pollMs ?? 200;
  return async (config) => {
    let generation: number | undefined;
    try {
      const updated = await api.replaceSpec(config.id, kitchenSpecOf(config));
      generation = updated.metadata?.generation;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) {
        throw new ConflictError(
          `kitchen ${config.id} has no Kitchen resource in namespace ${api.namespace}; with the ` +
            "Kitchen operator, kitchens are declared as Kitchen resources (kubectl apply)",
        );
      }
      if (status === 422) {
        throw new ValidationError([{ field: "", reason: kubeErrorText(error) }]);
      }
      logger.warn("updating the Kitchen resource failed", {
        kitchen: config.id,
        error: kubeErrorText(error),
      });
      throw new DependencyUnavailableError("the Kubernetes API", error);
    }
    logger.info("Kitchen resource updated", { kitchen: config.id, generation });
    const deadline = Date.now() + options.waitMs;
    while (generation !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, pollMs));
      const resource = await api.get(config.id).catch(() => undefined);
      const status = resource?.status;
      if ((status?.observedGeneration ?? 0) < generation) continue;
      if (conditionOf(status, "Ready")?.status === "True") {
        await reload();
        return { config, applied: true };
      }
      const invalid = conditionOf(status, "Invalid");
      if (invalid?.status === "True") {
        throw new ValidationError([{
          field: "",
          reason: `the Kitchen operator refused the change (${invalid.reason}): ${invalid.message}`,
        }]);
      }
    }
    return { config, applied: false };
  };
}
