#!/usr/bin/env bash
# A 3-node HSS cluster and its etcd on loopback (docs/replication.md). Each node has its own config
# (cluster/nodeN.yaml: Diameter 387N, API 808N, cluster link 710N) and data directory ($CLUSTER_DIR/nN).
#
#   cluster/cluster.sh start [SUBSCRIBERS]   etcd, then the nodes; node 1's store is seeded with
#                                            SUBSCRIBERS generated subscribers (hss-bench populate, default
#                                            20000) when it is empty; the others get a snapshot from the leader
#   cluster/cluster.sh stop                  SIGTERM every node (DPR, lease given back), then etcd
#   cluster/cluster.sh status                hss cluster status
#   cluster/cluster.sh leader                the leader's node number (1-3), or nothing
#   cluster/cluster.sh kill N | term N | start-node N | pause N | resume N
#   cluster/cluster.sh wait-leader [SECONDS] waits until a node leads and every live node follows it
#   cluster/cluster.sh converged [SECONDS]   waits until every node's log ends at the same record
#   cluster/cluster.sh streaming N [SECONDS] waits until node N follows and is within 500 records of its
#                                            leader (under load, when the logs never end at one record at once)
#   cluster/cluster.sh digests               hss db digest of every node
#
# Environment: CLUSTER_DIR (default /tmp/hss-cluster), BIN (directory of hss and hss-bench; default the
# debug build), ETCD_PORT (23790), HSS_ARGS (extra hss serve arguments, e.g. --log-retention 2000),
# ETCD_TLS=1 (etcd serves https with --client-cert-auth; a CA, etcd's certificate and one client
# certificate per node are made with openssl in $CLUSTER_DIR/pki; the nodes get --etcd https://...
# --etcd-ca/--etcd-cert/--etcd-key), NETNS=1 (each node in its own network namespace of cluster/netns.sh,
# at 10.77.0.N with the same ports; etcd on the bridge at 10.77.0.254; `cluster/netns.sh up` first).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${CLUSTER_DIR:-/tmp/hss-cluster}"
BIN="${BIN:-$(swift build --show-bin-path 2>/dev/null)}"
ETCD_PORT="${ETCD_PORT:-23790}"
host_of() { if [ "${NETNS:-0}" = 1 ]; then echo "10.77.0.$1"; else echo 127.0.0.1; fi; }
ETCD_HOST=127.0.0.1
[ "${NETNS:-0}" = 1 ] && ETCD_HOST=10.77.0.254
MEMBERS=(--member "n1=$(host_of 1):7101" --member "n2=$(host_of 2):7102" --member "n3=$(host_of 3):7103")
mkdir -p "$DIR"
PKI="$DIR/pki"
SCHEME=http
CURL_TLS=()
if [ "${ETCD_TLS:-0}" = 1 ]; then
  SCHEME=https
  CURL_TLS=(--cacert "$PKI/ca.pem" --cert "$PKI/n1.pem" --key "$PKI/n1.key")
fi

