#!/usr/bin/env python3
"""eval.py — `make eval` (issue #4 §4): how well do tsmem's verdicts match the
simulator's truth?

Builds a labelled matrix with `tsmem simulate` (every scenario, formats F1-F4,
intervals 10 s .. 15 min, spans 6 h .. 30 days, noise, SIGUSR1 dumps, diags
time stamps, the `restarts` scenario), analyzes each case with
`tsmem analyze --format json`, scores every (lifetime, allocator) verdict
against the truth file, and prints a confusion matrix and per-class precision
and recall for two seed ranges: a tuning range and a HELD-OUT range.

It measures; it tunes nothing.  Exit status 0 whether or not the targets are
met (1 only when the tool cannot run at all).  Standard library only.

Sampling (deterministic).  The full cross product is too big, so for each seed
range one shuffled list (seeded by the range name) of the allowed
format x interval x span combinations is dealt out to the cases
(scenario x seed), in turn: with >= 16 seeds every allowed combination occurs
at least once per range.  A combination is allowed when it gives at most
EVAL_MAX_DUMPS periodic dumps (default 61000: this drops 14 d and 30 d at 10 s
and 30 d at 30 s).  Noise (0.02/0.05/0.1/0.2), SIGUSR1 dumps (0/2/5) and
DEBUG diags lines (on/off) are drawn per case from an RNG seeded by
(scenario, seed).

Scoring rule (per (lifetime, allocator) row of the truth file).
  Truth rows are leak / churn / plateau / idle; leak, churn and plateau rows
  whose truth says `detectable: false` (the evidence is not in the written
  dumps: too few dumps, too short, too small an effect, a cache still
  filling) are separate rows `leak~`, `churn~`, `plateau~`.
  Verdicts: `warming` counts as plateau.  `idle`, `insufficient_data`,
  `malloc_mode` (and `missing`: no verdict for a truth row, or no report)
  are columns of their own; they are never a true or a false positive of
  leak/churn/plateau.
  Recall(K)    = verdict K / truth K rows that are detectable.  Any other
                 verdict on them, abstentions included, is a miss.
  Precision(K) = TP / (TP + FP) over the verdicts K:
                   TP  truth K, detectable;
                   FP  truth another class (detectable or not, idle included);
                   neutral (counted neither way): verdict K on an undetectable
                   row of the same class K (e.g. `leak` on `leak~`: right,
                   just not required), and `plateau`/`warming` on `leak~` or
                   `churn~` (the effect is too small to see, so "looks like a
                   plateau" is a fair reading).
  Idle accuracy = idle verdicts / idle rows.
  Safety: the number of `leak` verdicts on any truth-plateau row
  (steady, diurnal, cache-fill, thread-cache, churn-target; detectable or
  not).  Target 0.
  Misses (one line each in misses.txt): a detectable row whose verdict is not
  its class, an idle row not called idle, and an undetectable row whose
  verdict is neither its class, plateau/warming, nor insufficient_data.

Files (bench/out/eval/, git-ignored): RANGE/CASE/{cmd.sh (reproduces the case
from the repository root), truth.json, report.json, analyze.err, and when
kept traffic.out, tsmem.db}; misses.txt (one line per miss); summary.txt (the
tables); tsmem (the copy of the binary that ran, the tree may be rebuilt
meanwhile).

Environment:
  EVAL_SEEDS=N        seeds per range (default 40: tuning 1-40, held-out 11001-11040;
                      20 seeds give only ~15 detectable churn rows per range)
  EVAL_QUICK=1        quick run: 2 seeds per range, at most 10000 dumps per case
  EVAL_JOBS=N         parallel cases (default 2)
  EVAL_MAX_DUMPS=N    skip combinations with more periodic dumps than this
  EVAL_TUNE_BASE=B    tuning seeds are B+1..B+N (default 0)
  EVAL_HOLD_BASE=B    held-out seeds are B+1..B+N (default 11000: the
                      ranges 1001-1040 and 2001-2040 were read while the
                      classifier was still changing, 3001-3040 scored the
                      first session's final classifier, 4001-4040 the
                      second session's first one, 5001-5040 its final
                      one, 6001-6040 the third session's next-to-last
                      one, 7001-7040 its final one, 8001-8040 the
                      fourth session's final one, 9001-9040 the
                      fifth session's final one, 10001-10040 the
                      sixth session's final one; all were then
                      read, and 5001-5040 became a
                      third tuning range (EVAL_TUNE_BASE=5000); none of
                      them counts as held out any more; move on again
                      after any change.  Seeds 41-80 (EVAL_TUNE_BASE=40)
                      are the second tuning range.)
  EVAL_RANGES=a,b     only these ranges (tuning, heldout)
  EVAL_SCENARIOS=a,b  only these scenarios
  EVAL_KEEP=all|misses|none  keep traffic.out and tsmem.db of every case /
                      of cases with a miss (default; when <= 64 MiB) / none
  EVAL_OUT=dir        where the cases, misses.txt and summary.txt go
                      (default bench/out/eval)
  TSMEM=path          the binary (default build/tsmem)
"""

