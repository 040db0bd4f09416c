#!/bin/sh
# report_cli.sh — CLI tests of `tsmem report` and `tsmem analyze`: the two
# real-fixture cases (#5858 churn of ioBufAllocator[11]; #9625 single dump:
# insufficient_data with utilisation and stranded bytes), JSON validity on an
# empty database, the verdict table, -o, --fail-on, every option three ways
# (works / missing argument / bad value) plus unknown options, and a smoke
# test against `tsmem simulate` when it exists.
#
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/report_cli.sh
# JSON is checked with python3.  Exits non-zero on any failure.
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
checks=0
R=fixtures/real

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect RC CMD...: run, compare the exit status (stdout/stderr kept in $W).
expect() {
	want=$1
	shift
	checks=$((checks + 1))
	"$@" >"$W/out" 2>"$W/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "exit $got, want $want: $*"
		sed 's/^/    /' "$W/err" | head -5 >&2
	fi
}

# stderr of the last command must contain TEXT
err_has() {
	checks=$((checks + 1))
	grep -q -- "$1" "$W/err" || fail "stderr lacks '$1': $(head -2 "$W/err")"
}

# pyjson FILE 'python expression over d' : must be true
pyjson() {
	checks=$((checks + 1))
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def allocs(d):
    return [a for h in d["hosts"] for l in h["lifetimes"] for a in l["allocators"]]
def alloc(d, name):
    return [a for a in allocs(d) if a["name"] == name][0]
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$1" "$2" || fail "JSON check failed on $1: $2"
}

# ---- the two real cases ------------------------------------------------------

cat "$R/04-gh5858-7.1.x-a-earlier.txt" "$R/05-gh5858-7.1.x-b-later.txt" |
	expect 0 "$T" analyze -q -d "$W/a.db" --host gh5858 --format json -
cp "$W/out" "$W/a.json"
pyjson "$W/a.json" 'd["schema"] == "tsmem.report/1"'
pyjson "$W/a.json" 'alloc(d, "ioBufAllocator[11]")["verdict"] == "churn"'
pyjson "$W/a.json" 'alloc(d, "ioBufAllocator[11]")["stranded"] == 922746880 - 1310720'
pyjson "$W/a.json" 'alloc(d, "ioBufAllocator[11]")["time_basis"] == "sequence"'
pyjson "$W/a.json" 'alloc(d, "ioBufAllocator[11]")["chunk_items"] == 32'
pyjson "$W/a.json" 'all(a["verdict"] != "leak" for a in allocs(d))'
pyjson "$W/a.json" 'alloc(d, "ioBufAllocator[14]")["verdict"] == "idle"'
pyjson "$W/a.json" 'd["diagnostics"]["warnings"] >= 1 and d["verdicts_stored"] is True'
# required keys of DESIGN §6
pyjson "$W/a.json" 'all(k in d for k in ("schema", "generated_at", "params", "hosts", "diagnostics"))'
pyjson "$W/a.json" 'all(k in d["hosts"][0]["lifetimes"][0] for k in ("index", "format", "mode", "start", "end", "ts_quality", "dumps", "totals", "allocators"))'
pyjson "$W/a.json" 'all(k in d["hosts"][0]["lifetimes"][0]["totals"] for k in ("allocated", "in_use", "stranded", "churn_cost"))'
pyjson "$W/a.json" 'all(k in a for a in allocs(d) for k in ("name", "bucket", "type_size", "chunk_items", "verdict", "confidence", "allocated", "in_use", "stranded", "utilization", "model", "trend", "forecast", "explanation"))'
pyjson "$W/a.json" 'all(k in a["trend"] for a in allocs(d) for k in ("floor_slope_bytes_per_hour", "mk_z", "p_value", "sen_ci"))'
pyjson "$W/a.json" '[a["name"] for a in allocs(d)][:2] == ["ioBufAllocator[14]", "ioBufAllocator[13]"]'
pyjson "$W/a.json" 'd["params"]["min_dumps"] == 12 and d["params"]["alpha"] == 0.01 and d["params"]["churn_min_bytes"] == 10485760'
# byte values are integers in the text
checks=$((checks + 1))
grep -q '"stranded":[[:space:]]*921436160,' "$W/a.json" || fail "stranded not an integer literal"
# the verdict table was written, one transaction
checks=$((checks + 1))
n=$("$T" sql -d "$W/a.db" --format csv "SELECT count(*) FROM verdict WHERE verdict = 'churn'" | tail -1)
[ "$n" = 1 ] || fail "verdict table: $n churn rows"

