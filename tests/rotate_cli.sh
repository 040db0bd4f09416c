#!/bin/sh
# rotate_cli.sh — the FILE arguments of ingest/analyze/inspect: a rotated
# set named the logrotate way (NAME.N[.gz], NAME-YYYYMMDD[.gz]) or the ATS
# way is read oldest first whatever order the shell gives; an explicit
# order that the files' times contradict gets a warning; a missing file or
# a directory is an error (exit 2) that stores nothing and prints no
# "ingested" line.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/rotate_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-rotate.XXXXXX") || exit 1
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
q() { sqlite3 "$DB" "$1"; }

F3HDR='     Allocated      |        In-Use      | Type Size  |   Free List Name
--------------------|--------------------|------------|----------------------------------'
TRL='-----------------------------------------------------------------------------------------'
dump() { # k: bucket 14 holds k chunks of 32 MiB, all in use
	echo "$F3HDR"
	printf ' %18s | %18s | %10s | memory/ioBufAllocator[14]\n' $(($1 * 33554432)) $(($1 * 33554432)) 2097152
	printf ' %18s | %18s |            | TOTAL\n' $(($1 * 33554432)) $(($1 * 33554432))
	echo "$TRL"
}
# dumps in stream order as bucket-14 chunk counts
order() { q "select group_concat(k) from (select s.allocated / 33554432 as k from sample s join snapshot sn on sn.id = s.snapshot_id order by sn.source_id, sn.byte_offset)"; }
grow() { # from to: one file of dumps from..to
	i=$1
	while [ "$i" -le "$2" ]; do dump "$i"; i=$((i + 1)); done
}

# ---- logrotate numbers: traffic.out.2.gz, traffic.out.1, traffic.out ------------
mkdir "$W/num"
grow 1 2 | gzip >"$W/num/traffic.out.2.gz"
grow 3 4 >"$W/num/traffic.out.1"
grow 5 6 >"$W/num/traffic.out"
touch -d '2026-03-01 10:00' "$W/num/traffic.out.2.gz"
touch -d '2026-03-01 11:00' "$W/num/traffic.out.1"
touch -d '2026-03-01 12:00' "$W/num/traffic.out"
DB=$W/num.db
# the shell's order of traffic.out*: the file being written first
expect_status 0 "numbered set in the shell's order" "$T" ingest -d "$DB" --host h --interval 600 \
	"$W/num/traffic.out" "$W/num/traffic.out.1" "$W/num/traffic.out.2.gz"
eq "numbered: one lifetime" "$(q 'select count(*) from lifetime')" 1
eq "numbered: no restart invented" "$(q 'select group_concat(start_reason) from lifetime')" "first-dump"
eq "numbered: dumps oldest first" "$(order)" "1,2,3,4,5,6"
hasnt "numbered: no order warning" "$W/err" "read after"
# inspect reads them in the same order
expect_status 0 "inspect numbered set" "$T" inspect "$W/num/traffic.out" "$W/num/traffic.out.2.gz" "$W/num/traffic.out.1"
eq "inspect: oldest file first" "$(sed -n 's/^\([^ ]*\): [0-9]* lines.*/\1/p' "$W/out" | sed 's|.*/||' | tr '\n' ' ')" \
	"traffic.out.2.gz traffic.out.1 traffic.out "
# the numbers win over contradicting mtimes (a plain cp resets them)
mkdir "$W/cp"
cp "$W/num/traffic.out" "$W/cp/"; sleep 1
cp "$W/num/traffic.out.1" "$W/cp/"; sleep 1
cp "$W/num/traffic.out.2.gz" "$W/cp/"
DB=$W/cp.db
expect_status 0 "numbered copies" "$T" ingest -d "$DB" --host h --interval 600 "$W/cp/traffic.out" "$W/cp/traffic.out.1" "$W/cp/traffic.out.2.gz"
eq "copies: dumps oldest first" "$(order)" "1,2,3,4,5,6"
hasnt "copies: no order warning" "$W/err" "read after"

# ---- logrotate dateext: traffic.out-20260301.gz, traffic.out-20260302, traffic.out --
mkdir "$W/date"
grow 1 2 | gzip >"$W/date/traffic.out-20260301.gz"
grow 3 4 >"$W/date/traffic.out-20260302"
grow 5 6 >"$W/date/traffic.out"
DB=$W/date.db
expect_status 0 "dateext set, newest first" "$T" ingest -d "$DB" --host h --interval 600 \
	"$W/date/traffic.out" "$W/date/traffic.out-20260302" "$W/date/traffic.out-20260301.gz"
eq "dateext: one lifetime" "$(q 'select count(*) from lifetime')" 1
eq "dateext: dumps oldest first" "$(order)" "1,2,3,4,5,6"
# dateext with an hour (dateformat -%Y%m%d%H) sorts by it
mkdir "$W/hour"
grow 1 2 >"$W/hour/traffic.out-2026030123"
grow 3 4 >"$W/hour/traffic.out-2026030201"
DB=$W/hour.db
expect_status 0 "dateext hours" "$T" ingest -d "$DB" --host h --interval 600 "$W/hour/traffic.out-2026030201" "$W/hour/traffic.out-2026030123"
eq "dateext hours: oldest first" "$(order)" "1,2,3,4"

