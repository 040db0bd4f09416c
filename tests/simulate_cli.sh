#!/bin/sh
# simulate_cli.sh — CLI tests of `tsmem simulate`: help, every option's
# success / bad value / missing argument, exit codes, -o atomic output,
# determinism, the truth file, and the `simulate | tsmem ingest` round trip
# for every format (stored rows and byte sums equal what was simulated).
# Run from the repo root: TSMEM=/abs/path/tsmem sh tests/simulate_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
D=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-sim.XXXXXX")
trap 'rm -rf "$D"' EXIT INT TERM
fails=0
n=0

fail() { fails=$((fails + 1)); echo "FAIL: $*" >&2; }

# expect CODE -- ARGS...: run `tsmem simulate ARGS`, check the exit status.
expect() {
	code=$1; shift
	n=$((n + 1))
	"$T" simulate "$@" >"$D/out" 2>"$D/err"
	rc=$?
	[ "$rc" -eq "$code" ] || fail "simulate $* -> exit $rc, want $code: $(head -c 300 "$D/err")"
}

expect 0 --help
grep -q '^usage: tsmem simulate' "$D/out" || fail "--help not on stdout"
expect 0 --list-scenarios
for s in plateau diurnal cache-fill leak leak-stepped leak-loadprop churn restarts; do
	grep -q "^$s " "$D/out" || fail "--list-scenarios lacks $s"
done
expect 1
grep -q 'scenario NAME is required' "$D/err" || fail "missing --scenario message"
expect 1 --scenario nosuch
expect 1 --bogus
grep -q "unknown option '--bogus'" "$D/err" || fail "unknown option message"
expect 1 --scenario plateau extra-arg
for o in --scenario --days --interval --format --seed --host --threads --noise --burstiness \
         --sigusr1 --start -o --truth; do
	expect 1 $o
	grep -q "missing argument" "$D/err" || fail "$o without value: no 'missing argument'"
done
B="--scenario plateau --days 0.1 --interval 600"
for bad in "--days 0" "--days -1" "--days x" "--days 5000" "--interval 0" "--interval 1e9" \
           "--format F5" "--seed -3" "--seed 1x" "--threads 0" "--noise 2" "--burstiness -1" \
           "--sigusr1 -1" "--start 2025-13-01" "--days 30 --interval 0.01"; do
	# shellcheck disable=SC2086
	expect 1 $B $bad
done
expect 1 $B --start '2025-01-01 25:00:00'
expect 1 $B --host ''
for good in "--format F1" "--format f2" "--format F3" "--format F4" "--format baseline" "--seed 99" \
            "--threads 4" "--noise 0" "--burstiness 0" "--sigusr1 2" "--debug-lines" "--truncate" \
            "--jemalloc --format F4 --sigusr1 1" "--host edge-9"; do
	# shellcheck disable=SC2086
	expect 0 $B $good
done
expect 0 $B --start '2024-12-31 23:00:00' --debug-lines
grep -q '^\[Dec 31 23:' "$D/out" || fail "--start not reflected in diags stamps"
grep -q '^\[Jan  1 0' "$D/out" || fail "year rollover not in diags stamps"

# I/O errors are exit 2 and leave nothing behind
expect 2 $B -o "$D/nodir/x.out"
expect 2 $B --truth "$D/nodir/t.json"

# -o equals stdout; determinism; a different seed differs
"$T" simulate --scenario leak --days 1 --interval 300 --sigusr1 2 --debug-lines >"$D/a.out" || fail "stdout run"
"$T" simulate --scenario leak --days 1 --interval 300 --sigusr1 2 --debug-lines -o "$D/b.out" || fail "-o run"
cmp -s "$D/a.out" "$D/b.out" || fail "-o output differs from stdout"
"$T" simulate --scenario leak --days 1 --interval 300 --sigusr1 2 --debug-lines --seed 2 >"$D/c.out"
cmp -s "$D/a.out" "$D/c.out" && fail "seed 2 gives the same output as seed 1"
ls "$D" | grep -q tmp && fail "temporary file left behind"

# truth file
"$T" simulate --scenario churn --days 3 --interval 600 --host edge-7 --truth "$D/t.json" -o "$D/t.out" || fail "truth run"
grep -q '"schema":[[:space:]]*"tsmem.truth/1"' "$D/t.json" || fail "truth schema"
grep -q '"host":[[:space:]]*"edge-7"' "$D/t.json" || fail "truth host"
grep -q '"verdict":[[:space:]]*"churn"' "$D/t.json" || fail "churn truth has no churn verdict"

# round trip through ingest, every format: row count and byte sums
if "$T" ingest --help >/dev/null 2>&1 && "$T" sql --help >/dev/null 2>&1; then
	for f in F1 F2 F3 F4; do
		"$T" simulate --scenario restarts --days 2 --interval 600 --format "$f" --sigusr1 3 \
			--debug-lines --jemalloc --truth "$D/rt.json" -o "$D/rt.out" || fail "simulate $f"
		rm -f "$D/rt.db"
		"$T" ingest -q -d "$D/rt.db" "$D/rt.out" 2>"$D/ing.err" || fail "ingest $f: $(cat "$D/ing.err")"
		if [ "$f" = F4 ]; then c1=2; c2=4; else c1=2; c2=3; fi
		want=$(awk -F'|' -v a="$c1" -v u="$c2" '$NF ~ /^ memory\// { n++; sa += $(a-1); su += $(u-1) }
			END { printf "%d %.0f %.0f\n", n, sa, su }' "$D/rt.out")
		got=$("$T" sql -d "$D/rt.db" --format csv \
			'select count(*), sum(allocated), sum(in_use) from sample' | tail -n 1 | tr ',' ' ')
		[ "$want" = "$got" ] || fail "round trip $f: simulated '$want', stored '$got'"
		dumps=$(sed -n 's/.*"dumps":[[:space:]]*\([0-9]*\).*/\1/p' "$D/rt.json" | head -n 1)
		sd=$("$T" sql -d "$D/rt.db" --format csv 'select count(*) from snapshot' | tail -n 1)
		[ "$dumps" = "$sd" ] || fail "round trip $f: $dumps dumps simulated, $sd stored"
		lt=$("$T" sql -d "$D/rt.db" --format csv 'select count(*) from lifetime' | tail -n 1)
		tl=$(grep -c '"end_reason"' "$D/rt.json")
		[ "$lt" = "$tl" ] || fail "round trip $f: $tl lifetimes simulated, $lt stored"
	done
else
	echo "simulate_cli.sh: ingest/sql not available, round trip skipped" >&2
fi

if [ "$fails" -ne 0 ]; then
	echo "simulate_cli.sh: $fails failure(s) in $n runs" >&2
	exit 1
fi
echo "simulate_cli.sh: $n runs ok"
