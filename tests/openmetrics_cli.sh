#!/bin/sh
# openmetrics_cli.sh — `tsmem report --format openmetrics`, the alert rules
# and the Grafana dashboard agree with each other and with Prometheus:
#  (a) a leak simulation (times from --interval/--anchor) and the hostile-names fixture under
#      a host with quotes, backslashes and a newline: "# EOF" last, families
#      contiguous with HELP and TYPE gauge, UNIT matching the name suffix,
#      escaped label values, no timestamps, integers for bytes, one verdict
#      series per allocator, the leak and its slope present; -o atomic;
#  (b) `promtool check metrics` on both (and on an empty database), and the
#      strict OpenMetrics parser of python3-prometheus-client when present;
#  (c) contrib/tsmem-alerts.yml: `promtool check rules`, and `promtool test
#      rules` fires the leak alert on a leak series and not on a plateau;
#  (d) contrib/grafana-tsmem.json is JSON, every metric name in its
#      expressions (panels, template variables, annotations) is one tsmem
#      emits, and every expression parses as PromQL (`promtool check rules`
#      over them as recording rules).
# promtool comes with Debian's `prometheus` package; without it those checks
# print SKIP.  Run from the repository root:
#   TSMEM=/abs/path/tsmem sh tests/openmetrics_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-om.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
ALERTS=contrib/tsmem-alerts.yml
DASH=contrib/grafana-tsmem.json
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
skip() { echo "SKIP: $*" >&2; }
PROMTOOL=$(command -v promtool 2>/dev/null || true)
[ -n "$PROMTOOL" ] || skip "promtool not installed (apt-get install prometheus): Prometheus checks not run"

# wellformed FILE: the OpenMetrics text rules tsmem promises (python3).
wellformed() {
	if python3 - "$1" <<'PY'; then ok; else bad "malformed exposition: $1"; fi
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
err = []
if not text.endswith("# EOF\n") or text.count("# EOF") != 1:
    err.append("does not end in a single '# EOF'")
lines = text[:-len("# EOF\n")].split("\n")[:-1]
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{' + LABEL + r'(?:,' + LABEL + r')*\})? (-?[0-9][0-9.e+-]*|NaN|[+-]Inf)$')
seen, cur, types, units = set(), None, {}, {}
for ln in lines:
    if ln.startswith("# "):
        kind, name = ln.split(" ")[1:3]
        if kind not in ("HELP", "TYPE", "UNIT"):
            err.append("unknown comment: " + ln)
        if name != cur:
            if name in seen:
                err.append("family %s is not contiguous" % name)
            seen.add(name)
            cur = name
        if kind == "TYPE":
            types[name] = ln.split(" ")[3]
        if kind == "UNIT":
            units[name] = ln.split(" ")[3]
        continue
    m = SAMPLE.match(ln)
    if not m:
        err.append("bad sample line: %r" % ln)
        continue
    if m.group(1) != cur:
        err.append("sample %s outside its family" % m.group(1))
    if m.group(1).endswith("_bytes") and not re.fullmatch(r"-?[0-9]+", m.group(3)):
        err.append("bytes not an integer: " + ln)
for name, t in types.items():
    if t != "gauge":
        err.append("%s: TYPE %s (node_exporter reads gauges and counters only)" % (name, t))
for name, u in units.items():
    if not name.endswith("_" + u):
        err.append("%s: unit %s is not its suffix" % (name, u))
for name in types:
    if (name.endswith("_bytes") or name.endswith("_seconds")) and name not in units:
        err.append("%s: no UNIT" % name)
for e in err[:10]:
    print("    " + e, file=sys.stderr)
sys.exit(1 if err else 0)
PY
}

# has FILE 'python expression over s (the samples as (name, labels, value))' MESSAGE
has() {
	if python3 - "$1" "$2" <<'PY'; then ok; else bad "$3 ($1)"; fi
import re, sys
s = []
for ln in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    if ln and not ln.startswith("#"):
        name, rest = re.match(r"([^{ ]+)(.*)", ln).groups()
        labels, value = {}, rest.rsplit(" ", 1)[1]
        for k, v in re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', rest.rsplit(" ", 1)[0]):
            labels[k] = v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        s.append((name, labels, float(value)))
def names():
    return {x[0] for x in s}
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

promcheck() {
	[ -n "$PROMTOOL" ] || return 0
	if "$PROMTOOL" check metrics <"$1" >"$W/pc.out" 2>&1; then
		ok
	else
		bad "promtool check metrics $1:"
		sed 's/^/    /' "$W/pc.out" | head -10 >&2
	fi
}

strictcheck() {
	py=/usr/bin/python3
	[ -x "$py" ] && "$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null || return 0
	if "$py" - "$1" <<'PY'; then ok; else bad "prometheus_client's OpenMetrics parser rejects $1"; fi
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()))
assert sum(len(f.samples) for f in fams) > 0
PY
}

