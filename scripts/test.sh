#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds, smoke-fuzzes the decoder, runs the SCTP
# tests in a Debian kernel under qemu, swift test, the load generator's smoke run, then the interop tests
# with real Cx clients
# (Kamailio IMS I-CSCF/S-CSCF driven by sipp; python-diameter over Cx, S6a and Sh) and the console in
# headless Chromium (scripts/console-chromium.sh; screenshots in .build-console/screenshots).
#   FUZZ_SECONDS=0 scripts/test.sh   skips the fuzz smoke run (default 30 s)
#   SCTP_QEMU=0 scripts/test.sh      skips the SCTP tests under qemu (they skip on the host kernel anyway)
#   INTEROP=0 scripts/test.sh        skips the Kamailio, python-diameter and console (Chromium) tests
#   CLUSTER=0 scripts/test.sh        skips the cluster fault tests (3 nodes + etcd; cluster/fault-tests.sh)
#   NETFUZZ_SECONDS=0 scripts/test.sh skips the network-level fuzzer (default 60 s)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --test
swift build --build-tests
# The generated dictionary code must be what dictionaries/*.dia give (fails, naming the files, when stale).
swift run --skip-build hss-dictgen --check
if [ "${FUZZ_SECONDS:-30}" -gt 0 ]; then
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
if [ "${SCTP_QEMU:-1}" != "0" ]; then
  scripts/sctp-qemu.sh
fi
swift test --skip HSSClusterTests
# The in-process cluster suite on its own: three nodes per test are heavy next to the timing-sensitive
# suites (peers, watchdogs, interop) when everything runs in parallel on 2 cores.
swift test --filter HSSClusterTests
# The load generator's smoke run: every scenario against a real HSS, every answer checked.
scripts/bench-smoke.sh
# The network-level fuzzer, short version (NETFUZZ_SECONDS, default 60; 0 skips): mutated Cx and S6a
# requests, garbage, slow and idle connections against a running HSS while a control MAR is timed.
if [ "${NETFUZZ_SECONDS:-60}" -gt 0 ]; then
  scripts/net-fuzz.sh "${NETFUZZ_SECONDS:-60}"
fi
# The cluster's fault tests, short version (2 rounds each; the long version's figures are in
# docs/replication.md): leader kill -9, a follower behind the retained log, SIGSTOP, restart of all.
if [ "${CLUSTER:-1}" != "0" ]; then
  status=0
  cluster/fault-tests.sh --rounds 2 || status=$?
  if [ "$status" != 0 ] && [ "$status" != 77 ]; then echo "test.sh: cluster/fault-tests.sh failed"; exit 1; fi
  # Real network partitions (each node in its own network namespace; needs root, else skipped): the
  # leader cut off from its followers only, a follower's link down, the leader's link flapping, a
  # partition healed while writes continue.
  status=0
  cluster/fault-tests.sh --rounds 2 net || status=$?
  if [ "$status" != 0 ] && [ "$status" != 77 ]; then echo "test.sh: cluster/fault-tests.sh net failed"; exit 1; fi
  # Leader kills with etcd over TLS (client certificates): elections and leases through https.
  status=0
  ETCD_TLS=1 ETCD_PORT=23890 FAULT_DIR=/tmp/hss-faults-tls cluster/fault-tests.sh --rounds 2 leader-kill || status=$?
  if [ "$status" != 0 ] && [ "$status" != 77 ]; then echo "test.sh: cluster/fault-tests.sh with etcd over TLS failed"; exit 1; fi
fi
if [ "${INTEROP:-1}" != "0" ]; then
  # Exit status 77 means skipped (the script printed why); anything else non-zero fails the suite.
  for t in scripts/kamailio-ims.sh scripts/python-diameter.sh scripts/console-chromium.sh; do
    status=0
    "$t" || status=$?
    if [ "$status" != 0 ] && [ "$status" != 77 ]; then echo "test.sh: $t failed"; exit 1; fi
  done
fi
