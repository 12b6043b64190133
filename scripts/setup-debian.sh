#!/usr/bin/env bash
# Installs the Debian packages the HSS needs to build, run and test. Idempotent; needs root or sudo.
#   scripts/setup-debian.sh            build/run packages
#   scripts/setup-debian.sh --test     plus the tools and peers the test suite drives (tshark, xmllint,
#                                      freeDiameter, Kamailio IMS, sipp, python3-venv for python-diameter,
#                                      etcd and curl for the cluster fault tests, chromium for the
#                                      console's browser test)
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(pkg-config libssl-dev liblmdb-dev libsctp-dev)
if [ "${1:-}" = "--test" ]; then
  packages+=(tshark libxml2-utils python3 python3-venv freediameterd freediameter-extensions openssl
             kamailio kamailio-ims-modules kamailio-presence-modules sip-tester etcd-server curl chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.1 or later is needed)"; exit 1; }
