/**
 * The metric names a PromQL expression reads (enough of PromQL for alert
 * rules and dashboards): strings, label matchers, ranges, grouping clauses,
 * functions, keywords and numbers are taken out; what is left are metrics.
 */
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith("(")) continue; // a function or an aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    const before = stripped.slice(0, m.index!);
    if (/[0-9.]$/.test(before)) continue; // a unit of a number/duration, e.g. 5m, 1e3
    names.add(m[0]);
  }
  return [...names].sort();
}
