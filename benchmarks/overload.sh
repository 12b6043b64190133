#!/usr/bin/env bash
# Overload control figures of docs/benchmarks.md ("Overload"): hss serve (release, durable LMDB, 10,000
# subscribers) pinned to CPU 1 with one I/O thread, hss-bench on CPU 0, SAR (a durable write: the LMDB
# writer and the event loop share the core). First without overload control: closed-loop capacity and the
# open-loop latency at 70% of it (the normal bound), after a 10 s warm-up at 45% (every subscriber's first
# registration is done by then). Then with it (the default): the same warm-up, and open
# loop at 2x the capacity, once as a DOIC reacting node (--doic: OC-Supported-Features, the reported
# reduction applied with the loss algorithm) and once without (the HSS throttles those itself, 3004).
# Between the two, the open-loop capacity is searched (no overload control, 5% steps from 70% of the
# closed-loop capacity: the highest rate answered in full with p99 <= 10 ms), and each 2x run reports what
# it admitted against both capacities.
#   benchmarks/overload.sh [bin-dir]
# SCENARIO=mar runs MAR instead of SAR (the in-memory path, no fsync). HSS_CPU=0.5 caps the server at that
# share of its core (cgroup v1 cpu controller, at least 0.5: root needed), so that one generator core can
# offer twice the capacity of a fast scenario; the period is 10 ms (HSS_PERIOD_US), with which the capped
# server's tail rose with the load in three runs of four (with 2 ms it ranged 1.6-79 ms at one rate:
# docs/benchmarks.md). KEEP_LOG=file keeps the server's log (the controller's decisions).
# QUICK=1 skips the normal bound and the open-loop search (about 1.5 minutes instead of 3.5; the 2x runs
# then report against the closed-loop capacity only).
# At the end the closed-loop capacity is measured once more (the server restarted without overload control)
# and each 2x run is also reported against the mean of the two closed-loop measurements: on a shared host
# the capacity moves by up to a fifth within minutes (docs/benchmarks.md "Capacity measured twice").
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-$(swift build -c release --show-bin-path)}"
W="$(mktemp -d /tmp/hss-overload.XXXXXX)"
PORT=23884
HSS=""
# The server is waited for: a run started right after would otherwise find its port still served.
trap '[ -n "$HSS" ] && { kill $HSS 2>/dev/null; wait $HSS 2>/dev/null; }; rm -rf "$W"' EXIT
start_hss() {
  taskset -c 1 "$B/hss" serve "$@" --data-dir "$W/10k" --map-size 16384 --origin-realm bench.test --listen "127.0.0.1:$PORT" \
    --io-threads 1 --api off --log-level info >"$W/hss.log" 2>&1 &
  HSS=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "hss did not start"; cat "$W/hss.log"; exit 1
}
SCENARIO="${SCENARIO:-sar}"
CG=/sys/fs/cgroup/cpu/hss-overload
if [ -n "${HSS_CPU:-}" ]; then
  mkdir -p "$CG"
  PERIOD="${HSS_PERIOD_US:-10000}"
  echo "$PERIOD" >"$CG/cpu.cfs_period_us"
  echo "$(awk -v c="$HSS_CPU" -v p="$PERIOD" 'BEGIN { printf "%d", p * c }')" >"$CG/cpu.cfs_quota_us"
  # The cgroup can go only once the server has exited.
  trap '[ -n "$HSS" ] && { kill $HSS 2>/dev/null; wait $HSS 2>/dev/null; }; rm -rf "$W"; rmdir "$CG" 2>/dev/null || true' EXIT
  _start_hss() { start_hss "$@"; echo "$HSS" >"$CG/cgroup.procs"; for t in /proc/$HSS/task/*; do echo "${t##*/}" >"$CG/tasks" 2>/dev/null || true; done; }
else
  _start_hss() { start_hss "$@"; }
