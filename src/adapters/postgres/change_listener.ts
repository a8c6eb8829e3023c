/**
 * LISTENs for PostgreSQL NOTIFY on the given channels (menu and kitchen
 * changes) on a connection of its own, reconnecting with backoff. After every
 * (re)connect it calls `onChange` once, since notices sent while it was away
 * are lost.
 */
import pg from "pg";

export interface ChangeListener {
  close(): Promise<void>;
}

export function listenForChanges(
  url: string,
  channels: readonly string[],
  onChange: (channel: string, payload: string) => void,
  onError: (error: unknown) => void = () => {},
): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;

  const connect = async () => {
    while (!closed) {
      const c = new pg.Client({ connectionString: url, application_name: "ovenline-listener" });
      try {
        c.on("error", (error) => {
          onError(error);
          if (client === c) {
            client = undefined;
            c.end().catch(() => {});
            void connect();
          }
        });
        c.on("notification", (n) => onChange(n.channel, n.payload ?? ""));
        await c.connect();
        for (const channel of channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = c;
        attempt = 0;
        for (const channel of channels) onChange(channel, "");
        return;
      } catch (error) {
        onError(error);
        await c.end().catch(() => {});
        attempt++;
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5_000)));
      }
    }
  };
  void connect();

  return {
    close: async () => {
      closed = true;
      await client?.end().catch(() => {});
    },
  };
}
