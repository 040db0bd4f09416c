#!/bin/sh
# retain_cli.sh — `tsmem ingest --retain AGE` and TSMEM_RETAIN: a simulated
# day of 10-minute dumps (timestamped diags lines) keeps the last AGE of it;
# a second ingest of the same file adds nothing back; the file stays
# consistent; the option three ways (works, missing argument, bad value) and
# the environment variable (works, bad value, overridden by the option).
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/retain_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_status() { # expected, description, command...
	want=$1; what=$2; shift 2
	"$@" >"$W/out" 2>"$W/err"; got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; sed 's/^/    /' "$W/err" >&2; fi
}
eq() { # description, got, want
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
q() { sqlite3 "$DB" "$1"; }

L=$W/day.log
"$T" simulate --scenario plateau --days 1 --interval 600 --debug-lines -o "$L" 2>/dev/null ||
	bad "simulate failed"

# --retain 6h: the dumps of the last 6 hours before the newest (36 of 143)
DB=$W/a.db
expect_status 0 "--retain 6h" "$T" ingest -d "$DB" --host r --retain 6h "$L"
eq "dumps kept" "$(q 'select count(*) from snapshot')" 36
eq "span kept" "$(q 'select max(ts) - min(ts) <= 6 * 3600 from snapshot')" 1
eq "rows kept" "$(q 'select count(*) from sample')" "$(q 'select count(*) * 42 from snapshot')"
grep -q "107 old dumps removed" "$W/err" && ok || bad "summary does not count the removed dumps: $(cat "$W/err")"
eq "integrity" "$(q 'pragma integrity_check')" ok
expect_status 0 "again" "$T" ingest -d "$DB" --host r --retain 6h "$L"
eq "nothing added back" "$(q 'select count(*) from snapshot')" 36
# without --retain everything stays
DB=$W/b.db
expect_status 0 "no --retain" "$T" ingest -q -d "$DB" --host r "$L"
eq "all kept" "$(q 'select count(*) from snapshot')" 143

# TSMEM_RETAIN, and --retain over it
DB=$W/c.db
expect_status 0 "TSMEM_RETAIN=2h" env TSMEM_RETAIN=2h "$T" ingest -q -d "$DB" --host r "$L"
eq "env: dumps kept" "$(q 'select count(*) from snapshot')" 12
DB=$W/d.db
expect_status 0 "--retain over TSMEM_RETAIN" env TSMEM_RETAIN=2h "$T" ingest -q -d "$DB" --host r --retain 180m "$L"
eq "option wins" "$(q 'select count(*) from snapshot')" 18
expect_status 1 "bad TSMEM_RETAIN" env TSMEM_RETAIN=soon "$T" ingest -q -d "$W/e.db" --host r "$L"
grep -q "bad TSMEM_RETAIN 'soon'" "$W/err" && ok || bad "bad TSMEM_RETAIN message: $(cat "$W/err")"

# the option: missing argument, bad values
expect_status 1 "--retain without a value" "$T" ingest -d "$W/e.db" --retain
grep -q "requires an argument" "$W/err" && ok || bad "missing-argument message: $(cat "$W/err")"
for v in 0 -5 2x 1e99 ''; do
	expect_status 1 "--retain '$v'" "$T" ingest -d "$W/e.db" --retain "$v" "$L"
	grep -q "bad --retain" "$W/err" && ok || bad "--retain '$v' message: $(cat "$W/err")"
done
[ ! -f "$W/e.db" ] && ok || bad "a usage error created the database"
"$T" ingest --help | grep -q -- "--retain AGE" && ok || bad "--help does not list --retain"

if [ "$fail" -eq 0 ]; then echo "retain_cli.sh: $n checks passed"; else echo "retain_cli.sh: $fail of $n checks failed"; fi
exit $((fail != 0))
