#!/usr/bin/env python3
"""drift_t.py — the short-span drift tests over an eval run (issue #4 notes).

Usage: python3 bench/drift_t.py EVAL_RANGE_DIR [EVAL_RANGE_DIR...]
       (e.g. bench/out/eval/tuning after `EVAL_RANGES=tuning make eval`)

For every case's report.json and truth.json, takes the rows judged on the
load-free floor (trend.load_relative has drift_t) and prints, per kind of
row, how many there are and their smallest drift_t, with drift_t_needed:
  leak found       verdict leak on a truth leak (detectable)
  leak missed      other verdict on a truth leak (detectable)
  plateau-type     truth plateau (any mechanism), detectable or not
and how many plateau-type rows reach their t needed (the drift test is one
gate of the leak rule, next to Mann–Kendall and the effect floor, not a
classifier on its own).  Then the rows the moved-in test holds back
(trend.load_relative.level_shift.moved_in, leak_move_test), counted by
truth verdict and mechanism (~ = not detectable), and the truth leaks among
them by case.  Standard library only.
"""
import glob
import json
import os
import sys


def rows(d):
    for rep in sorted(glob.glob(os.path.join(d, "*", "report.json"))):
        try:
            r = json.load(open(rep))
            t = json.load(open(os.path.join(os.path.dirname(rep), "truth.json")))
        except (OSError, ValueError):
            continue
        truth = {}
        for h in t["hosts"]:
            for lt in h["lifetimes"]:
                for a in lt["allocators"]:
                    truth[(h["host"], lt["index"], a["name"])] = a
        for h in r["hosts"]:
            for lt in h["lifetimes"]:
                for a in lt["allocators"]:
                    lr = a.get("trend", {}).get("load_relative", {})
                    ta = truth.get(("sim-01", lt["index"], a["name"]))
                    if ta is None or "drift_t" not in lr:
                        continue
                    yield os.path.basename(os.path.dirname(rep)), lt["index"], a, ta, lr


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    kinds = {"leak found": [], "leak missed": [], "plateau-type": []}
    through = 0
    moved, moved_leaks = {}, []
    for d in argv[1:]:
        for case, lt, a, ta, lr in rows(d):
            if lr.get("level_shift", {}).get("moved_in"):
                k = "%s%s %s" % (ta["verdict"], "" if ta["detectable"] else "~", ta["mechanism"])
                moved[k] = moved.get(k, 0) + 1
                if ta["verdict"] == "leak":
                    moved_leaks.append("%s lt %d %s: verdict %s" % (case, lt, a["name"], a["verdict"]))
            t, need = lr["drift_t"], lr["drift_t_needed"]
            if ta["verdict"] == "leak" and ta["detectable"]:
                kinds["leak found" if a["verdict"] == "leak" else "leak missed"].append(t)
            elif ta["verdict"] == "plateau":
                kinds["plateau-type"].append(t)
                through += t >= need
    for k, v in kinds.items():
        print("%-13s rows %5d  smallest drift_t %s" % (k, len(v), "%.2f" % min(v) if v else "-"))
    print("plateau-type rows at or above their t needed: %d" % through)
    print("held back by the moved-in test: %d rows" % sum(moved.values()))
    for k in sorted(moved):
        print("  %-32s %5d" % (k, moved[k]))
    for x in moved_leaks:
        print("  truth leak: " + x)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