import collections
import datetime
import hashlib
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.abspath(os.environ.get("EVAL_OUT") or os.path.join(ROOT, "bench", "out", "eval"))

FORMATS = ["F1", "F2", "F3", "F4"]
INTERVALS = [10, 30, 60, 300, 900]
SPANS = [0.25, 0.5, 1, 3, 7, 14, 30]            # days: 6 h .. 30 d
NOISES = [0.02, 0.05, 0.1, 0.2]
SIGUSR1 = [0, 2, 5]
CLASSES = ["leak", "churn", "plateau"]
TRUTH_ROWS = ["leak", "churn", "plateau", "idle", "leak~", "churn~", "plateau~"]
VERDICT_COLS = ["leak", "churn", "plateau", "warming", "idle", "insufficient_data",
                "malloc_mode", "missing"]
LEN_BUCKETS = [(24.5, "<=1d"), (48.5, "1-2d"), (168.5, "2-7d"), (float("inf"), ">7d")]
COL_LABEL = {"insufficient_data": "insuff", "malloc_mode": "malloc"}
KEEP_MAX_BYTES = 64 << 20
SIM_START = 1736121600                           # 2025-01-06 00:00:00 UTC


def env_int(name, default):
    v = os.environ.get(name, "")
    try:
        return int(v) if v != "" else default
    except ValueError:
        sys.exit("eval: %s must be an integer, not %r" % (name, v))


def norm(v):
    return "plateau" if v == "warming" else v


def span_label(days):
    return "%gh" % (days * 24) if days < 1 else "%gd" % days


