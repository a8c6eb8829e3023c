/** /healthz (the process is alive) and /readyz (its dependencies answer) for probes. */
export function serveHealth(
  port: number,
  checkReady: () => Promise<void>,
): Deno.HttpServer {
  return Deno.serve({ port, hostname: "0.0.0.0", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return new Response("ok\n");
    if (path === "/readyz") {
      try {
        await checkReady();
        return new Response("ready\n");
      } catch (error) {
        return new Response(`not ready: ${(error as Error).message}\n`, { status: 503 });
      }
    }
    return new Response("not found\n", { status: 404 });
  });
}
