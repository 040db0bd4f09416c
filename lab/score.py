#!/usr/bin/env python3
"""score.py — score tsmem's verdicts on a lab capture against the scenario's truth.

The truth comes from the scenario's design, never from tsmem's output:

* leak: a lifetime in which some phase sends the leak header, with the
  plugin's kind `iobuf` (the default), leaks one IOBuffer per EVERY requests:
  ioBufAllocator[INDEX] (INDEX the plugin's --index, or the header's
  number), ioBlockAllocator, ioDataAllocator and ioAllocator.  Kind `cont`
  leaks INKContAllocator.  Kind `hold` releases what it takes: no leak.
* churn: the allocators the scenario names in `truth.churn` (the bucket a
  workload change leaves: which bucket an object size lands in is ATS's
  cache layout, so the scenario states it).
* every other (lifetime, allocator): no leak and no churn.

    python3 lab/score.py [--tsmem BIN] [--records FILE] [--check KNOWN]
                         SCENARIO.toml CAPTURE[.gz] [OUTDIR]

prints the scenario's confusion table; with --check, one line per wrong
verdict (FAIL, or XFAIL when KNOWN lists it) and exit 1 on a FAIL.
Imported by run.py; run by tests/lab_fixtures_cli.sh on fixtures/ats-9.2/.
"""

import json
import os
import re
import subprocess
import sys
import tomllib

IOBUF_GRAPH = ("ioBlockAllocator", "ioDataAllocator", "ioAllocator")
COLS = ("leak", "churn", "plateau", "warming", "idle", "insufficient_data", "malloc_mode", "missing")
ROWS = ("leak", "churn", "none")


def plugin_args(scn):
    kind, index = "iobuf", 0
    for a in str(scn.get("plugin", "")).split():
        m = re.match(r"--(kind|index)=(\S+)", a)
        if m and m.group(1) == "kind":
            kind = m.group(2)
        elif m:
            index = int(m.group(2))
    return kind, index


def truth(scn):
    """{lifetime: {allocator: 'leak'|'churn'}} from the scenario's design."""
    kind, index = plugin_args(scn)
    out = {}
    life = 0
    for ph in scn.get("phase", []):
        if ph.get("restart"):
            life += 1
        leak = ph.get("leak", False)
        if leak is False or leak == "":
            continue
        idx = index if leak is True or not str(leak).isdigit() else int(leak)
        t = out.setdefault(life, {})
        if kind == "iobuf":
            t["ioBufAllocator[%d]" % idx] = "leak"
            for a in IOBUF_GRAPH:
                t[a] = "leak"
        elif kind == "cont":
            t["INKContAllocator"] = "leak"
    for c in scn.get("truth", {}).get("churn", []):
        out.setdefault(int(c.get("lifetime", 0)), {})[c["allocator"]] = "churn"
    return out


def lifetimes_expected(scn):
    return 1 + sum(1 for ph in scn.get("phase", []) if ph.get("restart"))


def analyze(tsmem, scn, capture, outdir):
    """Run tsmem as an operator would (the interval and records.config they
    know) and return the parsed JSON report, or raise."""
    db = os.path.join(outdir, "tsmem.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    rep = os.path.join(outdir, "report.json")
    argv = [tsmem, "analyze", "-q", "-d", db, "--host", "lab-" + scn["name"],
            "--interval", str(int(scn.get("interval", 60))), "--format", "json", "-o", rep]
    rec = os.path.join(outdir, "records.config")
    if os.path.exists(rec):
        argv += ["--records", rec]
    argv.append(capture)
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 3):
        raise RuntimeError("tsmem analyze exited %d: %s" % (r.returncode, r.stderr.strip()[-400:]))
    with open(rep) as f:
        report = json.load(f)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    return report


def rows_of(report):
    """[(lifetime index, allocator name, verdict, explanation)] of the first host."""
    out = []
    for h in report.get("hosts", [])[:1]:
        for lt in h.get("lifetimes", []):
            for a in lt.get("allocators", []):
                out.append((lt["index"], a["name"], a.get("verdict", "missing"), a.get("explanation", "")))
    return out