# ---- ATS's own .old names, beside the file being written --------------------------
mkdir "$W/ats"
grow 1 2 >"$W/ats/traffic.out_edge1.20260301.00h00m00s-20260301.01h00m00s.old"
grow 3 4 | gzip >"$W/ats/traffic.out_edge1.20260301.01h00m00s-20260301.02h00m00s.old.gz"
grow 5 6 >"$W/ats/traffic.out"
DB=$W/ats.db
expect_status 0 "ATS .old set" "$T" ingest -d "$DB" --host h --interval 1800 "$W/ats/traffic.out" \
	"$W/ats/traffic.out_edge1.20260301.01h00m00s-20260301.02h00m00s.old.gz" \
	"$W/ats/traffic.out_edge1.20260301.00h00m00s-20260301.01h00m00s.old"
eq "ATS .old: one lifetime" "$(q 'select count(*) from lifetime')" 1
eq "ATS .old: file being written last" "$(order)" "1,2,3,4,5,6"

# ---- neither times nor numbers all round: by modification time ------------------
mkdir "$W/mix"
grow 1 2 >"$W/mix/traffic.out-20260301"
grow 3 4 >"$W/mix/traffic.out.1"
touch -d '2026-03-01 10:00' "$W/mix/traffic.out-20260301"
touch -d '2026-03-02 10:00' "$W/mix/traffic.out.1"
DB=$W/mix.db
expect_status 0 "mixed names" "$T" ingest -d "$DB" --host h --interval 600 "$W/mix/traffic.out.1" "$W/mix/traffic.out-20260301"
eq "mixed names: by mtime" "$(order)" "1,2,3,4"

# ---- an explicit order that the files' times contradict: kept, with a warning ----------
grow 1 2 >"$W/a.log"
grow 3 4 >"$W/b.log"
touch -d '2026-03-01 12:00' "$W/a.log"
touch -d '2026-03-01 09:00' "$W/b.log"
DB=$W/explicit.db
expect_status 0 "explicit order against the times" "$T" ingest -d "$DB" --host h --interval 600 "$W/a.log" "$W/b.log"
has "explicit: warns" "$W/err" "tsmem: $W/b.log: warning: read after $W/a.log, but last written 3 h before it"
eq "explicit: order kept" "$(q "select group_concat(path) from (select path from source order by id)")" "$W/a.log,$W/b.log"
expect_status 0 "explicit order agreeing with the times" "$T" inspect "$W/b.log" "$W/a.log"
hasnt "agreeing order: no warning" "$W/err" "read after"

# ---- a missing file or a directory: exit 2, nothing stored, no summary -------------
DB=$W/missing.db
expect_status 2 "missing file" "$T" ingest -d "$DB" --host h "$W/nope.out"
has "missing: says so" "$W/err" "tsmem: $W/nope.out: No such file or directory"
hasnt "missing: no summary" "$W/err" "ingested"
eq "missing: no database left" "$(ls "$W" | grep -c '^missing.db')" 0
expect_status 2 "directory" "$T" ingest -d "$DB" --host h "$W/num"
has "directory: says so" "$W/err" "tsmem: $W/num: is a directory"
hasnt "directory: no summary" "$W/err" "ingested"
eq "directory: no database left" "$(ls "$W" | grep -c '^missing.db')" 0
expect_status 2 "a good file and a missing one" "$T" ingest -d "$DB" --host h "$W/a.log" "$W/nope.out"
hasnt "good+missing: no summary" "$W/err" "ingested"
eq "good+missing: nothing stored" "$(ls "$W" | grep -c '^missing.db')" 0
expect_status 2 "analyze a missing file" "$T" analyze -d "$DB" --host h "$W/nope.out"
eq "analyze missing: no report" "$(wc -c <"$W/out" | tr -d ' ')" 0
hasnt "analyze missing: no summary" "$W/err" "ingested"
eq "analyze missing: no database left" "$(ls "$W" | grep -c '^missing.db')" 0
expect_status 2 "analyze a directory" "$T" analyze -d "$DB" --host h "$W/num"
has "analyze directory: says so" "$W/err" "is a directory"
expect_status 2 "inspect a missing file" "$T" inspect "$W/nope.out"
has "inspect missing: says so" "$W/err" "No such file or directory"
expect_status 2 "follow a missing file" "$T" ingest -d "$DB" --follow --follow-exit-idle 1 "$W/nope.out"
eq "follow missing: no database left" "$(ls "$W" | grep -c '^missing.db')" 0
if [ "$(id -u)" -eq 0 ]; then
	echo "SKIP: an unreadable file cannot be tested as root" >&2
else
	grow 1 1 >"$W/locked.out"; chmod 000 "$W/locked.out"
	expect_status 2 "unreadable file" "$T" ingest -d "$DB" "$W/locked.out"
	has "unreadable: says so" "$W/err" "Permission denied"
fi

echo "rotate_cli: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
