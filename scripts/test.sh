#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds, smoke-fuzzes the decoder, runs the SCTP
# tests in a Debian kernel under qemu, then swift test.
#   FUZZ_SECONDS=0 scripts/test.sh   skips the fuzz smoke run (default 30 s)
#   SCTP_QEMU=0 scripts/test.sh      skips the SCTP tests under qemu (they skip on the host kernel anyway)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --test
swift build --build-tests
if [ "${FUZZ_SECONDS:-30}" -gt 0 ]; then
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
if [ "${SCTP_QEMU:-1}" != "0" ]; then
  scripts/sctp-qemu.sh
fi
swift test
