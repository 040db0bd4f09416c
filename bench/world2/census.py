#!/usr/bin/env python3
"""What the world drew: cases and truth rows by kind, from the truth files.

    census.py [DIR]      (default bench/out/world2; reads DIR/case-*/truth.json)

Needs no tsmem and prints no verdicts.
"""
import collections
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def bucket(v, edges, names):
    for e, n in zip(edges, names):
        if v < e:
            return n
    return names[-1]


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(HERE), "out", "world2")
    paths = sorted(glob.glob(os.path.join(d, "case-*", "truth.json")))
    if not paths:
        sys.exit("census.py: no truth files under %s" % d)
    feats = collections.defaultdict(collections.Counter)
    rows = collections.Counter()
    kinds = collections.Counter()
    kcases = collections.defaultdict(set)
    dumps = []
    for p in paths:
        t = json.load(open(p))
        pa = t["params"]
        dumps.append(t["dumps"])
        feats["load curve"][pa["load_shape"]] += 1
        feats["interval"][bucket(t["interval"], [30, 120, 600], ["10-29 s", "30-119 s",
                                                               "2-9 min", "10-15 min"])] += 1
        feats["span"][bucket(t["span"] / 3600, [12, 48, 24 * 7], ["2-12 h", "12-48 h", "2-7 d",
                                                               "7-14 d"])] += 1
        feats["dumps"][bucket(t["dumps"], [12, 500, 3000, 10000], ["<12", "12-499", "500-2999",
                                                                  "3000-9999", ">=10000"])] += 1
        feats["restarts"][bucket(len(t["restarts"]), [1, 2, 4], ["0", "1", "2-3", ">=4"])] += 1
        feats["RAM cache"]["off" if not pa["ram_cache"] else bucket(
            pa["ram_cache"] / 2 ** 30, [0.25, 2], ["<256 MiB", "256 MiB-2 GiB", ">=2 GiB"])] += 1
        feats["object mix"][pa["mix"]["family"]] += 1
        feats["size-mix shift"]["yes" if pa["shift"] else "no"] += 1
        feats["SIGUSR1 dumps"]["yes" if t["sigusr1"] else "no"] += 1
        feats["leaks"][str(len(t["leaks"]))] += 1
        for l in t["leaks"]:
            feats["leak mechanism"][l["what"]] += 1
            feats["leak shape"][l["shape"]] += 1
        for k in ("hugepages", "alt_build", "res_track", "debug_lines"):
            feats["options"][k] += 1 if pa[k] else 0
        for lt in t["lifetimes"]:
            for name, r in lt["rows"].items():
                lab = r["label"] + ("" if r["detectable"] else "~")
                rows[lab] += 1
                if r["label"] != "idle":
                    kinds[(lab, r["kind"])] += 1
                    kcases[(lab, r["kind"])].add(t["seed"])
    print("%d cases, %d dumps in all (largest %d), %d lifetimes" % (
        len(paths), sum(dumps), max(dumps),
        sum(len(json.load(open(p))["lifetimes"]) for p in paths)))
    for f, c in feats.items():
        print("%-16s %s" % (f, ", ".join("%s %d" % kv for kv in sorted(c.items()))))
    print("")
    print("truth rows: " + ", ".join("%s %d" % kv for kv in sorted(rows.items())))
    print("%-10s %-26s %6s %6s" % ("truth", "kind", "rows", "cases"))
    for (lab, k), n in sorted(kinds.items()):
        print("%-10s %-26s %6d %6d" % (lab, k, n, len(kcases[(lab, k)])))


if __name__ == "__main__":
    main()
