#!/bin/sh
# faults_cli.sh — database faults end to end: kill -9 during an ingest (at
# several points) then a re-run gives exactly the rows of a clean run; a
# database locked by another writer (busy timeout, clear error, nothing
# corrupted); corrupt and truncated database files (clear error, no
# crash); two ingests of different hosts at the same time.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/faults_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
sum() { sqlite3 "$1" "select count(*), sum(allocated % 1000003), sum(in_use % 1000003), sum(snapshot_id % 7) from sample"; }

"$T" simulate --scenario leak --days 1 --interval 10 --seed 3 -o "$W/big.out" || bad "simulate"
"$T" ingest -q -d "$W/clean.db" --host k "$W/big.out" || bad "clean ingest"
want=$(sum "$W/clean.db")

# ---- kill -9 at several points, then re-run -----------------------------------
for delay in 0.2 0.5 1.0; do
	rm -f "$W/k.db"*
	"$T" ingest -q -d "$W/k.db" --host k "$W/big.out" 2>/dev/null &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$(sqlite3 "$W/k.db" 'pragma integrity_check' 2>&1)" = ok ] && ok || bad "integrity after kill at $delay s"
	"$T" ingest -q -d "$W/k.db" --host k "$W/big.out" || bad "re-run after kill at $delay s"
	[ "$(sum "$W/k.db")" = "$want" ] && ok || bad "rows after kill at $delay s: $(sum "$W/k.db") want $want"
done

# ---- locked by another writer ----------------------------------------------------
cp "$W/clean.db" "$W/l.db"
(echo "BEGIN IMMEDIATE; INSERT INTO source(host, identity) VALUES ('x', 'y');"; sleep 3; echo "COMMIT;") |
	sqlite3 "$W/l.db" &
lpid=$!
sleep 0.5
"$T" ingest -q -d "$W/l.db" --host other --busy-timeout 300 fixtures/real/07-gh9625-8.1.1.txt 2>"$W/err"
rc=$?
[ "$rc" -eq 2 ] && ok || bad "locked database: exit $rc, want 2"
grep -qi "locked\|busy" "$W/err" && ok || bad "locked database: message: $(cat "$W/err")"
wait "$lpid"
[ "$(sqlite3 "$W/l.db" 'pragma integrity_check')" = ok ] && ok || bad "integrity after lock"
"$T" ingest -q -d "$W/l.db" --host other fixtures/real/07-gh9625-8.1.1.txt && ok || bad "ingest after the lock is gone"

# ---- corrupt and truncated database files ----------------------------------------
head -c 8192 /dev/urandom >"$W/garbage.db"
"$T" ingest -q -d "$W/garbage.db" --host g fixtures/real/07-gh9625-8.1.1.txt 2>"$W/err"
rc=$?
[ "$rc" -eq 2 ] && ok || bad "garbage database: exit $rc"
grep -q "tsmem: " "$W/err" && ok || bad "garbage database: no message"
"$T" sql -d "$W/garbage.db" "select 1" 2>"$W/err"
[ $? -eq 2 ] && ok || bad "sql on garbage database"
head -c 6000 "$W/clean.db" >"$W/trunc.db"
"$T" sql -d "$W/trunc.db" "select count(*) from sample" >/dev/null 2>"$W/err"
rc=$?
[ "$rc" -eq 2 ] && ok || bad "truncated database: exit $rc"
"$T" report -d "$W/trunc.db" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] && ok || bad "report on truncated database: exit $rc"

# ---- two hosts at the same time ----------------------------------------------------
"$T" ingest -q -d "$W/two.db" --host a "$W/big.out" &
p1=$!
"$T" ingest -q -d "$W/two.db" --host b "$W/big.out" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] && ok || bad "concurrent ingests: exits $r1 $r2"
c=$(sqlite3 "$W/two.db" "select count(*) from samples where host='a'"):$(sqlite3 "$W/two.db" "select count(*) from samples where host='b'")
w=$(sqlite3 "$W/clean.db" "select count(*) from sample")
[ "$c" = "$w:$w" ] && ok || bad "concurrent ingests: rows $c, want $w:$w"

echo "faults_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
