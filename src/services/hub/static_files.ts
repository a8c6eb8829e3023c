/** Serves the KDS and dashboard pages from ./static, read once at start-up. */
const STATIC_DIR = new URL("./static/", import.meta.url);

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  json: "application/json",
  png: "image/png",
};

export class StaticFiles {
  readonly #files = new Map<string, { body: Uint8Array; type: string }>();

  constructor() {
    try {
      for (const entry of Deno.readDirSync(STATIC_DIR)) {
        if (!entry.isFile || entry.name.endsWith("_test.ts")) continue;
        const ext = entry.name.split(".").pop() ?? "";
        const type = TYPES[ext];
        if (!type) continue;
        this.#files.set(entry.name, {
          body: Deno.readFileSync(new URL(entry.name, STATIC_DIR)),
          type,
        });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  response(name: string): Response {
    const file = this.#files.get(name);
    if (!file) return new Response("not found\n", { status: 404 });
    return new Response(file.body.slice(), {
      headers: { "content-type": file.type, "cache-control": "no-cache" },
    });
  }
}
