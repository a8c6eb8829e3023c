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

export { httpStatusOf, kubeErrorText } from "./kube_errors.ts";