expect 0 "$T" analyze -q -d "$W/b.db" --host gh9625 --format json "$R/07-gh9625-8.1.1.txt"
cp "$W/out" "$W/b.json"
pyjson "$W/b.json" 'all(a["verdict"] not in ("leak", "churn") for a in allocs(d))'
pyjson "$W/b.json" 'all(a["verdict"] == "insufficient_data" for a in allocs(d))'
pyjson "$W/b.json" 'all(0.4 < a["utilization"] < 0.97 and a["stranded"] > 0 for a in allocs(d))'
pyjson "$W/b.json" 'alloc(d, "ioBufAllocator[8]")["stranded"] == 1529872384 - 675119104'

# text report: the churn paragraph, sparklines, at most 100 columns, no colour in a pipe
expect 0 "$T" report -d "$W/a.db"
cp "$W/out" "$W/a.txt"
checks=$((checks + 1))
grep -q 'ioBufAllocator\[11\] .*churn' "$W/a.txt" || fail "text: no churn row"
checks=$((checks + 1))
grep -q '▁' "$W/a.txt" || fail "text: no sparkline"
checks=$((checks + 1))
python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 100 for l in open(sys.argv[1], encoding="utf-8")))' "$W/a.txt" ||
	fail "text: a line is wider than 100 columns"
checks=$((checks + 1))
if grep -q "$(printf '\033')" "$W/a.txt"; then fail "text: colour codes in a pipe"; fi
expect 0 "$T" report -d "$W/b.db" --all
checks=$((checks + 1))
grep -q 'Too few dumps' "$W/out" || fail "text: no insufficient_data paragraph"
checks=$((checks + 1))
python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 100 for l in open(sys.argv[1], encoding="utf-8")))' "$W/out" ||
	fail "text (times known): a line is wider than 100 columns"

# ---- empty database ---------------------------------------------------------------

printf '' | expect 0 "$T" ingest -q -d "$W/e.db" --host empty -
expect 0 "$T" report -d "$W/e.db" --format json
cp "$W/out" "$W/e.json"
pyjson "$W/e.json" 'd["schema"] == "tsmem.report/1" and d["hosts"] == [] and "params" in d'
expect 0 "$T" report -d "$W/e.db"
expect 2 "$T" report -d "$W/missing.db"
err_has "no such database"

# ---- --fail-on, -o -----------------------------------------------------------------

expect 3 "$T" report -d "$W/a.db" --fail-on churn
expect 3 "$T" report -d "$W/a.db" --fail-on leak,churn --format json
expect 0 "$T" report -d "$W/a.db" --fail-on leak
expect 0 "$T" report -d "$W/b.db" --fail-on churn
expect 1 "$T" report -d "$W/a.db" --fail-on
expect 1 "$T" report -d "$W/a.db" --fail-on plateau
err_has "bad --fail-on"

expect 0 "$T" report -d "$W/a.db" --format json -o "$W/rep.json"
pyjson "$W/rep.json" 'alloc(d, "ioBufAllocator[11]")["verdict"] == "churn"'
checks=$((checks + 1))
[ ! -s "$W/out" ] || fail "-o: stdout not empty"
checks=$((checks + 1))
ls -a "$W" | grep -q 'tmp' && fail "-o left a temporary file"
expect 0 "$T" report -d "$W/a.db" -o "$W/rep.txt"
checks=$((checks + 1))
grep -q churn "$W/rep.txt" || fail "-o: text file lacks the verdict"
expect 1 "$T" report -d "$W/a.db" -o
expect 2 "$T" report -d "$W/a.db" -o "$W/no/such/dir/rep.txt"

# ---- every option: works / missing argument / bad value ------------------------------

expect 0 "$T" report --db "$W/a.db"
expect 1 "$T" report --db
expect 1 "$T" report --db ''

expect 0 "$T" report -d "$W/a.db" --host gh5858
expect 1 "$T" report -d "$W/a.db" --host
expect 1 "$T" report -d "$W/a.db" --host ''
expect 2 "$T" report -d "$W/a.db" --host nosuchhost
err_has "no dumps for host"

expect 0 "$T" report -d "$W/a.db" --format text
expect 1 "$T" report -d "$W/a.db" --format
expect 1 "$T" report -d "$W/a.db" --format xml
err_has "bad --format"
expect 0 "$T" report -d "$W/a.db" --format html
expect 0 "$T" report -d "$W/a.db" --format openmetrics

expect 0 "$T" report -d "$W/a.db" --format json --allocator '*[[]11]'
pyjson "$W/out" '[a["name"] for a in allocs(d)] == ["ioBufAllocator[11]"]'
expect 0 "$T" report -d "$W/a.db" --format json --allocator 'ioBufAllocator?1??'
pyjson "$W/out" '[a["name"] for a in allocs(d)][:2] == ["ioBufAllocator[14]", "ioBufAllocator[13]"] and len(allocs(d)) == 5'
expect 1 "$T" report -d "$W/a.db" --allocator
expect 1 "$T" report -d "$W/a.db" --allocator ''

