/**
 * Samples processes' CPU time and resident memory from /proc every ~200 ms.
 *
 * CPU: utime+stime of /proc/<pid>/stat (all threads of the process), as a
 * percentage of ONE core (100 % = one core busy; this machine has `nproc`
 * cores). Mean = CPU seconds over the window's wall seconds; peak = the
 * highest 1-second moving average (a single 200 ms sample has only 20 clock
 * ticks, so a 5 % resolution: too coarse to call a peak).
 * Memory: VmRSS (sampled peak) and VmHWM (the kernel's high-water mark since
 * the process started).
 *
 * A group may be several processes (PostgreSQL: the postmaster and its
 * backends); its figures are the sums.
 */

export type PidSource = () => number[];

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86_64
const PEAK_WINDOW_MS = 1000;

interface Sample {
  readonly t: number;
  readonly cpuTicks: number;
  readonly rssKb: number;
}

export interface ProcessUsage {
  readonly name: string;
  readonly pids: number[];
  readonly peakRssMb: number | null;
  /** Kernel high-water mark of RSS since process start (summed over the group's live pids). */
  readonly hwmRssMb: number | null;
  readonly meanCpuPercent: number | null;
  readonly peakCpuPercent: number | null;
  readonly cpuSeconds: number | null;
}

export interface MachineUsage {
  /** Busy share of all cores, 0-100 % of the machine (100 % = every core busy). */
  readonly meanBusyPercent: number | null;
  readonly peakBusyPercent: number | null;
  readonly meanStealPercent: number | null;
}

function readStat(pid: number): { ticks: number } | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // fields[0] is state (field 3); utime is field 14, stime 15 → indexes 11, 12.
    return { ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function readStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

function readMachine(): { busy: number; total: number; steal: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, steal: v[7] ?? 0 };
}

/** Children (by ppid) of `parent`, plus the parent itself. */
export function processTree(parent: number): number[] {
  const pids = [parent];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const text = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return pids;
}

/** The pid in a pid file (first line), or undefined. */
export function pidFromFile(path: string): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(path).split("\n")[0].trim());
    return Number.isInteger(pid) && pid > 0 && readStat(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

class Tracked {
  readonly samples: Sample[] = [];
  readonly seen = new Set<number>();
  /** Last tick count per pid, so a process that appears mid-window counts from there. */
  readonly #lastTicks = new Map<number, number>();
  #cumulative = 0;
  hwmKb = 0;

  constructor(readonly name: string, readonly source: PidSource) {}

  sample(t: number): void {
    let rss = 0;
    let hwm = 0;
    const pids = this.source();
    for (const pid of pids) {
      const stat = readStat(pid);
      const status = readStatus(pid);
      if (!stat || !status) continue;
      this.seen.add(pid);
      const last = this.#lastTicks.get(pid);
      // A pid seen for the first time contributes from its next sample on.
      if (last !== undefined) this.#cumulative += Math.max(0, stat.ticks - last);
      this.#lastTicks.set(pid, stat.ticks);
      rss += status.rssKb;
      hwm += status.hwmKb;
    }
    this.hwmKb = Math.max(this.hwmKb, hwm);
    this.samples.push({ t, cpuTicks: this.#cumulative, rssKb: rss });
  }
}

export class ProcSampler {
  #tracked = new Map<string, Tracked>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #machine: { t: number; busy: number; total: number; steal: number }[] = [];

  constructor(readonly intervalMs = 200) {}

  /** Tracks a process (or group); replaces an earlier one of the same name. */
  track(name: string, source: PidSource | number): void {
    const src = typeof source === "number" ? () => [source] : source;
    const t = new Tracked(name, src);
    t.sample(performance.now());
    this.#tracked.set(name, t);
  }

  untrack(name: string): void {
    this.#tracked.delete(name);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#sampleAll();
    this.#timer = setInterval(() => this.#sampleAll(), this.intervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sampleAll(): void {
    const t = performance.now();
    for (const tracked of this.#tracked.values()) tracked.sample(t);
    this.#machine.push({ t, ...readMachine() });
  }

  /** A mark to pass to usage(): now. */
  mark(): number {
    this.#sampleAll();
    return performance.now();
  }

  /** Usage of every tracked process between two marks (default: all samples). */
  usage(from = -Infinity, to = Infinity): ProcessUsage[] {
    return [...this.#tracked.values()].map((tr) => usageOf(tr, from, to));
  }

  machine(from = -Infinity, to = Infinity): MachineUsage {
    const m = this.#machine.filter((s) => s.t >= from && s.t <= to);
    if (m.length < 2) {
      return { meanBusyPercent: null, peakBusyPercent: null, meanStealPercent: null };
    }
    const first = m[0];
    const last = m[m.length - 1];
    const pct = (a: typeof first, b: typeof first, key: "busy" | "steal") =>
      b.total > a.total ? ((b[key] - a[key]) / (b.total - a.total)) * 100 : 0;
    let peak = 0;
    let j = 0;
    for (let i = 0; i < m.length; i++) {
      while (j < i && m[i].t - m[j + 1].t >= PEAK_WINDOW_MS) j++;
      if (m[i].t - m[j].t >= PEAK_WINDOW_MS * 0.9) peak = Math.max(peak, pct(m[j], m[i], "busy"));
    }
    return {
      meanBusyPercent: round1(pct(first, last, "busy")),
      peakBusyPercent: round1(peak),
      meanStealPercent: round1(pct(first, last, "steal")),
    };
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function usageOf(tr: Tracked, from: number, to: number): ProcessUsage {
  const s = tr.samples.filter((x) => x.t >= from && x.t <= to);
  const base = {
    name: tr.name,
    pids: [...tr.seen],
    hwmRssMb: tr.hwmKb ? round1(tr.hwmKb / 1024) : null,
  };
  if (s.length < 2) {
    return {
      ...base,
      peakRssMb: null,
      meanCpuPercent: null,
      peakCpuPercent: null,
      cpuSeconds: null,
    };
  }
  const first = s[0];
  const last = s[s.length - 1];
  const cpuPct = (a: Sample, b: Sample) =>
    b.t > a.t ? ((b.cpuTicks - a.cpuTicks) / CLK_TCK) / ((b.t - a.t) / 1000) * 100 : 0;
  let peakCpu = 0;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    while (j < i && s[i].t - s[j + 1].t >= PEAK_WINDOW_MS) j++;
    if (s[i].t - s[j].t >= PEAK_WINDOW_MS * 0.9) peakCpu = Math.max(peakCpu, cpuPct(s[j], s[i]));
  }
  if (peakCpu === 0) peakCpu = cpuPct(first, last);
  return {
    ...base,
    peakRssMb: round1(Math.max(...s.map((x) => x.rssKb)) / 1024),
    meanCpuPercent: round1(cpuPct(first, last)),
    peakCpuPercent: round1(peakCpu),
    // Tick resolution (10 ms): CPU per order divides it by the orders of the window.
    cpuSeconds: Math.round(last.cpuTicks - first.cpuTicks) / CLK_TCK,
  };
}
