#!/usr/bin/env bash
# Cluster scaling with every HSS node capped by a cgroup (docs/benchmarks.md, "Cluster scaling"):
#   1. SAR (every SAR a durable write) to one capped node alone, then to the leader of the capped 3-node
#      cluster at ack one and at ack all: the replicated write rate as a share of the single node's;
#   2. MAR with 1, 2 and 3 capped nodes serving (one hss-bench per serving node, summed).
#   sudo benchmarks/cluster-scaling.sh [seconds per run, default 10] [CPU quota per node in %, default 25]
#   (BIN=DIR: measure the hss and hss-bench in DIR instead of building them; ONLY="single writes": only those parts (single, writes, mar);
#   SAR_CONNECTIONS, SAR_WINDOW: the SAR load, default 8 x 16; 1 x 1 measures one write's latency;
#   PIN=0: do not pin cores in part 1; REPEAT=N: part 1 N times, single node and cluster alternating)
# Needs root (cgroup v1 cpu controller: ../shared/notes/measuring.md) and etcd. The caps make adding a
# node add CPU, which two shared cores otherwise hide; the generators and etcd are not capped.
set -euo pipefail
cd "$(dirname "$0")/.."
D="${1:-10}"
QUOTA=$(( ${2:-25} * 100 ))  # µs per 10 ms period
CG=/sys/fs/cgroup/cpu
[ -w "$CG" ] || { echo "cluster-scaling.sh: $CG is not writable (root and cgroup v1's cpu controller needed)"; exit 1; }
if [ -z "${BIN:-}" ]; then  # BIN: the directory of other hss and hss-bench binaries to measure
  swift build -c release --product hss >/dev/null
  swift build -c release --product hss-bench >/dev/null
  BIN="$PWD/.build/release"
fi
export BIN
export CLUSTER_DIR="${CLUSTER_DIR:-/tmp/hss-cluster-scaling}"
C=cluster/cluster.sh
SUBS=10000
SINGLE="$CLUSTER_DIR/single"
single_pid=

# Each capped process gets its own group, so the caps add up with nodes. The period is 10 ms: with the
# default 100 ms, a node throttled for 75 ms of each period shows that stall in every latency figure.
cap() {
  local name="hss-scaling-$1" pid=$2
  mkdir -p "$CG/$name"
  echo 10000 >"$CG/$name/cpu.cfs_period_us"
  echo "$QUOTA" >"$CG/$name/cpu.cfs_quota_us"
  echo "$pid" >"$CG/$name/cgroup.procs"
}
# Part 1 pins cores when the machine has two or more (cgroup v1 cpuset): the node whose write rate is
# measured (the single node, or the cluster's leader) runs alone on CPU 0, the followers, etcd and the
# generator on the others. The measured node then has the same share of the same core in both runs, and the
# ratio no longer depends on how the scheduler spreads three capped nodes, etcd and the generator over two
# shared cores (which moved it between 0.56 and 0.87 from run to run).
CS=/sys/fs/cgroup/cpuset
PIN="${PIN:-1}"
[ "$(nproc)" -ge 2 ] && [ -w "$CS" ] || PIN=0
REST_CPUS="1-$(( $(nproc) - 1 ))"
pin() {  # pin NAME CPUS PID...: every thread of each PID, and threads started later, on CPUS
  local name="hss-scaling-$1" cpus=$2; shift 2
  mkdir -p "$CS/$name"
  echo "$cpus" >"$CS/$name/cpuset.cpus"
  cat "$CS/cpuset.mems" >"$CS/$name/cpuset.mems"
  for p in "$@"; do echo "$p" >"$CS/$name/cgroup.procs"; done
}
pinned() { if [ "$PIN" = 1 ]; then "$BIN/hss-bench" "$@" & pin gen "$REST_CPUS" $!; wait $!; else "$BIN/hss-bench" "$@"; fi; }
uncap_all() {
  for g in "$CG"/hss-scaling-* "$CS"/hss-scaling-*; do
    [ -d "$g" ] || continue
    while read -r p; do echo "$p" >"$(dirname "$g")/cgroup.procs" 2>/dev/null || true; done <"$g/cgroup.procs"
    rmdir "$g" 2>/dev/null || true
  done
}
cleanup() {
  [ -n "$single_pid" ] && kill "$single_pid" 2>/dev/null || true
  $C stop >/dev/null 2>&1 || true
  uncap_all
}
trap cleanup EXIT

