/**
 * CPU time the pods of one component have used, read from their cgroups on this node (the
 * one-machine cluster runs the kubelet with the cgroupfs driver on cgroup v1). The kubelet's
 * summary API has the same counters, but cAdvisor refreshes them only every 10–15 s, too coarse
 * for a window of half a minute.
 */
import type { Cluster } from "./cluster.ts";

const CPUACCT_ROOT = "/sys/fs/cgroup/cpuacct/kubepods";

/** CPU seconds used so far, by pod name. */
export type PodCpu = ReadonlyMap<string, number>;

async function findPodCgroup(dir: string, podUid: string): Promise<string | undefined> {
  const want = `pod${podUid}`;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory) continue;
    if (entry.name === want) return `${dir}/${entry.name}`;
    // Pods sit under kubepods/ (Guaranteed) or kubepods/{burstable,besteffort}/.
    if (entry.name === "burstable" || entry.name === "besteffort") {
      const found = await findPodCgroup(`${dir}/${entry.name}`, podUid);
      if (found) return found;
    }
  }
  return undefined;
}

export async function podCpuSeconds(
  cluster: Cluster,
  namespace: string,
  component: string,
): Promise<PodCpu> {
  const pods = (await cluster.json(
    "-n",
    namespace,
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/component=${component}`,
  )).items.filter((p: { metadata: { deletionTimestamp?: string } }) =>
    !p.metadata.deletionTimestamp
  );
  const usage = new Map<string, number>();
  for (const pod of pods) {
    const cgroup = await findPodCgroup(CPUACCT_ROOT, pod.metadata.uid);
    if (!cgroup) throw new Error(`no cgroup for pod ${pod.metadata.name} under ${CPUACCT_ROOT}`);
    const ns = Number((await Deno.readTextFile(`${cgroup}/cpuacct.usage`)).trim());
    usage.set(pod.metadata.name, ns / 1e9);
  }
  return usage;
}

/**
 * Milliseconds of CPU per order that the pods used between two readings. The same pods must be
 * in both: a pod that came or went in between would make the figure meaningless.
 */
export function cpuMsPerOrder(before: PodCpu, after: PodCpu, orders: number): number {
  const names = [...before.keys()].sort();
  const namesAfter = [...after.keys()].sort();
  if (names.join() !== namesAfter.join()) {
    throw new Error(`pods changed during the window: ${names.join()} -> ${namesAfter.join()}`);
  }
  if (orders <= 0) throw new Error("no orders in the window");
  let seconds = 0;
  for (const name of names) seconds += after.get(name)! - before.get(name)!;
  return (seconds * 1000) / orders;
}
