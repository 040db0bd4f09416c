#!/bin/sh
# fleet_cli.sh — the fleet path with the real parts, as the README sets it up:
# tsmem's OpenMetrics in node_exporter's textfile collector, a real Prometheus
# scraping it and evaluating a copy of contrib/tsmem-alerts.yml whose `for:`
# durations are cut to seconds (by sed; the shipped file is not touched).
#  - two hosts, each with its own Debian prometheus-node-exporter on loopback:
#    edge-leak (a leak simulation whose last dump is now) and edge-plateau (a
#    plateau simulation of January 2025);
#  - through Prometheus' HTTP API: both targets up without scrape errors and
#    node_textfile_scrape_error 0; tsmem_verdict, and every other sample of
#    the two .prom files, arrives with its value; every rule group and rule is
#    healthy; TsmemFreelistLeak fires for exactly the allocators tsmem calls
#    leaking and stays silent on the plateau host; TsmemFreelistLeakFast fires
#    exactly where verdict and slope say so (the simulated leak is slower than
#    1 GiB/day: nowhere; `promtool test rules` in openmetrics_cli.sh makes it
#    fire); TsmemDumpsStale fires for the old capture and not for the current
#    one; TsmemFreelistChurn stays silent; neither server logs a warning;
#  - bounded: the API checks share a 100-second budget, the servers run under
#    timeout(1) (FLEET_LIMIT seconds, default 150), on loopback, in a temporary
#    directory, and are stopped by pid on every way out.  A passing run takes
#    about 30 seconds, most of it Prometheus' target discovery.
# Needs Debian's `prometheus` and `prometheus-node-exporter`, and python3;
# without them it prints SKIP and exits 0.  Run from the repository root:
#   TSMEM=/abs/path/tsmem sh tests/fleet_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
ALERTS=contrib/tsmem-alerts.yml
LIMIT=${FLEET_LIMIT:-150}
FOR=3s
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }

PROM=$(command -v prometheus 2>/dev/null || true)
NODE=$(command -v prometheus-node-exporter 2>/dev/null || command -v node_exporter 2>/dev/null || true)
missing=
[ -n "$PROM" ] || missing="$missing prometheus"
[ -n "$NODE" ] || missing="$missing prometheus-node-exporter"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v timeout >/dev/null 2>&1 || missing="$missing timeout"
if [ -n "$missing" ]; then
	echo "SKIP: fleet_cli.sh: not installed:$missing" \
		"(apt-get install prometheus prometheus-node-exporter python3): fleet path not tested"
	exit 0
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-fleet.XXXXXX") || exit 1
pids=
# stop: end the servers; timeout(1) returns only once its server has exited.
stop() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=
}
trap 'stop; rm -rf "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
logtail() { cut -c1-300 "$W/$1.log" | sed 's/^/    /' | tail -"${2:-15}" >&2; }

# ---- inputs: a current leak and an old plateau ---------------------------------------
mkdir -p "$W/leak" "$W/plateau" "$W/data" || exit 1
now=$(date +%s)
start=$(date -d "@$((now - 86400))" '+%Y-%m-%d %H:%M:%S')
# gen SCENARIO HOST START: one simulated day, ingested with dump 0 at START (local
# time), reported into that host's textfile directory.
gen() {
	if "$T" simulate --scenario "$1" --days 1 --interval 300 --seed 4 -o "$W/$1.out" &&
		"$T" ingest -q -d "$W/$1.db" --host "$2" --interval 300 --anchor "$3@0" "$W/$1.out" &&
		"$T" report -d "$W/$1.db" --format openmetrics -o "$W/$1/tsmem.prom"; then
		ok
	else
		bad "simulate | ingest | report --format openmetrics ($1)"
	fi
}
gen leak edge-leak "$start"
gen plateau edge-plateau '2025-01-06 00:00:00'
if grep -q '^tsmem_verdict{.*verdict="leak"' "$W/leak/tsmem.prom" &&
	! grep -q '^tsmem_verdict{.*verdict="leak"' "$W/plateau/tsmem.prom"; then ok; else
	bad "the simulations do not give a leak verdict on leak and none on plateau"
fi

# The test copy of the rules, every `for:` cut to $FOR.
sed "s/^\([[:space:]]*for:[[:space:]]*\)[0-9][0-9smhdwy]*[[:space:]]*\$/\1$FOR/" "$ALERTS" >"$W/alerts.yml"
nfor=$(grep -c '^[[:space:]]*for:' "$ALERTS")
if [ "$nfor" -gt 0 ] && [ "$(grep -c "^[[:space:]]*for: $FOR\$" "$W/alerts.yml")" -eq "$nfor" ]; then ok; else
	bad "sed did not shorten all $nfor 'for:' durations of $ALERTS"