run() { pinned run --subscribers "$SUBS" --duration "$D" --warmup "${WARMUP:-1}" "$@" 2>/dev/null | grep -E '^  hss|error' || true; }
port_of() { echo $((3870 + $1)); }
fresh_cluster() {
  $C stop >/dev/null 2>&1 || true
  uncap_all
  rm -rf "$CLUSTER_DIR"/n1 "$CLUSTER_DIR"/n2 "$CLUSTER_DIR"/n3 "$CLUSTER_DIR"/etcd
  HSS_ARGS="$1 --no-overload-control --log-level warning" $C start "$SUBS" >/dev/null
  $C wait-leader 30 >/dev/null
  $C converged 60 >/dev/null
  for n in 1 2 3; do cap "n$n" "$(cat "$CLUSTER_DIR/n$n.pid")"; done
}

part() { case " ${ONLY:-$1} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

SC="${SAR_CONNECTIONS:-8}" SW="${SAR_WINDOW:-16}"
pinning="not pinned"; [ "$PIN" = 1 ] && pinning="measured node alone on CPU 0, the rest on CPUs $REST_CPUS"
echo "== 1. SAR (durable writes), $SC connections x window $SW, nodes capped at $((QUOTA / 100))% of a CPU ($pinning)"
single() {
  rm -rf "$SINGLE"; mkdir -p "$SINGLE"
  "$BIN/hss-bench" populate --data-dir "$SINGLE/data" --count "$SUBS" --map-size 4096 >/dev/null
  "$BIN/hss" serve --data-dir "$SINGLE/data" --listen 127.0.0.1:3880 --api 127.0.0.1:8090 --api-token t \
    --origin-host hss0.bench.test --origin-realm bench.test \
    --no-overload-control --log-level warning >"$SINGLE/log" 2>&1 &
  single_pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/3880) 2>/dev/null && break; sleep 0.1; done
  cap single "$single_pid"
  [ "$PIN" = 1 ] && pin measured 0 "$single_pid"
  echo "single node:"; run --port 3880 --scenario sar --connections "$SC" --window "$SW"
  kill "$single_pid"; wait "$single_pid" 2>/dev/null || true; single_pid=
  uncap_all
}
writes() {
  local level L n
  for level in one all; do
    fresh_cluster "--ack-level $level"
    L=$($C leader)
    if [ "$PIN" = 1 ]; then
      pin measured 0 "$(cat "$CLUSTER_DIR/n$L.pid")"
      for n in 1 2 3; do [ "$n" = "$L" ] || pin rest "$REST_CPUS" "$(cat "$CLUSTER_DIR/n$n.pid")"; done
      pin rest "$REST_CPUS" "$(cat "$CLUSTER_DIR/etcd.pid")"
    fi
    echo "cluster, ack $level, to the leader n$L:"; run --port "$(port_of "$L")" --scenario sar --connections "$SC" --window "$SW"
  done
}
for _ in $(seq "${REPEAT:-1}"); do
  part single && single
  part writes && writes
done
PIN=0

part mar || exit 0
echo "== 2. MAR with 1, 2 and 3 capped nodes serving (4 connections x window 32 per serving node; 8 s warm-up:"
echo "   each node's first MAR per subscriber reserves its own SQN block, a replicated write)"
fresh_cluster "--ack-level one"
for k in 1 2 3; do
  echo "$k node(s):"
  ( for n in $(seq "$k"); do WARMUP=8 run --port "$(port_of "$n")" --scenario mar --connections 4 --window 32 & done; wait )
done
