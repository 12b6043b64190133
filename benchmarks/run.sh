#!/usr/bin/env bash
# Reproduces every figure in docs/benchmarks.md (release builds). Run on a quiet machine.
#   benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== machine"; nproc; uname -r; swift --version 2>&1 | head -1; date -u
echo "== codec: uninstrumented timing loop (ns/op, 2,000,000 iterations, includes set-up)"
swift build -c release --package-path benchmarks --product CodecProbe >/dev/null
P="$(swift build -c release --package-path benchmarks --show-bin-path)/CodecProbe"
for op in decode typed encode writer milenage; do "$P" "$op" 2000000; done
echo "== codec: allocations per operation (LD_PRELOAD malloc counter)"
benchmarks/count-allocs.sh
echo "== codec: ordo-one/benchmark distributions (wall clock percentiles; its malloc interposer adds overhead)"
swift package --package-path benchmarks benchmark --format markdown 2>/dev/null | grep -E "^#|Time \(wall|Malloc|^\|  *Metric" || true
echo "== MAR handler: decode -> procedure (Milenage) -> encode; through the shard actors; in parallel"
swift build -c release --package-path benchmarks --product MARProbe >/dev/null
M="$(swift build -c release --package-path benchmarks --show-bin-path)/MARProbe"
"$M" handler 300000; "$M" shard 200000; "$M" parallel 400000 8
echo "== peer layer: throughput against the inline NIO baseline (8 connections x 32 in flight, 5 s)"
swift build -c release --package-path benchmarks --product PeerThroughput >/dev/null
"$(swift build -c release --package-path benchmarks --show-bin-path)/PeerThroughput" 8 32 5