fi

# ---- the servers ----------------------------------------------------------------------
# Three free loopback ports, picked by the kernel.
# shellcheck disable=SC2046
set -- $(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
PL=$1 PP=$2 PQ=$3
for h in leak plateau; do
	[ $h = leak ] && port=$PL || port=$PP
	timeout -k 5 "$LIMIT" "$NODE" --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$W/$h" >"$W/node-$h.log" 2>&1 &
	pids="$pids $!"
done
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [ "$W/alerts.yml" ]
scrape_configs:
  - job_name: node
    static_configs:
      - targets: [ "127.0.0.1:$PL", "127.0.0.1:$PP" ]
EOF
timeout -k 5 "$LIMIT" "$PROM" --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/data" \
	--web.listen-address="127.0.0.1:$PQ" >"$W/prometheus.log" 2>&1 &
pids="$pids $!"

# The API client: api.py WAIT PATH CONDITION polls http://127.0.0.1:$PQ/PATH (or
# the PromQL query PATH) for up to WAIT seconds, never past $DEADLINE, until
# CONDITION, a Python expression over d (the answer's "data") and the helpers
# below, holds; then exits 0, else prints what it last saw and exits 1.
cat >"$W/api.py" <<'PY'
import json, os, re, sys, time, urllib.parse, urllib.request
base = "http://127.0.0.1:%s" % os.environ["PQ"]
INST = {"127.0.0.1:" + os.environ["PL"]: "leak", "127.0.0.1:" + os.environ["PP"]: "plateau"}
HOST = {"leak": "edge-leak", "plateau": "edge-plateau"}
note = ""

def prom(fn):
    """The samples of a .prom file: {(name, ((label, value), ...)): value}."""
    out = {}
    for ln in open(fn, encoding="utf-8").read().split("\n"):
        if ln and not ln.startswith("#"):
            name, rest = re.match(r"([^{ ]+)(.*)", ln).groups()
            lab, val = rest.rsplit(" ", 1)
            labels = [(k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                      for k, v in re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', lab)]
            out[(name, tuple(sorted(labels)))] = float(val)
    return out
F = {h: prom(os.path.join(os.environ["W"], h, "tsmem.prom")) for h in HOST}

def q(expr):
    return "/api/v1/query?query=" + urllib.parse.quote(expr)

def same_samples(d):
    """Every tsmem sample of both files arrived from its own target, with its value."""
    global note
    got = {}
    for r in d["result"]:
        m = dict(r["metric"])
        h = INST.get(m.pop("instance", None))
        m.pop("job", None)
        name = m.pop("__name__")
        got[(h, name, tuple(sorted(m.items())))] = float(r["value"][1])
    want = {(h, k[0], k[1]): v for h in F for k, v in F[h].items()}
    lost = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    diff = [k for k in set(want) & set(got)
            if abs(want[k] - got[k]) > 1e-9 * max(1.0, abs(want[k]))]
    note = "%d samples expected, %d arrived; lost %s; unexpected %s; values differ %s" % (
        len(want), len(got), lost[:3], extra[:3], [(k, want[k], got[k]) for k in diff[:3]])
    return not lost and not extra and not diff

def verdicts(h, v):
    return {dict(k[1])["allocator"] for k in F[h] if k[0] == "tsmem_verdict" and dict(k[1])["verdict"] == v}

def fast(h):
    slope = {dict(k[1])["allocator"]: x for k, x in F[h].items() if k[0] == "tsmem_floor_slope_bytes_per_hour"}
    return {a for a in verdicts(h, "leak") if slope.get(a, 0) * 24 > 1073741824}

def alerts(d, name, h, state=None):
    return {a["labels"].get("allocator", "") for a in d["alerts"]
            if a["labels"]["alertname"] == name and a["labels"].get("host") == HOST[h]
            and (state is None or a["state"] == state)}

def rules_ok(d):
    global note
    want = set(re.findall(r"^\s*- alert:\s*(\S+)", open(os.path.join(os.environ["W"], "alerts.yml")).read(), re.M))
    rules = [r for g in d["groups"] for r in g["rules"]]
    bad = [(r["name"], r["health"], r.get("lastError", "")) for r in rules if r["health"] != "ok" or r.get("lastError")]
    note = "groups %s, rules %s, not healthy %s" % ([g["name"] for g in d["groups"]],
                                                   sorted(r["name"] for r in rules), bad)
    return {r["name"] for r in rules} == want and len(rules) == len(want) and not bad

wait, path, cond = float(sys.argv[1]), sys.argv[2], sys.argv[3]
if not path.startswith("/"):
    path = q(path)
deadline, d, why = min(time.time() + wait, float(os.environ["DEADLINE"])), None, ""
while True:
    try:
        with urllib.request.urlopen(base + path, timeout=3) as r:
            d = json.load(r)["data"]
        if eval("(" + cond + ")"):
            sys.exit(0)
        why = note or "condition is false: " + cond
    except Exception as e:
        why = repr(e)
    if time.time() >= deadline:
        break
    time.sleep(0.5)
print("    %s, after %g s: %s" % (urllib.parse.unquote(path), wait, why), file=sys.stderr)
print("    last answer: " + json.dumps(d)[:1200], file=sys.stderr)
sys.exit(1)
PY
DEADLINE=$(($(date +%s) + 100))
export W PL PP PQ DEADLINE
# api WAIT PATH-OR-PROMQL CONDITION MESSAGE
api() {
	if python3 "$W/api.py" "$1" "$2" "$3"; then ok; else bad "$4"; return 1; fi
}

if ! api 30 /api/v1/status/buildinfo 'd["version"] != ""' "Prometheus answers on 127.0.0.1:$PQ"; then
	logtail prometheus
	echo "fleet_cli.sh: $n checks, $fail failed"
	exit 1
fi
api 40 /api/v1/targets 'len(d["activeTargets"]) == 2 and
	all(t["health"] == "up" and t["lastError"] == "" for t in d["activeTargets"])' \
	"both node_exporter targets up without scrape errors"
api 10 node_textfile_scrape_error 'len(d["result"]) == 2 and all(r["value"][1] == "0" for r in d["result"])' \
	"node_textfile_scrape_error 0 on both exporters"
api 10 tsmem_verdict '{r["metric"]["host"] for r in d["result"]} == set(HOST.values()) and
	len(d["result"]) == sum(1 for h in F for k in F[h] if k[0] == "tsmem_verdict")' \
	"tsmem_verdict arrives, one series per allocator of both hosts"
api 10 '{__name__=~"tsmem_.*"}' 'same_samples(d)' "every tsmem sample arrives with its value"
api 20 /api/v1/rules 'rules_ok(d)' "the rule groups of $ALERTS load and evaluate healthy"

# The alerts: wait for the leak to fire and the old capture to go stale, then look
# at everything at once (by then every series has been in for longer than $FOR).
api 30 /api/v1/alerts 'alerts(d, "TsmemFreelistLeak", "leak", "firing") == verdicts("leak", "leak")' \
	"TsmemFreelistLeak fires on edge-leak for exactly the leak verdicts"
api 20 /api/v1/alerts 'alerts(d, "TsmemDumpsStale", "plateau", "firing") == {""}' \
	"TsmemDumpsStale fires for the January 2025 capture"
sleep 2
api 0 /api/v1/alerts 'not alerts(d, "TsmemFreelistLeak", "plateau")' \
	"TsmemFreelistLeak stays silent on edge-plateau"
api 0 /api/v1/alerts 'alerts(d, "TsmemFreelistLeakFast", "leak") == fast("leak") and
	not alerts(d, "TsmemFreelistLeakFast", "plateau")' \
	"TsmemFreelistLeakFast fires exactly where the leak is faster than 1 GiB/day"
api 0 /api/v1/alerts 'not alerts(d, "TsmemDumpsStale", "leak")' \
	"TsmemDumpsStale stays silent for the current capture"
api 0 /api/v1/alerts 'not alerts(d, "TsmemFreelistChurn", "leak") and not alerts(d, "TsmemFreelistChurn", "plateau")' \
	"TsmemFreelistChurn stays silent without a churn verdict"

# Prometheus logged no rule or scrape trouble.
if grep -Ei 'level=(error|warn)' "$W/prometheus.log" | grep -Eiv 'tls|remote|notifier|alertmanager' >"$W/warn.log"; then
	bad "Prometheus logged errors or warnings:"
	logtail warn 3
else
	ok
fi
for h in leak plateau; do
	if grep -Ei 'level=(error|warn)' "$W/node-$h.log" | grep -v 'running as root' >"$W/warn.log"; then
		bad "node_exporter ($h) logged errors or warnings:"
		logtail warn 3
	else
		ok
	fi
done

stop
echo "fleet_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
