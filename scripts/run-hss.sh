#!/usr/bin/env bash
# Builds and runs the HSS: Diameter Cx on 127.0.0.1:3868 (TCP), state in the LMDB store .hss-data/
# (HSS_DATA to change it), seeded with the demo subscribers of docs/examples/subscribers.json when the store
# is empty. Extra arguments go to `hss serve` (see `hss serve --help`), e.g.
#   scripts/run-hss.sh --listen 0.0.0.0:3868 --origin-host hss.ims.example.net --origin-realm ims.example.net
# Stop with Ctrl-C or SIGTERM: the HSS sends DPR to every peer first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
swift build -c release --product hss
HSS="$(swift build -c release --show-bin-path)/hss"
SUBSCRIBERS="${SUBSCRIBERS:-docs/examples/subscribers.json}"
exec "$HSS" serve --data-dir "${HSS_DATA:-.hss-data}" --subscribers "$SUBSCRIBERS" "$@"
