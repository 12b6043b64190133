#!/usr/bin/env bash
# The "short runs" of docs/benchmarks.md "Stale requests shed": one 2x phase with DOIC clients, about a
# minute, to alternate builds or settings. hss serve (release) on CPU 1 with one I/O thread, hss-bench on
# CPU 0, MAR, 10,000 subscribers: the closed-loop capacity for 8 s without overload control; the server
# restarted with it (settings through HSS_CONFIG); the 45% warm-up with DOIC; then open loop at twice the
# capacity with DOIC clients (5 s warm-up, 20 s measured), its admitted rate as a share of the capacity;
# then the closed-loop capacity once more (the server restarted without overload control), and the share
# against the mean of the two: on a shared host the capacity moves by up to a fifth within minutes
# (docs/benchmarks.md "Capacity measured twice"), and a share against one measurement moves with it.
#   benchmarks/overload-short.sh BIN-DIR [label]
# LOG_LEVEL=trace logs every controller sample; PERF=1 also records `perf` (cpu-clock and sched_switch on
# CPU 1, CLOCK_MONOTONIC) during the 2x phase into /tmp/perf-LABEL.data. The server's log is kept as
# /tmp/overload-short-LABEL.log.
set -uo pipefail
B=$1; L=${2:-run}
W=$(mktemp -d /tmp/overload-short.XXXXXX); PORT=23886
. "$(dirname "$0")/pinned-mar.sh"
trap '[ -n "$HSS" ] && stop; cp "$W/hss.log" "/tmp/overload-short-$L.log"; rm -rf "$W"' EXIT
closed() { bench --window 32 --duration 8 --warmup 2 --json | python3 -c "import json,sys; print(int(json.load(sys.stdin)['results'][0]['throughput']))"; }
start --no-overload-control
CAP=$(closed)
stop
echo "$L closed $CAP"
start
bench --window 512 --duration 10 --warmup 1 --rate $((CAP * 45 / 100)) --doic >/dev/null
if [ -n "${PERF:-}" ]; then
  perf record -o "/tmp/perf-$L.data" -k CLOCK_MONOTONIC -e cpu-clock -F 2000 -e sched:sched_switch -C 1 -g -- sleep 26 >"/tmp/perf-$L.out" 2>&1 &
fi
bench --window 512 --duration 20 --warmup 5 --rate $((CAP * 2)) --doic | grep -E "hss |generator|offered" >"$W/over.txt"
stop
start --no-overload-control
AFTER=$(closed)
awk -v c="$CAP" -v a="$AFTER" -v l="$L" '{ print l " doic " $0 } $1 == "hss" {
  printf "%s closed loop after %d (%+.1f%%)\n", l, a, 100 * (a - c) / c
  printf "%s doic share %.1f%% (%.1f%% of the capacity after, %.1f%% of the mean)\n", l, 100 * $2 / c, 100 * $2 / a, 200 * $2 / (c + a) }' "$W/over.txt"
