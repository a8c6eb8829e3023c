/**
 * The commands Redis really executed on one database, as MONITOR reports them, between two
 * points of a test: what a call read is then a fact of the server, not of the client's code.
 */
import { Redis } from "ioredis";

export class RedisCommandLog {
  readonly #commands: string[][] = [];

  private constructor(
    private readonly connection: Redis,
    private readonly monitor: Awaited<ReturnType<Redis["monitor"]>>,
    private readonly probe: Redis,
  ) {}

  /** Starts recording the commands run on database `db` of the Redis at `url` (any database). */
  static async start(url: string, db: number): Promise<RedisCommandLog> {
    const connection = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await connection.connect();
    const monitor = await connection.monitor();
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, db });
    await probe.connect();
    const log = new RedisCommandLog(connection, monitor, probe);
    monitor.on("monitor", (_time: string, args: string[], _source: string, database: string) => {
      if (Number(database) === db) log.#commands.push(args);
    });
    return log;
  }

  /**
   * Runs `call` and returns every command executed on the database while it ran. A marker command
   * before and after bounds it: MONITOR reports in execution order, so once the closing marker
   * has arrived, everything the call caused is in.
   */
  async during<T>(call: () => Promise<T>): Promise<{ result: T; commands: string[][] }> {
    const open = await this.#mark();
    const result = await call();
    const close = await this.#mark();
    const from = this.#commands.findIndex((c) => c.includes(open));
    const to = this.#commands.findIndex((c) => c.includes(close));
    return { result, commands: this.#commands.slice(from + 1, to) };
  }

  stop(): void {
    this.monitor.disconnect();
    this.connection.disconnect();
    this.probe.disconnect();
  }

  async #mark(): Promise<string> {
    const marker = `ovenline-test-mark-${crypto.randomUUID()}`;
    await this.probe.echo(marker);
    const deadline = Date.now() + 5_000;
    while (!this.#commands.some((c) => c.includes(marker))) {
      if (Date.now() > deadline) throw new Error("MONITOR never reported the marker command");
      await new Promise((r) => setTimeout(r, 5));
    }
    return marker;
  }
}
