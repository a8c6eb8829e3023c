/** Where the project's local infrastructure is (scripts/infra writes .infra/env) and how to poke it. */
const ROOT = new URL("../../", import.meta.url);

function infraEnvFile(): Record<string, string> {
  try {
    const text = Deno.readTextFileSync(new URL(".infra/env", ROOT));
    return Object.fromEntries(
      text.split("\n").filter((l) => l.includes("=")).map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
      }),
    );
  } catch {
    return {};
  }
}

// Read when first asked, not at import: the bench harness starts the infrastructure (which writes
// the file) after its modules are loaded.
let fromFile: Record<string, string> | undefined;

export function infraSetting(name: "DATABASE_URL" | "REDIS_URL" | "KAFKA_BROKERS"): string {
  if (fromFile === undefined || Object.keys(fromFile).length === 0) fromFile = infraEnvFile();
  const value = Deno.env.get(name) ?? fromFile[name];
  if (!value) {
    throw new Error(`${name} is unknown: run scripts/infra/up.sh (it writes .infra/env) first`);
  }
  return value;
}

export const ROOT_PATH = new URL(".", ROOT).pathname;

/** Runs scripts/infra/ctl.sh <service> <action> (fault injection: kill, start, stop). */
export async function infraCtl(
  service: "postgres" | "redis" | "kafka",
  action: "start" | "stop" | "kill" | "status",
): Promise<void> {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT_PATH}scripts/infra/ctl.sh`, service, action],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success && action !== "status") {
    throw new Error(
      `ctl.sh ${service} ${action} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
}

/** The pid of a running local service (from scripts/infra/ctl.sh <service> status). */
export async function infraPid(service: "postgres" | "redis" | "kafka"): Promise<number> {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT_PATH}scripts/infra/ctl.sh`, service, "status"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const pid = /\(pid (\d+)\)/.exec(new TextDecoder().decode(out.stdout))?.[1];
  if (!pid) throw new Error(`${service} is not running`);
  return Number(pid);
}
