#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds, smoke-fuzzes the decoder, runs swift test.
#   FUZZ_SECONDS=0 scripts/test.sh   skips the fuzz smoke run (default 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --test
swift build --build-tests
if [ "${FUZZ_SECONDS:-30}" -gt 0 ]; then
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
swift test
