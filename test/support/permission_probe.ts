/**
 * Run with a process's permission flags in place of its entry point: tries what that process
 * must not do and prints, as JSON, how each attempt ended ("allowed", or the error's name).
 *
 *   deno run <flags> test/support/permission_probe.ts <file> <host:port> <variable> <dir>
 *
 * reads <file>, connects to <host:port>, reads <variable> (and lists the environment), asks for
 * the host name, writes into <dir>.
 */
const [file, target, variable, dir] = Deno.args;

async function attempt(what: () => unknown): Promise<string> {
  try {
    await what();
    return "allowed";
  } catch (error) {
    return (error as Error).name;
  }
}

const [hostname, port] = target.split(/:(?=[0-9]+$)/);
console.log(JSON.stringify({
  read: await attempt(() => Deno.readTextFileSync(file)),
  net: await attempt(async () => (await Deno.connect({ hostname, port: Number(port) })).close()),
  env: Deno.env.get(variable) ?? null,
  envNames: Object.keys(Deno.env.toObject()).sort(),
  sys: await attempt(() => Deno.hostname()),
  write: await attempt(() => Deno.writeTextFileSync(`${dir}/probe.txt`, "x")),
}));
