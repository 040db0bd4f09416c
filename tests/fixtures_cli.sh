#!/bin/sh
# fixtures_cli.sh — golden-file runner for fixtures/invalid/<case>/:
# ingest input.log, then compare the stored rows (expected.rows), the
# diagnostic table (expected.diag) and the stderr diagnostics
# (expected.stderr, without the timing summary) with the expected files.
# Each case shows the diagnostic with file:line and that the good dumps
# around the bad spot are stored exactly.  `UPDATE=1` rewrites the expected
# files (review the diff before committing).
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/fixtures_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
for dir in fixtures/invalid/*/; do
	dir=${dir%/}
	db=$W/$(basename "$dir").db
	"$T" ingest -d "$db" --host fx "$dir/input.log" 2>"$W/stderr"
	rc=$?
	grep -v '^tsmem: ingested ' "$W/stderr" >"$W/got.stderr"
	echo "exit $rc" >>"$W/got.stderr"
	sqlite3 -csv "$db" "select sn.stream_seq, sn.complete, a.name, s.allocated, s.in_use
		from sample s join snapshot sn on sn.id = s.snapshot_id join allocator a on a.id = s.allocator_id
		order by sn.stream_seq, sn.line, a.name" >"$W/got.rows"
	sqlite3 -csv "$db" "select line, severity, code from diagnostic order by line, code" >"$W/got.diag"
	for k in rows diag stderr; do
		n=$((n + 1))
		if [ "${UPDATE:-0}" = 1 ]; then
			cp "$W/got.$k" "$dir/expected.$k"
		elif ! cmp -s "$W/got.$k" "$dir/expected.$k"; then
			fail=$((fail + 1))
			echo "FAIL: $dir expected.$k" >&2
			diff "$dir/expected.$k" "$W/got.$k" | head -20 >&2
		fi
	done
done
echo "fixtures_cli.sh: $n comparisons, $fail failed"
[ "$fail" -eq 0 ]
