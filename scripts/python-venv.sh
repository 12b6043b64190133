# Sourced by the interop scripts: python-diameter 0.9.0 (PyPI) in .build-python. Sets PY; on failure prints
# why and exits 77 (skipped). $1: the name the messages carry.
VENV=.build-python
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || { echo "$1: SKIPPED: python3 -m venv failed (python3-venv missing?)"; exit 77; }
fi
"$VENV/bin/python" -c 'import diameter' 2>/dev/null || "$VENV/bin/pip" install -q python-diameter==0.9.0 \
    || { echo "$1: SKIPPED: pip could not install python-diameter (PyPI unreachable?)"; exit 77; }
PY="$VENV/bin/python"
