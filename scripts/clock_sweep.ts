/**
 * The clock sweep: runs the date-sensitive tests with the clock set to chosen instants, so the
 * suite is known to pass on every weekday, around midnight, at a month's and a year's end and on
 * DST change days, whatever the machine's time zone.
 *
 *   deno task clock-sweep                  # every case (CI: scripts/test.sh runs this)
 *   deno task clock-sweep --case sun-2359  # one case (repeatable; --list names them)
 *   deno task clock-sweep -- test/slot_concurrency_test.ts  # other test files, every instant
 *
 * Each case is one `deno test` under Debian's faketime (libfaketime, preloaded): the test process,
 * and the services it starts as child processes, see the case's instant and a clock that runs on
 * from there. PostgreSQL, Redis, Kafka and the kube-apiserver keep real time, so every instant is
 * the NEXT occurrence of its kind after the real now (fake time runs ahead by less than a year):
 * Redis keys expire at slot end + a day (never in the past), the consumer creates the month
 * partitions of its own clock, and the test topics accept records stamped that far ahead
 * (OVENLINE_TEST_CLOCK_AHEAD_MS, test/support/kafka_topics.ts). Each case also sets the test
 * kitchens' zone (OVENLINE_TEST_KITCHEN_ZONE, test/support/kitchens.ts), so 23:59 is 23:59 in the
 * kitchen, and the process time zone (TZ), which the product must not depend on.
 *
 * Prints one line per case and ends with "clock sweep: N passed, M failed"; logs of each case are
 * in .artifacts/clock_sweep/<case>.log. Needs the local infrastructure (.infra/env; the deno task
 * starts it) and starts the test kube-apiserver itself (outside the fake clock: its certificates
 * are made with real time).
 */

const ROOT = new URL("../", import.meta.url).pathname;
const LOG_DIR = `${ROOT}.artifacts/clock_sweep`;

/** The tests whose expectations depend on the date, the hour or the zone (and run in seconds). */
export const SWEPT_TESTS = [
  "src/domain/kitchen_config_test.ts",
  "src/domain/opening_hours_test.ts",
  "src/domain/slot_plan_test.ts",
  "src/domain/slot_plan_property_test.ts",
  "src/domain/validation_test.ts",
  "src/services/intake/slot_plan_cache_test.ts",
  "src/services/kitchen_operator/kitchen_status_test.ts",
  "test/create_order_test.ts",
  "test/slot_capacity_test.ts",
  "test/kitchen_operator_today_test.ts",
];

