#!/usr/bin/env bash
# Fault tests of the 3-node cluster under SAR + MAR + S6a AIR + ULR load (docs/replication.md, "Fault
# tests"). Each scenario starts a fresh cluster (cluster/cluster.sh), runs `hss-bench cluster-load` against
# all three nodes, injects its faults, stops the load, waits for convergence, stops the nodes and runs
# `hss-bench cluster-check`: every SAR answered 2001 is on every node, no SQN was issued twice to a USIM
# across MAR and AIR, every subscriber with an acknowledged ULR has a serving MME on every node, at most
# one S-CSCF per registration per epoch, equal digests, and writes resumed within 5 s of every fault that
# took the leader away.
#
#   cluster/fault-tests.sh [--rounds N] [scenario ...]
#     scenarios: leader-kill follower-behind partition restart-all (default: all four), and over a real
#       network (each node in its own network namespace: cluster/netns.sh; root needed):
#       net-leader (the leader cut off from both followers, still reaching etcd and the clients: it must
#       step down and a follower lead), net-follower (a follower's link down), net-flap (the leader's link
#       down 1 s every 3 s, 3 times), net-heal (the leader's link down until another leads, then healed
#       while writes continue: the old leader rejoins and is truncated); `net` runs all four
#     --rounds N  leader kills / partitions per scenario (default 3; CI runs 2)
#
# Environment: BIN (directory of hss and hss-bench; default the debug build), FAULT_DIR (default
# /tmp/hss-faults), SUBSCRIBERS (population, default 20000; every SAR registers a fresh subscriber, so
# long runs with release builds want more, e.g. 300000). Needs etcd (Debian etcd-server).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3
SCENARIOS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) SCENARIOS+=("$1"); shift ;;
  esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(leader-kill follower-behind partition restart-all)
if [ "${SCENARIOS[*]}" = net ]; then SCENARIOS=(net-leader net-follower net-flap net-heal); fi
export BIN="${BIN:-$(swift build --show-bin-path)}"
BASE="${FAULT_DIR:-/tmp/hss-faults}"
SUBSCRIBERS="${SUBSCRIBERS:-20000}"
if ! command -v etcd >/dev/null; then echo "fault-tests: etcd is not installed (apt-get install etcd-server)"; exit 77; fi
C=cluster/cluster.sh

NETNS=0
case " ${SCENARIOS[*]} " in *" net-"*)
  if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then echo "fault-tests: network scenarios need root and iproute2"; exit 77; fi
  NETNS=1 ;;
esac
export NETNS
N=cluster/netns.sh
host_of() { if [ "$NETNS" = 1 ]; then echo "10.77.0.$1"; else echo 127.0.0.1; fi; }

mark() { printf '%s\t%s\n' "$(date +%s%3N)" "$*" >>"$CLUSTER_DIR/faults.tsv"; echo "fault-tests: $*"; }
follower_of() { for n in 1 2 3; do [ "$n" != "$1" ] && { echo "$n"; return; }; done; }
# A node's last log sequence (retried: a node under load may answer a status request late).
last_of() {
  local v=0
  for _ in 1 2 3 4 5; do
    v=$("$BIN/hss" cluster status --member "n$1=$(host_of "$1"):710$1" --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline()).get("last", 0))')
    [ "$v" != 0 ] && break
  done
  echo "$v"
}

# When a scenario fails: how each node ended and the end of its log, so a CI failure can be read.
report() {
  local status=$?
  [ "$status" = 0 ] && return
  [ -n "${CLUSTER_DIR:-}" ] || return
  echo "fault-tests: failed (status $status) in $CLUSTER_DIR"
  for n in 1 2 3; do
    [ -f "$CLUSTER_DIR/n$n.log" ] || continue
    echo "--- n$n.log (last 25 lines)"
    tail -n 25 "$CLUSTER_DIR/n$n.log" | sed 's/^/  /'
  done
  grep -h "hss exited" "$CLUSTER_DIR"/n*.log 2>/dev/null | sed 's/^/  /' || true
  $C stop >/dev/null 2>&1 || true
}
cleanup() {
  report
  if [ "$NETNS" = 1 ]; then $N down; fi
}
trap cleanup EXIT
if [ "$NETNS" = 1 ]; then $N down; $N up; fi

