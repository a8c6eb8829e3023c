/**
 * A minimal Chrome DevTools protocol client for a service started with `--inspect=127.0.0.1:PORT`:
 * the bench's heap tools send commands and read events over the inspector's WebSocket.
 */
export interface Inspector {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  /** Calls `listener` with the params of every event named `method`. */
  on(method: string, listener: (params: Record<string, unknown>) => void): void;
  close(): void;
}

export async function connectInspector(port: number | string): Promise<Inspector> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w?.reject(new Error(`inspector: ${m.error.message} (${m.error.code})`));
      else w?.resolve(m.result);
    } else for (const l of listeners.get(m.method) ?? []) l(m.params);
  };
  return {
    send(method, params = {}) {
      const id = nextId++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    on(method, listener) {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    },
    close: () => ws.close(),
  };
}
