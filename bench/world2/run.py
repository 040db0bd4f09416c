#!/usr/bin/env python3
"""Run tsmem on the second synthetic world and score it against the truth.

    bench/world2/run.py [-n N] [--check] [--keep]

Cases are seeds BASE_SEED .. BASE_SEED+N-1 (N default 60) unless
WORLD2_SEEDS names them ("1-60", "5,9,12-20": offsets added to BASE_SEED;
prefix "=" for absolute seeds).  WORLD2_JOBS cases run at once (default 2).
TSMEM is the binary (default build/tsmem).  Everything goes to
bench/out/world2/: per case the truth and tsmem's report (the trace and
database are deleted unless --keep), rows.tsv (one line per scored row) and
summary.txt (what is printed).

Scoring: warming counts as plateau; insufficient_data, idle and malloc_mode
are abstentions (a miss for recall, never a false positive); a leak verdict
on an undetectable leak row, and a churn verdict on an undetectable churn
row, are neutral.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time

BASE_SEED = 720311          # fixed: the exam is the same every time
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "out", "world2")
NICE = ["nice", "-n", "19"]
VCOLS = ["leak", "churn", "plateau", "warming", "idle", "insufficient_data",
         "malloc_mode", "missing"]
VSHORT = {"insufficient_data": "insuff", "malloc_mode": "malloc"}
TROWS = ["leak", "churn", "plateau", "idle", "leak~", "churn~", "plateau~", "idle~"]


def seeds_from_env(n):
    spec = os.environ.get("WORLD2_SEEDS", "").strip()
    if not spec:
        return [BASE_SEED + i for i in range(n)]
    absolute = spec.startswith("=")
    spec = spec.lstrip("=")
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out if absolute else [BASE_SEED + x for x in out]


def run_case(seed, tsmem, check, keep):
    d = os.path.join(OUT, "case-%d" % seed)
    os.makedirs(d, exist_ok=True)
    trace = os.path.join(d, "traffic.out")
    truth_p = os.path.join(d, "truth.json")
    rep = os.path.join(d, "report.json")
    db = os.path.join(d, "tsmem.db")
    res = {"seed": seed, "error": None}
    t0 = time.time()
    p = subprocess.run(NICE + [sys.executable, os.path.join(HERE, "gen.py"), "--seed",
                               str(seed), "-o", trace, "--truth", truth_p],
                       capture_output=True, text=True)
    if p.returncode:
        res["error"] = "gen: " + p.stderr.strip()[-300:]
        return res
    res["gen_s"] = time.time() - t0
    res["bytes"] = os.path.getsize(trace)
    if check:
        p = subprocess.run(NICE + [sys.executable, os.path.join(HERE, "check.py"), trace,
                                   truth_p], capture_output=True, text=True)
        res["check"] = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        if p.returncode:
            res["error"] = "check: " + p.stdout.strip()[-300:]
    t1 = time.time()
    interval = json.load(open(truth_p))["interval"]
    for f in (db, db + "-wal", db + "-shm", rep):
        if os.path.exists(f):
            os.remove(f)
    p = subprocess.run(NICE + [tsmem, "analyze", "-q", "-d", db, "--host", "w2-%d" % seed,
                               "--interval", str(interval), "--format", "json", "-o", rep,
                               trace], capture_output=True, text=True)
    res["tsmem_s"] = time.time() - t1
    if p.returncode not in (0, 3):
        res["error"] = "tsmem rc %d: %s" % (p.returncode, p.stderr.strip()[-300:])
    if not keep:
        for f in (trace, db, db + "-wal", db + "-shm"):
            if os.path.exists(f):
                os.remove(f)
    return res


def verdict_map(rep_path):
    rep = json.load(open(rep_path))
    hosts = rep.get("hosts") or []
    if not hosts:
        return {}, {}
    lts = {}
    dumps = {}
    for lt in hosts[0].get("lifetimes", []):
        lts[lt["index"]] = {a["name"]: a.get("verdict") for a in lt.get("allocators", [])}
        dumps[lt["index"]] = lt.get("dumps")
    return lts, dumps


def score(seeds, results):
    conf = collections.defaultdict(collections.Counter)
    fp_kind = collections.Counter()       # leak verdicts on no-leak rows, by kind
    kind_rows = collections.Counter()
    rows_out = []
    mism = 0
    for seed in seeds:
        d = os.path.join(OUT, "case-%d" % seed)
        truth_p, rep = os.path.join(d, "truth.json"), os.path.join(d, "report.json")
        if not os.path.exists(truth_p):
            continue
        truth = json.load(open(truth_p))
        vm, dm = verdict_map(rep) if os.path.exists(rep) else ({}, {})
        if len(vm) != len(truth["lifetimes"]):
            mism += 1
        for lt in truth["lifetimes"]:
            got = vm.get(lt["index"])
            if got is not None and dm.get(lt["index"]) not in (None, lt["dumps"]):
                got = None            # not the same lifetime: its rows are missing
            for name, tr in lt["rows"].items():
                lab = tr["label"] + ("" if tr["detectable"] else "~")
                v = (got or {}).get(name) or "missing"
                if v not in VCOLS:
                    v = "missing"
                conf[lab][v] += 1
                if tr["label"] != "leak":
                    kind_rows[tr["kind"]] += 1
                    if v == "leak":
                        fp_kind[tr["kind"]] += 1
                rows_out.append((seed, lt["index"], name, lab, tr["kind"], v))
    return conf, fp_kind, kind_rows, rows_out, mism


def pr(conf, label):
    tp = conf[label][label]
    fp = sum(conf[t][label] for t in TROWS if t not in (label, label + "~"))
    fn = sum(conf[label].values()) - tp
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return tp, fp, fn, p, r


def report(conf, fp_kind, kind_rows, mism, nseeds, elapsed, results):
    L = []
    w = L.append
    w("world2: %d cases, %d lifetime-count mismatches, %.0f s" % (nseeds, mism, elapsed))
    errs = [r for r in results if r.get("error")]
    for r in errs:
        w("  case %d: %s" % (r["seed"], r["error"]))
    w("")
    hdr = "%-10s" % "truth" + "".join("%9s" % VSHORT.get(v, v) for v in VCOLS) + "%9s" % "total"
    w(hdr)
    for t in TROWS:
        row = conf.get(t, collections.Counter())
        w("%-10s" % t + "".join("%9d" % row[v] for v in VCOLS) + "%9d" % sum(row.values()))
    w("(~ = undetectable: the evidence is not in the dumps; warming scores as plateau)")
    w("")
    # warming counts as plateau: fold it in for scoring
    sc = collections.defaultdict(collections.Counter)
    for t, row in conf.items():
        for v, n in row.items():
            sc[t]["plateau" if v == "warming" else v] += n
    w("%-8s %6s %6s %6s %8s %8s" % ("", "TP", "FP", "FN", "prec", "recall"))
    for lab in ("leak", "churn"):
        tp, fp, fn, p, r = pr(sc, lab)
        w("%-8s %6d %6d %6d %8.3f %8.3f" % (lab, tp, fp, fn, p, r))
    w("")
    w("leak verdicts on no-leak rows, by kind (verdicts / rows of that kind):")
    for k in sorted(kind_rows, key=lambda k: (-fp_kind[k], k)):
        w("  %-22s %5d / %d" % (k, fp_kind[k], kind_rows[k]))
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=60, help="number of cases (default 60)")
    ap.add_argument("--check", action="store_true", help="also run check.py on each trace")
    ap.add_argument("--keep", action="store_true", help="keep traces and databases")
    a = ap.parse_args()
    tsmem = os.environ.get("TSMEM", "build/tsmem")
    if not (os.path.isfile(tsmem) and os.access(tsmem, os.X_OK)):
        sys.exit("run.py: no tsmem binary at %s (set TSMEM)" % tsmem)
    tsmem = os.path.abspath(tsmem)
    seeds = seeds_from_env(a.n)
    jobs = max(1, int(os.environ.get("WORLD2_JOBS", "2")))
    os.makedirs(OUT, exist_ok=True)
    t0 = time.time()
    results = []
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = {ex.submit(run_case, s, tsmem, a.check, a.keep): s for s in seeds}
        for f in concurrent.futures.as_completed(futs):
            r = f.result()
            results.append(r)
            if r["error"]:
                msg = r["error"]
            else:
                msg = "%.1f MB, gen %.0f s, tsmem %.0f s" % (r["bytes"] / 1e6, r["gen_s"],
                                                           r["tsmem_s"])
                if r.get("check"):
                    msg += "; " + r["check"].split(": ", 1)[-1]
            print("case %d (%d/%d): %s" % (r["seed"], len(results), len(seeds), msg),
                  file=sys.stderr)
    conf, fp_kind, kind_rows, rows_out, mism = score(seeds, results)
    text = report(conf, fp_kind, kind_rows, mism, len(seeds), time.time() - t0, results)
    print(text)
    with open(os.path.join(OUT, "summary.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(OUT, "rows.tsv"), "w") as f:
        f.write("seed\tlifetime\tallocator\ttruth\tkind\tverdict\n")
        for r in rows_out:
            f.write("\t".join(str(x) for x in r) + "\n")


if __name__ == "__main__":
    main()
