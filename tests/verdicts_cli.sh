#!/bin/sh
# verdicts_cli.sh — the classifier's tests as data: every
# fixtures/verdicts/<case>/ (input + expected verdicts), see
# tests/tools/verdicts.py.  Run from the repository root with TSMEM set.
set -u
: "${TSMEM:?set TSMEM to the tsmem binary}"
command -v python3 >/dev/null 2>&1 || { echo "verdicts_cli.sh: SKIP (python3 missing)"; exit 0; }
exec python3 tests/tools/verdicts.py
