#!/usr/bin/env bash
# Instructions per MAR inside `hss serve`, end to end over TCP (user space), by callgrind:
#   benchmarks/callgrind-mar.sh [hss-binary]       (default: the release build's)
# The server runs under valgrind with one I/O thread; hss-bench (release, outside valgrind) sends MARs at a
# low fixed rate (300/s, 2 connections) for 8 s and then for 16 s after the same warm-up (which makes each
# subscriber's first, writing MAR); the counters are zeroed before and dumped after each run, and
# (I(2N) − I(N)) / (2N − N) is the cost of one MAR with the fixed costs taken out. valgrind 3.19 gives up on
# the release binary's debug info, so a `strip --strip-debug` copy runs (function names stay), with
# benchmarks/tools/sigsuspend-shim.c preloaded (valgrind crashed in libdispatch's sigsuspend without it).
# REFUSED=1 measures a refusal instead: every peer limited to 1 request/s (diameter.maxRequestsPerSecond), so
# nearly every MAR is answered 3004, and the cost is per refused request (the overload throttle's path).
set -euo pipefail
cd "$(dirname "$0")/.."
B="$(swift build -c release --show-bin-path)"
HSS="${1:-$B/hss}"
PORT=23890
W="$(mktemp -d /tmp/hss-cg.XXXXXX)"
V=""
trap '[ -n "$V" ] && kill $V 2>/dev/null; rm -rf "$W"' EXIT
gcc -O2 -shared -fPIC -o "$W/sigshim.so" benchmarks/tools/sigsuspend-shim.c
cp "$HSS" "$W/hss" && strip --strip-debug "$W/hss"
"$B/hss-bench" populate --data-dir "$W/db" --count 10000 >/dev/null
CONFIG=()
FIELD=completed
if [ -n "${REFUSED:-}" ]; then
  printf 'diameter:\n  maxRequestsPerSecond: 1\n' >"$W/refuse.yaml"
  CONFIG=(--config "$W/refuse.yaml")
  FIELD=rejected
fi
LD_PRELOAD="$W/sigshim.so" valgrind --tool=callgrind --callgrind-out-file="$W/cg.out.%p" "$W/hss" serve "${CONFIG[@]}" --no-overload-control --data-dir "$W/db" \
  --origin-realm bench.test --listen "127.0.0.1:$PORT" --io-threads 1 --log-level warning >"$W/log" 2>&1 &
V=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.5; done
run() {
  "$B/hss-bench" run --port "$PORT" --subscribers 2000 --scenario mar --connections 2 --window 8 --rate "$1" --duration "$2" \
    --warmup 0.5 --json | python3 -c "import json,sys; print(json.load(sys.stdin)['results'][0]['$FIELD'])"
}
total() { callgrind_annotate "$(ls -t "$W"/cg.out.* | head -1)" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | tr -d ',' | awk '{print $1}'; }
run 400 8 >/dev/null
callgrind_control -z "$V" >/dev/null
n1=$(run 300 8); callgrind_control -d "$V" >/dev/null; sleep 1; i1=$(total)
callgrind_control -z "$V" >/dev/null
n2=$(run 300 16); callgrind_control -d "$V" >/dev/null; sleep 1; i2=$(total)
cp "$(ls -t "$W"/cg.out.* | head -1)" /tmp/hss-callgrind-mar.out
python3 -c "n1,n2,i1,i2=$n1,$n2,$i1,$i2; print(f'{n1} MARs ($FIELD): {i1} instructions; {n2} MARs: {i2}; per MAR: {(i2-i1)/(n2-n1):,.0f}')"
echo "profile of the longer run: /tmp/hss-callgrind-mar.out (callgrind_annotate --inclusive=yes)"
