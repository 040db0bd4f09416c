#!/bin/sh
# slope_cli.sh — one slope per verdict: the floor slope is the same number
# in the text column (per day), the sentence (per day), the JSON (per hour)
# and OpenMetrics (per hour), and present whenever a trend was computed,
# on long spans and on a two-hour capture alike.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/slope_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
checks=0
for span in 2 0.09; do
	"$T" simulate --scenario leak --days $span --interval 60 --seed 3 -o "$W/in.log" || exit 2
	rm -f "$W/t.db"*
	"$T" analyze -q -d "$W/t.db" --host s --interval 60 --all --format json -o "$W/r.json" "$W/in.log"
	"$T" report -d "$W/t.db" --all --format openmetrics -o "$W/r.prom"
	"$T" report -d "$W/t.db" --all >"$W/r.txt"
	checks=$((checks + 1))
	if ! python3 - "$W/r.json" "$W/r.prom" "$W/r.txt" <<'PY'; then fails=$((fails + 1)); echo "FAIL: slopes differ (span $span d)" >&2; fi
import json, re, sys
rep = json.load(open(sys.argv[1]))
prom = {}
for line in open(sys.argv[2]):
    m = re.match(r'tsmem_floor_slope_bytes_per_hour\{.*allocator="([^"]+)".*\} (\S+)', line)
    if m:
        prom[m.group(1)] = float(m.group(2))
text = open(sys.argv[3]).read()
units = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
bad = 0
n = 0
for a in rep["hosts"][0]["lifetimes"][0]["allocators"]:
    s = a["trend"]["floor_slope_bytes_per_hour"]
    if a["verdict"] in ("idle", "insufficient_data"):
        continue
    n += 1
    if s is None or a["name"] not in prom or abs(prom[a["name"]] - s) > 1e-6 * max(1, abs(s)):
        print("  %s: json %s, openmetrics %s" % (a["name"], s, prom.get(a["name"])), file=sys.stderr)
        bad += 1
        continue
    if a["verdict"] == "leak":
        if abs(a["forecast"]["bytes_per_day"] - s * 24) > max(1, 1e-6 * abs(s * 24)):
            print("  %s: forecast %s vs %s" % (a["name"], a["forecast"]["bytes_per_day"], s * 24), file=sys.stderr)
            bad += 1
        m = re.search(re.escape(a["name"]) + r"\s.*?([+-]?[0-9.]+)([KMG]?)\s+leak", text)
        if not m or abs(float(m.group(1)) * units[m.group(2)] - s * 24) > 0.06 * abs(s * 24) + 1:
            print("  %s: text column %s vs %s/day" % (a["name"], m and m.group(0), s * 24), file=sys.stderr)
            bad += 1
sys.exit(1 if bad or n == 0 else 0)
PY
	# the sentence gives the same rate
	checks=$((checks + 1))
	python3 - "$W/r.json" <<'PY' || { fails=$((fails + 1)); echo "FAIL: the sentence's rate differs (span $span d)" >&2; }
import json, sys
rep = json.load(open(sys.argv[1]))
leaks = [a for a in rep["hosts"][0]["lifetimes"][0]["allocators"] if a["verdict"] == "leak"]
units = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
import re
ok = bool(leaks)
for a in leaks:
    m = re.search(r"rises by ([0-9.]+) (B|KiB|MiB|GiB)/day", a["explanation"])
    s = a["trend"]["floor_slope_bytes_per_hour"] * 24
    ok = ok and m is not None and abs(float(m.group(1)) * units[m.group(2)] - s) <= 0.06 * abs(s) + 1
sys.exit(0 if ok else 1)
PY
done
echo "slope_cli.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
