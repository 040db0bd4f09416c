#!/bin/sh
# sql_cli.sh — CLI tests of `tsmem sql`: each option works / lacks its
# argument / gets a bad value, unknown options, exit codes and messages, and
# a round trip through `tsmem ingest` with a real dump (re-ingest adds
# nothing).  Run from the repo root: TSMEM=/abs/path/tsmem sh tests/sql_cli.sh
set -u

: "${TSMEM:?set TSMEM to the tsmem binary}"
FIX=/work/shared/fixtures/real/04-gh5858-7.1.x-a-earlier.txt
[ -f "$FIX" ] || FIX=fixtures/real/04-gh5858-7.1.x-a-earlier.txt
T=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-sqlcli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
n=0

# expect CODE PATTERN-IN-STDOUT PATTERN-IN-STDERR -- ARGS...   ("" = no check)
expect() {
	code=$1 out_pat=$2 err_pat=$3
	shift 4
	n=$((n + 1))
	"$TSMEM" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	bad=""
	[ "$rc" -eq "$code" ] || bad="exit $rc, expected $code"
	if [ -n "$out_pat" ] && ! grep -q -e "$out_pat" "$T/out"; then bad="$bad; stdout lacks '$out_pat'"; fi
	if [ -n "$err_pat" ] && ! grep -q -e "$err_pat" "$T/err"; then bad="$bad; stderr lacks '$err_pat'"; fi
	if [ -n "$bad" ]; then
		fails=$((fails + 1))
		echo "FAIL: tsmem $*: $bad" >&2
		sed 's/^/  out: /' "$T/out" | head -5 >&2
		sed 's/^/  err: /' "$T/err" | head -5 >&2
	fi
}

DB="$T/t.db"
if ! "$TSMEM" ingest -q -d "$DB" --host fixture-host "$FIX" 2>"$T/ingest.err"; then
	echo "FAIL: tsmem ingest of $FIX failed:" >&2
	cat "$T/ingest.err" >&2
	exit 1
fi

# --help
expect 0 "usage: tsmem sql" "" -- sql --help
expect 0 "--format" "" -- sql -h

# -d: works / missing argument / bad value (missing file, empty)
expect 0 "^14$" "" -- sql -d "$DB" --format csv "SELECT count(*) AS n FROM sample"
expect 1 "" "requires an argument" -- sql -d
expect 2 "" "^tsmem: .*nope.db" -- sql -d "$T/nope.db" "SELECT 1"
[ -e "$T/nope.db" ] && { echo "FAIL: sql created a missing database" >&2; fails=$((fails + 1)); }
expect 1 "" "empty database path" -- sql -d "" "SELECT 1"
expect 2 "" "not a tsmem database\|not a database" -- sql -d "$FIX" "SELECT 1"
# --db long form and $TSMEM_DB default
expect 0 "^14$" "" -- sql --db "$DB" --format csv "SELECT count(*) AS n FROM sample"
n=$((n + 1))
if [ "$(TSMEM_DB="$DB" "$TSMEM" sql --format csv 'SELECT count(*) FROM snapshot' 2>/dev/null)" != "$(printf 'count(*)\n1')" ]; then
	echo "FAIL: TSMEM_DB default not used" >&2
	fails=$((fails + 1))
fi

# --format: works (three formats) / missing argument / bad value
expect 0 "^ioBufAllocator\[11\],8388608,786432$" "" -- sql -d "$DB" --format csv \
	"SELECT name, allocated, in_use FROM samples WHERE allocated > 0 ORDER BY type_size DESC LIMIT 1"
expect 0 '"allocated":8388608' "" -- sql -d "$DB" --format json \
	"SELECT name, allocated, utilization, bucket FROM iobuf WHERE bucket = 11"
expect 0 '"bucket":null' "" -- sql -d "$DB" --format json "SELECT NULL AS bucket"
expect 0 "^ioBufAllocator\[11\]  *8388608$" "" -- sql -d "$DB" --format table \
	"SELECT name, allocated FROM iobuf WHERE bucket = 11"
expect 0 "^--*  --*$" "" -- sql -d "$DB" "SELECT name, allocated FROM iobuf WHERE bucket = 11"
expect 1 "" "requires an argument" -- sql -d "$DB" --format
expect 1 "" "invalid --format 'xml'" -- sql -d "$DB" --format xml "SELECT 1"

# unknown options, missing / extra SQL
expect 1 "" "unknown option '--bogus'" -- sql --bogus "SELECT 1"
expect 1 "" "unknown option '-z'" -- sql -z "SELECT 1"
expect 1 "" "missing SQL" -- sql -d "$DB"
expect 1 "" "too many arguments" -- sql -d "$DB" "SELECT 1" "SELECT 2"

# SQL errors and the read-only guard: exit 2 with SQLite's message
expect 2 "" "^tsmem: SQL error: .*syntax error" -- sql -d "$DB" "SELEC 1"
expect 2 "" "no such table" -- sql -d "$DB" "SELECT * FROM nosuch"
expect 2 "" "readonly" -- sql -d "$DB" "DELETE FROM sample_run"
expect 2 "" "cannot modify sample because it is a view" -- sql -d "$DB" "DELETE FROM sample"
expect 2 "" "not authorized" -- sql -d "$DB" "ATTACH '$T/x.db' AS x"
expect 2 "" "not authorized" -- sql -d "$DB" "PRAGMA writable_schema=1"
expect 0 "^14$" "" -- sql -d "$DB" --format csv "SELECT count(*) AS n FROM sample"

# round trip: ingesting the same file again adds nothing
"$TSMEM" ingest -q -d "$DB" --host fixture-host "$FIX" 2>/dev/null
expect 0 "^14,1,1$" "" -- sql -d "$DB" --format csv \
	"SELECT (SELECT count(*) FROM sample), (SELECT count(*) FROM snapshot), (SELECT count(*) FROM lifetime)"

if [ "$fails" -ne 0 ]; then
	echo "sql_cli.sh: $fails of $n checks failed" >&2
	exit 1
fi
echo "sql_cli.sh: $n checks passed" >&2
exit 0
