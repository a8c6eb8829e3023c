/**
 * Runs one Ovenline service as a real child process (as in production: its
 * own Deno, its own connections), with its log in .artifacts/logs/.
 */
import { v8FlagsFor } from "../../src/services/v8_flags.ts";
import { ROOT_PATH } from "./infra.ts";

export type ServiceName = "intake" | "consumer" | "promoter" | "hub";

export class ServiceProcess {
  #child: Deno.ChildProcess | undefined;
  #logFile: Deno.FsFile | undefined;
  #exited: Promise<Deno.CommandStatus> | undefined;
  readonly logPath: string;

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
    private readonly ready: () => Promise<boolean>,
    logDir: string,
    logName: string = name,
    /** Extra `deno run` flags (e.g. the benchmark's --cpu-prof-dir). */
    private readonly runFlags: readonly string[] = [],
  ) {
    this.logPath = `${logDir}/${logName}.log`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process and waits until `until` (by default: ready) says yes. */
  async start(timeoutMs = 60_000, until: () => Promise<boolean> = this.ready): Promise<void> {
    if (this.#child) throw new Error(`${this.name} is already running`);
    this.#logFile = await Deno.open(this.logPath, { create: true, append: true });
    await this.#logFile.write(new TextEncoder().encode(`--- start ${new Date().toISOString()}\n`));
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        ...v8FlagsFor(this.name), // as in production (src/services/v8_flags.tsv)
        ...this.runFlags,
        `${ROOT_PATH}src/services/${this.name}/main.ts`,
      ],
      // Each service names itself in telemetry (when a test turns OTEL_DENO on).
      env: { KAFKAJS_NO_PARTITIONER_WARNING: "1", OTEL_SERVICE_NAME: this.name, ...this.env },
      cwd: ROOT_PATH,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const log = this.#logFile;
    // Both streams into one file; the file outlives the process so a crash leaves its story.
    const sink = (stream: ReadableStream<Uint8Array>) =>
      stream.pipeTo(new WritableStream({ write: (chunk) => log.write(chunk).then(() => {}) }))
        .catch(() => {});
    const pumps = Promise.all([sink(child.stdout), sink(child.stderr)]);
    this.#exited = child.status.then(async (status) => {
      await pumps;
      return status;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const exited = await Promise.race([
        this.#exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 50)),
      ]);
      if (exited) {
        this.#child = undefined;
        throw new Error(
          `${this.name} exited during start-up; see ${this.logPath}:\n${await this.tail()}`,
        );
      }
      if (await until().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.kill();
    throw new Error(
      `${this.name} was not ready within ${timeoutMs} ms; see ${this.logPath}:\n${await this
        .tail()}`,
    );
  }

  /** SIGKILL: no goodbyes, exactly like a crashed pod. */
  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  /** SIGTERM and wait: a graceful stop. */
  async stop(): Promise<void> {
    await this.#signal("SIGTERM");
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Whether the process is still there (it may have died on its own). */
  async alive(): Promise<boolean> {
    if (!this.#exited) return false;
    return !(await Promise.race([this.#exited.then(() => true), Promise.resolve(false)]));
  }

  async tail(lines = 40): Promise<string> {
    try {
      return (await Deno.readTextFile(this.logPath)).split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  async #signal(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    const stopped = await Promise.race([
      this.#exited!.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!stopped) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await this.#exited;
    }
    this.#logFile?.close();
    this.#logFile = undefined;
  }
}
