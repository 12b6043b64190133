# Sourced by overload-short.sh and overload-cost.sh (not run on its own): 10,000 subscribers populated in
# $W, `start [hss serve options]` runs hss serve (release, from $B) pinned to CPU 1 with one I/O thread on
# 127.0.0.1:$PORT and waits for its port, `stop` ends it, `bench [hss-bench run options]` runs MAR from
# CPU 0 over 8 connections. The server logs to $W/hss.log (at LOG_LEVEL, info by default).
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000 >/dev/null
HSS=""
start() {
  taskset -c 1 "$B/hss" serve "$@" --data-dir "$W/10k" --map-size 16384 --origin-realm bench.test --listen "127.0.0.1:$PORT" \
    --io-threads 1 --api off --log-level "${LOG_LEVEL:-info}" >>"$W/hss.log" 2>&1 &
  HSS=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "hss did not start"; cat "$W/hss.log"; exit 1
}
stop() { kill "$HSS"; wait "$HSS" 2>/dev/null; HSS=""; }
bench() { taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --connections 8 --scenario mar "$@"; }
