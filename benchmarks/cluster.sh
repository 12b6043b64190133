#!/usr/bin/env bash
# Cluster figures for docs/benchmarks.md ("Cluster"): on the 3-node loopback cluster of cluster/cluster.sh
# (release builds, durable LMDB, one machine):
#   1. write throughput (SAR, each a durable replicated write) at ack level async, one and all, sent to the
#      leader and sent to a follower (forwarded);
#   2. replication lag under the registration mix, and under SAR at ack async (sampled 4 times a second
#      from hss cluster status);
#   3. MAR throughput with 1, 2 and 3 nodes serving (one hss-bench per serving node, summed).
#   benchmarks/cluster.sh [seconds per run, default 10]
# Needs etcd. Every node, etcd and the generators share this machine's cores: on 2 cores this measures
# overhead, not scaling (docs/benchmarks.md models the scaling).
set -euo pipefail
cd "$(dirname "$0")/.."
D="${1:-10}"
swift build -c release --product hss >/dev/null
swift build -c release --product hss-bench >/dev/null
export BIN="$PWD/.build/release"
export CLUSTER_DIR="${CLUSTER_DIR:-/tmp/hss-cluster-bench}"
C=cluster/cluster.sh
SUBS=10000
run() { "$BIN/hss-bench" run --subscribers "$SUBS" --duration "$D" --warmup 1 "$@" 2>/dev/null | grep -E '^  hss|error'; }
fresh() {
  $C stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_DIR"
  HSS_ARGS="$1" $C start "$SUBS" >/dev/null
  $C wait-leader 30 >/dev/null
  $C converged 30 >/dev/null
}
port_of() { echo $((3870 + $1)); }

echo "== 1. SAR (durable replicated writes), 8 connections x window 16"
for level in async one all; do
  fresh "--ack-level $level --log-level warning"
  L=$($C leader); F=$(( L % 3 + 1 ))
  echo "ack $level, to the leader n$L:"; run --port "$(port_of "$L")" --scenario sar --connections 8 --window 16
  echo "ack $level, to follower n$F (forwarded):"; run --port "$(port_of "$F")" --scenario sar --connections 8 --window 16
done

# Samples the followers' lag (leader's last sequence minus theirs) 4 times a second while $1 runs.
lag_while() {
  local samples="$CLUSTER_DIR/lag.txt"
  : >"$samples"
  ( eval "$1" ) &
  local load=$!
  sleep 1
  local end=$((SECONDS + D - 1))
  while [ $SECONDS -lt $end ]; do
    "$BIN/hss" cluster status --member n1=127.0.0.1:7101 --member n2=127.0.0.1:7102 --member n3=127.0.0.1:7103 --json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
lead = [r for r in rows if r.get("role") == "leader"]
if lead:
    for r in rows:
        if r.get("role") == "follower": print(max(0, lead[0]["last"] - r["last"]))' >>"$samples"
    sleep 0.25
  done
  wait "$load"
  python3 - "$samples" <<'EOF2'
import sys
v = sorted(int(x) for x in open(sys.argv[1]) if x.strip())
if v:
    print(f"follower lag in records over {len(v)} samples: median {v[len(v)//2]}, p90 {v[int(len(v)*0.9)]}, max {v[-1]}")
EOF2
}

echo "== 2. replication lag under the registration mix sent to all three nodes (ack one)"
fresh "--log-level warning"
lag_while 'for n in 1 2 3; do run --port "$(port_of "$n")" --scenario mix --connections 2 --window 16 & done; wait'
echo "== 2b. replication lag under SAR sent to the leader at ack async (nothing waits for the followers)"
fresh "--ack-level async --log-level warning"
L=$($C leader)
lag_while 'run --port "$(port_of "$L")" --scenario sar --connections 8 --window 16'

echo "== 3. MAR with 1, 2 and 3 nodes serving (4 connections x window 32 per serving node; 8 s warm-up:"
echo "   each node's first MAR per subscriber reserves its own SQN block, a replicated write)"
for k in 1 2 3; do
  echo "$k node(s):"
  ( for n in $(seq "$k"); do
      "$BIN/hss-bench" run --subscribers "$SUBS" --duration "$D" --warmup 8 --port "$(port_of "$n")" --scenario mar --connections 4 --window 32 2>/dev/null | grep -E '^  hss|error' &
    done; wait )
done
$C stop >/dev/null