# A throw-away CA, etcd's server certificate (naming 127.0.0.1) and a client certificate per node.
make_pki() {
  [ -f "$PKI/ca.pem" ] && return
  mkdir -p "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 -subj /CN=hss-test-etcd-ca 2>/dev/null
  for name in etcd n1 n2 n3; do
    openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj "/CN=$name.hss-test" 2>/dev/null
    echo "subjectAltName=DNS:$name.hss-test,IP:127.0.0.1,IP:10.77.0.254" >"$PKI/$name.ext"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -out "$PKI/$name.pem" \
      -days 2 -extfile "$PKI/$name.ext" 2>/dev/null
  done
  chmod 600 "$PKI"/*.key
}
etcd_up() { curl -s -m 1 "${CURL_TLS[@]}" -X POST "$SCHEME://$ETCD_HOST:$ETCD_PORT/v3/kv/range" -d '{"key":"AA=="}' >/dev/null 2>&1; }

start_node() {
  local n=$1 etcd_args="" place=""
  [ "$SCHEME" = https ] && etcd_args="--etcd-ca $PKI/ca.pem --etcd-cert $PKI/n$n.pem --etcd-key $PKI/n$n.key"
  etcd_args="--etcd $SCHEME://$ETCD_HOST:$ETCD_PORT $etcd_args"  # always: ETCD_PORT may differ from the files' 23790
  if [ "${NETNS:-0}" = 1 ]; then
    # The node in its namespace, listening on its own address (the file's 127.0.0.1 addresses overridden).
    place="ip netns exec hss-n$n"
    etcd_args="$etcd_args --listen $(host_of "$n"):387$n --api $(host_of "$n"):808$n ${MEMBERS[*]//--member/--cluster-member}"
  fi
  # shellcheck disable=SC2086
  # A small supervisor shell waits for the node and appends how it ended to its log (status 137 is
  # SIGKILL, 132/133 a Swift trap), so a node that dies under a fault test says so. The pid file holds the
  # node's own pid (pause/resume/kill act on it, not on the shell).
  rm -f "$DIR/n$n.pid"
  nohup bash -c '"$@" & echo $! >"$0.pid"; wait $!; s=$?
    echo "cluster.sh: hss exited with status $s at $(date -u +%FT%T.%3NZ)" >>"$0.log"' \
    "$DIR/n$n" $place "$BIN/hss" serve --config "cluster/node$n.yaml" --data-dir "$DIR/n$n" ${HSS_ARGS:-} $etcd_args \
    >>"$DIR/n$n.log" 2>&1 &
  for _ in $(seq 50); do [ -s "$DIR/n$n.pid" ] && break; sleep 0.02; done
}

pid() { cat "$DIR/n$1.pid" 2>/dev/null || true; }

alive() { local p; p=$(pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

status_json() { "$BIN/hss" cluster status "${MEMBERS[@]}" --json; }

leader() {
  status_json | python3 -c '
import json, sys
for line in sys.stdin:
    s = json.loads(line)
    if s.get("role") == "leader": print(s["node"][1:])'
}

case "${1:-}" in
  start)
    count="${2:-20000}"
    ETCD_TLS_ARGS=()
    if [ "$SCHEME" = https ]; then
      make_pki
      ETCD_TLS_ARGS=(--cert-file "$PKI/etcd.pem" --key-file "$PKI/etcd.key" --trusted-ca-file "$PKI/ca.pem" --client-cert-auth)
    fi
    if ! etcd_up; then
      nohup etcd --name hss-test --data-dir "$DIR/etcd" "${ETCD_TLS_ARGS[@]}" \
        --listen-client-urls "$SCHEME://$ETCD_HOST:$ETCD_PORT" --advertise-client-urls "$SCHEME://$ETCD_HOST:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
        --initial-cluster "hss-test=http://127.0.0.1:$((ETCD_PORT + 10))" >"$DIR/etcd.log" 2>&1 &
      echo $! >"$DIR/etcd.pid"
      for _ in $(seq 100); do
        etcd_up && break
        sleep 0.1
      done
    fi
    if [ ! -e "$DIR/n1/data.mdb" ] && [ ! -e "$DIR/n1/CURRENT" ]; then
      "$BIN/hss-bench" populate --data-dir "$DIR/n1" --count "$count" --map-size 4096 >/dev/null
    fi
    for n in 1 2 3; do alive "$n" || start_node "$n"; done
    ;;
  stop)
    for n in 1 2 3; do p=$(pid "$n"); [ -n "$p" ] && kill -TERM -- "$p" 2>/dev/null || true; done
    for n in 1 2 3; do
      p=$(pid "$n")
      for _ in $(seq 100); do [ -n "$p" ] && kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
      rm -f "$DIR/n$n.pid"
    done
    if [ -f "$DIR/etcd.pid" ]; then kill "$(cat "$DIR/etcd.pid")" 2>/dev/null || true; rm -f "$DIR/etcd.pid"; fi
    ;;
  status) "$BIN/hss" cluster status "${MEMBERS[@]}" ;;
  leader) leader ;;
  kill) p=$(pid "$2"); [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; rm -f "$DIR/n$2.pid" ;;
  term) p=$(pid "$2"); [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true ;;
  pause) kill -STOP "$(pid "$2")" ;;
  resume) kill -CONT "$(pid "$2")" ;;
  start-node) alive "$2" || start_node "$2" ;;
  wait-leader)
    deadline=$((SECONDS + ${2:-30}))
    while [ $SECONDS -lt $deadline ]; do
      if status_json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
live = [r for r in rows if r.get("reachable", True)]
leaders = [r["node"] for r in live if r["role"] == "leader"]
ok = len(leaders) == 1 and all(r["role"] == "leader" or r.get("leader") == leaders[0] for r in live)
sys.exit(0 if ok else 1)'; then exit 0; fi
      sleep 0.2
    done
    echo "cluster.sh: no single leader after ${2:-30} s"; "$0" status; exit 1
    ;;
  converged)
    deadline=$((SECONDS + ${2:-60}))
    while [ $SECONDS -lt $deadline ]; do
      if status_json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
sys.exit(0 if all(r.get("reachable", True) for r in rows) and len({r["last"] for r in rows}) == 1 else 1)'; then exit 0; fi
      sleep 0.2
    done
    echo "cluster.sh: not converged after ${2:-60} s"; "$0" status; exit 1
    ;;
  streaming)
    deadline=$((SECONDS + ${3:-60}))
    while [ $SECONDS -lt $deadline ]; do
      if status_json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
leader = max((r["last"] for r in rows if r.get("role") == "leader"), default=None)
r = next((r for r in rows if r.get("node") == "n'"$2"'"), {})
sys.exit(0 if leader is not None and r.get("role") == "follower" and leader - r.get("last", 0) < 500 else 1)'; then exit 0; fi
      sleep 0.2
    done
    echo "cluster.sh: n$2 not streaming after ${3:-60} s"; "$0" status; exit 1
    ;;
  digests) for n in 1 2 3; do "$BIN/hss" db digest --data-dir "$DIR/n$n"; done ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
