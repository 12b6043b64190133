#!/usr/bin/env bash
# The network-level fuzzer against a running HSS (docs/fuzzing.md, "The server over the network"): a
# 2,000-subscriber LMDB store, `hss serve` on it, then `hss-bench netfuzz` for N seconds (mutated Cx and
# S6a requests dripped in pieces, garbage, oversized lengths, answers to nothing, slow CERs, idle
# connections) while a control client's MAR is timed, and the server's RSS sampled.
#   scripts/net-fuzz.sh [seconds] [bin-dir]      (CI: 60 s with the debug build; by hand: 600 with release)
# Exit 0 = passed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-60}"
BIN="${2:-$(swift build --show-bin-path)}"
W="$(mktemp -d /tmp/net-fuzz.XXXXXX)"
PORT=13898
HSS=""
trap '[ -n "$HSS" ] && kill $HSS 2>/dev/null; rm -rf "$W"' EXIT
"$BIN/hss-bench" populate --data-dir "$W/db" --count 2000 --map-size 1024 >/dev/null
"$BIN/hss" serve --data-dir "$W/db" --map-size 1024 --origin-realm bench.test --listen "127.0.0.1:$PORT" --api off --log-level warning \
  >"$W/hss.log" 2>&1 &
HSS=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
STATUS=0
"$BIN/hss-bench" netfuzz --port "$PORT" --duration "$SECONDS_TO_RUN" --server-pid "$HSS" ${NETFUZZ_ARGS:-} || STATUS=$?
kill -0 "$HSS" 2>/dev/null || { echo "net-fuzz: the HSS is gone"; tail -20 "$W/hss.log"; STATUS=1; }
if grep -E ' (error|critical) |Fatal error|Segmentation' "$W/hss.log"; then echo "net-fuzz: the HSS logged errors"; STATUS=1; fi
echo "net-fuzz: HSS log lines by level: $(grep -oE ' (trace|debug|info|notice|warning|error|critical) ' "$W/hss.log" | sort | uniq -c | tr '\n' ' ')"
exit "$STATUS"
