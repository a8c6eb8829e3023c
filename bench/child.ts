/** A Deno helper process of the benchmark (generator, listener) that talks in JSON lines. */
import { ROOT } from "./stack.ts";

export class Child {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: Record<string, unknown>[] = [];
  readonly #waiters: (() => void)[] = [];
  readonly #stderr: Promise<string>;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(readonly name: string, script: string, args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${ROOT}${script}`, ...args],
      cwd: ROOT,
      env: { OTEL_DENO: "false" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.status = this.#child.status;
    this.#stderr = new Response(this.#child.stderr).text();
    void this.#read();
  }

  get pid(): number {
    return this.#child.pid;
  }

  async #read(): Promise<void> {
    let buf = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        try {
          this.#lines.push(JSON.parse(line));
        } catch {
          console.error(`${this.name}: ${line}`);
        }
        for (const w of this.#waiters.splice(0)) w();
      }
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The first line that has `key`, waiting up to timeoutMs. */
  async waitFor<T = Record<string, unknown>>(key: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.status.then(() => (exited = true));
    while (true) {
      const line = this.#lines.find((l) => key in l);
      if (line) return line as T;
      if (exited || Date.now() > deadline) {
        const err = await Promise.race([
          this.#stderr,
          new Promise<string>((r) => setTimeout(() => r(""), 500)),
        ]);
        throw new Error(
          `${this.name}: no "${key}" within ${timeoutMs} ms${exited ? " (exited)" : ""}\n${
            err.slice(-3000)
          }`,
        );
      }
      await Promise.race([
        new Promise<void>((r) => this.#waiters.push(r)),
        new Promise((r) => setTimeout(r, 200)),
      ]);
    }
  }

  async send(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text + "\n"));
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
  }
}
