#!/bin/sh
# soak.sh — `make soak` (not part of `make check`): `tsmem ingest --follow
# --retain` on a traffic.out that tests/tools/soak_writer.c appends to at
# SOAK_RATE dumps a second for SOAK_SECONDS, rotating it every SOAK_ROTATE
# seconds (rename + create and copytruncate in turn), while the follower is
# killed with SIGKILL at random moments (every SOAK_KILL_MIN..MAX seconds)
# and restarted.  A restart first ingests the newest rotated file, as a
# service unit's start step would, so that dumps the dead follower had not
# read before a rotation are not lost.  At the end (SIGTERM to the
# follower):
#   - every dump the writer wrote inside the retention window (SOAK_RETAIN
#     seconds before the newest) is stored exactly once, none outside it;
#   - PRAGMA integrity_check is ok;
#   - the database file, once the window has filled, stays within
#     SOAK_BOUND (default 2) times its size at that moment.
# Prints the figures.  Defaults: 600 s, 10 dumps/s, rotation every 60 s,
# retention 120 s, kills every 5..40 s.  Run from the repository root:
#   TSMEM=/abs/path/tsmem sh tests/soak.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
SECS=${SOAK_SECONDS:-600}
RATE=${SOAK_RATE:-10}
ROT=${SOAK_ROTATE:-60}
RETAIN=${SOAK_RETAIN:-120}
KMIN=${SOAK_KILL_MIN:-5}
KMAX=${SOAK_KILL_MAX:-40}
BOUND=${SOAK_BOUND:-2}
W=$(mktemp -d)
fpid=
wpid=
trap '[ -n "$fpid" ] && kill -9 $fpid 2>/dev/null; [ -n "$wpid" ] && kill $wpid 2>/dev/null; rm -rf "$W"' EXIT
F=$W/traffic.out
DB=$W/soak.db
cc -O2 -o "$W/writer" tests/tools/soak_writer.c || { echo "soak: cannot build the writer" >&2; exit 1; }

# a random integer in [lo, hi] (awk's rand, seeded from the clock)
rnd() { awk -v lo="$1" -v hi="$2" -v s="$(date +%s%N)" 'BEGIN { srand(s % 1000000007); print lo + int(rand() * (hi - lo + 1)) }'; }
dbsize() { if [ -f "$DB" ]; then wc -c <"$DB" | tr -d ' '; else echo 0; fi; }
walsize() { if [ -f "$DB-wal" ]; then wc -c <"$DB-wal" | tr -d ' '; else echo 0; fi; }

start_follower() {
	# catch up on the newest rotated file first (adds only what is new)
	last=$(ls "$F".* 2>/dev/null | sort -t. -k3 -n | tail -n 1)
	[ -n "$last" ] && "$T" ingest -q -d "$DB" --host soak --retain "${RETAIN}s" "$last" 2>>"$W/catchup.err"
	"$T" ingest -q -d "$DB" --host soak --follow --retain "${RETAIN}s" "$F" 2>>"$W/follow.err" &
	fpid=$!
}

: >"$F"
"$W/writer" "$F" "$SECS" "$RATE" "$ROT" >"$W/writer.out" &
wpid=$!
t0=$(date +%s)
start_follower
kills=0
fill_size=
max_size=0
max_wal=0
next_kill=$((t0 + $(rnd "$KMIN" "$KMAX")))
while kill -0 "$wpid" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	s=$(dbsize)
	w=$(walsize)
	# the window is full once RETAIN seconds and one rotation have passed
	if [ -z "$fill_size" ] && [ $((now - t0)) -ge $((RETAIN + ROT + 10)) ]; then fill_size=$s; fi
	[ -n "$fill_size" ] && [ "$s" -gt "$max_size" ] && max_size=$s
	[ "$w" -gt "$max_wal" ] && max_wal=$w
	if [ "$now" -ge "$next_kill" ]; then
		kill -9 "$fpid" 2>/dev/null
		wait "$fpid" 2>/dev/null
		kills=$((kills + 1))
		sleep "0.$(rnd 0 9)"
		start_follower
		next_kill=$((now + $(rnd "$KMIN" "$KMAX")))
	fi