expect 0 "$T" report -d "$W/b.db" --all
expect 1 "$T" report -d "$W/b.db" --all=yes
err_has "takes no argument"

expect 0 "$T" report -d "$W/b.db" --format json --since 2000-01-01
pyjson "$W/out" 'all(a["dumps"] == 1 for a in allocs(d))'
expect 0 "$T" report -d "$W/b.db" --format json --since '2999-01-01 00:00'
pyjson "$W/out" 'all(a["dumps"] == 0 and a["verdict"] == "insufficient_data" for a in allocs(d))'
expect 1 "$T" report -d "$W/b.db" --since
expect 1 "$T" report -d "$W/b.db" --since yesterday
err_has "bad --since"

expect 0 "$T" report -d "$W/b.db" --until 4102444800
expect 0 "$T" report -d "$W/b.db" --until 1d
expect 1 "$T" report -d "$W/b.db" --until
expect 1 "$T" report -d "$W/b.db" --until 2020-13-01
expect 1 "$T" report -d "$W/b.db" --since 2021-01-01 --until 2020-01-01
err_has "after --until"

expect 0 "$T" report -d "$W/a.db" --format json --param churn_ratio_strong=1000
pyjson "$W/out" 'alloc(d, "ioBufAllocator[11]")["verdict"] == "insufficient_data" and d["params"]["churn_ratio_strong"] == 1000'
expect 0 "$T" report -d "$W/a.db" --format json --param churn_min_bytes=1G
pyjson "$W/out" 'alloc(d, "ioBufAllocator[11]")["verdict"] == "insufficient_data"'
expect 1 "$T" report -d "$W/a.db" --param
expect 1 "$T" report -d "$W/a.db" --param nosuch=1
err_has "unknown parameter"
expect 1 "$T" report -d "$W/a.db" --param alpha=5
err_has "outside"
expect 1 "$T" report -d "$W/a.db" --param alpha

expect 0 "$T" report -d "$W/a.db" --busy-timeout 100
expect 1 "$T" report -d "$W/a.db" --busy-timeout
expect 1 "$T" report -d "$W/a.db" --busy-timeout soon

# --records: works (hugepages change the chunk source), missing argument,
# unreadable file (exit 2), malformed value (a warning with file:line)
printf 'CONFIG proxy.config.allocator.hugepages INT 1\nCONFIG proxy.config.allocator.thread_freelist_size INT lots\n' >"$W/records.config"
expect 0 "$T" report -d "$W/a.db" --format json --records "$W/records.config"
# (where the dumps contradict the configured chunk, the model infers it from them)
pyjson "$W/out" 'all(a["chunk_source"] in ("hugepage", "inferred") for l in d["hosts"][0]["lifetimes"] for a in l["allocators"] if a.get("bucket") is not None)'
pyjson "$W/out" 'any(a["chunk_source"] == "hugepage" for l in d["hosts"][0]["lifetimes"] for a in l["allocators"])'
err_has "records.config:2: warning"
printf 'ts:\n  allocator:\n    hugepages: 1\n' >"$W/records.yaml"
expect 0 "$T" report -d "$W/a.db" --format json --records "$W/records.yaml"
pyjson "$W/out" 'any(a["chunk_source"] == "hugepage" for l in d["hosts"][0]["lifetimes"] for a in l["allocators"])'
expect 1 "$T" report -d "$W/a.db" --records
expect 2 "$T" report -d "$W/a.db" --records "$W/no-such-records.config"

expect 1 "$T" report -d "$W/a.db" --bogus
err_has "unknown option '--bogus'"
expect 1 "$T" report -d "$W/a.db" -Z
expect 1 "$T" report -d "$W/a.db" extra-argument
expect 0 "$T" report --help
checks=$((checks + 1))
grep -q 'churn_ratio' "$W/out" || fail "--help lacks the parameter table"

# analyze: its own options and the ingest ones
expect 0 "$T" analyze -q -d "$W/c.db" -H sim --interval 60 --format json "$R/07-gh9625-8.1.1.txt"
pyjson "$W/out" 'd["hosts"][0]["host"] == "sim"'
expect 1 "$T" analyze -d "$W/c.db" --interval
expect 1 "$T" analyze -d "$W/c.db" --interval -5 "$R/07-gh9625-8.1.1.txt"
expect 1 "$T" analyze -d "$W/c.db" --anchor nonsense "$R/07-gh9625-8.1.1.txt"
expect 1 "$T" analyze -d "$W/c.db" --format xml "$R/07-gh9625-8.1.1.txt"
expect 1 "$T" analyze -d "$W/c.db" --bogus "$R/07-gh9625-8.1.1.txt"
expect 2 "$T" analyze -q -d "$W/c.db" "$W/no-such-file.txt"
expect 3 "$T" analyze -q -d "$W/c2.db" -H x --fail-on churn "$R/05-gh5858-7.1.x-b-later.txt"
expect 0 "$T" analyze --help