fi
stop_hss() { kill "$HSS"; wait "$HSS" 2>/dev/null || true; HSS=""; }
bench() { taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --connections 8 --scenario "$SCENARIO" "$@"; }

echo "== machine"; nproc; uname -r; date -u; git log -1 --format='%h %s' | cut -c1-100
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000 >/dev/null
_start_hss --no-overload-control
echo "== scenario $SCENARIO${HSS_CPU:+, server capped at $HSS_CPU CPU}"
echo "== capacity: closed loop, no overload control"
bench --window 32 --duration 8 --warmup 2 --server-pid "$HSS" --json >"$W/capacity.json"
CAP=$(python3 -c "import json,sys; print(int(json.load(open('$W/capacity.json'))['results'][0]['throughput']))")
echo "capacity $CAP $SCENARIO/s (closed loop: 32 outstanding per connection, requests come in batches)"
EST=0; OPEN=0
if [ -z "${QUICK:-}" ]; then
bench --window 512 --duration 10 --warmup 1 --rate $((CAP * 45 / 100)) >/dev/null || true
echo "== normal bound: open loop at 70% of capacity, no overload control"
bench --window 512 --duration 15 --warmup 3 --rate $((CAP * 7 / 10)) --server-pid "$HSS" --json >"$W/normal.json"
# Open loop, requests come spread out (a read and a write for every few requests): each costs more CPU than
# in the closed loop's batches. The rate the server's CPU allows for such traffic: its CPUs over the CPU per
# answer at 70%.
python3 - "$W/normal.json" "${HSS_CPU:-1}" "$W/estimate" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
lat = r['latencyMicros']
us = r.get('serverCPUMicrosPerRequest') or 0
print(f"  {r['throughput']:.0f}/s  latency µs p50 {lat['p50']:.0f}  p99 {lat['p99']:.0f}  max {lat['max']:.0f}; server CPU {us:.2f} µs per answer")
estimate = int(float(sys.argv[2]) / us * 1e6) if us else 0
if estimate: print(f"capacity for spread-out traffic (CPU-bound): {estimate}/s")
open(sys.argv[3], 'w').write(str(estimate))
if lat['p99'] > 10000:
    print(f"note: at 70% without overload control p99 is {lat['p99'] / 1000:.1f} ms, over the 10 ms bound: the server misses it without overload in this run")
