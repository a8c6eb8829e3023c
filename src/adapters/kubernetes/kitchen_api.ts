/** Reads and writes of Kitchen resources in one namespace, through client-node's CustomObjectsApi. */
import * as k8s from "@kubernetes/client-node";
import { KITCHEN_GROUP, KITCHEN_PLURAL, KITCHEN_VERSION } from "./kitchen_crd.ts";
import type { KitchenResource, KitchenSpec, KitchenStatus } from "./kitchen_resource.ts";
import { httpStatusOf } from "./kube_config.ts";

const MERGE_PATCH = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export class KitchenApi {
  readonly #custom: k8s.CustomObjectsApi;
  readonly #ref: { group: string; version: string; namespace: string; plural: string };

  constructor(kc: k8s.KubeConfig, readonly namespace: string) {
    this.#custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.#ref = {
      group: KITCHEN_GROUP,
      version: KITCHEN_VERSION,
      namespace,
      plural: KITCHEN_PLURAL,
    };
  }

  /** The collection's path, for a watch. */
  get path(): string {
    return `/apis/${KITCHEN_GROUP}/${KITCHEN_VERSION}/namespaces/${this.namespace}/${KITCHEN_PLURAL}`;
  }

  list(): Promise<k8s.KubernetesListObject<KitchenResource>> {
    return this.#custom.listNamespacedCustomObject(this.#ref);
  }

  /** The Kitchen, or undefined when there is none of that name. */
  async get(name: string): Promise<KitchenResource | undefined> {
    try {
      return await this.#custom.getNamespacedCustomObject({ ...this.#ref, name });
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Sets metadata.finalizers, only if the resource is still at `resource`'s resourceVersion
   * (else 409: the caller reconciles again from fresh data).
   */
  async setFinalizers(resource: KitchenResource, finalizers: readonly string[]): Promise<void> {
    await this.#custom.patchNamespacedCustomObject({
      ...this.#ref,
      name: resource.metadata!.name!,
      body: { metadata: { finalizers, resourceVersion: resource.metadata!.resourceVersion } },
    }, MERGE_PATCH);
  }

  /** Writes the status subresource (the whole status: conditions is replaced as a list). */
  async patchStatus(name: string, status: KitchenStatus): Promise<KitchenResource> {
    return await this.#custom.patchNamespacedCustomObjectStatus({
      ...this.#ref,
      name,
      body: { status },
    }, MERGE_PATCH);
  }

  /**
   * Replaces the whole spec (a JSON patch, so that openings or weekdays left out are removed) and
   * returns the resource with its new generation. 404 when there is no such Kitchen.
   */
  async replaceSpec(name: string, spec: KitchenSpec): Promise<KitchenResource> {
    return await this.#custom.patchNamespacedCustomObject({
      ...this.#ref,
      name,
      body: [{ op: "replace", path: "/spec", value: spec }],
    });
  }
}