def interval_label(s):
    return "%ds" % s if s < 60 else "%dm" % (s // 60)


# ---- plan -------------------------------------------------------------------

class Case:
    def __init__(self, rng_name, scenario, seed, fmt, interval, days, noise, sigusr1, debug):
        self.range = rng_name
        self.scenario = scenario
        self.seed = seed
        self.fmt = fmt
        self.interval = interval
        self.days = days
        self.noise = noise
        self.sigusr1 = sigusr1
        self.debug = debug
        self.name = "%s-s%d-%s-%s-%s" % (scenario, seed, fmt, interval_label(interval),
                                          span_label(days))
        self.dir = os.path.join(OUT, rng_name, self.name)
        self.dumps = int(days * 86400 / interval)
        # mtime of traffic.out: the end of the run (simulate's default --start
        # is 2025-01-06 00:00:00, taken here as UTC)
        self.mtime = int(SIM_START + days * 86400)

    def desc(self):
        return "%s %s %s %s seed=%d noise=%g sigusr1=%d%s" % (
            self.scenario, self.fmt, interval_label(self.interval), span_label(self.days),
            self.seed, self.noise, self.sigusr1, " debug-lines" if self.debug else "")

    def sim_argv(self, tsmem, out, truth):
        a = [tsmem, "simulate", "--scenario", self.scenario, "--days", "%g" % self.days,
             "--interval", str(self.interval), "--format", self.fmt, "--seed", str(self.seed),
             "--noise", "%g" % self.noise, "--sigusr1", str(self.sigusr1)]
        if self.debug:
            a.append("--debug-lines")
        return a + ["-o", out, "--truth", truth]

    def analyze_argv(self, tsmem, db, rep, inp):
        return [tsmem, "analyze", "-q", "-d", db, "--host", "sim-01", "--interval",
                str(self.interval), "--format", "json", "-o", rep, inp]


def plan(ranges, scenarios, nseeds, max_dumps):
    combos = [(f, i, d) for f in FORMATS for i in INTERVALS for d in SPANS
              if d * 86400 / i <= max_dumps]
    cases = []
    for rname, base in ranges:
        perm = list(combos)
        random.Random("tsmem-eval:" + rname).shuffle(perm)
        for k in range(nseeds):
            seed = base + k + 1
            for j, sc in enumerate(scenarios):
                f, i, d = perm[(k * len(scenarios) + j) % len(perm)]
                r = random.Random("tsmem-eval:%s:%d" % (sc, seed))
                cases.append(Case(rname, sc, seed, f, i, d, r.choice(NOISES), r.choice(SIGUSR1),
                                  r.random() < 0.5))
    return cases, combos


# ---- run --------------------------------------------------------------------

def shq(a):
    out = []
    for s in a:
        if s and all(c.isalnum() or c in "-_./=:[],@" for c in s):
            out.append(s)
        else:
            out.append("'" + s.replace("'", "'\\''") + "'")
    return " ".join(out)


def run_case(case, tsmem):
    """Simulate and analyze one case; returns (case, truth, report, error, seconds)."""
    t0 = time.monotonic()
    if os.path.isdir(case.dir):
        shutil.rmtree(case.dir)
    os.makedirs(case.dir)
    inp = os.path.join(case.dir, "traffic.out")
    truth_p = os.path.join(case.dir, "truth.json")
    db = os.path.join(case.dir, "tsmem.db")
    rep_p = os.path.join(case.dir, "report.json")
    sim = case.sim_argv(tsmem, inp, truth_p)
    ana = case.analyze_argv(tsmem, db, rep_p, inp)
    def rel(a):
        return ["@TSMEM@" if x == tsmem else os.path.relpath(x, ROOT) if x.startswith(OUT) else x
                for x in a]
    with open(os.path.join(case.dir, "cmd.sh"), "w") as f:
        text = ("#!/bin/sh\n# %s (%s seeds)\n# reproduce from the repository root:\nset -e\n"
                "mkdir -p %s\nrm -f %s\n%s\ntouch -d @%d %s\n%s\n" % (
                    case.desc(), case.range, os.path.relpath(case.dir, ROOT),
                    os.path.relpath(db, ROOT), shq(rel(sim)), case.mtime,
                    os.path.relpath(inp, ROOT), shq(rel(ana))))
        f.write(text.replace("@TSMEM@", '"${TSMEM:-build/tsmem}"'))
    err = None
    truth = report = None
    p = subprocess.run(sim, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = "simulate exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[:200])
    else:
        with open(truth_p) as f:
            truth = json.load(f)
        # The file's mtime times the last dump (ts_quality upper_bound): pin it
        # to the simulated end, so the report does not depend on the clock.
        os.utime(inp, (case.mtime, case.mtime))
        p = subprocess.run(ana, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(case.dir, "analyze.err"), "wb") as f:
            f.write(p.stderr)
        if p.returncode != 0:
            err = "analyze exit %d: %s" % (p.returncode,
                                           p.stderr.decode(errors="replace").strip()[:200])
        else:
            try:
                with open(rep_p) as f:
                    report = json.load(f)
            except (OSError, ValueError) as e:
                err = "report.json unreadable: %s" % e
    return case, truth, report, err, time.monotonic() - t0


# ---- score ------------------------------------------------------------------

def match_lifetimes(tl, rl):
    """Map each truth lifetime to the report lifetime overlapping it most, by
    dump order (cumulative dump counts).  Returns (list of report lifetime or
    None, note)."""
    if len(tl) == len(rl):
        return list(rl), ""
    spans_t, spans_r, s = [], [], 0
    for t in tl:
        spans_t.append((s, s + int(t.get("dumps", 0))))
        s += int(t.get("dumps", 0))
    s = 0
    for r in rl:
        spans_r.append((s, s + int(r.get("dumps", 0))))
        s += int(r.get("dumps", 0))
    out = []
    for a, b in spans_t:
        best, bo = None, 0
        for (c, d), r in zip(spans_r, rl):
            o = min(b, d) - max(a, c)
            if o > bo:
                best, bo = r, o
        out.append(best)
    return out, "lifetimes: truth %d, report %d" % (len(tl), len(rl))


class Score:
    def __init__(self):
        self.cm = collections.defaultdict(collections.Counter)   # truth row -> verdict col
        self.tp = collections.Counter()
        self.fp = collections.Counter()
        self.neutral = collections.Counter()
        self.fn = collections.Counter()
        self.leak_on_plateau = collections.Counter()               # mechanism -> n
        self.cases = 0
        self.case_errors = 0
        self.lt_mismatch = 0
        self.rows = 0
        self.seconds = 0.0
        self.dumps = 0
        self.per_scen = collections.defaultdict(lambda: [0, 0])     # scenario -> [rows, misses]
        self.dim_miss = collections.defaultdict(lambda: [0, 0])     # (dim, value) -> [cases, cases w/ miss]
        self.patterns = collections.defaultdict(list)               # (kind, row, mech, verdict) -> cases
        self.by_len = collections.defaultdict(collections.Counter)  # lifetime length -> "tp:leak" etc.


def score_case(sc, case, truth, report, err, secs, misses):
    sc.cases += 1
    sc.seconds += secs
    sc.dumps += case.dumps
    lines = []
    if truth is None:
        sc.case_errors += 1
        lines.append("%s\tCASE-ERROR\t%s" % (prefix(case, "-", "-"), err))
        misses.extend(lines)
        return 0
    tl = truth["hosts"][0]["lifetimes"] if truth.get("hosts") else []
    if report is not None and report.get("hosts"):
        rl = report["hosts"][0]["lifetimes"]
    else:
        rl = []
        sc.case_errors += 1
        lines.append("%s\tCASE-ERROR\t%s" % (prefix(case, "-", "-"), err or "no host in report"))
    mapped, note = match_lifetimes(tl, rl)
    if note:
        sc.lt_mismatch += 1
        lines.append("%s\tLIFETIMES\t%s" % (prefix(case, "-", "-"), note))
    nmiss = 0
    for t, r in zip(tl, mapped):
        rv = {a["name"]: a for a in (r["allocators"] if r else [])}
        lb = LEN_BUCKETS[-1][1]
        try:
            hours = (datetime.datetime.fromisoformat(t["end"]) -
                     datetime.datetime.fromisoformat(t["start"])).total_seconds() / 3600
            lb = next(lab for lim, lab in LEN_BUCKETS if hours < lim)
        except (KeyError, TypeError, ValueError):
            pass
        bl = sc.by_len[lb]
        for a in t["allocators"]:
            tv = a["verdict"]
            det = bool(a.get("detectable", True))
            row = tv if (det or tv == "idle") else tv + "~"
            ra = rv.get(a["name"])
            v = ra["verdict"] if ra else "missing"
            col = v if v in VERDICT_COLS else "missing"
            sc.cm[row][col] += 1
            sc.rows += 1
            nv = norm(v)
            # precision / recall
            if nv in CLASSES:
                if nv == tv and det:
                    sc.tp[nv] += 1
                    bl["tp:" + nv] += 1
                elif nv == tv or (nv == "plateau" and not det and tv in ("leak", "churn")):
                    sc.neutral[nv] += 1
                else:
                    sc.fp[nv] += 1
                    bl["fp:" + nv] += 1
            if det and tv in CLASSES and nv != tv:
                sc.fn[tv] += 1
                bl["fn:" + tv] += 1
            if tv == "plateau" and nv == "leak":
                sc.leak_on_plateau[a.get("mechanism", "?")] += 1
            # acceptable?
            if tv == "idle":
                ok = v == "idle"
            elif det:
                ok = nv == tv
            else:
                ok = nv in (tv, "plateau", "insufficient_data")
            sc.per_scen[case.scenario][0] += 1
            if not ok:
                nmiss += 1
                sc.per_scen[case.scenario][1] += 1
                expl = (ra or {}).get("explanation", "") if ra else ""
                if nv in ("leak", "churn") and nv != tv:
                    kind = "false-" + nv
                elif nv in ("insufficient_data", "idle", "malloc_mode", "missing"):
                    kind = "abstain"
                else:
                    kind = "missed-" + tv
                sc.patterns[(kind, row, a.get("mechanism", "?"), v)].append(case)
                sh = ra.get("span_hours") if ra else None
                lines.append("%s\t%s\t%s%s/%s\t%s\tlt_h=%s dumps=%s\t%s" % (
                    prefix(case, t.get("index", "?"), a["name"]), kind,
                    tv, "" if det or tv == "idle" else "~", a.get("mechanism", "?"), v,
                    "%.1f" % sh if isinstance(sh, (int, float)) else "?",
                    ra.get("dumps", "?") if ra else "?", expl[:200]))
    for dim, val in (("format", case.fmt), ("interval", interval_label(case.interval)),
                     ("span", span_label(case.days)), ("scenario", case.scenario)):
        d = sc.dim_miss[(dim, val)]
        d[0] += 1
        d[1] += 1 if nmiss else 0
    misses.extend(lines)
    return nmiss


def prefix(case, lt, alloc):
    return "%s\t%s\t%s\t%s\t%s\tseed=%d\tnoise=%g\tsigusr1=%d%s\tlt=%s\t%s" % (
        case.range, case.scenario, case.fmt, interval_label(case.interval),
        span_label(case.days), case.seed, case.noise, case.sigusr1,
        "\tdebug" if case.debug else "\t-", lt, alloc)


def fmt_ratio(n, d):
    return "%.3f" % (n / d) if d else "  n/a"


def print_tables(sc, title, held_out, out):
    w = out.write
    w("\n" + "=" * 78 + "\n")
    w("%s\n" % title)
    w("=" * 78 + "\n")
    w("cases %d (case errors %d, lifetime-count mismatches %d), rows %d, dumps %d, "
      "case time %.0f s\n\n" % (sc.cases, sc.case_errors, sc.lt_mismatch, sc.rows, sc.dumps,
                                sc.seconds))
    w("confusion matrix (rows: truth, ~ = truth says not detectable; columns: verdict)\n")
    hdr = "%-10s" % "truth" + "".join("%9s" % COL_LABEL.get(c, c) for c in VERDICT_COLS) + \
        "%9s\n" % "total"
    w(hdr)
    for r in TRUTH_ROWS:
        cnt = sc.cm.get(r, collections.Counter())
        w("%-10s" % r + "".join("%9d" % cnt[c] for c in VERDICT_COLS) +
          "%9d\n" % sum(cnt.values()))
    w("\n%-8s %6s %6s %6s %7s %9s %9s\n" % ("class", "TP", "FP", "FN", "neutral", "precision",
                                             "recall"))
    for k in CLASSES:
        w("%-8s %6d %6d %6d %7d %9s %9s\n" % (k, sc.tp[k], sc.fp[k], sc.fn[k], sc.neutral[k],
                                               fmt_ratio(sc.tp[k], sc.tp[k] + sc.fp[k]),
                                               fmt_ratio(sc.tp[k], sc.tp[k] + sc.fn[k])))
    idle = sc.cm.get("idle", collections.Counter())
    w("idle accuracy %s (%d/%d)\n" % (fmt_ratio(idle["idle"], sum(idle.values())), idle["idle"],
                                       sum(idle.values())))
    und = sum(sum(sc.cm.get(r, {}).values()) for r in ("leak~", "churn~", "plateau~"))
    insuf = sum(sc.cm.get(r, {}).get("insufficient_data", 0) for r in ("leak~", "churn~", "plateau~"))
    w("undetectable rows called insufficient_data: %d/%d\n" % (insuf, und))
    lop = sum(sc.leak_on_plateau.values())
    w("leak verdicts on plateau/diurnal/cache-fill series: %d%s\n" % (
        lop, "" if not lop else " (" + ", ".join("%s %d" % kv for kv in
                                                  sorted(sc.leak_on_plateau.items())) + ")"))
    w("\nby true lifetime length (process start to last dump):\n")
    w("  %-7s" % "length" + "".join("  %-30s" % ("%-5s TP/  FP/  FN     P     R" % k)
                                     for k in ("leak", "churn")) + "\n")
    for _, lab in LEN_BUCKETS:
        b = sc.by_len.get(lab, collections.Counter())
        cells = []
        for k in ("leak", "churn"):
            tp, fp, fn = b["tp:" + k], b["fp:" + k], b["fn:" + k]
            cells.append("  %-30s" % ("     %4d/%4d/%4d %s %s" % (tp, fp, fn, fmt_ratio(tp, tp + fp),
                                                            fmt_ratio(tp, tp + fn))))
        w("  %-7s" % lab + "".join(cells) + "\n")
    w("\nper scenario: rows / misses\n")
    for s in sorted(sc.per_scen):
        n, m = sc.per_scen[s]
        w("  %-14s %6d %6d\n" % (s, n, m))
    w("cases with at least one miss, by dimension:\n")
    for dim in ("format", "interval", "span"):
        vals = sorted((k[1] for k in sc.dim_miss if k[0] == dim),
                      key=lambda v: (len(v), v) if dim != "span" else (v[-1], float(v[:-1])))
        w("  %-8s " % dim + "  ".join("%s %d/%d" % (v, sc.dim_miss[(dim, v)][1],
                                                     sc.dim_miss[(dim, v)][0]) for v in vals) + "\n")
    w("most common misses (kind, truth/mechanism -> verdict: rows in cases; spans; example):\n")
    pats = sorted(sc.patterns.items(), key=lambda kv: -len(kv[1]))
    for (kind, row, mech, v), cs in pats[:10]:
        uc = {c.name: c for c in cs}
        spans = collections.Counter(span_label(c.days) for c in uc.values())
        w("  %-12s %-9s %-13s -> %-8s %4d in %3d; %s; e.g. %s\n" % (
            kind, row, mech, COL_LABEL.get(v, v), len(cs), len(uc),
            " ".join("%s:%d" % kv for kv in sorted(spans.items(), key=lambda kv: -kv[1])[:4]),
            os.path.relpath(os.path.join(cs[0].dir, "cmd.sh"), ROOT)))
    if len(pats) > 10:
        w("  ... %d more patterns in misses.txt\n" % (len(pats) - 10))
    w("\ntargets%s:\n" % (" (HELD-OUT: these are the ones that count)" if held_out
                          else " (tuning seeds; informational)"))
    res = []

    def target(label, ok):
        res.append(ok)
        w("  %-52s %s\n" % (label, "PASS" if ok else "FAIL"))
    lp = sc.tp["leak"] / (sc.tp["leak"] + sc.fp["leak"]) if sc.tp["leak"] + sc.fp["leak"] else 1.0
    lr = sc.tp["leak"] / (sc.tp["leak"] + sc.fn["leak"]) if sc.tp["leak"] + sc.fn["leak"] else 0.0
    cp = sc.tp["churn"] / (sc.tp["churn"] + sc.fp["churn"]) if sc.tp["churn"] + sc.fp["churn"] else 1.0
    cr = sc.tp["churn"] / (sc.tp["churn"] + sc.fn["churn"]) if sc.tp["churn"] + sc.fn["churn"] else 0.0
    target("leak precision >= 0.98 (%.3f)" % lp, lp >= 0.98)
    target("leak recall >= 0.95, detectable leaks (%.3f)" % lr, lr >= 0.95)
    target("churn precision >= 0.90 (%.3f)" % cp, cp >= 0.90)
    target("churn recall >= 0.90 (%.3f)" % cr, cr >= 0.90)
    target("leak verdicts on plateau/diurnal/cache-fill = 0 (%d)" % lop, lop == 0)
    return res


def main():
    t_start = time.monotonic()
    tsmem = os.path.abspath(os.environ.get("TSMEM", os.path.join(ROOT, "build", "tsmem")))
    if not os.access(tsmem, os.X_OK):
        sys.exit("eval: %s not built (run make first)" % tsmem)
    quick = os.environ.get("EVAL_QUICK", "") not in ("", "0")
    nseeds = env_int("EVAL_SEEDS", 2 if quick else 40)
    jobs = max(1, env_int("EVAL_JOBS", 2))
    max_dumps = env_int("EVAL_MAX_DUMPS", 10000 if quick else 61000)
    keep = os.environ.get("EVAL_KEEP", "misses")
    ranges = [("tuning", env_int("EVAL_TUNE_BASE", 0)),
              ("heldout", env_int("EVAL_HOLD_BASE", 11000))]
    if os.environ.get("EVAL_RANGES"):
        want = os.environ["EVAL_RANGES"].split(",")
        ranges = [r for r in ranges if r[0] in want]
    p = subprocess.run([tsmem, "simulate", "--list-scenarios"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("eval: %s simulate --list-scenarios failed" % tsmem)
    scenarios = [ln.split()[0] for ln in p.stdout.decode().splitlines() if ln.strip()]
    if os.environ.get("EVAL_SCENARIOS"):
        want = os.environ["EVAL_SCENARIOS"].split(",")
        scenarios = [s for s in scenarios if s in want]
    cases, combos = plan(ranges, scenarios, nseeds, max_dumps)
    os.makedirs(OUT, exist_ok=True)
    # Run a copy: the tree may be rebuilt while the evaluation runs.
    snap = os.path.join(OUT, "tsmem")
    shutil.copy2(tsmem, snap)
    tsmem_shown = os.path.relpath(tsmem, ROOT)
    tsmem = snap
    for rname, _ in ranges:
        d = os.path.join(OUT, rname)
        if os.path.isdir(d):
            shutil.rmtree(d)

    out = sys.stdout
    out.write("eval: %s; %d scenarios x %d seeds x %d ranges = %d cases, %d jobs%s\n" % (
        tsmem_shown, len(scenarios), nseeds, len(ranges), len(cases), jobs,
        " (EVAL_QUICK)" if quick else ""))
    with open(tsmem, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:12]
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()
    out.write("eval: binary sha256 %s (tree HEAD %s, working-tree changes not shown)\n" % (
        sha, head or "?"))
    out.write("eval: seeds %s\n" % ", ".join("%s %d-%d" % (r, b + 1, b + nseeds)
                                           for r, b in ranges))
    out.write("eval: %d allowed format x interval x span combinations (<= %d dumps each); "
              "formats %s, intervals %s, spans %s\n" % (
                  len(combos), max_dumps, "/".join(FORMATS),
                  "/".join(interval_label(i) for i in INTERVALS),
                  "/".join(span_label(d) for d in SPANS)))
    out.flush()

    scores = {r: Score() for r, _ in ranges}
    misses = {r: [] for r, _ in ranges}
    done = 0
    # Longest cases first, so two jobs finish together.
    order = sorted(cases, key=lambda c: -c.dumps)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [ex.submit(run_case, c, tsmem) for c in order]
        for fu in concurrent.futures.as_completed(futs):
            case, truth, report, err, secs = fu.result()
            nmiss = score_case(scores[case.range], case, truth, report, err, secs,
                               misses[case.range])
            done += 1
            sys.stderr.write("eval: [%3d/%d] %-7s %-44s %5.1fs %s\n" % (
                done, len(cases), case.range, case.name, secs,
                ("ERROR " + err) if err else ("%d misses" % nmiss if nmiss else "ok")))
            big = [os.path.join(case.dir, n) for n in ("traffic.out", "tsmem.db",
                                                       "tsmem.db-wal", "tsmem.db-shm")]
            size = sum(os.path.getsize(x) for x in big if os.path.exists(x))
            if keep == "none" or (keep != "all" and (not (nmiss or err) or size > KEEP_MAX_BYTES)):
                for x in big:
                    if os.path.exists(x):
                        os.remove(x)

    with open(os.path.join(OUT, "misses.txt"), "w") as f:
        f.write("# range\tscenario\tformat\tinterval\tspan\tseed\tnoise\tsigusr1\tdebug\t"
                "lifetime\tallocator\tkind\ttruth/mechanism\tverdict\tlifetime hours, dumps\t"
                "explanation\n")
        f.write("# reproduce a case: sh bench/out/eval/RANGE/CASE/cmd.sh\n")
        for r, _ in ranges:
            for ln in sorted(misses[r]):
                f.write(ln + "\n")

    results = {}
    summary = []

    class Tee:
        def write(self, s):
            out.write(s)
            summary.append(s)
    tee = Tee()
    for r, base in ranges:
        title = ("TUNING seeds %d-%d" % (base + 1, base + nseeds) if r == "tuning" else
                 "HELD-OUT seeds %d-%d (not used to choose thresholds)" % (base + 1,
                                                                           base + nseeds))
        results[r] = print_tables(scores[r], title, r == "heldout", tee)
    nmiss = sum(len(m) for m in misses.values())
    tee.write("\nmisses: %d lines in %s\n" % (nmiss, os.path.relpath(
        os.path.join(OUT, "misses.txt"), ROOT)))
    if "heldout" in results:
        tee.write("eval: held-out targets %d/%d PASS\n" % (sum(results["heldout"]),
                                                          len(results["heldout"])))
    tee.write("eval: wall time %.0f s\n" % (time.monotonic() - t_start))
    with open(os.path.join(OUT, "summary.txt"), "w") as f:
        f.write("".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
