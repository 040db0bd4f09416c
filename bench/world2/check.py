#!/usr/bin/env python3
"""Check a world2 trace against the allocator invariants, on its own terms.

    check.py traffic.out truth.json

Per lifetime of the truth: the row set and order never change; allocated
never decreases; allocated is a whole number of chunks (C items x type
size); in-use <= allocated; TOTAL is the sum of the rows; the dump count
matches. Exit status 1 on any violation.
"""
import json
import sys


def tables(path):
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("     Allocated      |"):
                cur = []
            elif cur is not None and "| memory/" in line:
                a, u, ts, name = [x.strip() for x in line.split("|")]
                cur.append((name[7:], int(a), int(u), int(ts)))
            elif cur is not None and line.endswith("| TOTAL"):
                p = [x.strip() for x in line.split("|")]
                cur.append(("TOTAL", int(p[0]), int(p[1]), 0))
            elif cur is not None and line == "-" * 89:
                yield cur
                cur = None


def main():
    path, tpath = sys.argv[1], sys.argv[2]
    truth = json.load(open(tpath))
    dumps = list(tables(path))
    errs = []
    if len(dumps) != truth["dumps"]:
        errs.append("dumps: file %d, truth %d" % (len(dumps), truth["dumps"]))
    for lt in truth["lifetimes"]:
        seq = dumps[lt["first_dump"]:lt["first_dump"] + lt["dumps"]]
        prev = None
        for k, d in enumerate(seq):
            rows, tot = d[:-1], d[-1]
            if tot[0] != "TOTAL" or tot[1] != sum(r[1] for r in rows) \
                    or tot[2] != sum(r[2] for r in rows):
                errs.append("lifetime %d dump %d: TOTAL" % (lt["index"], k))
            for name, a, u, ts in rows:
                C = lt["rows"][name]["C"]
                if a % (C * ts):
                    errs.append("lt %d dump %d %s: allocated %d not whole chunks"
                                % (lt["index"], k, name, a))
                if u > a:
                    errs.append("lt %d dump %d %s: in-use > allocated" % (lt["index"], k, name))
            if prev is not None:
                if [r[0] for r in prev] != [r[0] for r in rows]:
                    errs.append("lt %d dump %d: row set changed" % (lt["index"], k))
                for p, r in zip(prev, rows):
                    if r[1] < p[1]:
                        errs.append("lt %d dump %d %s: allocated fell" % (lt["index"], k, r[0]))
            prev = rows
        if lt["index"] > 0 and seq:
            pass
    for e in errs[:20]:
        print(e)
    print("%s: %d dumps, %d lifetimes, %d violations" % (path, len(dumps),
                                                         len(truth["lifetimes"]), len(errs)))
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
