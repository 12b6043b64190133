#!/usr/bin/env bash
# What a MAR costs the server in the closed loop and in the 2x DOIC phase, from the kernel's accounting of
# the hss process (/proc/PID/stat user and system time, /proc/PID/io read and write system calls), not from
# a profiler: docs/benchmarks.md "Where the 2x phase's CPU goes". hss serve (release) on CPU 1 with one I/O
# thread, hss-bench on CPU 0, MAR, 10,000 subscribers, as in overload-short.sh:
# - closed loop (8 connections x window 32) without overload control: 2 s to warm the cache, then 6 s counted;
# - the server restarted with overload control, 8 s at 45% of that capacity with DOIC, then open loop at twice
#   the capacity with DOIC clients for 20 s, of which seconds 5-15 are counted. With DOIC=0 the clients of
#   the 2x phase send no OC-Supported-Features: the node throttles them itself, refusing about half (3004).
# Per answered MAR: read and write system calls, user and system CPU microseconds (clock ticks of 10 ms, so
# each figure is good to about 1%); the refusals' cost is in these figures (the 2x line says how many).
#   benchmarks/overload-cost.sh BIN-DIR [label]
# KEEP_LOG=file keeps the server's log (LOG_LEVEL=trace: every sample of the overload controller).
set -uo pipefail
B=$1; L=${2:-run}
W=$(mktemp -d /tmp/overload-cost.XXXXXX); PORT=23887
. "$(dirname "$0")/pinned-mar.sh"
trap '[ -n "$HSS" ] && stop; [ -n "${KEEP_LOG:-}" ] && cp "$W/hss.log" "$KEEP_LOG"; rm -rf "$W"' EXIT
# syscr syscw utime stime (clock ticks)
counters() { awk '/^syscr|^syscw/ {printf "%s ", $2}' "/proc/$HSS/io"; awk '{print $14, $15}' "/proc/$HSS/stat"; }
report() {  # phase, counters before, after, answered MARs, rate
  python3 - "$@" <<'EOF'
import os, sys
phase, a, z, n, rate = sys.argv[1], [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()], int(sys.argv[4]), sys.argv[5]
tick = 1e6 / os.sysconf("SC_CLK_TCK")
d = [y - x for x, y in zip(a, z)]
print(f"{phase:7} {rate:>7}/s  reads/MAR {d[0] / n:.3f}  writes/MAR {d[1] / n:.3f}  user µs/MAR {d[2] * tick / n:.2f}  system µs/MAR {d[3] * tick / n:.2f}")
EOF
}
start --no-overload-control
bench --window 32 --duration 2 --warmup 0 >/dev/null
A=$(counters)
CAP=$(bench --window 32 --duration 6 --warmup 0 --json | python3 -c "import json,sys; print(int(json.load(sys.stdin)['results'][0]['throughput']))")
Z=$(counters)
report "$L closed" "$A" "$Z" $((CAP * 6)) "$CAP"
stop
start
bench --window 512 --duration 8 --warmup 0 --rate $((CAP * 45 / 100)) --doic >/dev/null
DOIC_FLAG=--doic; [ "${DOIC:-1}" = 0 ] && DOIC_FLAG=""
bench --window 512 --duration 10 --warmup 5 --rate $((CAP * 2)) $DOIC_FLAG >"$W/over.txt" &
P=$!
sleep 5
G=$(pgrep -n -x hss-bench); GA=$(awk '{print $14 + $15}' "/proc/$G/stat")
A=$(counters); sleep 9
GZ=$(awk '{print $14 + $15}' "/proc/$G/stat"); sleep 1; Z=$(counters)
wait $P
N=$(awk '$1 == "hss" {print $2}' "$W/over.txt")
report "$L 2x" "$A" "$Z" $((N * 10)) "$N"
grep -E "hss |offered|sender" "$W/over.txt" | sed "s/^/$L /"
# The generator's own CPU (user + system) over 9 of the counted seconds: near 100% of its core, it is what limits
# the offered load, not the server.
echo "$L generator CPU $(( (GZ - GA) * 100 / $(getconf CLK_TCK) / 9 ))% of its core"
