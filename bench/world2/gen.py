#!/usr/bin/env python3
"""Second synthetic world: an ATS 9.2 traffic.out and its truth, from a seed.

The allocator facts come from the dump specification (freelist chunks,
allocated never decreases, per-thread caches, ioBufAllocator buckets, RAM
cache) and from real 9.2 captures (row set, order, type sizes, start lines).

    gen.py --seed N -o traffic.out --truth truth.json

Python 3 standard library only.
"""
import argparse
import json
import math
import os
import random
import sys

PAGE = 4096
HUGE = 2 * 1024 * 1024
H_WM, L_WM = 512, 32          # thread_freelist_size / low watermark
SPAN_MIN, SPAN_MAX = 2 * 3600, 14 * 86400
MAX_DUMPS = 40000

# ATS 9.2 row order after the iobuf buckets, with the type sizes of an
# x86_64 9.2 build (as a real capture prints them).
CLASS_ROWS = [
    ("eventAllocator", 96), ("mutexAllocator", 80), ("ioBlockAllocator", 64),
    ("ioDataAllocator", 48), ("ioAllocator", 240), ("socksAllocator", 480),
    ("udpReadContAllocator", 144), ("udpPacketAllocator", 160),
    ("netVCAllocator", 960), ("UDPIOEventAllocator", 128),
    ("sslNetVCAllocator", 1360), ("RamCacheLRUEntry", 64),
    ("RamCacheCLFUSEntry", 96), ("openDirEntry", 160), ("evacuationKey", 48),
    ("cacheRemoveCont", 64), ("evacuationBlock", 96), ("cacheVConnection", 960),
    ("DNSRequestDataAllocator", 16), ("dnsBufAllocator", 236032),
    ("dnsEntryAllocator", 1296), ("expiryQueueEntry", 16),
    ("refCountCacheHashingValueAllocator", 64), ("hostDBFileContAllocator", 112),
    ("hostDBContAllocator", 2320), ("OneWayTunnelAllocator", 128),
    ("hdrStrHeap", 2048), ("hdrHeap", 2048), ("httpCacheAltAllocator", 256),
    ("http2ClientSessionAllocator", 3648), ("http2StreamAllocator", 3104),
    ("RemapPluginsAlloc", 144), ("preWarmSMAllocator", 240),
    ("httpServerSessionAllocator", 1056), ("httpSMAllocator", 9472),
    ("http1ClientSessionAllocator", 1056), ("socksProxyAllocator", 160),
    ("MIMEFieldSDKHandle", 32), ("INKVConnAllocator", 320),
    ("INKContAllocator", 160), ("apiHookAllocator", 32),
    ("FetchSMAllocator", 544), ("ArenaBlock", 1024),
]
# Another build of the same version: a few ClassAllocator sizes differ.
ALT_SIZES = {"httpSMAllocator": 9600, "netVCAllocator": 976,
             "sslNetVCAllocator": 1392, "http2ClientSessionAllocator": 3680,
             "http2StreamAllocator": 3136, "cacheVConnection": 976,
             "http1ClientSessionAllocator": 1072}
CHUNK_REQ = {"eventAllocator": 256, "dnsBufAllocator": 2}
# 9.2 THREAD_ALLOC/THREAD_FREE users (spec 3.5); all ioBufAllocator are global.
THREAD_CACHED = {
    "eventAllocator", "netVCAllocator", "sslNetVCAllocator",
    "http1ClientSessionAllocator", "httpServerSessionAllocator", "hdrHeap",
    "hdrStrHeap", "cacheVConnection", "openDirEntry", "RamCacheCLFUSEntry",
    "RamCacheLRUEntry", "evacuationBlock", "ioDataAllocator", "ioAllocator",
    "ioBlockAllocator", "http2ClientSessionAllocator", "http2StreamAllocator",
    "httpSMAllocator", "preWarmSMAllocator", "apiHookAllocator",
    "INKContAllocator", "INKVConnAllocator", "MIMEFieldSDKHandle"}
# Objects alive from process start (items), as a real server shows them.
BASE_LIVE = {"eventAllocator": 30, "mutexAllocator": 175, "hdrHeap": 2,
             "hdrStrHeap": 2, "INKContAllocator": 1, "apiHookAllocator": 1,
             "hostDBContAllocator": 1}
BASE_ALLOC = {"hostDBContAllocator": 128}     # carved at start, mostly free


def iob(i):
    return "ioBufAllocator[%d]" % i


def bsize(i):
    return 128 << i


def bidx(nbytes, cap=14):
    """buffer_size_to_index: smallest bucket >= nbytes (at most cap)."""
    i = 0
    while i < cap and bsize(i) < nbytes:
        i += 1
    return i


