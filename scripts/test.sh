#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, brings the
# local infrastructure up, runs the gates (format, lint, type check) and every
# test, and ends with one line "N passed, N failed" for the whole run. Infrastructure it started is
# stopped again at the end (OVENLINE_KEEP_INFRA=1 keeps it); a stack that was already up stays up.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

source scripts/tools.sh
bash scripts/system_packages.sh
# Stop at the end whatever this run started; a stack that was already up (a developer's) stays up.
infra_was_up=true
for service in postgres redis kafka; do
  bash scripts/infra/ctl.sh "$service" status >/dev/null 2>&1 || infra_was_up=false
done
if [ "$infra_was_up" = false ] && [ "${OVENLINE_KEEP_INFRA:-}" != 1 ]; then
  trap 'bash scripts/infra/down.sh >/dev/null 2>&1 || true' EXIT
fi
bash scripts/infra/up.sh || { echo "infrastructure failed to start"; echo "0 passed, 1 failed"; exit 1; }
set -a && source .infra/env && set +a
export NO_COLOR=1 KAFKAJS_NO_PARTITIONER_WARNING=1
mkdir -p .artifacts

passed=0
failed=0
failed_gates=""
gate() { # one pass/fail per gate
  local name="$1"; shift
  if "$@" >".artifacts/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "gate $name: ok"
  else
    failed=$((failed + 1)); echo "gate $name: FAILED"; tail -40 ".artifacts/$name.log"
    failed_gates+=" $name"
  fi
}
gate fmt deno fmt --check
gate lint deno lint
gate typecheck deno task check

deno install --quiet >/dev/null 2>&1 || true
deno test -A --junit-path=.artifacts/junit.xml "$@" 2>&1 | tee .artifacts/test.log
# "ok | 120 passed (31 steps) | 0 failed (2 steps) (3m)": tests and their steps both count.
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' .artifacts/test.log | tail -1)
if [ -z "$summary" ]; then
  echo "deno test ended without a summary (crashed?)"
  failed=$((failed + 1))
else
  count() { # count <passed|failed>: tests plus steps of that kind
    local n steps
    n=$(grep -oE "[0-9]+ $1( \([0-9]+ steps?\))?" <<<"$summary" | head -1)
    steps=$(grep -oE '\(([0-9]+) steps?\)' <<<"$n" | grep -oE '[0-9]+' || true)
    echo $(( ${n%% *} + ${steps:-0} ))
  }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed)))
fi

# The clock sweep (scripts/clock_sweep.ts): the date-sensitive tests again with the clock set to
# each weekday, both sides of midnight, a month's and a year's end and DST changes (faketime). One
# check per instant. Skipped when only some tests were asked for.
if [ $# -eq 0 ]; then
  deno run -A scripts/clock_sweep.ts 2>&1 | tee .artifacts/clock_sweep.log
  sweep=$(grep -E '^clock sweep: [0-9]+ passed, [0-9]+ failed' .artifacts/clock_sweep.log | tail -1)
  if [ -z "$sweep" ]; then
    echo "the clock sweep ended without a summary (crashed?)"
    failed=$((failed + 1))
  else
    passed=$((passed + $(sed -E 's/^clock sweep: ([0-9]+) passed.*/\1/' <<<"$sweep")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$sweep")))
  fi
fi

# The failures again, right above the totals, so the end of CI's output says what failed and why.
list_failures() {
  local name
  for name in $failed_gates; do
    echo "failed gate $name (.artifacts/$name.log ends):"
    tail -5 ".artifacts/$name.log" | sed 's/^/    /'
  done
  grep -q '^ ERRORS $' .artifacts/test.log || return 0
  echo "failed tests (details in .artifacts/test.log):"
  # Each failure in Deno's ERRORS section: "NAME => FILE:LINE:COL", then its error. Stack frames
  # are dropped; of the rest, the first lines (the error) and the last ones (the end of a failed
  # command's output, which says why) are kept.
  sed -n '/^ ERRORS $/,/^ FAILURES $/p' .artifacts/test.log | sed '1d;$d' | grep -vE '^\s+at ' |
    awk -v head=3 -v tail=30 '
      function flush(   i, from) {
        if (n == 0) return
        from = n - tail + 1; if (from <= head) from = head + 1
        for (i = 1; i <= n && i <= head; i++) print "    " lines[i]
        if (from > head + 1) print "    ..."
        for (i = from; i <= n; i++) print "    " lines[i]
        n = 0
      }
      / => \.\/.*:[0-9]+:[0-9]+$/ { flush(); print "  " $0; next }
      NF { lines[++n] = $0 }
      END { flush() }'
}
[ "$failed" -eq 0 ] || list_failures

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
