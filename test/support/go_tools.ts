/**
 * Go tools that the project's scripts install at pinned versions into .tools/ on first use
 * (scripts/go_tool.sh behind scripts/helm.sh and scripts/grpcurl.sh). Each script prints the
 * binary's path; it runs once per test process.
 */
const SCRIPTS = new URL("../../scripts/", import.meta.url).pathname;

const installed = new Map<string, Promise<string>>();

/** The binary that `scripts/<script>` installs (once), e.g. goTool("helm.sh"). */
export function goTool(script: "helm.sh" | "grpcurl.sh"): Promise<string> {
  let path = installed.get(script);
  if (!path) {
    path = (async () => {
      const out = await new Deno.Command("bash", {
        args: [`${SCRIPTS}${script}`],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`scripts/${script} failed`);
      return new TextDecoder().decode(out.stdout).trim();
    })();
    installed.set(script, path);
  }
  return path;
}