def chunk_items(name, ts, hugepages):
    if name.startswith("ioBufAllocator"):
        i = int(name[15:-1])
        req = 128 if i <= 5 else 32
        unit = HUGE if hugepages else PAGE
    else:
        req = CHUNK_REQ.get(name, 128)
        unit = PAGE
    return ((req * ts + unit - 1) // unit * unit) // ts


# ---------------------------------------------------------------- workload

def log_uniform(r, lo, hi):
    return math.exp(r.uniform(math.log(lo), math.log(hi)))


def draw_mix(r):
    """An object-size mix: list of (object bytes, weight by count)."""
    families = [
        ("api", 150, 8192), ("web", 800, 96 * 1024), ("images", 8192, 512 * 1024),
        ("segments", 300 * 1024, 2 * 1024 * 1024),
        ("files", 1024 * 1024, 4 * 1024 * 1024), ("wide", 200, 4 * 1024 * 1024)]
    fam = r.choice(families)
    k = r.randint(1, 5)
    comps = [(int(log_uniform(r, fam[1], fam[2])), r.random() + 0.05)
             for _ in range(k)]
    return {"family": fam[0], "objects": comps}


def mix_shares(mix, frag_bucket, hdr):
    """RAM cache byte shares per bucket, txn body buffer share per bucket
    (capped at [8], the payload max index) and cache-read fragments per txn."""
    ram = [0.0] * 15
    body = [0.0] * 15
    frags = [0.0] * 15
    frag = bsize(frag_bucket) - 4096
    tot_w = sum(w for _, w in mix["objects"])
    for s, w in mix["objects"]:
        w /= tot_w
        body[bidx(min(s + hdr, 32768), 8)] += w
        if s > 4 * 1024 * 1024:           # over ram_cache_cutoff
            continue
        n_full, rest = divmod(s, frag) if s > frag else (0, s)
        if n_full:
            ram[frag_bucket] += w * n_full * bsize(frag_bucket)
            frags[frag_bucket] += w * n_full
        if rest:
            b = bidx(rest + hdr)
            ram[b] += w * bsize(b)
            frags[b] += w
    tot = sum(ram) or 1.0
    return [x / tot for x in ram], body, frags


class Load:
    """Relative load (mean about 1) as a function of absolute time."""

    def __init__(self, r, span):
        self.shape = r.choice(["flat", "diurnal", "diurnal", "weekly", "step-up",
                               "step-down", "ramp-up", "ramp-down", "bursts",
                               "diurnal-steps"])
        self.amp = r.uniform(0.15, 0.9)
        self.phase = r.uniform(0, 2 * math.pi)
        self.weekend = r.uniform(0.4, 0.9)
        self.noise = r.uniform(0.0, 0.25)
        self.steps = []
        if self.shape in ("step-up", "step-down", "diurnal-steps"):
            for _ in range(r.randint(1, 3)):
                t = r.uniform(0.15, 0.85) * span
                f = log_uniform(r, 1.5, 6.0)
                if self.shape == "step-down" or (self.shape == "diurnal-steps"
                                                 and r.random() < 0.5):
                    f = 1 / f
                self.steps.append((t, f))
            self.steps.sort()
        # ramps stay within 3x up and 1.8x down: a slow drift, not a change
        self.ramp = r.uniform(1.2, 3.0) if self.shape == "ramp-up" else r.uniform(1.1, 1.8)
        self.span = span
        self.bursts = []
        if self.shape == "bursts" or r.random() < 0.2:
            for _ in range(r.randint(2, 30)):
                self.bursts.append((r.uniform(0, span), log_uniform(r, 120, 7200),
                                    log_uniform(r, 1.5, 8.0)))
        self.ar = 0.0

    def base(self, t):
        v = 1.0
        if self.shape in ("diurnal", "weekly", "diurnal-steps"):
            v *= 1 + self.amp * math.sin(2 * math.pi * t / 86400 + self.phase)
        if self.shape == "weekly":
            day = int((t + self.phase * 86400) // 86400) % 7
            if day >= 5:
                v *= self.weekend
        for ts, f in self.steps:
            if t >= ts:
                v *= f
        if self.shape == "ramp-up":
            v *= 1 + (self.ramp - 1) * t / self.span
        elif self.shape == "ramp-down":
            v *= 1 - (1 - 1 / self.ramp) * t / self.span
        for b0, d, f in self.bursts:
            if b0 <= t < b0 + d:
                v *= f
        return max(v, 0.02)

    def sample(self, r, t):
        self.ar = 0.8 * self.ar + r.gauss(0, self.noise)
        return self.base(t) * math.exp(self.ar)


# ------------------------------------------------------------- generation

def pois(r, lam):
    if lam <= 0:
        return 0
    if lam < 30:
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= r.random()
            if p <= L:
                return k
            k += 1
    return max(0, int(round(r.gauss(lam, math.sqrt(lam)))))


def draw_case(seed):
    r = random.Random(seed)
    c = {"seed": seed}
    c["interval"] = r.choice([10, 15, 20, 30, 30, 60, 60, 60, 60, 120, 180, 300,
                              300, 600, 900]) if r.random() < 0.85 \
        else r.randint(10, 900)
    span = log_uniform(r, SPAN_MIN, SPAN_MAX)
    # keep most files small: long spans at short intervals are rare
    n = span / c["interval"]
    if n > 3000 and r.random() < 0.85:
        span = c["interval"] * r.uniform(800, 3000)
    span = min(span, c["interval"] * MAX_DUMPS)
    span = max(span, c["interval"] * 8)
    c["span"] = int(span)
    c["rps"] = log_uniform(r, 2, 3000)
    c["txn_time"] = log_uniform(r, 0.02, 3.0)
    c["ka_time"] = log_uniform(r, 0.2, 60.0)
    c["tls"] = r.choice([0.0, 0.0, r.random(), 1.0])
    c["h2"] = r.choice([0.0, 0.0, r.uniform(0, 0.8)]) if c["tls"] > 0 else 0.0
    c["origin_frac"] = r.uniform(0.05, 1.0)
    c["hit"] = r.uniform(0.0, 0.98)
    c["chunked"] = r.uniform(0.0, 0.4)
    c["net_threads"] = r.choice([2, 4, 6, 8, 12, 16, 24, 32])
    c["threads"] = c["net_threads"] + 2 + r.randint(1, 4)
    c["hugepages"] = r.random() < 0.06
    c["alt_build"] = r.random() < 0.3
    c["frag_bucket"] = r.choice([13, 14, 14])
    c["hdr"] = r.randint(300, 1500)
    c["logging"] = r.random() < 0.5
    c["plugins"] = r.random() < 0.5
    c["res_track"] = r.random() < 0.15
    c["debug_lines"] = r.random() < 0.15
    c["start_style"] = r.choice(["root", "lab", "mgmt"])
    c["ram_algo"] = "CLFUS" if r.random() < 0.12 else "LRU"
    if r.random() < 0.15:
        c["ram_cache"] = 0
    else:
        c["ram_cache"] = int(log_uniform(r, 8 << 20, 24 << 30)) // (1 << 20) << 20
    c["working_set_ratio"] = log_uniform(r, 0.2, 20)      # W / R
    c["fill_tau"] = log_uniform(r, 600, 10 * 86400)
    c["fill_shape"] = r.choice(["linear", "exp"])
    c["refill_factor"] = r.uniform(0.2, 1.0)
    c["hostdb"] = int(log_uniform(r, 10, 60000))
    c["hostdb_tau"] = log_uniform(r, 300, 86400)
    c["mix"] = draw_mix(r)
    c["shift"] = None
    if r.random() < 0.3:
        c["shift"] = {"t": r.uniform(0.1, 0.7) * span, "mix": draw_mix(r),
                      "turnover": log_uniform(r, 0.3, 5.0)}
    # restarts
    nr = r.choice([0, 0, 0, 0, 1, 1, 2, 3]) if r.random() < 0.92 else r.randint(4, 9)
    rs = sorted(r.uniform(0.03, 0.97) * span for _ in range(nr))
    if nr >= 4 and r.random() < 0.5:        # a crash loop: lifetimes close together
        t0 = rs[0]
        rs = sorted(t0 + i * c["interval"] * r.uniform(1, 30) for i in range(nr))
    c["restarts"] = [{"t": t, "crash": r.random() < 0.5,
                      "down": r.uniform(3, 180)} for t in rs if t < span]
    c["sigusr1"] = sorted(r.uniform(0, span) for _ in range(
        r.choice([0, 0, 0, 1, 2, 5]) if r.random() < 0.9 else r.randint(10, 60)))
    c["leaks"] = []
    nl = r.choice([0, 0, 1, 1, 1, 2, 2])
    for _ in range(nl):
        c["leaks"].append(draw_leak(r, span))
    c["start_epoch"] = 1700000000 + r.randint(0, 3 * 365 * 86400)
    return c, r


def draw_leak(r, span):
    kind = r.choice(["iobuf", "iobuf", "iobuf", "iobuf-data", "inkcont",
                     "hdrheap"])
    shape = r.choice(["const", "prop", "burst", "late", "stop", "weak", "gross"])
    lk = {"what": kind, "shape": shape,
          "bucket": r.choice([0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 8, 8, 9, 10, 11,
                              12, 13, 14]),
          "t0": 0.0, "t1": float("inf")}
    if kind == "inkcont":
        lk["mutex"] = r.random() < 0.5
    if kind == "hdrheap":
        lk["str"] = r.random() < 0.5
    if shape == "late":
        lk["t0"] = r.uniform(0.2, 0.8) * span
    if shape == "stop":
        lk["t1"] = r.uniform(0.2, 0.8) * span
    if shape == "weak":
        lk["frac"] = log_uniform(r, 3e-4, 5e-3)
    elif shape == "gross":
        lk["frac"] = log_uniform(r, 1e-2, 0.2)
    elif shape in ("prop", "burst"):
        lk["frac"] = log_uniform(r, 5e-4, 5e-2)
    else:   # const, late, stop: items per hour relative to a reference level
        lk["rel_total"] = 10 ** r.uniform(-1.0, 1.5)
        lk["frac"] = None
    if shape == "burst":
        lk["bursts"] = [(r.uniform(0, span), log_uniform(r, 300, 4 * 3600))
                        for _ in range(r.randint(1, 8))]
        lk["frac"] = log_uniform(r, 0.01, 0.3)
    return lk


def sample_times(c, r):
    """Dump times (absolute seconds), lifetime of each, and SIGUSR1 flags."""
    I = c["interval"]
    span = c["span"]
    starts = [0.0] + [x["t"] + x["down"] for x in c["restarts"]]
    ends = [x["t"] for x in c["restarts"]] + [float(span)]
    lts = []
    for li, (s, e) in enumerate(zip(starts, ends)):
        if e <= s:
            continue
        ts = []
        t = s + I
        drift = r.uniform(0.0005, 0.02)     # seconds late per tick
        while t <= e:
            ts.append((t, False))
            t += I + drift
        for u in c["sigusr1"]:
            if s + 1 < u < e:
                ts.append((u + 0.5, True))
        ts.sort()
        lts.append({"start": s, "end": e, "times": ts})
    return lts


class Row:
    __slots__ = ("name", "ts", "C", "cached", "idx")

    def __init__(self, name, ts, C, cached, idx):
        self.name, self.ts, self.C, self.cached, self.idx = name, ts, C, cached, idx


def build_rows(c):
    rows = []
    for i in range(14, -1, -1):
        rows.append(Row(iob(i), bsize(i), chunk_items(iob(i), bsize(i),
                                                      c["hugepages"]), False, i))
    for name, ts in CLASS_ROWS:
        if c["alt_build"]:
            ts = ALT_SIZES.get(name, ts)
        rows.append(Row(name, ts, chunk_items(name, ts, False),
                        name in THREAD_CACHED, -1))
    return rows


def simulate(c, r):
    rows = build_rows(c)
    names = [x.name for x in rows]
    ix = {n: i for i, n in enumerate(names)}
    nr = len(rows)
    load = Load(r, c["span"])
    c["load_shape"] = load.shape
    c["load_steps"] = load.steps
    hdr = c["hdr"]
    fb = c["frag_bucket"]
    mixA = mix_shares(c["mix"], fb, hdr)
    mixB = mix_shares(c["shift"]["mix"], fb, hdr) if c["shift"] else None
    R = c["ram_cache"]
    W = R * c["working_set_ratio"]
    entry_row = "RamCacheCLFUSEntry" if c["ram_algo"] == "CLFUS" else "RamCacheLRUEntry"
    od = r.uniform(1.0, 2.5)                   # over-dispersion of live counts
    thr = c["threads"]
    # per-thread cache imbalance (share of ops that pile up on one thread)
    # (threads are simulated in at most 8 groups, each standing for thr/G)
    G = min(thr, 8)
    imb = {x.name: [r.gauss(0, r.uniform(0.001, 0.03)) for _ in range(G)]
           for x in rows if x.cached}
    lts = sample_times(c, r)
    out = []
    for li, lt in enumerate(lts):
        out.append(sim_lifetime(c, r, li, lt, rows, ix, load, mixA, mixB, R, W,
                                entry_row, od, imb))
    return rows, out


def mean_rows(c, t, lv, rows, ix, mix, hostdb_n, cache_items, entries):
    """Expected live items per row at relative load lv (no cache, no leak)."""
    m = [0.0] * len(rows)
    rps = c["rps"] * lv
    conc = rps * c["txn_time"]
    ka = min(rps * c["ka_time"], 100000.0)
    conns = conc + ka
    orig = conc * c["origin_frac"] + min(conns, 2000) * 0.1 * c["origin_frac"]
    ram, body, frags = mix
    miss = 1 - c["hit"]

    def add(name, v):
        m[ix[name]] += v
    add(iob(5), conns)
    add(iob(6), conc * miss * c["origin_frac"] + orig * 0.05)
    for b in range(9):
        add(iob(b), conc * body[b])
    for b in range(15):
        add(iob(b), conc * c["hit"] * frags[b] * 0.5)
    add(iob(0), conc * c["chunked"])
    add(iob(1), conc * c["chunked"] * 0.3)
    add(iob(0), hostdb_n * 0.7)
    add(iob(1), hostdb_n * 0.25)
    add(iob(2), hostdb_n * 0.05)
    if c["logging"]:
        add(iob(7), c["threads"] * 2 + rps * 0.01)
    h2s = conns * c["h2"]
    add(iob(11), h2s * 0.5)
    add(iob(4), rps * 0.002)
    add("netVCAllocator", conns * (1 - c["tls"]) + orig)
    add("sslNetVCAllocator", conns * c["tls"])
    add("http1ClientSessionAllocator", conns * (1 - c["h2"]))
    add("http2ClientSessionAllocator", h2s)
    add("http2StreamAllocator", conc * c["h2"] * 1.5)
    add("httpSMAllocator", conc)
    add("httpServerSessionAllocator", orig)
    add("hdrHeap", conc * 2.2)
    add("hdrStrHeap", conc * 1.1)
    add("httpCacheAltAllocator", conc * 0.6)
    add("cacheVConnection", conc * 0.9)
    add("openDirEntry", conc * 0.4)
    add("ArenaBlock", conc * 0.5)
    add("eventAllocator", conns * 0.3)
    add("mutexAllocator", conns * 1.2)
    add("ioAllocator", conc * 3 + ka)
    iob_live = sum(m[:15]) - hostdb_n
    add("ioBlockAllocator", iob_live * 1.1)
    add("ioDataAllocator", iob_live)
    add("evacuationBlock", conc * 0.01)
    add("OneWayTunnelAllocator", conc * 0.002)
    add("dnsEntryAllocator", rps * miss * 0.002)
    add("DNSRequestDataAllocator", rps * miss * 0.002)
    add("hostDBContAllocator", rps * miss * 0.001)
    add("refCountCacheHashingValueAllocator", hostdb_n * 0.02)
    add("expiryQueueEntry", hostdb_n * 0.02)
    if c["plugins"]:
        add("INKContAllocator", conc * 1.5)
        add("apiHookAllocator", 40)
        add("MIMEFieldSDKHandle", conc * 0.3)
        add("RemapPluginsAlloc", conc * 0.9)
        add("FetchSMAllocator", conc * 0.01)
    for b in range(15):
        m[ix[iob(b)]] += cache_items[b]
    m[ix["ioDataAllocator"]] += entries
    for name, v in BASE_LIVE.items():
        m[ix[name]] += v
    return m


def bucket_rates(c, lv, mix):
    """Allocations per second per iobuf bucket (for leaks in proportion)."""
    rps = c["rps"] * lv
    ram, body, frags = mix
    rate = [rps * body[b] + rps * c["hit"] * frags[b] for b in range(15)]
    rate[5] += rps
    rate[6] += rps * (1 - c["hit"])
    rate[0] += rps * c["chunked"]
    return rate


def sim_lifetime(c, r, li, lt, rows, ix, load, mixA, mixB, R, W, entry_row, od, imb):
    nr = len(rows)
    times = lt["times"]
    n = len(times)
    C = [x.C for x in rows]
    U = [[0] * nr for _ in range(n)]      # dumped in-use items
    A = [[0] * nr for _ in range(n)]      # allocated items
    base = [[0] * nr for _ in range(n)]   # in-use without the leaks
    mean = [[0.0] * nr for _ in range(n)]  # expected live (no noise, no slack)
    leaked = [[0] * nr for _ in range(n)]
    slk = [[0] * nr for _ in range(n)]
    alloc = [0] * nr
    for name, v in BASE_ALLOC.items():
        alloc[ix[name]] = v
    for name, v in BASE_LIVE.items():
        k = ix[name]
        alloc[k] = max(alloc[k], C[k] * math.ceil(v / C[k]))
    G = min(c["threads"], 8)
    gw = c["threads"] / G
    slack = {x.name: [0.0] * G for x in rows if x.cached}
    lk_count = [0] * nr
    cA = 0.0    # RAM cache bytes of mix A content
    cB = 0.0
    tau = c["fill_tau"] * (1.0 if li == 0 else c["refill_factor"])
    shift_t = c["shift"]["t"] if c["shift"] else float("inf")
    fill_p = 0.0
    hostdb_n = 0.0
    prev_t = lt["start"]
    cache_tot = []
    ram_max = [0.0] * 16      # peak RAM cache items per bucket, [15] = entries
    rnd = r.random
    for k, (t, usr) in enumerate(times):
        dt = max(t - prev_t, 0.5)
        prev_t = t
        lv = load.sample(r, t)
        shifted = t >= shift_t
        cur = mixB if shifted else mixA
        # RAM cache content (bytes) per mix
        if R > 0:
            Wc = W
            ccur = cB if shifted else cA
            ins = (Wc / tau) * lv * dt * max(0.0, 1 - ccur / Wc)
            if c["fill_shape"] == "linear" and W > R:
                ins = (R / tau) * lv * dt
                if cA + cB >= R:
                    ins *= 0.3     # steady replacement once full
            if shifted:
                cB += ins
                # the old mix ages out with the turnover
                cA *= math.exp(-c["shift"]["turnover"] * lv * dt / tau)
            else:
                cA += ins
            over = cA + cB - R
            if over > 0:
                if shifted and cA > 0:
                    take = min(cA, over * 0.7)
                    cA -= take
                    over -= take
                tot = cA + cB
                if tot > 0:
                    cA -= over * cA / tot
                    cB -= over * cB / tot
        ram_items = [0.0] * 15
        for b in range(15):
            v = cA * mixA[0][b] + (cB * mixB[0][b] if mixB else 0.0)
            ram_items[b] = v / bsize(b)
        entries = sum(ram_items)
        cache_tot.append(cA + cB)
        for b in range(15):
            if ram_items[b] > ram_max[b]:
                ram_max[b] = ram_items[b]
        ram_max[15] = max(ram_max[15], entries)
        hostdb_n = c["hostdb"] * (1 - math.exp(-(t - lt["start"]) / c["hostdb_tau"]))
        m = mean_rows(c, t, lv, rows, ix, cur, hostdb_n, ram_items, entries)
        m[ix[entry_row]] += entries
        mean[k] = m
        # leaks
        rates = bucket_rates(c, lv, cur)
        add_lk = [0] * nr
        for lk in c["leaks"]:
            if not (lk["t0"] <= t < lk["t1"]):
                continue
            if lk["what"] in ("iobuf", "iobuf-data"):
                bj = ix[iob(lk["bucket"])]
                base_rate = rates[lk["bucket"]]
                ref = max(C[bj], m[bj])
            elif lk["what"] == "inkcont":
                base_rate = c["rps"] * lv * 1.5
                ref = max(C[ix["INKContAllocator"]], m[ix["INKContAllocator"]])
            else:
                base_rate = c["rps"] * lv * 2.2
                ref = max(C[ix["hdrHeap"]], m[ix["hdrHeap"]])
            if lk["shape"] == "burst":
                on = any(b0 <= t < b0 + d for b0, d in lk["bursts"])
                lam = base_rate * lk["frac"] * dt if on else 0.0
            elif lk["frac"] is not None:
                lam = base_rate * lk["frac"] * dt
            else:
                if "rate" not in lk:     # per hour, fixed on first use
                    lk["rate"] = lk["rel_total"] * ref / (c["span"] / 3600.0)
                lam = lk["rate"] * dt / 3600.0
            x = pois(r, lam)
            if not x:
                continue
            tgt = []
            if lk["what"] == "iobuf":
                tgt = [ix[iob(lk["bucket"])], ix["ioAllocator"], ix["ioBlockAllocator"],
                       ix["ioDataAllocator"]]
            elif lk["what"] == "iobuf-data":
                tgt = [ix[iob(lk["bucket"])]]
            elif lk["what"] == "inkcont":
                tgt = [ix["INKContAllocator"]] + ([ix["mutexAllocator"]] if lk["mutex"] else [])
            else:
                tgt = [ix["hdrHeap"]] + ([ix["hdrStrHeap"]] if lk["str"] else [])
            for j in tgt:
                add_lk[j] += x
        for j in range(nr):
            lk_count[j] += add_lk[j]
        # noisy live, thread-cache slack, allocated
        Uk = U[k]
        Ak = A[k]
        Bk = base[k]
        for j, row in enumerate(rows):
            mu = m[j]
            if mu <= 0 and lk_count[j] == 0:
                live = 0
            elif mu < 30:
                live = pois(r, mu)
            else:
                live = max(0, int(round(r.gauss(mu, math.sqrt(mu) * od))))
            s = 0
            if row.cached and mu > 0:
                ops = mu * dt / max(c["txn_time"], 0.05) / c["threads"]
                sl = slack[row.name]
                im = imb[row.name]
                jit = 0.02 * math.sqrt(ops) + 0.5
                cap = mu * 4 / c["threads"] + 64  # cannot park more than it saw freed
                for q in range(G):
                    v = sl[q] + im[q] * ops + jit * (rnd() + rnd() + rnd() - 1.5) * 2
                    if v > H_WM:
                        v = L_WM + (v - H_WM) % (H_WM - L_WM)
                    elif v < 0:
                        v = 0.0
                    sl[q] = v if v < cap else cap
                s = int(sum(sl) * gw)
            u = live + s + lk_count[j]
            slk[k][j] = s
            Bk[j] = live + s
            Uk[j] = u
            if u > 0 or mu > 0:
                exc = abs(r.gauss(0, math.sqrt(max(mu, 1)) * od)) * (
                    1 + 0.4 * math.log10(max(dt, 10) / 10))
                peak = u + int(exc) if mu > 0 else u
                need = C[j] * math.ceil(peak / C[j])
                if need > alloc[j]:
                    alloc[j] = need
                    if r.random() < 0.03:        # concurrent empty-list race
                        alloc[j] += C[j]
            Ak[j] = alloc[j]
            leaked[k][j] = lk_count[j]
    return {"start": lt["start"], "end": lt["end"], "times": times, "U": U,
            "A": A, "base": base, "mean": mean, "leaked": leaked, "slack": slk,
            "cache_total": cache_tot, "ram_max": ram_max, "cache_level": min(R, W) if R > 0 else 0.0}


# ----------------------------------------------------------------- truth

MIN_DUMPS, MIN_SECONDS = 12, 3600      # below this nothing can be told


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2] if s else 0


def label_row(c, lt, li, j, row, rows, ram_rows, entry_row):
    times = [t for t, _ in lt["times"]]
    n = len(times)
    U = [lt["U"][k][j] for k in range(n)]
    A = [lt["A"][k][j] for k in range(n)]
    base = [lt["base"][k][j] for k in range(n)]
    mean = [lt["mean"][k][j] for k in range(n)]
    lk = [lt["leaked"][k][j] for k in range(n)]
    sl = [lt["slack"][k][j] for k in range(n)]
    short = n < MIN_DUMPS or times[-1] - lt["start"] < MIN_SECONDS
    C = row.C
    out = {"C": C}
    if lk[-1] > 0:
        shapes = []
        for l in c["leaks"]:
            tg = {"iobuf": [iob(l["bucket"]), "ioAllocator", "ioBlockAllocator",
                            "ioDataAllocator"],
                  "iobuf-data": [iob(l["bucket"])],
                  "inkcont": ["INKContAllocator"] + (["mutexAllocator"] if l.get("mutex") else []),
                  "hdrheap": ["hdrHeap"] + (["hdrStrHeap"] if l.get("str") else [])}[l["what"]]
            if row.name in tg:
                shapes.append("leak-" + l["shape"])
        first = next(k for k in range(n) if lk[k] > 0)
        active = n - first
        d = [abs(base[k] - base[k - 1]) for k in range(1, n)]
        sigma = 1.4826 * median(d) / math.sqrt(2) if d else 0
        srange = (max(sl) - min(sl)) if row.cached else 0
        level = median(base)
        need = max(C, 3 * sigma, 0.5 * srange, 0.02 * level)
        det = (not short) and active >= 6 and lk[-1] >= need
        out.update(label="leak", kind="+".join(sorted(set(shapes))) or "leak",
                   detectable=bool(det), leaked_items=lk[-1],
                   leaked_bytes=lk[-1] * row.ts, visible_need_items=int(need))
        return out
    if max(A) == 0:
        out.update(label="idle", kind="idle", detectable=not short)
        return out
    # churn: a workload change after which in-use stays at most half of the
    # peak it reached before, with the stranded memory >= 2 chunks and 1 MiB
    events = []
    if c["shift"] and lt["start"] < c["shift"]["t"] < times[-1]:
        events.append(("mix-shift", c["shift"]["t"]))
    for ts, f in c["load_steps"]:
        if f < 1 and lt["start"] < ts < times[-1]:
            events.append(("load-drop", ts))
    for why, te in events:
        pre = [k for k in range(n) if times[k] < te]
        post = [k for k in range(n) if times[k] >= te]
        if len(pre) < 1 or len(post) < 2:
            continue
        P = max(mean[k] for k in pre)
        tail = post[len(post) // 2:]
        if not tail or P <= 0:
            continue
        Ftail = max(mean[k] for k in tail)
        stranded = A[-1] - max(U[k] for k in tail)
        if Ftail <= 0.5 * P and stranded >= 2 * C and stranded * row.ts >= (1 << 20):
            det = (not short and len(pre) >= 6 and len(tail) >= 6
                   and times[tail[-1]] - times[tail[0]] >= 3600)
            out.update(label="churn", kind="churn-" + why, detectable=bool(det),
                       stranded_bytes=stranded * row.ts)
            return out
    # plateau kinds
    kind = None
    is_ram = row.name in ram_rows
    if is_ram and lt["cache_level"] > 0:
        peak = max(mean) or 1
        ram_part = lt["ram_part"][j]
        if ram_part >= 0.3 * peak:
            reached = lt["cache_total"][-1] / lt["cache_level"]
            kind = ("fill" if li == 0 else "refill") + ("-open" if reached < 0.9 else "")
    if kind is None and c["shift"] and lt["start"] < c["shift"]["t"] < times[-1]:
        pre = [mean[k] for k in range(n) if times[k] < c["shift"]["t"]]
        post = [mean[k] for k in range(n) if times[k] >= c["shift"]["t"]]
        if pre and post and max(post[len(post) // 2:]) >= 1.5 * max(pre) + 1:
            kind = "churn-target"
        elif pre and post and max(post[len(post) // 2:]) <= 0.8 * max(pre):
            kind = "slow-release"
    if kind is None:
        shape = c["load_shape"]
        kind = {"flat": "steady", "ramp-down": "slow-release",
                "diurnal-steps": "diurnal"}.get(shape, shape)
        if max(mean) - min(mean) < 0.5 and max(A) == min(A):
            kind = "static"
    out.update(label="plateau", kind=kind, detectable=not short)
    return out


# ------------------------------------------------------------------ output

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec"]


def stamp(c, t):
    import time
    tm = time.gmtime(c["start_epoch"] + t)
    ms = int((t % 1) * 1000)
    return "[%s %2d %02d:%02d:%02d.%03d]" % (MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                            tm.tm_hour, tm.tm_min, tm.tm_sec, ms)


ROOTS = ["/usr", "/opt/ats", "/opt/trafficserver", "/usr/local"]
RT_SITES = [  # (location, buckets it allocates from)
    ("memory/IOBuffer/HttpSM.cc:6586", range(0, 9)),
    ("memory/IOBuffer/Cache.cc:2346", range(9, 15)),
    ("memory/IOBuffer/ProtocolProbeSessionAccept.cc:60", [5]),
    ("memory/IOBuffer/HttpSM.cc:1836", [6]),
    ("memory/IOBuffer/Http2CommonSession.cc:93", [11]),
]


def start_lines(c, r, t, first):
    root = ROOTS[c["seed"] % len(ROOTS)]
    st = c["start_style"]
    if st == "lab":
        return ["NOTE: using the environment variable TS_RUNROOT",
                "%s traffic_crashlo ERROR: missing password database entry for '#-1'"
                % stamp(c, t + r.uniform(0.5, 3))]
    if st == "mgmt":
        ls = []
        if first:
            ls.append("[E. Mgmt] log ==> [TrafficManager] using root directory '%s'" % root)
        ls.append("traffic_server: using root directory '%s'" % root)
        return ls
    return ["traffic_server: using root directory '%s'" % root]


def crash_lines(r, t):
    sig = r.choice([(11, "Segmentation fault"), (6, "Aborted"), (7, "Bus error")])
    ls = ["traffic_server: received signal %d (%s)" % sig,
          "traffic_server - STACK TRACE: "]
    fns = ["_Z19crash_logger_invokeiP9siginfo_tPv", "_ZN6HttpSM17state_api_calloutEiPv",
           "_ZN7EThread7processEP5Event", "_ZN7EThread13execute_regularEv",
           "_ZN12HttpTunnel12main_handlerEiPv", "_ZN18UnixNetVConnection11net_read_ioEP10NetHandlerP7EThread"]
    addr = r.randrange(0x550000000000, 0x56ffffffffff)
    for i in range(r.randint(4, 9)):
        f = r.choice(fns)
        ls.append("/usr/bin/traffic_server(%s+0x%x)[0x%x]" % (f, r.randint(16, 900),
                                                               addr + r.randint(0, 1 << 22)))
    return ls


def dump_text(rows, Uk, Ak):
    out = ["     Allocated      |        In-Use      | Type Size  |   Free List Name",
           "--------------------|--------------------|------------|----------------------------------"]
    ta = tu = 0
    for j, row in enumerate(rows):
        a = Ak[j] * row.ts
        u = Uk[j] * row.ts
        ta += a
        tu += u
        out.append(" %18d | %18d | %10d | memory/%s" % (a, u, row.ts, row.name))
    out.append(" %18d | %18d |            | TOTAL" % (ta, tu))
    out.append("-" * 89)
    return out


def rt_text(rt, Uk, rows):
    out = ["", "%-10s | %-10s | %-20s | %-10s | %-50s" % ("Allocs", "Frees", "Size In-use",
                                                       "Avg Size", "Location"),
           "-----------|------------|----------------------|------------|" + "-" * 68]
    tot = 0
    for loc, bs in RT_SITES:
        cnt = sum(Uk[14 - b] for b in bs if b != 7)   # rows are [14]..[0]
        val = sum(Uk[14 - b] * bsize(b) for b in bs if b != 7)
        st = rt.setdefault(loc, [0, 0])
        st[0] += max(0, cnt - (st[0] - st[1])) + cnt // 3
        st[1] = st[0] - cnt
        avg = val // cnt if cnt else 0
        tot += val
        out.append("%10d | %10d | %20d | %10d | %-50s" % (st[0], st[1], val, avg, loc))
    out.append("                          %20d |            | %-50s" % (tot, "TOTAL"))
    out.append("-" * 130)
    return out


def write_trace(c, r, rows, lts_sim, lts_all, path):
    dbg_tags = ["(http) [%d] State Transition: SM_ACTION_API_READ_REQUEST_HDR",
                "(http_trans) [%d] Next action SM_ACTION_CACHE_LOOKUP",
                "(cache) [%d] open_read hit"]
    rt = {}
    with open(path, "w") as f:
        w = f.write
        k_global = 0
        for li, lt in enumerate(lts_sim):
            for line in start_lines(c, r, lt["start"], li == 0):
                w(line + "\n")
            if li > 0:
                rt = {}
            for k, (t, usr) in enumerate(lt["times"]):
                if c["debug_lines"] and r.random() < 0.3:
                    tts = sorted(t - r.uniform(0, c["interval"] * 0.9)
                                 for _ in range(r.randint(1, 4)))
                    for tt in tts:
                        w("%s [ET_NET %d] DEBUG: " % (stamp(c, tt), r.randrange(c["net_threads"]))
                          + r.choice(dbg_tags) % r.randint(1, 10 ** 6) + "\n")
                for line in dump_text(rows, lt["U"][k], lt["A"][k]):
                    w(line + "\n")
                if c["res_track"]:
                    for line in rt_text(rt, lt["U"][k], rows):
                        w(line + "\n")
                k_global += 1
            nxt = lt["end"]
            crash = next((x["crash"] for x in c["restarts"] if abs(x["t"] - nxt) < 1e-6), False)
            if li + 1 < len(lts_sim) and crash:
                for line in crash_lines(r, nxt):
                    w(line + "\n")


def generate(seed, path, truth_path):
    c, r = draw_case(seed)
    rows, lts = simulate(c, r)
    ix = {x.name: i for i, x in enumerate(rows)}
    entry_row = "RamCacheCLFUSEntry" if c["ram_algo"] == "CLFUS" else "RamCacheLRUEntry"
    fb = c["frag_bucket"]
    shares = [mix_shares(c["mix"], fb, c["hdr"])[0]]
    if c["shift"]:
        shares.append(mix_shares(c["shift"]["mix"], fb, c["hdr"])[0])
    ram_rows = {iob(b) for b in range(15) if any(s[b] > 0.002 for s in shares)}
    ram_rows |= {entry_row, "ioDataAllocator"}
    kept = [lt for lt in lts if lt["times"]]
    truth = {"seed": seed, "interval": c["interval"], "span": c["span"],
             "params": {k: v for k, v in c.items() if k not in ("restarts", "sigusr1", "leaks")},
             "restarts": c["restarts"], "sigusr1": len(c["sigusr1"]),
             "leaks": [{k: (v if v != float("inf") else None) for k, v in l.items()}
                       for l in c["leaks"]],
             "lifetimes": []}
    first = 0
    for li, lt in enumerate(kept):
        n = len(lt["times"])
        # peak RAM cache items of each row (to tell a fill from the rest)
        part = [0.0] * len(rows)
        for b in range(15):
            part[ix[iob(b)]] = lt["ram_max"][b]
        part[ix[entry_row]] = lt["ram_max"][15]
        part[ix["ioDataAllocator"]] = lt["ram_max"][15]
        lt["ram_part"] = part
        rows_truth = {}
        for j, row in enumerate(rows):
            rows_truth[row.name] = label_row(c, lt, li, j, row, rows, ram_rows, entry_row)
        truth["lifetimes"].append({
            "index": li, "first_dump": first, "dumps": n,
            "sigusr1_dumps": sum(1 for _, u in lt["times"] if u),
            "start": round(lt["start"], 1), "end": round(lt["end"], 1),
            "rows": rows_truth})
        first += n
    truth["dumps"] = first
    if path:
        write_trace(c, r, rows, kept, lts, path)
        # the file was last written at the last dump, as a live traffic.out is
        last = kept[-1]["times"][-1][0] if kept else 0
        os.utime(path, (c["start_epoch"] + last, c["start_epoch"] + last))
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("-o", "--output", help="traffic.out to write (none: the truth only)")
    ap.add_argument("--truth", required=True, help="truth JSON to write")
    a = ap.parse_args()
    t = generate(a.seed, a.output, a.truth)
    print("seed %d: %d dumps, %d lifetimes, interval %d s" % (
        a.seed, t["dumps"], len(t["lifetimes"]), t["interval"]), file=sys.stderr)


if __name__ == "__main__":
    main()
