#!/usr/bin/env bash
# The end-to-end figures of docs/benchmarks.md: hss-bench against `hss serve --data-dir` (release builds),
# generator and HSS on this machine, the loopback ceiling measured in the same run.
#   benchmarks/end-to-end.sh [bin-dir]      (benchmarks/run.sh calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-$(swift build -c release --show-bin-path)}"
W="$(mktemp -d /tmp/hss-e2e.XXXXXX)"
PORT=23868
HSS=""
trap '[ -n "$HSS" ] && kill $HSS 2>/dev/null; rm -rf "$W"' EXIT
start_hss() { # data dir
  "$B/hss" serve --no-overload-control --data-dir "$1" --map-size 16384 --origin-realm bench.test --listen "127.0.0.1:$PORT" --log-level warning >"$W/hss.log" 2>&1 &
  HSS=$!
  sleep 1
}
stop_hss() { kill "$HSS"; wait "$HSS" 2>/dev/null || true; HSS=""; }
run() { "$B/hss-bench" run --port "$PORT" --ceiling --ceiling-port $((PORT + 1)) "$@"; }

echo "== machine"; nproc; uname -r; date -u
echo "== population: 10,000 subscribers"
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000
start_hss "$W/10k"
echo "== MAR (AKA, 1 vector), closed loop: maximum throughput"
run --scenario mar --subscribers 10000 --connections 8 --window 32 --duration 10
echo "== MAR (AKA, 5 vectors)"
run --scenario mar --vectors 5 --subscribers 10000 --connections 8 --window 32 --duration 5
echo "== UAR, LIR, SAR (every SAR a durable state change)"
run --scenario uar --subscribers 10000 --connections 8 --window 32 --duration 5
run --scenario lir --subscribers 10000 --connections 8 --window 32 --duration 5
run --scenario sar --subscribers 10000 --connections 8 --window 32 --duration 5
echo "== registration mix (durable LMDB commits)"
run --scenario mix --subscribers 10000 --connections 8 --window 32 --duration 10
stop_hss
echo "== MAR latency at fixed rates (open loop; latency from the intended send time)"
start_hss "$W/10k"
for r in 10000 20000 30000; do
  "$B/hss-bench" run --port "$PORT" --scenario mar --subscribers 10000 --connections 8 --window 64 --duration 10 --rate "$r"
done
stop_hss
echo "== population: 1,000,000 subscribers"
"$B/hss-bench" populate --data-dir "$W/1m" --count 1000000
start_hss "$W/1m"
echo "== 1,000,000 provisioned, the same 10,000 active as above (flatness)"
run --scenario mar --subscribers 10000 --connections 8 --window 32 --duration 10
run --scenario mix --subscribers 10000 --connections 8 --window 32 --duration 10
echo "== 1,000,000 provisioned and all active (random, cold: each first MAR after start writes its S-CSCF and SQN reservation)"
run --scenario mar --subscribers 1000000 --connections 8 --window 32 --duration 10
run --scenario mix --subscribers 1000000 --connections 8 --window 32 --duration 10
stop_hss
