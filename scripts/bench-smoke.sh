#!/usr/bin/env bash
# CI smoke run of the load generator (benchmarks, not tests: no figure is judged here). Checks that
# hss-bench works end to end and that every answer of every scenario (Cx and S6a) is correct (hss-bench exits 1 on any
# wrong answer): a 2,000-subscriber LMDB store, Sh permitted to the generator (docs/examples/hss-bench-sh.yaml), `hss serve` on it, a registration storm, 2 s of each scenario, the
# ceiling once.
#   scripts/bench-smoke.sh [bin-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build --show-bin-path)}"
W="$(mktemp -d /tmp/bench-smoke.XXXXXX)"
PORT=13888
trap 'kill $HSS 2>/dev/null || true; rm -rf "$W"' EXIT
"$BIN/hss-bench" populate --data-dir "$W/db" --count 2000 --map-size 1024
"$BIN/hss" serve --config docs/examples/hss-bench-sh.yaml --no-overload-control --data-dir "$W/db" --map-size 1024 --origin-realm bench.test --listen "127.0.0.1:$PORT" --log-level warning >"$W/hss.log" 2>&1 &
HSS=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
# First, while nobody is registered: the registration storm (UAR, MAR, SAR once per subscriber).
"$BIN/hss-bench" storm --nodes "127.0.0.1:$PORT" --subscribers 2000 --connections 2 --window 8
for s in mar uar sar lir mix air ulr attach udr sh-mix; do
  "$BIN/hss-bench" run --port "$PORT" --scenario "$s" --subscribers 2000 --connections 2 --window 8 --duration 2 --warmup 0.2
done
"$BIN/hss-bench" run --port "$PORT" --scenario mar --vectors 3 --subscribers 2000 --connections 2 --window 8 --duration 1 --warmup 0.2
"$BIN/hss-bench" run --port "$PORT" --scenario mix --rate 2000 --subscribers 2000 --connections 2 --window 8 --duration 2 --warmup 0.2 \
  --ceiling --ceiling-port $((PORT + 1)) --json > "$W/mix.json"
grep -q '"ratioToCeiling"' "$W/mix.json"
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "bench-smoke: the HSS logged errors"; exit 1; fi
echo "bench-smoke: PASSED"