done
wait "$wpid"
# let the follower catch up, then stop it cleanly (times + retention)
sleep 3
kill -TERM "$fpid" 2>/dev/null
wait "$fpid"
frc=$?
fpid=
end_size=$(dbsize)

fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# shellcheck disable=SC2046 # key=value words
set -- $(cat "$W/writer.out")
for kv in "$@"; do eval "w_$kv"; done
[ "$frc" -eq 0 ] || bad "the last follower exited with $frc: $(tail -n 3 "$W/follow.err")"
# dump N is named by ioBufAllocator[0].allocated = 16384 (N + 1)
sqlite3 "$DB" "SELECT s.allocated / 16384 - 1 FROM sample s JOIN allocator a ON a.id = s.allocator_id
	WHERE a.name = 'ioBufAllocator[0]' ORDER BY 1" >"$W/stored"
stored=$(wc -l <"$W/stored" | tr -d ' ')
uniq_stored=$(sort -u -n "$W/stored" | wc -l | tr -d ' ')
# the window: dumps at most RETAIN seconds before the newest (N / RATE)
lo=$(awk -v n="$w_dumps" -v r="$w_rate" -v k="$RETAIN" 'BEGIN { m = n - 1 - k * r; if (m < 0) m = 0; printf "%d", m + (m != int(m)) }')
# dump lo sits on the edge (its time equals the cutoff up to rounding): it
# may be kept or not; every later one must be there, no earlier one
awk -v lo="$lo" -v hi="$((w_dumps - 1))" 'BEGIN { for (i = lo + 1; i <= hi; i++) print i }' | sort >"$W/want"
sort -u "$W/stored" >"$W/stored.u"
[ "$stored" -eq "$uniq_stored" ] || bad "$((stored - uniq_stored)) dumps stored twice"
missing=$(comm -13 "$W/stored.u" "$W/want" | wc -l | tr -d ' ')
extra=$(awk -v lo="$lo" '$1 < lo' "$W/stored" | wc -l | tr -d ' ')
[ "$missing" -eq 0 ] || bad "$missing dumps of the window are missing (e.g. $(comm -13 "$W/stored.u" "$W/want" | sort -n | head -n 3 | tr '\n' ' '))"
[ "$extra" -eq 0 ] || bad "$extra dumps outside the window are stored (e.g. $(awk -v lo="$lo" '$1 < lo' "$W/stored" | head -n 3 | tr '\n' ' '))"
ic=$(sqlite3 "$DB" 'PRAGMA integrity_check')
[ "$ic" = ok ] || bad "integrity_check: $ic"
untimed=$(sqlite3 "$DB" 'SELECT count(*) FROM snapshot WHERE ts IS NULL')
pages=$(sqlite3 "$DB" 'PRAGMA page_count')
free=$(sqlite3 "$DB" 'PRAGMA freelist_count')
if [ -n "$fill_size" ]; then
	limit=$(awk -v a="$fill_size" -v b="$BOUND" 'BEGIN { printf "%d", a * b }')
	[ "$max_size" -le "$limit" ] || bad "the database grew to $max_size bytes, over $BOUND x $fill_size"
else
	bad "the run was too short for the window to fill (SOAK_SECONDS >= RETAIN + ROTATE + 10)"
fi
echo "soak: ${SECS} s, $w_dumps dumps written at $w_rate/s, $w_rotations rotations (rename and copytruncate in turn),"
echo "  $kills kill -9 + restart of the follower, retention ${RETAIN} s"
echo "  stored: $uniq_stored dumps ($stored rows of ioBufAllocator[0]), window $lo..$((w_dumps - 1)): missing $missing, outside $extra, untimed $untimed"
echo "  integrity_check: $ic"
echo "  database: $(dbsize) bytes at the end ($pages pages, $free free); ${fill_size:-?} when the window filled," \
	"largest after that $max_size (bound $BOUND x); WAL largest $max_wal"
if [ "$fail" -eq 0 ]; then echo "soak: ok"; else echo "soak: $fail check(s) FAILED"; fi
exit $((fail != 0))
