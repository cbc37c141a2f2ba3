#!/usr/bin/env bash
# Peer comparison for escalate's business calendar: workclock (Rust, crates.io)
# and businesstimedelta (Python, PyPI) on the same inputs as benches/sla.rs.
#
#   bash benches/peers/run.sh            # from the repository root
#   MEASURE=3 bash benches/peers/run.sh  # criterion measurement seconds (default 3)
#
# Creates benches/peers/.venv (gitignored) on first use, builds
# benches/peers/workclock into benches/peers/target (gitignored), prints both
# libraries' answers next to escalate's and a table of times and ratios.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
measure="${MEASURE:-3}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "businesstimedelta==1.0.1" "pytz==2026.6" "holidays==0.109" \
    "python-dateutil==2.9.0.post0" "six==1.17.0"

echo "== escalate vs workclock (criterion, warm-up 1 s, measurement ${measure} s)"
(cd "$here/workclock" && cargo bench --quiet --bench peers -- \
    --warm-up-time 1 --measurement-time "$measure") | tee -a "$log"

echo "== businesstimedelta (timeit, best of 5)"
"$venv/bin/python" "$here/businesstimedelta_bench.py" | tee -a "$log"

echo "== summary"
"$venv/bin/python" - "$log" <<'PY'
import re
import sys

units = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
times = {}
name = None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^(peers/\S+)", line)
    if m:
        name = m.group(1)[len("peers/"):]
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", line)
    if m and name:
        times[name] = float(m.group(1)) * units[m.group(2)]
        name = None
    m = re.match(r"^RESULT (\S+) (\S+)", line)
    if m:
        times[m.group(1)] = float(m.group(2))

def fmt(ns):
    if ns is None:
        return "n/a"
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns

print("| operation | escalate | workclock | businesstimedelta | workclock / escalate | businesstimedelta / escalate |")
print("|---|---|---|---|---|---|")
for op in ("add_8h_weekend_holiday", "elapsed_one_year"):
    e = times.get("escalate/" + op)
    w = times.get("workclock/" + op)
    b = times.get("businesstimedelta/" + op)
    ratio = lambda x: "%.0fx" % (x / e) if x and e else "n/a"
    print("| %s | %s | %s | %s | %s | %s |" % (op, fmt(e), fmt(w), fmt(b), ratio(w), ratio(b)))
PY
