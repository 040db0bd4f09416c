#!/bin/sh
# analyze_cli.sh — `tsmem analyze FILE...` reports on what it just
# ingested, says so when the database holds other sources of the host, and
# reports the whole host with --whole-host; `report` and `analyze` share one
# option table (each report option is declared once and behaves the same in
# both commands).
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/analyze_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-analyze.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
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
has() { # description, file, fixed string
	if grep -qF -e "$3" "$2"; then ok; else bad "$1: '$3' not in $2:"; sed 's/^/    /' "$2" >&2; fi
}
hasnt() { # description, file, fixed string
	if grep -qF -e "$3" "$2"; then bad "$1: '$3' in $2:"; sed 's/^/    /' "$2" >&2; else ok; fi
}
lifetimes() { grep -c '^edge, lifetime ' "$W/out"; }

"$T" simulate --scenario leak --days 1 --interval 600 --seed 11 -o "$W/a.out" >/dev/null 2>&1
"$T" simulate --scenario churn --days 1 --interval 600 --seed 12 -o "$W/b.out" >/dev/null 2>&1
DB=$W/t.db
NOTE="the database also holds 1 other source of this host"

# ---- analyze reports on what it just ingested -------------------------------------
expect_status 0 "analyze a first capture" "$T" analyze -q -d "$DB" --host edge --interval 600 "$W/a.out"
eq "first capture: one lifetime" "$(lifetimes)" 1
hasnt "first capture: no note" "$W/out" "other source"
expect_status 0 "analyze another capture, same host" "$T" analyze -q -d "$DB" --host edge --interval 600 "$W/b.out"
eq "second capture: only its lifetime" "$(lifetimes)" 1
has "second capture: says the host has more" "$W/out" "$NOTE"
has "second capture: names the option" "$W/out" "--whole-host"
expect_status 0 "second capture, json" "$T" analyze -q -d "$DB" --host edge --interval 600 --format json "$W/b.out"
eq "json: one lifetime" "$(grep -c '"start_reason":' "$W/out")" 1
has "json: the note" "$W/out" "$NOTE"
expect_status 0 "analyze --whole-host" "$T" analyze -q -d "$DB" --host edge --interval 600 --whole-host "$W/b.out"
eq "--whole-host: both lifetimes" "$(lifetimes)" 2
hasnt "--whole-host: no note" "$W/out" "other source"
expect_status 0 "the first capture again" "$T" analyze -q -d "$DB" --host edge --interval 600 "$W/a.out"
eq "again: its own lifetime only" "$(lifetimes)" 1
has "again: note" "$W/out" "$NOTE"
expect_status 0 "report still sees the whole host" "$T" report -d "$DB" --host edge
eq "report: both lifetimes" "$(lifetimes)" 2
# standard input is a source as well
expect_status 0 "analyze stdin" sh -c "\"$T\" analyze -q -d \"$DB\" --host edge --interval 600 - <\"$W/b.out\""
eq "stdin: the capture read" "$(lifetimes)" 1
# several files in one analyze are one report
expect_status 0 "both files in one analyze" "$T" analyze -q -d "$W/both.db" --host edge --interval 600 "$W/a.out" "$W/b.out"
eq "both files: both lifetimes" "$(lifetimes)" 2
hasnt "both files: no note" "$W/out" "other source"

: >"$W/empty.out"
expect_status 0 "analyze a file without dumps" "$T" analyze -q -d "$DB" --host edge "$W/empty.out"
has "no dumps: says so" "$W/out" "Nothing to report: what was selected holds no dumps."
eq "no dumps: no lifetime of other files" "$(lifetimes)" 0

# ---- one option table for report and analyze --------------------------------------
# each report option is declared once in cli/cmd_report.c (analyze reuses the list)
for o in db host format allocator all since until output fail-on param records busy-timeout; do
	c=$(grep -c -e "{\"$o\", " cli/cmd_report.c)
	eq "option --$o declared once in cmd_report.c" "$c" 1
done
# every option of `report --help` is one of `analyze --help`
"$T" report --help | sed -n 's/^ \{1,\}\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/--\2/p' | sort -u >"$W/r.opts"
"$T" analyze --help | sed -n 's/^ \{1,\}\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/--\2/p' | sort -u >"$W/a.opts"
eq "report options all in analyze" "$(comm -23 "$W/r.opts" "$W/a.opts" | tr '\n' ' ')" ""
# and each is parsed the same way by both commands
for args in "--format=bogus" "--since=bogus" "--until=bogus" "--fail-on=bogus" "--param=nosuch=1" \
	"--busy-timeout=-1" "--db=" "--allocator=" "--records=" "--output=" "--host=" "--all=x"; do
	"$T" report $args >/dev/null 2>"$W/r.err"; rs=$?
	"$T" analyze $args "$W/a.out" >/dev/null 2>"$W/a.err"; as=$?
	eq "$args: same status" "$as" "$rs"
	eq "$args: same message" "$(sed 's/tsmem analyze/tsmem CMD/' "$W/a.err")" "$(sed 's/tsmem report/tsmem CMD/' "$W/r.err")"
done
expect_status 1 "report has no --whole-host" "$T" report -d "$DB" --whole-host
has "report --whole-host: unknown" "$W/err" "unknown option '--whole-host'"

echo "analyze_cli: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
