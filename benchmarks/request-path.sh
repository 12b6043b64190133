#!/usr/bin/env bash
# The request-path figures of docs/benchmarks.md ("Request path"): hss-bench against `hss serve --data-dir`
# (release builds, 10,000 subscribers, durable LMDB), generator and HSS on this machine.
#   benchmarks/request-path.sh [bin-dir]
# 1. One core: hss pinned to CPU 1 (one I/O thread), hss-bench pinned to CPU 0, closed-loop MAR: the
#    server's one-core maximum, its CPU time per answer (/proc/PID/stat) and its pthread_mutex_lock calls
#    per answer (benchmarks/tools/mutex-count.so preloaded into the server).
# 2. Tail: open-loop MAR at half of that maximum, same pinning: p99 / p99.9.
# 3. Shared cores: nothing pinned, one generator thread, MAR against the HSS and against the loopback
#    ceiling in the same run (`--ceiling`).
# 4. SAR and the registration mix, one core as in 1.
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-$(swift build -c release --show-bin-path)}"
W="$(mktemp -d /tmp/hss-path.XXXXXX)"
PORT=23870
HSS=""
trap '[ -n "$HSS" ] && kill $HSS 2>/dev/null; rm -rf "$W"' EXIT
gcc -O2 -shared -fPIC -o "$W/mutex-count.so" benchmarks/tools/mutex-count.c -ldl
COUNT="$W/locks"
start_hss() { # taskset-cpus io-threads
  MUTEX_COUNT_FILE="$COUNT" LD_PRELOAD="$W/mutex-count.so" taskset -c "$1" "$B/hss" serve --no-overload-control --data-dir "$W/10k" --map-size 16384 \
    --origin-realm bench.test --listen "127.0.0.1:$PORT" --io-threads "$2" --log-level warning >"$W/hss.log" 2>&1 &
  HSS=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "hss did not start"; cat "$W/hss.log"; exit 1
}
stop_hss() { kill "$HSS"; wait "$HSS" 2>/dev/null || true; HSS=""; }
bench() { "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --mutex-count-file "$COUNT" "$@"; }

echo "== machine"; nproc; uname -r; date -u; git log -1 --format='%h %s' | cut -c1-100
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000 >/dev/null
echo "== 1. one core: hss on CPU 1 (1 I/O thread), generator on CPU 0, closed-loop MAR"
start_hss 1 1
out=$(taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --mutex-count-file "$COUNT" \
  --scenario mar --connections 8 --window 32 --duration 10 --warmup 2)
echo "$out"
max=$(echo "$out" | awk '/^  hss/ {print int($2)}')
echo "== 2. tail: open-loop MAR at half of that ($((max / 2))/s), same pinning"
taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --scenario mar --connections 8 --window 64 --duration 10 --rate $((max / 2))
echo "== 4. SAR and the registration mix, same pinning"
taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --scenario sar --connections 8 --window 32 --duration 5
taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --scenario mix --connections 8 --window 32 --duration 5
stop_hss
echo "== 3. shared cores: nothing pinned, one generator thread, MAR against the HSS and the ceiling"
start_hss 0,1 2
bench --scenario mar --connections 8 --window 32 --duration 10 --warmup 2 --ceiling --ceiling-port $((PORT + 1))
stop_hss
