#!/usr/bin/env bash
# Builds and runs the HSS. Until the Diameter server lands (peer-layer issue), this decodes the
# captured MAR of the reference pack with `hss decode`, the same codec the server will use.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
swift build -c release --product hss
HSS="$(swift build -c release --show-bin-path)/hss"
echo "== hss decode docs/examples/mar-captured.hex"
"$HSS" decode --file docs/examples/mar-captured.hex