PY
EST=$(cat "$W/estimate")
# The open-loop capacity: the highest rate, in steps of 5% of the closed-loop capacity from 70% up, that the
# server answers in full (≥ 98% of offered) with p99 ≤ 10 ms, without overload control. Requests that come
# spread out, as an abating DOIC client's do, cost more than the closed loop's batches, so this is what the
# server can admit from such clients; the 2x runs below report admitted against both capacities.
OPEN=0
# A step that misses is tried once more (one burst of tail latency in 6 s decides a p99; under the CPU cap
# they come and go: docs/benchmarks.md "Where the tail comes from"): the capacity found is the rate the
# server holds when no burst comes, which makes "admitted against it" the harder test.
for pct in 70 75 80 85 90 95 100 105 110; do
  rate=$((CAP * pct / 100))
  for try in 1 2; do
    bench --window 512 --duration 6 --warmup 1 --rate "$rate" --json >"$W/step.json" 2>/dev/null || true
    ok=$(python3 -c "
import json
r = json.load(open('$W/step.json'))['results'][0]
print(1 if r['throughput'] >= 0.98 * $rate and r['latencyMicros']['p99'] <= 10000 else 0, int(r['throughput']), int(r['latencyMicros']['p99']))" 2>/dev/null || echo "0 0 0")
    echo "  open loop at $pct% ($rate/s), try $try: answered/s, p99 µs: ${ok#* }"
    [ "${ok%% *}" = 1 ] && break
  done
  [ "${ok%% *}" = 1 ] || break
  OPEN=$rate
done
echo "open-loop capacity $OPEN $SCENARIO/s"
fi
stop_hss
_start_hss
echo "== overload control on: warm-up at 45%"
bench --window 512 --duration 10 --warmup 1 --rate $((CAP * 45 / 100)) --doic >/dev/null || true
echo "== 2x capacity, DOIC reacting node"
over() {  # a 2x run (label, then hss-bench options); the admitted rate against both capacities
  local label="$1"; shift
  bench --window 512 --duration 20 --warmup 5 --rate $((CAP * 2)) --server-pid "$HSS" "$@" | tee "$W/over.txt" || true
  # For the verdict against the mean capacity, at the end.
  awk -v label="$label" '$1 == "hss" { t = $2; for (i = 1; i < NF; i++) if ($i == "p99") p99 = $(i + 1) } END { print t, p99, label }' "$W/over.txt" >>"$W/admitted"
  awk -v cap="$CAP" -v open="$OPEN" -v est="$EST" -v label="$label" '$1 == "hss" { t = $2; for (i = 1; i < NF; i++) if ($i == "p99") p99 = $(i + 1) } END {
    printf "           admitted %d/s = %.0f%% of the closed-loop capacity, ", t, 100 * t / cap
    base = est; if (open > 0) base = open
    if (open > 0) printf "%.0f%% of the open-loop capacity\n", 100 * t / open
    else if (est > 0) printf "open-loop capacity not found (%.0f%% of the %d/s estimated from the CPU)\n", 100 * t / est, est
    else print "open-loop capacity not found"
    # The goal (hardening issue): admitted >= 90% of capacity, p99 <= 10 ms; capacity as the open-loop one.
    share = 0; if (base > 0) share = 100 * t / base
    what = "CPU estimate"; if (open > 0) what = "open-loop capacity"
    verdict = "not met"; if (base > 0 && t >= 0.9 * base && p99 <= 10000) verdict = "met"
    # And against the closed-loop capacity, the one the 2x offered load is computed from.
    closed = "not met"; if (t >= 0.9 * cap && p99 <= 10000) closed = "met"
    # QUICK: no open-loop capacity and no estimate; the verdict is against the closed-loop capacity only.
    if (base > 0) printf "goal %s: admitted %.0f%% of the %s, p99 %.1f ms: %s; against the closed-loop capacity (%.1f%%): %s\n", label, share, what, p99 / 1000, verdict, 100 * t / cap, closed
    else printf "goal %s: admitted %.1f%% of the closed-loop capacity, p99 %.1f ms: %s\n", label, 100 * t / cap, p99 / 1000, closed }' "$W/over.txt"
}
over "(DOIC clients)" --doic
sleep 2
echo "== 2x capacity, no DOIC (the HSS throttles)"
over "(no DOIC)"
echo "== overload log lines: $(grep -c 'overload' "$W/hss.log") (first and last)"
grep 'overload' "$W/hss.log" | sed -n '2p;$p' | cut -c1-220
[ -n "${KEEP_LOG:-}" ] && cp "$W/hss.log" "$KEEP_LOG"
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "overload.sh: the HSS logged errors"; exit 1; fi
stop_hss
_start_hss --no-overload-control
echo "== capacity again: closed loop, no overload control"
bench --window 32 --duration 8 --warmup 2 --json >"$W/capacity2.json"
CAP2=$(python3 -c "import json,sys; print(int(json.load(open('$W/capacity2.json'))['results'][0]['throughput']))")
awk -v c="$CAP" -v c2="$CAP2" 'BEGIN { printf "capacity %d/s (%+.1f%% since the first measurement); the mean %d/s\n", c2, 100 * (c2 - c) / c, (c + c2) / 2 }
  { t = $1; p99 = $2; label = $3; for (i = 4; i <= NF; i++) label = label " " $i
    m = (c + c2) / 2
    printf "goal %s against the mean closed-loop capacity: admitted %.1f%%, p99 %.1f ms: %s\n", label, 100 * t / m, p99 / 1000, (t >= 0.9 * m && p99 <= 10000) ? "met" : "not met" }' "$W/admitted"
