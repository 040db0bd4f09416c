#!/usr/bin/env python3
"""load_share.py — diagnostic for the load-free floor (issue #4 notes).

Usage: python3 bench/load_share.py TSMEM_DB LIFETIME_SEQ ALLOCATOR [AMP]

On one lifetime of a database built from `tsmem simulate` output, fits
in_use = a + beta*load + g*t by least squares (as detect/load_trend.c does)
twice: with the report's load index (per dump, the median over the
allocators with in-use of in_use / the allocator's median in_use; the
report bins it, this uses the dumps) and with the simulator's own daily
load 1 + AMP*sin(2*pi*(time_of_day - 0.625)) (AMP 0.3 unless given; the
restarts, leak and churn scenarios use 0.3).  Prints beta and the rise
g*span of each fit, and the index's range and the spread of its
dump-to-dump changes.  Standard library only; complete dumps only.
"""
import math
import sqlite3
import statistics as st
import sys
from collections import defaultdict


def fit(t, u, load):
    n = len(t)
    mx, ml, mu = sum(t) / n, sum(load) / n, sum(u) / n
    sxx = sum((x - mx) ** 2 for x in t)
    sll = sum((v - ml) ** 2 for v in load)
    sxl = sum((x - mx) * (v - ml) for x, v in zip(t, load))
    sxu = sum((x - mx) * (y - mu) for x, y in zip(t, u))
    slu = sum((v - ml) * (y - mu) for v, y in zip(load, u))
    det = sxx * sll - sxl * sxl
    if not det > 0:
        return float("nan"), float("nan")
    return (sxx * slu - sxl * sxu) / det, (sll * sxu - sxl * slu) / det


def main(argv):
    if len(argv) not in (4, 5):
        sys.stderr.write(__doc__)
        return 2
    db, seq, name = argv[1], int(argv[2]), argv[3]
    amp = float(argv[4]) if len(argv) == 5 else 0.3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT snapshot_id, ts, name, in_use FROM samples WHERE lifetime_seq = ? "
                       "AND complete = 1 AND ts IS NOT NULL ORDER BY ts", (seq,)).fetchall()
    by, ts = defaultdict(dict), {}
    for sid, t, nm, u in rows:
        by[sid][nm] = u
        ts[sid] = t
    sids = sorted(by, key=lambda k: ts[k])
    if len(sids) < 5 or any(name not in by[k] for k in sids):
        sys.stderr.write("load_share: too few dumps, or %s missing from some\n" % name)
        return 1
    names = {nm for k in sids for nm in by[k]}
    med = {nm: st.median([by[k].get(nm, 0) for k in sids]) for nm in names}
    act = [nm for nm in names if med[nm] > 0]
    index = [st.median([by[k][nm] / med[nm] for nm in act if nm in by[k]]) for k in sids]
    t = [ts[k] - ts[sids[0]] for k in sids]
    u = [float(by[k][name]) for k in sids]
    daily = [1 + amp * math.sin(2 * math.pi * ((ts[k] % 86400) / 86400.0 - 0.625)) for k in sids]
    for label, load in (("index", index), ("simulated load", daily)):
        b, g = fit(t, u, load)
        print("%-15s beta %12.0f bytes per unit of load   rise %12.0f bytes" % (label, b, g * t[-1]))
    d = [index[i + 1] - index[i] for i in range(len(index) - 1)]
    print("dumps %d, allocators %d, index %.2f-%.2f, simulated load %.2f-%.2f, "
          "sd of index changes %.3f" % (len(t), len(act), min(index), max(index), min(daily),
                                         max(daily), st.pstdev(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
