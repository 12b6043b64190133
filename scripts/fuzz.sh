#!/usr/bin/env bash
# Coverage-guided fuzzing of the Diameter decoder with libFuzzer (see docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS]      build, seed the corpus with the golden messages, fuzz for SECONDS (default 600)
#
# The fuzz target decodes each input, validates it, re-encodes it (asserting byte equality), renders it
# as text, decodes it as its generated typed message (base, Cx, S6a, Sh) and checks that the typed value
# survives its own encoding, and also drips it through the stream framer. Any crash, trap, sanitizer report or leak stops
# the run and leaves a crash-* file in fuzz-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-600}"
SCRATCH=.build-fuzz
OUT=fuzz-out
mkdir -p "$OUT/corpus"

swift build -c release --scratch-path "$SCRATCH" --product DiameterFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -g
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/DiameterFuzz"

# Seed: every golden message (hex in the test fixtures) as a binary file.
python3 - "$OUT/corpus" <<'PY'
import re, sys, pathlib
src = pathlib.Path("Tests/DiameterTestKit/GoldenMessages.swift").read_text()
for i, block in enumerate(re.findall(r'hex: """\n(.*?)"""', src, re.S)):
    h = re.sub(r'[^0-9a-f]', '', block)
    pathlib.Path(sys.argv[1], f"golden-{i:02d}").write_bytes(bytes.fromhex(h))
# And every S6a and Sh message of the constructed vectors (one hex a line).
for i, line in enumerate(pathlib.Path("Tests/DiameterCoreTests/Fixtures/s6a-sh-samples.txt").read_text().splitlines()):
    if line and not line.startswith("#"):
        pathlib.Path(sys.argv[1], f"s6a-sh-{i:02d}").write_bytes(bytes.fromhex(line.split()[-1]))
PY

cd "$OUT"
set +e
SWIFT_BACKTRACE=enable=no "$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 corpus > fuzz.log 2>&1
status=$?
set -e
grep -E "^#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|ERROR|SUMMARY" fuzz.log || true
if [ "$status" -ne 0 ] || ls crash-* leak-* timeout-* oom-* >/dev/null 2>&1; then
  echo "fuzz: FAILED (libFuzzer exit $status)"; ls crash-* leak-* timeout-* oom-* 2>/dev/null || tail -20 fuzz.log
  exit 1
fi
echo "fuzz: no crash in ${SECONDS_TO_RUN}s"
