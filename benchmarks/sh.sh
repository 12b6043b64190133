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
. benchmarks/pinned.sh
start_hss --config docs/examples/hss-bench-sh.yaml
for round in 1 2; do
  echo "== round $round: MAR vs UDR (reads)"
  bench --scenario mar --duration "$SECONDS_PER_RUN" --warmup 1
  bench --scenario udr --duration "$SECONDS_PER_RUN" --warmup 1
  echo "== round $round: SAR vs sh-mix (writes: 5 of 17)"
  bench --scenario sar --duration "$SECONDS_PER_RUN" --warmup 1
  bench --scenario sh-mix --duration "$SECONDS_PER_RUN" --warmup 1
done
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "sh.sh: the HSS logged errors"; exit 1; fi