run() {
  local name=$1
  export CLUSTER_DIR="$BASE/$name"
  export HSS_ARGS=""
  [ "$name" = follower-behind ] && export HSS_ARGS="--log-retention 2000"
  $C stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_DIR"
  mkdir -p "$CLUSTER_DIR"
  echo "=== $name"
  $C start "$SUBSCRIBERS"
  $C wait-leader 30
  # Every follower has its snapshot installed and streams from the leader before the first fault.
  $C converged 120
  "$BIN/hss-bench" cluster-load --nodes "$(host_of 1):3871,$(host_of 2):3872,$(host_of 3):3873" --duration 900 \
    --stop-file "$CLUSTER_DIR/stop" --out "$CLUSTER_DIR/records" --registrants-from 1000 --population "$SUBSCRIBERS" \
    --aka-subscribers 200 >"$CLUSTER_DIR/load.log" 2>&1 &
  local load=$!
  sleep 2
  case "$name" in
    leader-kill)
      for r in $(seq "$ROUNDS"); do
        L=$($C leader)
        mark "round $r: kill -9 leader n$L"
        $C kill "$L"
        $C wait-leader 15
        sleep 1
        $C start-node "$L"
        $C wait-leader 30
        sleep 1
      done
      ;;
    follower-behind)
      L=$($C leader); F=$(follower_of "$L")
      mark "kill -9 follower n$F"
      $C kill "$F"
      before=$(last_of "$L")
      # Until the leader's log has moved on past what it retains (2000 records).
      for _ in $(seq 600); do [ $(( $(last_of "$L") - before )) -gt 3000 ] && break; sleep 0.1; done
      mark "restart follower n$F ($(( $(last_of "$L") - before )) records behind)"
      $C start-node "$F"
      # Caught up (under load the three logs seldom end at the same record at one instant; they are
      # compared once the load has stopped, below).
      $C streaming "$F" 60
      grep -q "receiving a snapshot" "$CLUSTER_DIR/n$F.log" || { echo "fault-tests: n$F caught up without the snapshot path"; exit 1; }
      ;;
    partition)
      for r in $(seq "$ROUNDS"); do
        L=$($C leader)
        mark "round $r: SIGSTOP leader n$L for 4 s"
        $C pause "$L"
        sleep 4
        $C resume "$L"
        $C wait-leader 30
        sleep 1
        F=$(follower_of "$($C leader)")
        mark "round $r: SIGSTOP follower n$F for 3 s"
        $C pause "$F"
        sleep 3
        $C resume "$F"
        $C wait-leader 30
        sleep 1
      done
      ;;
    net-leader)
      for r in $(seq "$ROUNDS"); do
        L=$($C leader)
        mark "round $r: leader n$L cut off from both followers (etcd and clients still reach it) for 6 s"
        $N isolate "$L"
        sleep 6
        $N rejoin "$L"
        $C wait-leader 30
        sleep 1
      done
      ;;
    net-follower)
      for r in $(seq "$ROUNDS"); do
        F=$(follower_of "$($C leader)")
        mark "round $r: link of follower n$F down for 4 s"
        $N cut "$F"
        sleep 4
        $N heal "$F"
        $C wait-leader 30
        sleep 1
      done
      ;;
    net-flap)
      for r in $(seq "$ROUNDS"); do
        L=$($C leader)
        mark "round $r: link of leader n$L flapping (1 s down, 2 s up, 3 times)"
        for _ in 1 2 3; do $N cut "$L"; sleep 1; $N heal "$L"; sleep 2; done
        $C wait-leader 30
        sleep 1
      done
      ;;
    net-heal)
      for r in $(seq "$ROUNDS"); do
        L=$($C leader)
        mark "round $r: link of leader n$L down until another node leads"
        $N cut "$L"
        for _ in $(seq 150); do
          l=$($C leader 2>/dev/null || true)
          [ -n "$l" ] && [ "$l" != "$L" ] && break
          sleep 0.1
        done
        mark "round $r: n$l leads; link of n$L up again while writes continue"
        $N heal "$L"
        # Every node follows the new leader again (n$L too: it was truncated back and streams).
        $C wait-leader 30
        sleep 1
      done
      ;;
    restart-all)
      for r in $(seq "$ROUNDS"); do
        mark "round $r: kill -9 every node (leader included)"
        for n in 1 2 3; do $C kill "$n"; done
        for n in 1 2 3; do $C start-node "$n"; done
        $C wait-leader 30
        sleep 2
      done
      ;;
  esac
  sleep 2
  touch "$CLUSTER_DIR/stop"
  wait "$load"
  cat "$CLUSTER_DIR/load.log"
  $C wait-leader 30
  $C converged 60
  $C status
  $C stop
  # SIGTERM is a clean stop: DPR to the peers, the lease given back, exit status 0.
  for n in 1 2 3; do
    for _ in $(seq 30); do tail -n 1 "$CLUSTER_DIR/n$n.log" | grep -q "hss exited" && break; sleep 0.1; done
    tail -n 1 "$CLUSTER_DIR/n$n.log" | grep -q "hss exited with status 0 " \
      || { echo "fault-tests: n$n did not stop cleanly on SIGTERM: $(tail -n 2 "$CLUSTER_DIR/n$n.log")"; exit 1; }
  done
  "$BIN/hss-bench" cluster-check --data-dir "$CLUSTER_DIR/n1" --data-dir "$CLUSTER_DIR/n2" --data-dir "$CLUSTER_DIR/n3" \
    --records "$CLUSTER_DIR/records" --faults "$CLUSTER_DIR/faults.tsv"
  grep -h "stepped down\|became leader\|truncated\|snapshot installed" "$CLUSTER_DIR"/n*.log | sed 's/^/  /' | head -40 || true
}

for s in "${SCENARIOS[@]}"; do run "$s"; done
echo "fault-tests: PASSED (${SCENARIOS[*]})"