# ---- (a) + (b): a leak, hostile names, an empty database --------------------------
"$T" simulate --scenario leak --days 3 --seed 4 |
	"$T" ingest -q -d "$W/l.db" --host edge-01 --interval 60 --anchor '2025-01-06 00:00:00@0' - ||
	bad "simulate | ingest leak"
if "$T" report -d "$W/l.db" --format openmetrics -o "$W/l.prom"; then ok; else bad "report -o .prom"; fi
# shellcheck disable=SC2010
ls -a "$W" | grep -q 'tmp' && bad "-o left a temporary file" || ok
wellformed "$W/l.prom"
promcheck "$W/l.prom"
strictcheck "$W/l.prom"
for m in tsmem_allocated_bytes tsmem_in_use_bytes tsmem_stranded_bytes \
	tsmem_floor_slope_bytes_per_hour tsmem_verdict tsmem_churn_cost_bytes \
	tsmem_last_dump_timestamp_seconds; do
	has "$W/l.prom" "'$m' in names()" "metric $m emitted"
done
has "$W/l.prom" 'any(n == "tsmem_verdict" and l["verdict"] == "leak" and v == 1 for n, l, v in s)' \
	"a leak verdict series"
has "$W/l.prom" 'all(v == 1 for n, l, v in s if n == "tsmem_verdict")' "verdict series are 1"
has "$W/l.prom" 'len([1 for n, l, v in s if n == "tsmem_verdict"]) == len([1 for n, l, v in s if n == "tsmem_allocated_bytes"])' \
	"one verdict series per allocator"
has "$W/l.prom" 'any(n == "tsmem_floor_slope_bytes_per_hour" and v > 0 for n, l, v in s)' "a rising floor"
has "$W/l.prom" 'all(l["bucket"] == l["allocator"][15:-1] for n, l, v in s if "bucket" in l)' \
	"bucket label of the ioBuf rows"
has "$W/l.prom" 'all(l.get("host") == "edge-01" for n, l, v in s if n != "tsmem_input_diagnostics")' \
	"host label"
"$T" report -d "$W/l.db" --format openmetrics >"$W/l2.prom" || bad "openmetrics to stdout"
cmp -s "$W/l.prom" "$W/l2.prom" && ok || bad "-o and stdout differ"

H=$(printf 'edge "7" \\ back\nslash <script>')
"$T" ingest -q -d "$W/h.db" --host "$H" fixtures/invalid/hostile-names/input.log 2>/dev/null ||
	bad "ingest hostile"
"$T" report -d "$W/h.db" --all --format openmetrics -o "$W/h.prom" || bad "report hostile"
wellformed "$W/h.prom"
promcheck "$W/h.prom"
strictcheck "$W/h.prom"
has "$W/h.prom" 'any(l.get("allocator") == "<script>alert(1)</script>" for n, l, v in s)' "name kept"
has "$W/h.prom" 'any(l.get("allocator") == "tab\there\x1bq" for n, l, v in s)' "control characters kept"
if grep -q 'host="edge \\"7\\" \\\\ back\\nslash <script>"' "$W/h.prom"; then ok; else bad "host label escaping"; fi

printf '' | "$T" ingest -q -d "$W/e.db" --host empty - || bad "ingest empty"
"$T" report -d "$W/e.db" --format openmetrics -o "$W/e.prom" || bad "report empty"
wellformed "$W/e.prom"
promcheck "$W/e.prom"

# ---- (c) alert rules ------------------------------------------------------------------
if [ -n "$PROMTOOL" ]; then
	if "$PROMTOOL" check rules "$ALERTS" >"$W/cr.out" 2>&1; then ok; else
		bad "promtool check rules $ALERTS"
		sed 's/^/    /' "$W/cr.out" >&2
	fi
	cat >"$W/alerts.test.yml" <<EOF
