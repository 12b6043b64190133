#!/usr/bin/env bash
# Reproduces every figure in docs/benchmarks.md (release builds). Run on a quiet machine.
#   benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== machine"; nproc; uname -r; swift --version 2>&1 | head -1; date -u
echo "== codec: uninstrumented timing loop (ns/op, 2,000,000 iterations, includes set-up)"
swift build -c release --package-path benchmarks --product CodecProbe >/dev/null
P="$(swift build -c release --package-path benchmarks --show-bin-path)/CodecProbe"
for op in decode typed encode encode-built writer milenage; do "$P" "$op" 2000000; done
echo "== codec: allocations per operation (LD_PRELOAD malloc counter)"
benchmarks/count-allocs.sh
echo "== codec: ordo-one/benchmark distributions (wall clock percentiles; its malloc interposer adds overhead)"
swift package --package-path benchmarks benchmark --format markdown 2>/dev/null | grep -E "^#|Time \(wall|Malloc|^\|  *Metric" || true
echo "== MAR handler: decode -> procedure (Milenage) -> encode; through the shard actors; in parallel"
swift build -c release --package-path benchmarks --product MARProbe >/dev/null
M="$(swift build -c release --package-path benchmarks --show-bin-path)/MARProbe"
"$M" handler 300000; "$M" shard 200000; "$M" parallel 400000 8
echo "== storage: 1,000,000 subscribers in LMDB (bulk load, open, durable SAR, MAR cold and warm)"
swift build -c release --package-path benchmarks --product StorageProbe >/dev/null
S="$(swift build -c release --package-path benchmarks --show-bin-path)/StorageProbe"
D="$(mktemp -d /tmp/hss-scale.XXXXXX)"
"$S" bulk 1000000 "$D/db"; "$S" open "$D/db"; "$S" sar 100000 "$D/db" 64 200000; "$S" mar 200000 "$D/db" 64; "$S" mar 400000 "$D/db" 64 10000
rm -rf "$D"
echo "== peer layer: throughput against the inline NIO baseline (8 connections x 32 in flight, 5 s)"
swift build -c release --package-path benchmarks --product PeerThroughput >/dev/null
"$(swift build -c release --package-path benchmarks --show-bin-path)/PeerThroughput" 8 32 5
echo "== end to end: hss-bench against hss serve (release), each scenario with the loopback ceiling in the same run"
swift build -c release --product hss >/dev/null
swift build -c release --product hss-bench >/dev/null
B="$(swift build -c release --show-bin-path)"
benchmarks/end-to-end.sh "$B"
