/** The chaos report as people read it. */
import type { ChaosReport } from "./chaos_run.ts";

export function formatReport(r: ChaosReport): string {
  const v = r.verdict;
  const lines = [
    "",
    "Chaos run",
    `  orders acknowledged to clients : ${v.acknowledged}`,
    `  orders in PostgreSQL           : ${v.inPostgres}`,
    `  lost                           : ${v.lost.length}`,
    `  duplicated                     : ${v.duplicated.length}`,
    `  with wrong status              : ${v.wrongStatus.length}`,
    `  recorded, nobody's (phantoms)  : ${v.unexplained.length}`,
    `  walked away after one failure  : ${r.walkedAway} (recorded anyway: ${v.walkedAwayRecorded})`,
    `  slots checked (load = orders, ≤ capacity): ${v.slotsChecked}, problems: ${v.slotProblems.length}`,
    `  visible orders on a KDS        : ${
      v.visibleChecked - v.visibleNotOnKds.length
    } of ${v.visibleChecked}`,
    `  client retries / abandoned     : ${r.retries} / ${r.abandoned}`,
    `  rejected (not transient)       : ${JSON.stringify(r.rejected)}`,
    `  status changes by cooks        : ${r.statusChanges}`,
    `  KDS reconnects                 : ${r.kdsReconnects}`,
    `  unexpected service exits       : ${
      r.unexpectedExits.length ? r.unexpectedExits.join("; ") : "none"
    }`,
    "  faults injected:",
    ...r.faults.map((f) =>
      `    SIGKILL ${f.target.padEnd(9)} ${
        f.error
          ? `NOT recovered: ${f.error}`
          : `survived, back in ${f.recoveredAt! - f.killedAt} ms`
      }`
    ),
    `  took ${r.seconds} s`,
  ];
  for (
    const [label, list] of [
      ["lost", v.lost],
      ["duplicated", v.duplicated],
      ["wrong status", v.wrongStatus],
      ["phantoms", v.unexplained],
      ["slot problems", v.slotProblems],
      ["visible but never on a KDS", v.visibleNotOnKds],
    ] as const
  ) {
    if (list.length > 0) lines.push(`  ${label} (first 10): ${list.slice(0, 10).join(", ")}`);
  }
  return lines.join("\n");
}
