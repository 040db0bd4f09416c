#!/bin/sh
# output_cli.sh — `-o FILE` is atomic for regular files (temp + rename, no
# temp left behind) and writes in place to a FIFO or device, never
# replacing it with a regular file (a rename over /dev/null would break the
# machine).  Run from the repository root: TSMEM=/abs/path/tsmem sh tests/output_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }

"$T" ingest -q -d "$W/o.db" --host o fixtures/formats/f3.log 2>/dev/null || bad "ingest"
for cmd in report simulate; do
	mkfifo "$W/fifo"
	timeout 30 cat "$W/fifo" >"$W/got" &
	cpid=$!
	if [ $cmd = report ]; then
		"$T" report -d "$W/o.db" --format json -o "$W/fifo" || bad "$cmd -o fifo: exit $?"
	else
		"$T" simulate --scenario plateau --days 0.25 --interval 600 -o "$W/fifo" || bad "$cmd -o fifo: exit $?"
	fi
	wait $cpid
	[ -p "$W/fifo" ] && ok || bad "$cmd replaced the FIFO with a regular file"
	[ -s "$W/got" ] && ok || bad "$cmd wrote nothing through the FIFO"
	rm -f "$W/fifo" "$W/got"
done
"$T" report -d "$W/o.db" --format json -o "$W/r.json" && ok || bad "report -o regular file"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/r.json" && ok || bad "report -o: not JSON"
[ "$(ls -a "$W" | grep -c tmp)" = 0 ] && ok || bad "temporary file left behind: $(ls -a "$W")"
echo "output_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
