#!/bin/sh
# hostile_cli.sh — crafted input must do no more than produce diagnostics:
# names and --host with quotes, ';', '%', '<script>' and control characters
# are stored verbatim and escaped in JSON; a million identical junk lines
# and regex-backtracking bait lines are handled in bounded time with a
# bounded number of stderr lines; a 10 MB line costs nothing around it.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/hostile_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
now() { date +%s; }

# ---- hostile names and host -----------------------------------------------------
H="edge'; DROP TABLE sample; -- %s <script>x</script>"
"$T" ingest -q -d "$W/h.db" --host "$H" fixtures/invalid/hostile-names/input.log 2>/dev/null || bad "ingest hostile"
[ "$(sqlite3 "$W/h.db" 'select count(*) from sample')" = 5 ] && ok || bad "sample table intact"
[ "$(sqlite3 "$W/h.db" 'select host from source')" = "$H" ] && ok || bad "host stored verbatim"
"$T" sql -d "$W/h.db" --format json "select host, name from samples order by name" >"$W/h.json" || bad "sql json"
python3 - "$W/h.json" "$H" <<'PY' && ok || bad "JSON escaping"
import json, sys
rows = json.load(open(sys.argv[1]))
names = [r["name"] for r in rows]
assert "<script>alert(1)</script>" in names, names
assert "it's;DROP TABLE sample;--%s%n" in names, names
assert "tab\there\x1bq" in names, names
assert all(r["host"] == sys.argv[2] for r in rows)
raw = open(sys.argv[1]).read()
assert "\x1b" not in raw and "\t" not in raw.replace("\n", ""), "control characters must be escaped"
PY
"$T" sql -d "$W/h.db" "select count(*) from samples where host = '$(printf %s "$H" | sed "s/'/''/g")'" >"$W/c" &&
	grep -q 5 "$W/c" && ok || bad "host usable in SQL"
if "$T" report --help >/dev/null 2>&1; then
	"$T" report -d "$W/h.db" --all --format json >"$W/r.json" 2>/dev/null
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["hosts"][0]["host"]==sys.argv[2]' "$W/r.json" "$H" &&
		ok || bad "report JSON with hostile names"
fi

# ---- a million identical junk lines: bounded time and stderr -----------------------
python3 -c '
import sys
d = open("fixtures/invalid/binary-junk/input.log", "rb").read()
sys.stdout.buffer.write(d + b"this is not a dump line\n" * 1000000 + d)' >"$W/junk.log"
t0=$(now)
"$T" ingest -d "$W/j.db" --host j "$W/junk.log" 2>"$W/err" || bad "junk ingest exit"
t1=$(now)
[ $((t1 - t0)) -le 60 ] && ok || bad "a million junk lines took $((t1 - t0)) s"
[ "$(wc -l <"$W/err")" -le 20 ] && ok || bad "stderr lines: $(wc -l <"$W/err")"
[ "$(sqlite3 "$W/j.db" 'select count(*) from snapshot')" = 4 ] && ok || bad "dumps around the junk"
[ "$(sqlite3 "$W/j.db" 'select count(*) from diagnostic')" -le 1000 ] && ok || bad "diagnostic rows not bounded"

# ---- backtracking bait for the diags / marker patterns -------------------------------
python3 -c '
import sys
bait = "[Jan  1 00:00:00.000] " + "[" * 3000 + "Server {0x" + "f" * 3000 + " DEBUG" * 500 + "\n"
bait2 = " " * 5000 + "traffic_server - STACK TRACE" * 200 + "\n"
sys.stdout.write((bait + bait2) * 1000)' >"$W/bait.log"
t0=$(now)
"$T" inspect "$W/bait.log" >/dev/null 2>&1
rc=$?
t1=$(now)
[ "$rc" -eq 0 ] && ok || bad "bait exit $rc"
[ $((t1 - t0)) -le 30 ] && ok || bad "bait took $((t1 - t0)) s"

# ---- a 10 MB line between two dumps ---------------------------------------------------
python3 -c '
import sys
d = open("fixtures/formats/f3.log", "rb").read()
sys.stdout.buffer.write(d + b"x" * (10 * 1024 * 1024) + b"\n" + d)' >"$W/long.log"
"$T" ingest -d "$W/l.db" --host l "$W/long.log" 2>"$W/err" || bad "long line exit"
grep -q "long.log:24: warning: line longer than" "$W/err" && ok || bad "long line diagnostic: $(head -3 "$W/err")"
[ "$(sqlite3 "$W/l.db" 'select count(*) from sample')" = 38 ] && ok || bad "rows around the long line"

echo "hostile_cli.sh: $n checks, $fail failed"
[ "$fail" -eq 0 ]
