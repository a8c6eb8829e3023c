/** Archives as gzip'd JSON lines in a directory (a mounted volume in Kubernetes), written then renamed. */
import type { ArchiveSink } from "./data_lifecycle.ts";

export class DirectoryArchive implements ArchiveSink {
  constructor(private readonly dir: string) {}

  async write(partition: string, lines: AsyncIterable<string>): Promise<string> {
    await Deno.mkdir(this.dir, { recursive: true });
    const final = `${this.dir}/${partition}.jsonl.gz`;
    const partial = `${final}.partial`;
    const file = await Deno.open(partial, { create: true, write: true, truncate: true });
    const encoder = new TextEncoder();
    const source = ReadableStream.from((async function* () {
      for await (const line of lines) yield encoder.encode(`${line}\n`);
    })());
    await source.pipeThrough(new CompressionStream("gzip")).pipeTo(file.writable);
    // The rename makes the archive appear whole or not at all.
    const written = await Deno.open(partial, { read: true, write: true });
    await written.sync();
    written.close();
    await Deno.rename(partial, final);
    return final;
  }
}
