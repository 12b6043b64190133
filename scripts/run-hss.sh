#!/usr/bin/env bash
# Builds and runs the HSS with its embedded default: LMDB under ./data, Diameter Cx and S6a on 127.0.0.1:3868 (TCP),
# the provisioning API on 127.0.0.1:8080 (bearer token generated into ./data/api-token), seeded with the demo
# subscribers of docs/examples/subscribers.json when the store is empty. Extra arguments go to
# `hss serve` (see `hss serve --help`; docs/config.md), e.g.
#   scripts/run-hss.sh --listen 0.0.0.0:3868 --origin-host hss.ims.example.net --origin-realm ims.example.net
# Stop with Ctrl-C or SIGTERM: the HSS sends DPR to every peer first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
swift build -c release --product hss
HSS="$(swift build -c release --show-bin-path)/hss"
SUBSCRIBERS="${SUBSCRIBERS:-docs/examples/subscribers.json}"
exec "$HSS" serve --subscribers "$SUBSCRIBERS" "$@"
