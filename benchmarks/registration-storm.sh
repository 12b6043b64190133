#!/usr/bin/env bash
# A registration storm (docs/benchmarks.md, "Registration storm"): after an outage every UE registers again
# at once. The first registration (UAR, MAR assigning the S-CSCF, SAR REGISTRATION) of N subscribers,
# sent to all three nodes of the loopback cluster at ack level one, then to one node alone for comparison;
# the time until the last SAA and the latency per step.
#   benchmarks/registration-storm.sh [subscribers, default 100000] [connections per node, default 4] [window, default 32]
# Release builds, durable LMDB, etcd, everything on this machine; overload control on, as deployed (a
# step answered 3004 is sent again 50 ms later, and counted), or off with OVERLOAD=off (the drain
# capacity).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA=""
[ "${OVERLOAD:-on}" = off ] && EXTRA="--no-overload-control"
N="${1:-100000}"
CONN="${2:-4}"
WIN="${3:-32}"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product hss >/dev/null
  swift build -c release --product hss-bench >/dev/null
  BIN="$PWD/.build/release"
fi
export BIN
export CLUSTER_DIR="${CLUSTER_DIR:-/tmp/hss-storm}"
C=cluster/cluster.sh
SINGLE="$CLUSTER_DIR/single"
single_pid=
cleanup() {
  [ -n "$single_pid" ] && kill "$single_pid" 2>/dev/null || true
  $C stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== 3-node cluster, ack one, $N subscribers, $CONN connections x window $WIN per node"
$C stop >/dev/null 2>&1 || true
rm -rf "$CLUSTER_DIR"
HSS_ARGS="--log-level warning $EXTRA" $C start "$N" >/dev/null
$C wait-leader 60 >/dev/null
$C converged 120 >/dev/null
"$BIN/hss-bench" storm --nodes 127.0.0.1:3871,127.0.0.1:3872,127.0.0.1:3873 --subscribers "$N" --connections "$CONN" --window "$WIN"
$C converged 120 >/dev/null
$C stop >/dev/null

echo "== one node alone, same subscribers, $((CONN * 3)) connections x window $WIN"
mkdir -p "$SINGLE"
"$BIN/hss-bench" populate --data-dir "$SINGLE/data" --count "$N" --map-size 4096 >/dev/null
"$BIN/hss" serve --data-dir "$SINGLE/data" --listen 127.0.0.1:3880 --api 127.0.0.1:8090 --api-token t \
  --origin-host hss0.bench.test --origin-realm bench.test --log-level warning $EXTRA >"$SINGLE/log" 2>&1 &
single_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/3880) 2>/dev/null && break; sleep 0.1; done
"$BIN/hss-bench" storm --nodes 127.0.0.1:3880 --subscribers "$N" --connections $((CONN * 3)) --window "$WIN"