def score_report(scn, report):
    t = truth(scn)
    rows = rows_of(report)
    rise = {}
    dumps = 0
    for h in report.get("hosts", [])[:1]:
        for lt in h.get("lifetimes", []):
            dumps += int(lt.get("dumps", 0))
            for a in lt.get("allocators", []):
                iu = a.get("in_use", {})
                rise[(lt["index"], a["name"])] = int(iu.get("last", 0)) - int(iu.get("first", 0))
    nlife = len({r[0] for r in rows}) if rows else 0
    conf = {r: {c: 0 for c in COLS} for r in ROWS}
    cells = []
    seen = set()
    for life, name, verdict, expl in rows:
        want = t.get(life, {}).get(name, "none")
        v = verdict if verdict in COLS else "missing"
        conf[want][v] += 1
        seen.add((life, name))
        cells.append({"lifetime": life, "allocator": name, "truth": want, "verdict": verdict,
                      "explanation": expl, "in_use_rise": rise.get((life, name), 0)})
    for life, m in t.items():
        for name, want in m.items():
            if (life, name) not in seen:
                conf[want]["missing"] += 1
                cells.append({"lifetime": life, "allocator": name, "truth": want, "verdict": "missing",
                              "explanation": ""})
    return {"name": scn["name"], "lifetimes": nlife, "lifetimes_expected": lifetimes_expected(scn),
            "dumps": dumps,
            "confusion": conf, "cells": cells, "error": None}


def failed(name, err):
    return {"name": name, "lifetimes": 0, "lifetimes_expected": 0,
            "confusion": {r: {c: 0 for c in COLS} for r in ROWS}, "cells": [], "error": err}


def score_capture(tsmem, scn, capture, outdir):
    try:
        res = score_report(scn, analyze(tsmem, scn, capture, outdir))
    except (RuntimeError, OSError, ValueError) as e:
        return failed(scn["name"], str(e))
    with open(os.path.join(outdir, "verdicts.txt"), "w") as f:
        for c in sorted(res["cells"], key=lambda c: (c["lifetime"], c["allocator"])):
            f.write("%d\t%s\t%s\t%s\t%s\n" % (c["lifetime"], c["allocator"], c["truth"], c["verdict"],
                                              c["explanation"]))
    return res


def _ratio(a, b):
    return "%.3f" % (a / b) if b else "  -  "


def summary(conf):
    lv = sum(conf[r]["leak"] for r in ROWS)
    cv = sum(conf[r]["churn"] for r in ROWS)
    lt = sum(conf["leak"].values())
    ct = sum(conf["churn"].values())
    return {"leak_p": _ratio(conf["leak"]["leak"], lv), "leak_r": _ratio(conf["leak"]["leak"], lt),
            "churn_p": _ratio(conf["churn"]["churn"], cv), "churn_r": _ratio(conf["churn"]["churn"], ct),
            "leak_found": "%d/%d" % (conf["leak"]["leak"], lt), "churn_found": "%d/%d" % (conf["churn"]["churn"], ct),
            "false_leaks": conf["none"]["leak"] + conf["churn"]["leak"],
            "false_churn": conf["none"]["churn"] + conf["leak"]["churn"]}


def table(conf, indent="  "):
    short = {"insufficient_data": "insuff", "malloc_mode": "malloc"}
    head = indent + "%-6s" % "truth" + "".join("%9s" % short.get(c, c) for c in COLS)
    lines = [head]
    for r in ROWS:
        lines.append(indent + "%-6s" % r + "".join("%9d" % conf[r][c] for c in COLS))
    return "\n".join(lines)


def render(results):
    out = []
    total = {r: {c: 0 for c in COLS} for r in ROWS}
    out.append("%-24s %-9s %-9s %-7s %-7s %s" % ("scenario", "leaks", "churn", "f.leak", "f.churn",
                                                 "wrong verdicts on leak/churn rows, and false ones"))
    for res in results:
        if res["error"]:
            out.append("%-24s ERROR: %s" % (res["name"], res["error"]))
            continue
        for r in ROWS:
            for c in COLS:
                total[r][c] += res["confusion"][r][c]
        s = summary(res["confusion"])
        wrong = ["L%d %s: %s" % (c["lifetime"], c["allocator"], c["verdict"]) for c in res["cells"]
                 if (c["truth"] != "none" and c["verdict"] != c["truth"])
                 or (c["truth"] == "none" and c["verdict"] in ("leak", "churn"))]
        if res["lifetimes"] != res["lifetimes_expected"]:
            wrong.insert(0, "%d lifetimes, %d expected" % (res["lifetimes"], res["lifetimes_expected"]))
        out.append("%-24s %-9s %-9s %-7d %-7d %s" % (res["name"], s["leak_found"], s["churn_found"],
                                                     s["false_leaks"], s["false_churn"],
                                                     "; ".join(wrong) or "-"))
    s = summary(total)
    out.append("")
    out.append("overall (rows: every lifetime x allocator; columns: tsmem's verdict)")
    out.append(table(total))
    out.append("leak  precision %s recall %s (%s found)   churn precision %s recall %s (%s found)"
               % (s["leak_p"], s["leak_r"], s["leak_found"], s["churn_p"], s["churn_r"], s["churn_found"]))
    out.append("false leaks %d, false churn %d" % (s["false_leaks"], s["false_churn"]))
    return "\n".join(out)


