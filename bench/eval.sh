#!/bin/sh
# eval.sh — `make eval` (issue #4 §4): score tsmem's verdicts against the
# simulator's truth on a deterministic sample of scenarios x formats x
# intervals x spans x seeds, for a tuning and a held-out seed range.
# Prints confusion matrices, per-class precision/recall and PASS/FAIL per
# target; exits 0 either way (1 only when it cannot run).  Case inputs and
# outputs, misses.txt and summary.txt go under bench/out/eval/ (git-ignored).
# The work is in bench/eval.py (python3, standard library only); see its
# docstring for the sampling, the scoring rule and the knobs:
#   EVAL_QUICK=1 (a handful of cases), EVAL_SEEDS=N, EVAL_JOBS=N (default 2),
#   EVAL_MAX_DUMPS, EVAL_RANGES, EVAL_SCENARIOS, EVAL_KEEP, TSMEM.

set -u
cd "$(dirname "$0")/.." || exit 1
command -v python3 >/dev/null 2>&1 || { echo "eval: python3 is required" >&2; exit 1; }
TSMEM=${TSMEM:-${BUILD:-build}/tsmem}
[ -x "$TSMEM" ] || { echo "eval: $TSMEM not built (run make first)" >&2; exit 1; }
export TSMEM
exec python3 bench/eval.py "$@"
