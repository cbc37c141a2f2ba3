#!/usr/bin/env bash
# End-to-end figures of the `escalate` command (BENCHMARKS.md, "Policy
# tools"): the median wall time of RUNS runs (default 5) of each command,
# and the peak memory of one, on a simulated population of CASES cases
# (default 100,000) over 30 days under the recommended policy.
#
#   bash benches/cli/run.sh            # or: RUNS=3 CASES=10000 bash benches/cli/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CASES=${CASES:-100000}
cargo build --release --features cli --bin escalate >/dev/null 2>&1
bin=target/release/escalate
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
events="$dir/cases.jsonl"
recommended=examples/policies/recommended.toml
lax=examples/policies/email-8h.toml

# Seconds of wall time of one run of "$@" (output discarded).
once() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# The median of RUNS runs, and the peak memory (MB) of one more.
measure() {
  local name=$1
  shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do times+=("$(once "$@")"); done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  local kb
  kb=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
  printf '| %s | %.2f s | %s MB | %s |\n' "$name" "$median" "$((kb / 1024))" "$(printf '%.2f ' "${times[@]}")"
}

"$bin" simulate --policy "$recommended" --cases "$CASES" --days 30 --seed 1 --out "$events" 2>"$dir/summary"
echo "population: $(cat "$dir/summary"); $(du -h "$events" | cut -f1) of JSON lines"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo
echo "| command | median wall time | peak memory | runs (s) |"
echo "|---|---|---|---|"
measure "lint recommended.toml (guarantees table included)" "$bin" lint "$recommended"
measure "simulate --cases $CASES --days 30" "$bin" simulate --policy "$recommended" --cases "$CASES" --days 30 --seed 1 --out "$dir/again.jsonl"
measure "what-if --policy email-8h.toml --baseline recommended.toml (two policies)" "$bin" what-if --policy "$lax" --baseline "$recommended" "$events"
measure "what-if --policy email-8h.toml (against the recorded logs)" "$bin" what-if --policy "$lax" "$events"
measure "what-if ... --json --cases --html FILE" "$bin" what-if --policy "$lax" --baseline "$recommended" "$events" --json --cases --html "$dir/report.html"
measure "report (SLA attainment)" "$bin" report "$events"
