#!/bin/sh
# follow_cli.sh — `tsmem ingest --follow` on a file another process writes
# line by line (pausing mid-dump), then rotates by rename + new file, then
# by copytruncate.  After the writer stops, every dump must be stored
# exactly once.  Bounded in time: --follow-exit-idle ends the follower.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/follow_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'kill $fpid 2>/dev/null; rm -rf "$W"' EXIT
F=$W/traffic.out
DB=$W/f.db
dump() { # n: allocated of [14] in 32 MiB chunks
	echo '     Allocated      |        In-Use      | Type Size  |   Free List Name'
	echo '--------------------|--------------------|------------|----------------------------------'
	printf ' %18s | %18s | %10s | memory/ioBufAllocator[14]\n' $(($1 * 33554432)) $(($1 * 1048576)) 2097152
	sleep 0.3 # pause in the middle of a dump
	printf ' %18s | %18s | %10s | memory/ioBufAllocator[0]\n' 16384 128 128
	printf ' %18s | %18s |            | TOTAL\n' $(($1 * 33554432 + 16384)) $(($1 * 1048576 + 128))
	echo '-----------------------------------------------------------------------------------------'
}
: >"$F"
"$T" ingest -q -d "$DB" --host f --follow --follow-exit-idle 3 "$F" 2>"$W/err" &
fpid=$!
for i in 1 2 3; do dump $i >>"$F"; sleep 0.3; done
mv "$F" "$F.1"                      # rotation by rename, then a new file
sleep 0.6
for i in 4 5; do dump $i >>"$F"; sleep 0.3; done
sleep 0.6
cp "$F" "$F.2" && : >"$F"           # copytruncate
sleep 0.6
for i in 6 7; do dump $i >>"$F"; sleep 0.3; done
wait $fpid
rc=$?
fail=0
[ "$rc" -eq 0 ] || { echo "FAIL: follower exit $rc" >&2; cat "$W/err" >&2; fail=1; }
got=$(sqlite3 "$DB" "select group_concat(allocated / 33554432) from (select s.allocated from sample s join allocator a on a.id = s.allocator_id where a.name = 'ioBufAllocator[14]' order by s.snapshot_id)")
[ "$got" = "1,2,3,4,5,6,7" ] || { echo "FAIL: dumps stored: '$got', want 1,2,3,4,5,6,7" >&2; fail=1; }
echo "follow_cli.sh: $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
