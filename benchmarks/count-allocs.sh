#!/usr/bin/env bash
# Allocations per codec operation, counted by an LD_PRELOAD malloc counter (independent of the
# benchmark framework): (count at N=100000) - (count at N=0), divided by N.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --package-path benchmarks --product CodecProbe >/dev/null
gcc -O2 -shared -fPIC -o benchmarks/.build/malloc-count.so benchmarks/tools/malloc-count.c -ldl
P="$(swift build -c release --package-path benchmarks --show-bin-path)/CodecProbe"
N=100000
for op in decode typed encode encode-built writer; do
  c0=$(LD_PRELOAD=benchmarks/.build/malloc-count.so "$P" "$op" 0 2>&1 >/dev/null | sed -n 's/malloc-count: //p')
  c1=$(LD_PRELOAD=benchmarks/.build/malloc-count.so "$P" "$op" "$N" 2>&1 >/dev/null | sed -n 's/malloc-count: //p')
  python3 -c "print('%-8s %.2f allocations/op' % ('$op', ($c1 - $c0) / $N))"
done
