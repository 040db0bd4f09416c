#!/bin/sh
# window_cli.sh — what the report says about time: --since/--until outside
# the data say that no dumps lie in the window (no rows of zeros, stored
# verdicts kept) and the header always shows the window used; times that go
# back (overlapping rotated files) are named in the header instead of a time
# quality the verdicts did not use; `inspect` explains "time mixed"; an
# --anchor beyond the input's dumps is an error.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/window_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-window.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
TZ=UTC
export TZ
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

# two days of 10-minute dumps ending 2026-03-03 00:00 UTC (the file's mtime)
"$T" simulate --scenario leak --days 2 --interval 600 --seed 21 -o "$W/t.out" >/dev/null 2>&1
touch -d '2026-03-03 00:00:00' "$W/t.out"
DB=$W/t.db
"$T" ingest -q -d "$DB" --host edge --interval 600 "$W/t.out" || bad "setup ingest"
DUMPS=$(sqlite3 "$DB" 'select count(*) from snapshot')
expect_status 0 "setup report" "$T" report -d "$DB"
STORED=$(sqlite3 "$DB" "select count(*) || '/' || sum(verdict = 'insufficient_data') from verdict")

# ---- a window outside the data --------------------------------------------------------
expect_status 0 "--since after the data" "$T" report -d "$DB" --since 2099-01-01
has "after: the window in the header" "$W/out" "window: 2099-01-01 00:00 UTC to the last dump"
has "after: says no dumps lie in it" "$W/out" "No dumps lie in the window"
has "after: and where the data is" "$W/out" "the stored dumps span 2026-03-01 00:"
hasnt "after: no rows of zeros" "$W/out" "insufficient_data"
hasnt "after: no lifetime header" "$W/out" "edge, lifetime"
eq "after: stored verdicts kept" "$(sqlite3 "$DB" "select count(*) || '/' || sum(verdict = 'insufficient_data') from verdict")" "$STORED"
expect_status 0 "--until before the data, json" "$T" report -d "$DB" --until 2000-01-01 --format json
has "before json: no lifetimes" "$W/out" '"lifetimes":	[]'
has "before json: the note" "$W/out" "no dumps lie in the window the first dump to 2000-01-01 00:00 UTC"
has "before json: out of window" "$W/out" '"lifetimes_out_of_window":	1'
expect_status 0 "--since after the data, html" "$T" report -d "$DB" --since 2099-01-01 --format html
has "after html: the note" "$W/out" "no dumps lie in the window"

# ---- a window inside the data: the header shows it ----------------------------------------
expect_status 0 "--since inside the data" "$T" report -d "$DB" --since '2026-03-02 00:00'
has "inside: the window" "$W/out" "window: 2026-03-02 00:00 UTC to the last dump"
has "inside: the lifetime from the window" "$W/out" "2026-03-02 00:00 to 2026-03-03 00:00 UTC"
has "inside: dumps in the window" "$W/out" "145 of $DUMPS dumps in the window"
expect_status 0 "no window: no window line" "$T" report -d "$DB"
hasnt "no window: no window line" "$W/out" "window:"
has "no window: all dumps" "$W/out" "$DUMPS dumps"
expect_status 0 "inside, json" "$T" report -d "$DB" --since '2026-03-02 00:00' --format json
has "inside json: window dumps" "$W/out" '"dumps":	145'
# a second lifetime outside the window is left out, and said so
"$T" simulate --scenario plateau --days 1 --interval 600 --seed 22 -o "$W/u.out" >/dev/null 2>&1
touch -d '2026-02-01 00:00:00' "$W/u.out"
"$T" ingest -q -d "$DB" --host edge --interval 600 "$W/u.out" || bad "setup ingest 2"
expect_status 0 "one lifetime outside the window" "$T" report -d "$DB" --since '2026-03-02 00:00'
eq "outside one: one lifetime shown" "$(grep -c '^edge, lifetime' "$W/out")" 1
has "outside one: note" "$W/out" "1 lifetime with no dump in the window 2026-03-02 00:00 UTC to the last dump left out"

# ---- times that go back: rotated files that overlap ------------------------------------
D=$W/overlap
mkdir "$D"
# split one capture in two ATS .old files whose times overlap (the first ends
# at 12:00 by its name, the second began before: 137 dumps back from its end)
awk -v out1="$D/a" -v out2="$D/b" '/Allocated.*In-Use/ { k++ } { print > (k <= 150 ? out1 : out2) }' "$W/t.out"
mv "$D/a" "$D/traffic.out.20260301.00h00m00s-20260302.12h00m00s.old"
mv "$D/b" "$D/traffic.out.20260302.00h00m00s-20260303.00h00m00s.old"
DB=$W/overlap.db
expect_status 0 "ingest overlapping files" "$T" ingest -q -d "$DB" --host edge --interval 600 "$D"/*.old
expect_status 0 "report overlapping files" "$T" report -d "$DB"
has "overlap: header says the times go back" "$W/out" "times go back (overlapping files?): dump numbers used"
hasnt "overlap: no time quality claimed" "$W/out" "upper_bound"
hasnt "overlap: no time span claimed" "$W/out" "propagated)"
expect_status 0 "overlap json" "$T" report -d "$DB" --format json
has "overlap json: basis" "$W/out" '"time_basis":	"sequence"'
has "overlap json: flag" "$W/out" '"times_go_back":	true'
expect_status 0 "overlap html" "$T" report -d "$DB" --format html
has "overlap html: header" "$W/out" "times go back"

# ---- inspect explains "time mixed" -------------------------------------------------------
expect_status 0 "inspect a file of mixed times" "$T" inspect --interval 600 "$W/t.out"
has "inspect: mixed, counted" "$W/out" "time mixed ("
has "inspect: explained" "$W/out" "time mixed: its dumps' times come from different sources"

# ---- --anchor beyond the input ------------------------------------------------------------
DB=$W/anchor.db
expect_status 2 "ingest --anchor beyond the dumps" "$T" ingest -q -d "$DB" --host edge --interval 600 \
	--anchor '2026-03-01 00:10:00@500' "$W/t.out"
has "anchor: says why" "$W/err" "--anchor names dump 500, but the input holds $DUMPS dumps (0 to $((DUMPS - 1)))"
expect_status 2 "inspect --anchor beyond the dumps" "$T" inspect --anchor '2026-03-01 00:10:00@500' "$W/t.out"
has "inspect anchor: says why" "$W/err" "--anchor names dump 500, but the file holds $DUMPS dumps"
expect_status 2 "analyze --anchor beyond the dumps" "$T" analyze -q -d "$DB" --host edge --interval 600 \
	--anchor '2026-03-01 00:10:00@500' "$W/t.out"
eq "analyze anchor: no report" "$(wc -c <"$W/out" | tr -d ' ')" 0
expect_status 0 "--anchor on the last dump" "$T" ingest -q -d "$DB" --host edge --interval 600 \
	--anchor "2026-03-03 00:00:00@$((DUMPS - 1))" "$W/t.out"
eq "anchor on the last dump: applied" "$(sqlite3 "$DB" "select datetime(max(ts), 'unixepoch') from snapshot")" "2026-03-03 00:00:00"

echo "window_cli: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
