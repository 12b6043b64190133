#!/usr/bin/env bash
# The Sh figures of docs/benchmarks.md ("Sh"): hss-bench as telephony ASs against `hss serve --data-dir`
# (release builds, 10,000 subscribers, durable LMDB), pinned as benchmarks/request-path.sh pins: hss on CPU 1
# with one I/O thread, the generator on CPU 0, closed loop. `udr` (reads: IMS user state, S-CSCF name, iFCs)
# beside MAR; `sh-mix` (12 UDR, 3 PUR, 2 SNR per 17 requests; every PUR and SNR a durable write) beside SAR.
#   benchmarks/sh.sh [bin-dir] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-$(swift build -c release --show-bin-path)}"
SECONDS_PER_RUN="${2:-5}"
W="$(mktemp -d /tmp/hss-sh.XXXXXX)"
PORT=23876
HSS=""
trap '[ -n "$HSS" ] && kill $HSS 2>/dev/null; rm -rf "$W"' EXIT
start_hss() {
  taskset -c 1 "$B/hss" serve --config docs/examples/hss-bench-sh.yaml --no-overload-control --data-dir "$W/10k" --map-size 16384 --origin-realm bench.test \
    --listen "127.0.0.1:$PORT" --io-threads 1 --log-level warning >"$W/hss.log" 2>&1 &
  HSS=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "hss did not start"; cat "$W/hss.log"; exit 1
}
bench() { taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --connections 8 --window 32 "$@"; }

echo "== machine"; nproc; uname -r; date -u; git log -1 --format='%h %s' | cut -c1-100
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000 >/dev/null
start_hss
for round in 1 2; do
  echo "== round $round: MAR vs UDR (reads)"
  bench --scenario mar --duration "$SECONDS_PER_RUN" --warmup 1
  bench --scenario udr --duration "$SECONDS_PER_RUN" --warmup 1
  echo "== round $round: SAR vs sh-mix (writes: 5 of 17)"
  bench --scenario sar --duration "$SECONDS_PER_RUN" --warmup 1
  bench --scenario sh-mix --duration "$SECONDS_PER_RUN" --warmup 1
done
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "sh.sh: the HSS logged errors"; exit 1; fi
