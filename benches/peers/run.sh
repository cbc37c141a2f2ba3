#!/usr/bin/env bash
# Peer comparison for escalate's business calendar: workclock (Rust, crates.io)
# and businesstimedelta (Python, PyPI) on the same inputs as benches/sla.rs.
#
#   bash benches/peers/run.sh            # from the repository root
#   MEASURE=3 bash benches/peers/run.sh  # criterion measurement seconds (default 3)
#   ROUNDS=50 bash benches/peers/run.sh  # one-shot processes timed per program (default 50)
#
# Creates benches/peers/.venv (gitignored) on first use, builds
# benches/peers/workclock into benches/peers/target (gitignored, or
# $CARGO_TARGET_DIR), prints both libraries' answers next to escalate's and a
# table of times and ratios. Every figure is a median: criterion's, the
# median of five timeit repeats for Python, and for the one-shot row the
# median wall-clock time of whole processes (build a calendar, add 8
# business hours, print, exit) run in turn by one_shot.py.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
measure="${MEASURE:-3}"
rounds="${ROUNDS:-50}"
peer_target="${CARGO_TARGET_DIR:-$here/target}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "businesstimedelta==1.0.1" "pytz==2026.6" "holidays==0.109" \
    "python-dateutil==2.9.0.post0" "six==1.17.0"

echo "== escalate vs workclock (criterion, warm-up 1 s, measurement ${measure} s)"
(cd "$here/workclock" && CARGO_TARGET_DIR="$peer_target" cargo bench --quiet --bench peers -- \
    --warm-up-time 1 --measurement-time "$measure") | tee -a "$log"

echo "== businesstimedelta (timeit, median of 5)"
"$venv/bin/python" "$here/businesstimedelta_bench.py" | tee -a "$log"

echo "== one-shot processes (median of ${rounds} runs each, run in turn)"
cargo build --quiet --release --example calendar_one_shot --manifest-path "$root/Cargo.toml"
main_target="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
(cd "$here/workclock" && CARGO_TARGET_DIR="$peer_target" cargo build --quiet --release --example one_shot)
"$venv/bin/python" "$here/one_shot.py" "$rounds" \
    "escalate=$main_target/release/examples/calendar_one_shot" \
    "workclock=$peer_target/release/examples/one_shot" \
    "businesstimedelta=$venv/bin/python $here/businesstimedelta_bench.py --one-shot" | tee -a "$log"

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
        name_ = m.group(1)
        if name_.startswith("one_shot/"):
            name_ = name_[len("one_shot/"):] + "/one_shot_process"
        times[name_] = float(m.group(2))

def fmt(ns):
    if ns is None:
        return "n/a"
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns

def ratio(x, e):
    if not x or not e:
        return "n/a"
    return "%.0fx" % (x / e) if x / e >= 10 else "%.2gx" % (x / e)

print("| operation | escalate | workclock | businesstimedelta | workclock / escalate | businesstimedelta / escalate |")
print("|---|---|---|---|---|---|")
for op in ("add_8h_weekend_holiday", "elapsed_one_year", "build", "build_then_add_8h", "one_shot_process"):
    e = times.get("escalate/" + op)
    w = times.get("workclock/" + op)
    b = times.get("businesstimedelta/" + op)
    ratio_ = lambda x: ratio(x, e)
    print("| %s | %s | %s | %s | %s | %s |" % (op, fmt(e), fmt(w), fmt(b), ratio_(w), ratio_(b)))
PY