rule_files: [ "$PWD/$ALERTS" ]
evaluation_interval: 1m
tests:
  - interval: 5m
    input_series:
      - series: 'tsmem_verdict{host="edge-01",allocator="ioBufAllocator[4]",bucket="4",verdict="leak"}'
        values: '1x30'
      - series: 'tsmem_floor_slope_bytes_per_hour{host="edge-01",allocator="ioBufAllocator[4]",bucket="4"}'
        values: '104857600x30'
      - series: 'tsmem_verdict{host="edge-01",allocator="ioBufAllocator[7]",bucket="7",verdict="plateau"}'
        values: '1x30'
      - series: 'tsmem_floor_slope_bytes_per_hour{host="edge-01",allocator="ioBufAllocator[7]",bucket="7"}'
        values: '0x30'
    alert_rule_test:
      - eval_time: 30m
        alertname: TsmemFreelistLeak
        exp_alerts: []
      - eval_time: 90m
        alertname: TsmemFreelistLeak
        exp_alerts:
          - exp_labels: {severity: warning, host: edge-01, allocator: "ioBufAllocator[4]", bucket: "4", verdict: leak}
            exp_annotations:
              summary: "ATS freelist leak: ioBufAllocator[4] on edge-01"
              description: "tsmem classifies ioBufAllocator[4] on edge-01 as leaking: the in-use floor rises significantly and allocated follows. Open the HTML report (tsmem report --format html) for the chart and the evidence; set proxy.config.res_track_memory=1 to see the allocating call sites."
      - eval_time: 60m
        alertname: TsmemFreelistLeakFast
        exp_alerts:
          - exp_labels: {severity: critical, host: edge-01, allocator: "ioBufAllocator[4]", bucket: "4"}
            exp_annotations:
              summary: "ATS freelist leak over 1 GiB/day: ioBufAllocator[4] on edge-01"
              description: "The in-use floor of ioBufAllocator[4] on edge-01 rises by 2.344GiB per day. Plan a restart before memory runs out."
      - eval_time: 90m
        alertname: TsmemFreelistChurn
        exp_alerts: []
EOF
	if "$PROMTOOL" test rules "$W/alerts.test.yml" >"$W/tr.out" 2>&1; then ok; else
		bad "promtool test rules:"
		sed 's/^/    /' "$W/tr.out" | head -30 >&2
	fi
fi

# ---- (d) the Grafana dashboard ----------------------------------------------------------
"$T" report -d "$W/e.db" --format openmetrics >"$W/names.prom" 2>/dev/null
cat "$W/l.prom" >>"$W/names.prom"
if python3 - "$DASH" "$W/names.prom" "$W/dash.rules.yml" <<'PY'; then ok; else bad "dashboard $DASH"; fi
import json, re, sys
dash = json.load(open(sys.argv[1]))
emitted = set(re.findall(r"^# TYPE (\S+) ", open(sys.argv[2]).read(), re.M))
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "expr" and isinstance(v, str):
                exprs.append(v)
            else:
                walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(dash.get("panels", []))
walk(dash.get("annotations", {}))
used = set()
for var in dash.get("templating", {}).get("list", []):
    q = var.get("query")
    q = q.get("query", "") if isinstance(q, dict) else q or ""
    m = re.match(r"\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", q)
    if m:
        used.add(m.group(1))
    elif var.get("type") == "query":
        exprs.append(q)
assert exprs, "no expressions"
WORDS = {"sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
         "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
         "and", "or", "unless", "bool", "offset", "time", "vector", "scalar", "changes", "delta",
         "deriv", "rate", "irate", "increase", "abs", "clamp_min", "clamp_max", "label_replace",
         "absent", "sort", "sort_desc", "predict_linear", "max_over_time", "min_over_time",
         "avg_over_time", "last_over_time", "round", "timestamp", "histogram_quantile", "inf", "nan"}
err = []
for e in exprs:
    x = re.sub(r'"(?:[^"\\]|\\.)*"', "", e)         # strings
    x = re.sub(r"\{[^}]*\}", "", x)                   # label matchers
    x = re.sub(r"\[[^\]]*\]", "", x)                  # ranges
    x = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", x)
    x = re.sub(r"\$\w+", "", x)
    for tok in re.findall(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", x):
        if tok.lower() not in WORDS:
            used.add(tok)
missing = sorted(used - emitted)
if missing:
    err.append("metrics not emitted by tsmem: %s" % missing)
if not used & emitted >= {"tsmem_verdict", "tsmem_churn_cost_bytes", "tsmem_allocated_bytes"}:
    err.append("dashboard lacks the verdicts, churn cost or per-bucket panels")
titles = [p.get("title", "") for p in dash["panels"]]
if not any(p.get("type") == "table" for p in dash["panels"]):
    err.append("no verdict table")
if not any(p.get("repeat") == "host" for p in dash["panels"]):
    err.append("no per-host row")
with open(sys.argv[3], "w") as f:                    # for promtool: exprs as recording rules
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write("      - record: dashboard:expr%d\n        expr: %s\n" % (i, json.dumps(e.replace("$host", ".*"))))
for e in err:
    print("    " + e, file=sys.stderr)
print("dashboard: %d expressions, metrics %s" % (len(exprs), sorted(used)))
sys.exit(1 if err else 0)
PY
if [ -n "$PROMTOOL" ] && [ -s "$W/dash.rules.yml" ]; then
	if "$PROMTOOL" check rules "$W/dash.rules.yml" >"$W/dr.out" 2>&1; then ok; else
		bad "dashboard expressions do not parse as PromQL:"
		sed 's/^/    /' "$W/dr.out" | head -10 >&2
	fi
fi

echo "openmetrics_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
