#!/bin/sh
# ingest_cli.sh — `tsmem ingest` and `tsmem inspect` end to end: every input
# kind (file, stdin, .gz, rotated set), idempotency and append, several
# hosts, restarts, time assignment, and each option three ways (works,
# missing argument, bad value).  Values are checked with the sqlite3 shell,
# independently of tsmem's own SQL command.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/ingest_cli.sh
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
q() { sqlite3 "$DB" "$1"; }
eq() { # description, got, want
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

F3HDR='     Allocated      |        In-Use      | Type Size  |   Free List Name
--------------------|--------------------|------------|----------------------------------'
TRL='-----------------------------------------------------------------------------------------'
dump() { # alloc14 inuse14 alloc0 inuse0
	echo "$F3HDR"
	printf ' %18s | %18s | %10s | memory/ioBufAllocator[14]\n' "$1" "$2" 2097152
	printf ' %18s | %18s | %10s | memory/ioBufAllocator[0]\n' "$3" "$4" 128
	printf ' %18s | %18s |            | TOTAL\n' $(($1 + $3)) $(($2 + $4))
	echo "$TRL"
}

# ---- a real fixture, stored with the exact numbers -------------------------
DB=$W/a.db
expect_status 0 "ingest real fixture" "$T" ingest -d "$DB" --host h1 fixtures/real/07-gh9625-8.1.1.txt
eq "07 rows" "$(q 'select count(*) from sample')" 9
eq "07 [13] allocated" "$(q "select allocated from samples where name='ioBufAllocator[13]'")" 75094818816
eq "07 [6] in-use" "$(q "select in_use from samples where name='ioBufAllocator[6]'")" 116465664
eq "07 cut off" "$(q 'select complete from snapshot')" 0
grep -q "ingested 1 file" "$W/err" && ok || bad "summary line missing"
grep -q "dump-truncated" "$W/err" && ok || bad "truncation warning missing"
eq "diagnostic row" "$(q "select count(*) from diagnostic where code='dump-truncated'")" 1

# ---- idempotent: the same content again adds nothing --------------------------
expect_status 0 "re-ingest" "$T" ingest -d "$DB" --host h1 fixtures/real/07-gh9625-8.1.1.txt
eq "no new rows" "$(q 'select count(*) from sample')" 9
eq "no new snapshot" "$(q 'select count(*) from snapshot')" 1
eq "no duplicate diagnostics" "$(q "select count(*) from diagnostic where code='dump-truncated'")" 1

# ---- a growing file: only the new dumps --------------------------------------
G=$W/traffic.out
{ dump 67108864 33554432 16384 128; dump 134217728 67108864 16384 256; } >"$G"
DB=$W/g.db
expect_status 0 "ingest 2 dumps" "$T" ingest -d "$DB" --host g "$G"
eq "2 snapshots" "$(q 'select count(*) from snapshot')" 2
dump 134217728 100663296 32768 512 >>"$G"
expect_status 0 "ingest grown file" "$T" ingest -d "$DB" --host g "$G"
eq "3 snapshots after append" "$(q 'select count(*) from snapshot')" 3
eq "6 samples after append" "$(q 'select count(*) from sample')" 6
eq "1 lifetime" "$(q 'select count(*) from lifetime')" 1
eq "last [0]" "$(q "select s.allocated from sample s join allocator a on a.id=s.allocator_id where a.name='ioBufAllocator[0]' order by s.snapshot_id desc limit 1")" 32768

# ---- stdin, .gz, several hosts in one database --------------------------------
cat "$G" | "$T" ingest -d "$DB" --host fromstdin - 2>"$W/err"
eq "stdin exit" $? 0
gzip -c "$G" >"$W/copy.gz"
expect_status 0 "ingest .gz" "$T" ingest -d "$DB" --host zipped "$W/copy.gz"
eq "hosts" "$(q 'select group_concat(host) from (select distinct host from source order by host)')" "fromstdin,g,zipped"
eq "gz rows" "$(q "select count(*) from samples where host='zipped'")" 6
eq "stdin rows" "$(q "select count(*) from samples where host='fromstdin'")" 6

# ---- a rotated set: one stream, ordered by the times in the names ----------------
R1=$W/traffic.out.20260301.00h00m00s-20260301.01h00m00s.old
R2=$W/traffic.out.20260301.01h00m00s-20260301.02h00m00s.old
{ dump 67108864 1 16384 1; dump 100663296 1 16384 1; } >"$R1"
{ dump 134217728 1 16384 1; dump 134217728 1 32768 1; } >"$R2"
DB=$W/rot.db
expect_status 0 "rotated set, given newest first" "$T" ingest -d "$DB" --host rot --interval 1800 "$R2" "$R1"
eq "rotated: one lifetime across the files" "$(q 'select count(*) from lifetime')" 1
eq "rotated: two sources" "$(q 'select count(*) from source')" 2
eq "rotated: dumps in stream order" "$(q "select group_concat(s.allocated / 33554432) from (select s.allocated from sample s join allocator a on a.id = s.allocator_id join snapshot sn on sn.id = s.snapshot_id where a.name = 'ioBufAllocator[14]' order by sn.seq) s")" "2,3,4,4"
eq "rotated: times from the name bounds" "$(q "select datetime(max(ts), 'unixepoch', 'localtime') from snapshot")" "2026-03-01 02:00:00"
expect_status 0 "rotated set again" "$T" ingest -d "$DB" --host rot --interval 1800 "$R1" "$R2"
eq "rotated again: nothing new" "$(q 'select count(*) from snapshot')" 4
dump 134217728 1 49152 1 >>"$R2"
expect_status 0 "rotated set, last file grew" "$T" ingest -d "$DB" --host rot --interval 1800 "$R1" "$R2"
eq "grown: still one lifetime" "$(q 'select count(*) from lifetime')" 1
eq "grown: five snapshots in it" "$(q 'select count(*) from snapshot where lifetime_id = (select id from lifetime)')" 5

# ---- restarts: a fall in allocated, and a marker ---------------------------------
R=$W/restart.out
{ dump 67108864 1 16384 1; dump 134217728 1 16384 1; echo "traffic_server: received signal 11 (Segmentation fault)";
  dump 134217728 1 16384 1; dump 67108864 1 16384 1; } >"$R"
DB=$W/r.db
expect_status 0 "ingest restarts" "$T" ingest -d "$DB" --host r "$R"
eq "3 lifetimes" "$(q 'select count(*) from lifetime')" 3
eq "start reasons" "$(q 'select group_concat(start_reason) from (select start_reason from lifetime order by seq)')" \
	"first-dump,marker,allocated-fell"

# ---- time: --anchor and --interval propagate; diags lines bracket ---------------
DB=$W/t.db
expect_status 0 "anchor" "$T" ingest -d "$DB" --host t --interval 60 --anchor '2026-03-01 12:00:00@1' "$G"
eq "anchored dump" "$(q "select datetime(ts,'unixepoch','localtime') from snapshot where seq=1")" "2026-03-01 12:00:00"
eq "propagated" "$(q "select datetime(ts,'unixepoch','localtime') from snapshot where seq=2")" "2026-03-01 12:01:00"
eq "quality" "$(q "select ts_quality from snapshot where seq=2")" propagated
B=$W/bracket.out
{ echo "[Mar  1 10:00:00.000] [ET_NET 3] DEBUG: <x.cc:1 (f)> (http) a"; dump 67108864 1 16384 1;
  echo "[Mar  1 10:00:00.500] [ET_NET 3] DEBUG: <x.cc:1 (f)> (http) b"; } >"$B"
DB=$W/b.db
expect_status 0 "bracket" "$T" ingest -d "$DB" --host b --year 2026 "$B"
eq "bracketed quality" "$(q 'select ts_quality from snapshot')" exact_bracket
eq "bracketed time" "$(q "select strftime('%Y-%m-%d %H:%M:%S', ts, 'unixepoch', 'localtime') from snapshot")" "2026-03-01 10:00:00"

# ---- inspect writes nothing and describes the input ---------------------------------
expect_status 0 "inspect" "$T" inspect "$R"
grep -q "3 lifetimes" "$W/out" && ok || bad "inspect: lifetimes line"
grep -q "lifetime 1: format F3, mode freelist, started by marker" "$W/out" && ok || bad "inspect: marker lifetime"
[ ! -e tsmem.db ] || [ -n "${TSMEM_DB:-}" ] && ok || bad "inspect created a database"
expect_status 1 "inspect without file" "$T" inspect
expect_status 2 "inspect missing file" "$T" inspect "$W/nope.out"

# ---- options: works / missing argument / bad value / unknown ------------------------
DB=$W/o.db
expect_status 0 "--help" "$T" ingest --help
grep -q "usage: tsmem ingest" "$W/out" && ok || bad "help text on stdout"
expect_status 1 "unknown option" "$T" ingest -d "$DB" --bogus "$G"
expect_status 1 "-d missing" "$T" ingest -d
expect_status 1 "--host missing" "$T" ingest -d "$DB" --host
expect_status 1 "--host empty" "$T" ingest -d "$DB" --host "" "$G"
expect_status 1 "--interval missing" "$T" ingest -d "$DB" --interval
expect_status 1 "--interval bad" "$T" ingest -d "$DB" --interval abc "$G"
expect_status 1 "--interval zero" "$T" ingest -d "$DB" --interval 0 "$G"
expect_status 0 "--interval works" "$T" ingest -d "$DB" --host o --interval 10 "$G"
expect_status 1 "--anchor missing" "$T" ingest -d "$DB" --anchor
expect_status 1 "--anchor bad" "$T" ingest -d "$DB" --anchor 'yesterday@3' "$G"
expect_status 1 "--year bad" "$T" ingest -d "$DB" --year 20x6 "$G"
expect_status 1 "--year missing" "$T" ingest -d "$DB" --year
expect_status 0 "--year works" "$T" ingest -d "$DB" --host o2 --year 2025 "$G"
expect_status 1 "--busy-timeout bad" "$T" ingest -d "$DB" --busy-timeout -5 "$G"
expect_status 0 "--busy-timeout works" "$T" ingest -d "$DB" --host o3 --busy-timeout 100 -q "$G"
[ -s "$W/err" ] && bad "--quiet printed: $(cat "$W/err")" || ok
expect_status 1 "--follow two files" "$T" ingest -d "$DB" --follow "$G" "$G"
expect_status 2 "missing file" "$T" ingest -d "$DB" --host o "$W/does-not-exist"
grep -q "does-not-exist" "$W/err" && ok || bad "missing file named in the message"
expect_status 2 "unwritable database" "$T" ingest -d "$W/no/such/dir/x.db" --host o "$G"
expect_status 1 "unknown command" "$T" frobnicate
expect_status 0 "--version" "$T" --version

echo "ingest_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
