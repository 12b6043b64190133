#!/usr/bin/env bash
# Interop test with an independent Diameter stack: python-diameter 0.9.0 (PyPI) against `hss serve` with the
# demo subscribers: every Cx command the HSS serves (Tests/Interop/python-diameter/cx_client.py), then two
# MMEs over S6a (s6a_mme.py: AIR, ULR, CLR to the previous MME, NOR, PUR), then two telephony ASs over Sh
# (sh_tas.py: UDR, PUR, SNR, and PNRs after a Cx registration and after the other AS's update), with the
# Sh permissions of docs/examples/hss-sh.yaml.
#   scripts/python-diameter.sh [path/to/hss]
# Exit 0 = passed; 77 = skipped (the reason is printed).
set -uo pipefail
cd "$(dirname "$0")/.."
HSS_BIN="${1:-$(swift build --show-bin-path)/hss}"
PORT=13878
[ -x "$HSS_BIN" ] || { echo "python-diameter: SKIPPED: no hss binary at $HSS_BIN"; exit 77; }
. scripts/python-venv.sh python-diameter
LOG="$(mktemp /tmp/python-diameter-hss.XXXXXX.log)"
"$HSS_BIN" serve --config docs/examples/hss-sh.yaml --in-memory --subscribers docs/examples/subscribers.json --listen "127.0.0.1:$PORT" --shards 2 >"$LOG" 2>&1 &
HSS=$!
# Wait until the HSS listens (at most 10 s).
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
timeout 120 "$PY" Tests/Interop/python-diameter/cx_client.py "$PORT" 2>&1 | grep -v 'socket not yet ready'
STATUS=${PIPESTATUS[0]}
timeout 120 "$PY" Tests/Interop/python-diameter/s6a_mme.py "$PORT" 2>&1 | grep -v 'socket not yet ready'
S6A=${PIPESTATUS[0]}
[ "$STATUS" = 0 ] && STATUS=$S6A
timeout 120 "$PY" Tests/Interop/python-diameter/sh_tas.py "$PORT" 2>&1 | grep -v 'socket not yet ready'
SH=${PIPESTATUS[0]}
[ "$STATUS" = 0 ] && STATUS=$SH
kill -TERM "$HSS" 2>/dev/null; wait "$HSS" 2>/dev/null
if grep -E ' (error|critical) ' "$LOG"; then echo "python-diameter: the HSS logged errors"; STATUS=1; fi
[ "$STATUS" = 0 ] && rm -f "$LOG" || echo "python-diameter: HSS log in $LOG"
exit "$STATUS"
