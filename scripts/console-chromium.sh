#!/usr/bin/env bash
# The operator console in headless Chromium (Debian's chromium, driven over the DevTools protocol by
# Tests/Interop/console/console_test.py): `hss serve` with the demo subscribers, a python-diameter S-CSCF,
# and (CONSOLE_CLUSTER=1, the default) a 3-node cluster of cluster/cluster.sh for the cluster page.
# Screenshots: $CONSOLE_ARTEFACTS (default .build-console/screenshots).
#   scripts/console-chromium.sh [bin-dir]
# Exit 0 = passed; 77 = skipped (the reason is printed).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build --show-bin-path)}"
ART="${CONSOLE_ARTEFACTS:-.build-console/screenshots}"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || { echo "console: SKIPPED: no chromium (apt-get install chromium)"; exit 77; }
[ -x "$BIN/hss" ] || { echo "console: SKIPPED: no hss binary in $BIN"; exit 77; }
. scripts/python-venv.sh console
W="$(mktemp -d /tmp/hss-console.XXXXXX)"
PORT=13890 API=13891 DEBUG=13892 TOKEN="console-test-token-0123456789"
HSS="" BROWSER="" CLUSTER_UP=""
export CLUSTER_DIR="$W/cluster" ETCD_PORT=23990 BIN
cleanup() {
  [ -n "$BROWSER" ] && kill "$BROWSER" 2>/dev/null
  [ -n "$HSS" ] && kill -TERM "$HSS" 2>/dev/null && wait "$HSS" 2>/dev/null
  [ -n "$CLUSTER_UP" ] && cluster/cluster.sh stop >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
wait_port() { for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

"$BIN/hss" serve --in-memory --subscribers docs/examples/subscribers.json --listen "127.0.0.1:$PORT" --api "127.0.0.1:$API" \
  --api-token "$TOKEN" --shards 2 >"$W/hss.log" 2>&1 &
HSS=$!
wait_port "$API" || { echo "console: hss did not start"; cat "$W/hss.log"; exit 1; }
"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --window-size=1280,900 \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port="$DEBUG" --user-data-dir="$W/profile" about:blank >"$W/chromium.log" 2>&1 &
BROWSER=$!
wait_port "$DEBUG" || { echo "console: chromium did not start"; tail -20 "$W/chromium.log"; exit 1; }
EXTRA=()
if [ "${CONSOLE_CLUSTER:-1}" != "0" ] && command -v etcd >/dev/null; then
  if cluster/cluster.sh start 200 >"$W/cluster.log" 2>&1 && cluster/cluster.sh wait-leader 30 >>"$W/cluster.log" 2>&1; then
    CLUSTER_UP=1
    EXTRA=(--cluster-api "http://127.0.0.1:8081" --cluster-token cluster-test-token)
  else
    echo "console: the 3-node cluster did not come up"; tail -20 "$W/cluster.log"; CLUSTER_UP=1; exit 1
  fi
else
  echo "console: the 3-node cluster page is not checked (CONSOLE_CLUSTER=0 or no etcd)"
fi
mkdir -p "$ART"
timeout 180 "$PY" Tests/Interop/console/console_test.py "$DEBUG" "http://127.0.0.1:$API" "$PORT" "$TOKEN" "$ART" "${EXTRA[@]}" 2>&1 \
  | grep -v 'socket not yet ready\|flagging app as not ready'
STATUS=${PIPESTATUS[0]}
if grep -E ' (error|critical) ' "$W/hss.log"; then echo "console: the HSS logged errors"; STATUS=1; fi
exit "$STATUS"