def read_known(path):
    """Known failures: `LIFETIME ALLOCATOR TRUTH VERDICT` per line, # comments."""
    known = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                w = line.split("#", 1)[0].split()
                if len(w) >= 4:
                    known[(int(w[0]), w[1])] = (w[2], w[3])
    return known


def check(res, scn, known_path):
    """Judge one scored capture: the lab itself worked (dumps, lifetimes, the
    designed leaks visible in the data) and every verdict is right or a listed
    known failure.  Returns (lines, failures)."""
    out, fails = [], 0
    name = res["name"]
    if res["error"]:
        return ["FAIL %s: %s" % (name, res["error"])], 1
    if res["lifetimes"] != res["lifetimes_expected"]:
        out.append("FAIL %s: %d lifetimes, the scenario has %d" % (name, res["lifetimes"],
                                                                  res["lifetimes_expected"]))
        fails += 1
    want_dumps = int(sum(float(p["hours"]) for p in scn.get("phase", [])) * 3600
                     / float(scn.get("interval", 60)))
    if res.get("dumps", 0) < 0.8 * want_dumps:
        out.append("FAIL %s: %d dumps, the scenario's server time gives %d" % (name, res.get("dumps", 0),
                                                                              want_dumps))
        fails += 1
    for c in res["cells"]:
        if c["truth"] == "leak" and c.get("in_use_rise", 1) <= 0:
            out.append("FAIL %s: L%d %s should leak by design but its in-use did not rise: the lab is broken"
                       % (name, c["lifetime"], c["allocator"]))
            fails += 1
    known = read_known(known_path)
    used = set()
    for c in sorted(res["cells"], key=lambda c: (c["lifetime"], c["allocator"])):
        wrong = (c["truth"] != "none" and c["verdict"] != c["truth"]) or \
                (c["truth"] == "none" and c["verdict"] in ("leak", "churn"))
        key = (c["lifetime"], c["allocator"])
        if wrong and key in known:
            used.add(key)
            out.append("XFAIL %s: L%d %s is %s, %s (a known failure)"
                       % (name, c["lifetime"], c["allocator"], c["truth"], c["verdict"]))
        elif wrong:
            out.append("FAIL %s: L%d %s is %s, tsmem says %s" % (name, c["lifetime"], c["allocator"],
                                                                 c["truth"], c["verdict"]))
            fails += 1
        elif key in known:
            used.add(key)
            out.append("XPASS %s: L%d %s is now right (%s): remove it from %s"
                       % (name, c["lifetime"], c["allocator"], c["verdict"], known_path))
    return out, fails


def main():
    import argparse
    import shutil
    ap = argparse.ArgumentParser(description="score tsmem's verdicts on a lab capture")
    ap.add_argument("--tsmem", default=os.environ.get("TSMEM", "build/tsmem"))
    ap.add_argument("--records", help="the server's records.config (default: next to the capture)")
    ap.add_argument("--check", metavar="KNOWN", help="judge against this known-failures file; exit 1 on a failure")
    ap.add_argument("scenario")
    ap.add_argument("capture")
    ap.add_argument("outdir", nargs="?")
    a = ap.parse_args()
    with open(a.scenario, "rb") as f:
        scn = tomllib.load(f)
    scn.setdefault("name", os.path.splitext(os.path.basename(a.scenario))[0])
    outdir = a.outdir or os.path.dirname(os.path.abspath(a.capture))
    os.makedirs(outdir, exist_ok=True)
    rec = a.records or os.path.join(os.path.dirname(os.path.abspath(a.capture)), "records.config")
    if os.path.exists(rec) and os.path.abspath(rec) != os.path.abspath(os.path.join(outdir, "records.config")):
        shutil.copy(rec, os.path.join(outdir, "records.config"))
    res = score_capture(a.tsmem, scn, a.capture, outdir)
    print(render([res]))
    if res["error"]:
        return 2
    if a.check is not None:
        lines, fails = check(res, scn, a.check)
        for line in lines:
            print(line)
        return 1 if fails else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