export interface SweepCase {
  readonly name: string;
  readonly what: string;
  /** The test kitchens' zone, where the instant is what `what` says. */
  readonly kitchenZone: string;
  /** The process time zone of the tests and the services. */
  readonly tz: string;
  /** The instant, the next one of its kind after `now`. */
  at(now: Temporal.Instant): Temporal.Instant;
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** The first wall-clock time `time` in `zone` after `now` (on ISO weekday `weekday` if given). */
export function nextLocal(
  now: Temporal.Instant,
  zone: string,
  time: Temporal.PlainTime,
  weekday?: number,
): Temporal.Instant {
  const local = now.toZonedDateTimeISO(zone);
  for (let days = 0; days <= 8; days++) {
    const date = local.toPlainDate().add({ days });
    if (weekday !== undefined && date.dayOfWeek !== weekday) continue;
    const candidate = date.toZonedDateTime({ timeZone: zone, plainTime: time }).toInstant();
    if (Temporal.Instant.compare(candidate, now) > 0) return candidate;
  }
  throw new Error(`no ${time} in ${zone} within eight days of ${now}`);
}

/** 23:59 on the next last day of a month in `zone`, skipping December (New Year's Eve has its own case). */
export function nextMonthEnd(now: Temporal.Instant, zone: string): Temporal.Instant {
  let month = now.toZonedDateTimeISO(zone).toPlainDate().toPlainYearMonth();
  for (let i = 0; i < 3; i++, month = month.add({ months: 1 })) {
    if (month.month === 12) continue;
    const last = month.toPlainDate({ day: month.daysInMonth });
    const at = last.toZonedDateTime({ timeZone: zone, plainTime: "23:59" }).toInstant();
    if (Temporal.Instant.compare(at, now) > 0) return at;
  }
  throw new Error("no month end ahead");
}

/** 23:59 on the next 31 December in `zone`. */
export function nextNewYearsEve(now: Temporal.Instant, zone: string): Temporal.Instant {
  const year = now.toZonedDateTimeISO(zone).year;
  for (const y of [year, year + 1]) {
    const at = Temporal.PlainDate.from({ year: y, month: 12, day: 31 })
      .toZonedDateTime({ timeZone: zone, plainTime: "23:59" }).toInstant();
    if (Temporal.Instant.compare(at, now) > 0) return at;
  }
  throw new Error("no New Year's Eve ahead");
}

/** The next DST change of `zone` in `direction` ("forward": clocks skip an hour; "back": repeat one). */
export function nextDstChange(
  now: Temporal.Instant,
  zone: string,
  direction: "forward" | "back",
): Temporal.Instant {
  let at = now.toZonedDateTimeISO(zone);
  for (let i = 0; i < 4; i++) {
    const next = at.getTimeZoneTransition("next");
    if (!next) break;
    const before = next.subtract({ nanoseconds: 1 }).offsetNanoseconds;
    if ((next.offsetNanoseconds > before) === (direction === "forward")) return next.toInstant();
    at = next;
  }
  throw new Error(`${zone} has no DST change (${direction}) ahead`);
}

/**
 * One case per weekday, at noon or a minute either side of midnight in the kitchen's zone. Kitchen
 * and process zones are mixed so that the kitchen's date, the UTC date and the process's local
 * date differ in many cases (Kiritimati is UTC+14, Pago Pago UTC−11).
 */
const WEEKDAY_CASES: readonly {
  day: (typeof WEEKDAYS)[number];
  time: string;
  kitchenZone: string;
  tz: string;
}[] = [
  { day: "mon", time: "12:00", kitchenZone: "Europe/Berlin", tz: "UTC" },
  { day: "tue", time: "12:00", kitchenZone: "America/New_York", tz: "Pacific/Kiritimati" },
  { day: "wed", time: "23:59", kitchenZone: "Europe/Berlin", tz: "Pacific/Kiritimati" },
  { day: "thu", time: "00:01", kitchenZone: "America/New_York", tz: "Pacific/Pago_Pago" },
  { day: "fri", time: "00:01", kitchenZone: "Pacific/Kiritimati", tz: "America/New_York" },
  { day: "sat", time: "12:00", kitchenZone: "Europe/Moscow", tz: "UTC" },
  { day: "sun", time: "23:59", kitchenZone: "Pacific/Pago_Pago", tz: "Asia/Kolkata" },
];

export const CASES: readonly SweepCase[] = [
  ...WEEKDAY_CASES.map(({ day, time, kitchenZone, tz }): SweepCase => ({
    name: `${day}-${time.replace(":", "")}`,
    what: `${day} ${time}`,
    kitchenZone,
    tz,
    at: (now) =>
      nextLocal(now, kitchenZone, Temporal.PlainTime.from(time), WEEKDAYS.indexOf(day) + 1),
  })),
  {
    name: "month-end",
    what: "23:59 on the last day of a month (already the next month in UTC)",
    kitchenZone: "America/New_York",
    tz: "UTC",
    at: (now) => nextMonthEnd(now, "America/New_York"),
  },
  {
    name: "new-years-eve",
    what: "31 December 23:59",
    kitchenZone: "Asia/Tokyo",
    tz: "America/New_York",
    at: (now) => nextNewYearsEve(now, "Asia/Tokyo"),
  },
  {
    name: "berlin-spring-forward",
    what: "a minute before 02:00 jumps to 03:00",
    kitchenZone: "Europe/Berlin",
    tz: "UTC",
    at: (now) => nextDstChange(now, "Europe/Berlin", "forward").subtract({ minutes: 1 }),
  },
  {
    name: "new-york-fall-back",
    what: "a minute before 02:00 falls back to 01:00",
    kitchenZone: "America/New_York",
    tz: "Asia/Kolkata",
    at: (now) => nextDstChange(now, "America/New_York", "back").subtract({ minutes: 1 }),
  },
];

interface Outcome {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  return await new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped", stderr: "piped" })
    .output();
}

async function runCase(c: SweepCase, files: readonly string[]): Promise<Outcome> {
  const realNow = Temporal.Now.instant();
  const at = c.at(realNow);
  const aheadMs = at.epochMilliseconds - realNow.epochMilliseconds;
  const local = at.toZonedDateTimeISO(c.kitchenZone);
  const label = `${c.name}: ${local.toPlainDateTime().toString().slice(0, 16)} ${c.kitchenZone} ` +
    `(${c.what}; ${local.dayOfWeek === 7 ? "sun" : WEEKDAYS[local.dayOfWeek - 1]}), TZ=${c.tz}`;
  const started = performance.now();
  const out = await run("faketime", [
    `@${Math.floor(at.epochMilliseconds / 1000)}`,
    Deno.execPath(),
    "test",
    "-A",
    "--no-check", // the suite's type check covers these files
    "--parallel",
    ...files,
  ], {
    TZ: c.tz,
    OVENLINE_TEST_KITCHEN_ZONE: c.kitchenZone,
    OVENLINE_TEST_CLOCK_AHEAD_MS: String(aheadMs),
    NO_COLOR: "1",
  });
  const seconds = (performance.now() - started) / 1000;
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  await Deno.writeTextFile(`${LOG_DIR}/${c.name}.log`, `${label}\n\n${text}`);
  const summary = text.split("\n").findLast((l) => /^(ok|FAILED) \| /.test(l)) ?? "no summary";
  console.log(`${out.success ? "ok  " : "FAIL"} ${label} — ${summary} [${seconds.toFixed(1)} s]`);
  if (!out.success) {
    const at = text.lastIndexOf(" FAILURES ");
    const lines = at >= 0 ? text.slice(at).split("\n").slice(0, 20) : text.split("\n").slice(-15);
    console.log(lines.map((l) => `     ${l}`).join("\n"));
    console.log(`     log: .artifacts/clock_sweep/${c.name}.log`);
  }
  return { name: c.name, ok: out.success, seconds };
}

/** Starts the test kube-apiserver with real time unless it runs; returns whether it did. */
async function ensureKubeApi(): Promise<boolean> {
  const script = `${ROOT}scripts/k8s/apiserver.sh`;
  if ((await run("bash", [script, "status"])).success) return false;
  const out = await run("bash", [script, "start"]);
  if (!out.success) {
    throw new Error(`apiserver.sh start failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return true;
}

async function main(args: string[]): Promise<number> {
  if (Deno.env.get("FAKETIME") !== undefined) {
    throw new Error("the sweep must run with the real clock (FAKETIME is set)");
  }
  if (args.includes("--list")) {
    const now = Temporal.Now.instant();
    for (const c of CASES) {
      console.log(
        `${c.name.padEnd(22)} ${c.at(now).toZonedDateTimeISO(c.kitchenZone)}  TZ=${c.tz}`,
      );
    }
    return 0;
  }
  const dash = args.indexOf("--");
  const files = dash >= 0 ? args.slice(dash + 1) : SWEPT_TESTS;
  const options = dash >= 0 ? args.slice(0, dash) : args;
  const only = options.flatMap((a, i) => (a === "--case" ? [options[i + 1]] : []));
  const unknown = only.filter((name) => !CASES.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(", ")} (--list names them)`);
  const cases = only.length > 0 ? CASES.filter((c) => only.includes(c.name)) : CASES;
  if (!(await run("faketime", ["@0", "true"]).catch(() => undefined))?.success) {
    throw new Error("faketime is missing: bash scripts/system_packages.sh installs it");
  }

  await Deno.mkdir(LOG_DIR, { recursive: true });
  const startedKube = await ensureKubeApi();
  const started = performance.now();
  const outcomes: Outcome[] = [];
  try {
    for (const c of cases) outcomes.push(await runCase(c, files));
  } finally {
    if (startedKube) await run("bash", [`${ROOT}scripts/k8s/apiserver.sh`, "stop"]);
  }
  const passed = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.length - passed;
  const minutes = (performance.now() - started) / 60_000;
  console.log(`clock sweep: ${passed} passed, ${failed} failed (${minutes.toFixed(1)} min)`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