# ---- simulated scenarios (when `tsmem simulate` exists) ------------------------------

if "$T" simulate --help >/dev/null 2>&1; then
	for sc in leak plateau churn; do
		expect 0 "$T" simulate --scenario "$sc" --days 3 --interval 300 --seed 7 \
			-o "$W/$sc.log" --truth "$W/$sc.truth.json"
		expect 0 "$T" analyze -q -d "$W/sim-$sc.db" -H sim --interval 300 --format json "$W/$sc.log"
		cp "$W/out" "$W/sim-$sc.json"
	done
	pyjson "$W/sim-leak.json" 'any(a["verdict"] == "leak" for a in allocs(d))'
	# every allocator the truth calls a detectable leak is found
	checks=$((checks + 1))
	python3 -c '
import json, sys
t = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
want = {a["name"] for h in t["hosts"] for l in h["lifetimes"] for a in l["allocators"]
        if a["verdict"] == "leak" and a["detectable"]}
got = {a["name"] for h in r["hosts"] for l in h["lifetimes"] for a in l["allocators"]
       if a["verdict"] == "leak"}
sys.exit(0 if want and want <= got and got <= want else 1)
' "$W/leak.truth.json" "$W/sim-leak.json" || fail "simulated leak: verdicts differ from the truth"
	pyjson "$W/sim-plateau.json" 'all(a["verdict"] not in ("leak", "churn") for a in allocs(d))'
	# each allocator's trend is tested at alpha / the lifetime's active
	# allocators, and every leak passed that level
	pyjson "$W/sim-leak.json" 'all(a["trend"]["alpha_used"] < 0.01 / 10 for a in allocs(d) if a["verdict"] == "leak") and all(a["trend"]["p_value"] < a["trend"]["alpha_used"] for a in allocs(d) if a["verdict"] == "leak")'
	pyjson "$W/sim-leak.json" 'all(a["reason"] == "leak" and "Live objects accumulate" in a["explanation"] for a in allocs(d) if a["verdict"] == "leak")'
	pyjson "$W/sim-churn.json" 'any(a["verdict"] == "churn" for a in allocs(d)) and all(a["verdict"] != "leak" for a in allocs(d))'
	# totals against an independent SQL computation over complete dumps:
	# churn cost = sum of per-allocator peaks - peak of the summed in-use
	checks=$((checks + 1))
	want=$("$T" sql -d "$W/sim-churn.db" --format csv "
		SELECT (SELECT sum(m) FROM (SELECT max(s.in_use) AS m FROM sample s
		          JOIN snapshot n ON n.id = s.snapshot_id WHERE n.complete = 1 GROUP BY s.allocator_id))
		     - (SELECT max(t) FROM (SELECT sum(s.in_use) AS t FROM sample s
		          JOIN snapshot n ON n.id = s.snapshot_id WHERE n.complete = 1 GROUP BY s.snapshot_id))" | tail -1)
	got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][0]["lifetimes"][0]["totals"]["churn_cost"])' "$W/sim-churn.json")
	[ -n "$want" ] && [ "$want" = "$got" ] || fail "churn cost $got, SQL says $want"
	pyjson "$W/sim-churn.json" 'd["hosts"][0]["lifetimes"][0]["totals"]["churn_cost"] > 0'
	# load moved from ioBufAllocator[6] into [5] over an hour: [5]'s rise
	# is what the other buckets gave up (one buffer for each), so no leak;
	# and a parameter of the earlier classifier is refused with its
	# replacement named
	expect 0 "$T" simulate --scenario churn --days 1 --interval 900 --format F1 --seed 9028 \
		--noise 0.1 --sigusr1 2 -o "$W/move.log"
	t5='[a for a in allocs(d) if a["name"] == "ioBufAllocator[5]"][0]'
	expect 0 "$T" analyze -q -d "$W/move.db" -H sim --interval 900 --format json "$W/move.log"
	pyjson "$W/out" "$t5['verdict'] == 'plateau' and $t5['trend']['other_buckets']['bytes_per_buffer_lost'] < 0 and 'what the other buckets gave up' in $t5['explanation']"
	expect 1 "$T" report -d "$W/move.db" --param leak_move_test=0 --format json
	grep -q "leak_move_test' is gone; use churn_ratio" "$W/err" || fail "a gone parameter names its replacement"
fi

echo "report_cli.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
