/** Where the Kubernetes API is: a kubeconfig file when given, else the pod's own service account. */
import * as k8s from "@kubernetes/client-node";

export interface KubeSettings {
  /** Path of a kubeconfig file (KUBECONFIG); absent: in-cluster (service account token and CA). */
  readonly kubeconfigPath?: string;
  /** Context to use from the kubeconfig; absent: its current context. */
  readonly context?: string;
}

export function loadKubeConfig(settings: KubeSettings): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (settings.kubeconfigPath) {
    // KUBECONFIG may list several files (path-list); client-node merges them like kubectl.
    const paths = settings.kubeconfigPath.split(":").filter((p) => p.length > 0);
    if (paths.length === 1) kc.loadFromFile(paths[0]);
    else kc.loadFromDefault({}, false);
    if (settings.context) kc.setCurrentContext(settings.context);
  } else {
    kc.loadFromCluster();
  }
  if (!kc.getCurrentCluster()) {
    throw new Error("no Kubernetes cluster in the configuration (KUBECONFIG or in-cluster)");
  }
  return kc;
}

/** The HTTP status of a failed client-node call (ApiException.code), or undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

/** A short text for logs and status messages: the API's own message when it sent a Status. */
export function kubeErrorText(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    const body = error.body;
    try {
      const status = typeof body === "string" ? JSON.parse(body) : body;
      if (status && typeof status.message === "string") return `${error.code}: ${status.message}`;
    } catch {
      // not JSON
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
