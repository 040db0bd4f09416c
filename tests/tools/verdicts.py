#!/usr/bin/env python3
"""verdicts.py — the classifier's tests as data.

Each fixtures/verdicts/<case>/ holds an input and the verdicts it must get:

  input.args     arguments of `tsmem simulate` (deterministic for a seed), or
  input.log[.gz] a dump file (a real public dump, a lab capture, ...), or
  input.ref      paths of fixtures elsewhere in the repository (one stream);
  analyze.args   extra arguments of `tsmem analyze` (e.g. --interval 60);
  expected.txt   one rule a line: LIFETIME ALLOCATOR VERDICT[,VERDICT...]
                 ALLOCATOR may hold `*` (any run of characters; brackets
                 are literal); `*` alone with `!leak,churn`
                 means: no allocator of that lifetime not named on an
                 earlier line gets leak or churn.  # starts a comment.

Usage: TSMEM=build/tsmem python3 tests/tools/verdicts.py [CASE...]
Prints one line per failed rule and a summary; exit 1 on a failure.
"""
import json
import re
import os
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_case(tsmem, case, work):
    d = os.path.join(ROOT, "fixtures", "verdicts", case)
    inp = None
    if os.path.exists(os.path.join(d, "input.args")):
        inp = os.path.join(work, case + ".log")
        args = shlex.split(open(os.path.join(d, "input.args")).read())
        subprocess.run([tsmem, "simulate"] + args + ["-o", inp], check=True)
    for name in ("input.log", "input.log.gz"):
        if os.path.exists(os.path.join(d, name)):
            inp = os.path.join(d, name)
    inputs = [inp] if inp else []
    if os.path.exists(os.path.join(d, "input.ref")):
        inputs = [os.path.join(ROOT, p) for p in open(os.path.join(d, "input.ref")).read().split()]
    if not inputs:
        return ["%s: no input" % case]
    extra = []
    if os.path.exists(os.path.join(d, "analyze.args")):
        extra = shlex.split(open(os.path.join(d, "analyze.args")).read())
    db = os.path.join(work, case + ".db")
    rep = os.path.join(work, case + ".json")
    r = subprocess.run([tsmem, "analyze", "-q", "-d", db, "--host", case, "--format", "json",
                        "-o", rep] + extra + inputs, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 3):
        return ["%s: tsmem analyze exited %d: %s" % (case, r.returncode, r.stderr.strip()[-300:])]
    rep = json.load(open(rep))
    got = {}
    expl = {}
    for lt in rep["hosts"][0]["lifetimes"] if rep["hosts"] else []:
        for a in lt["allocators"]:
            got[(lt["index"], a["name"])] = a["verdict"]
            expl[(lt["index"], a["name"])] = a["explanation"]
    fails = []
    named = set()
    for line in open(os.path.join(d, "expected.txt")):
        w = line.split("#", 1)[0].split()
        if len(w) != 3:
            continue
        life, pat, want = int(w[0]), w[1], w[2]
        rx = re.compile("^" + ".*".join(re.escape(p) for p in pat.split("*")) + "$")
        rows = [k for k in got if k[0] == life and rx.match(k[1])]
        if pat == "*":
            rows = [k for k in rows if k not in named]
        if not rows:
            fails.append("%s: L%d %s: no such allocator in the report" % (case, life, pat))
            continue
        for k in rows:
            if pat != "*":
                named.add(k)
            v = got[k]
            ok = (v not in want[1:].split(",")) if want.startswith("!") else (v in want.split(","))
            if not ok:
                fails.append("%s: L%d %s is %s, want %s: %s" % (case, k[0], k[1], v, want, expl[k]))
    return fails


def main():
    tsmem = os.environ.get("TSMEM", os.path.join(ROOT, "build", "tsmem"))
    cases = sys.argv[1:] or sorted(os.listdir(os.path.join(ROOT, "fixtures", "verdicts")))
    fails = []
    with tempfile.TemporaryDirectory() as work:
        for c in cases:
            fails += run_case(tsmem, c, work)
    for f in fails:
        print("FAIL " + f)
    print("verdicts.py: %d cases, %d failed rules" % (len(cases), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
