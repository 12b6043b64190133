#!/usr/bin/env bash
# The S6a figures of docs/benchmarks.md ("S6a"): hss-bench against `hss serve --data-dir` (release builds,
# 10,000 subscribers with EPS data, durable LMDB), pinned as benchmarks/request-path.sh pins: hss on CPU 1
# with one I/O thread, the generator on CPU 0, closed loop. Each S6a scenario runs beside the Cx one it is
# judged against: AIR (1 and 3 vectors) against MAR, ULR (every one a durable write) against SAR, and the
# attach mix (AIR, ULR, AIR, PUR per subscriber).
#   benchmarks/s6a.sh [bin-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-$(swift build -c release --show-bin-path)}"
W="$(mktemp -d /tmp/hss-s6a.XXXXXX)"
PORT=23874
. benchmarks/pinned.sh
start_hss
for round in 1 2; do
  echo "== round $round: MAR vs AIR (1 vector)"
  bench --scenario mar --duration 8 --warmup 2
  bench --scenario air --duration 8 --warmup 2
  echo "== round $round: MAR vs AIR (3 vectors)"
  bench --scenario mar --vectors 3 --duration 5 --warmup 1
  bench --scenario air --vectors 3 --duration 5 --warmup 1
  echo "== round $round: SAR vs ULR (durable writes)"
  bench --scenario sar --duration 5 --warmup 1
  bench --scenario ulr --duration 5 --warmup 1
  echo "== round $round: attach mix (AIR, ULR, AIR, PUR)"
  bench --scenario attach --duration 5 --warmup 1
done
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "s6a.sh: the HSS logged errors"; exit 1; fi
