# Sourced by benchmarks/s6a.sh and benchmarks/sh.sh: the pinned single-node setup of the request-path runs
# (hss serve on CPU 1 with one I/O thread, durable LMDB with 10,000 hss-bench subscribers; hss-bench on CPU
# 0, 8 connections x window 32, closed loop). Needs B (bin directory), W (work directory), PORT; sets HSS.
# start_hss [extra hss serve arguments]; bench [hss-bench run arguments].
HSS=""
trap '[ -n "$HSS" ] && kill $HSS 2>/dev/null; rm -rf "$W"' EXIT
start_hss() {
  taskset -c 1 "$B/hss" serve "$@" --no-overload-control --data-dir "$W/10k" --map-size 16384 --origin-realm bench.test \
    --listen "127.0.0.1:$PORT" --io-threads 1 --log-level warning >"$W/hss.log" 2>&1 &
  HSS=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "hss did not start"; cat "$W/hss.log"; exit 1
}
bench() { taskset -c 0 "$B/hss-bench" run --port "$PORT" --subscribers 10000 --server-pid "$HSS" --connections 8 --window 32 "$@"; }

echo "== machine"; nproc; uname -r; date -u; git log -1 --format='%h %s' | cut -c1-100
"$B/hss-bench" populate --data-dir "$W/10k" --count 10000 >/dev/null
