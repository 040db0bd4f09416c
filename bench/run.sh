#!/bin/sh
# run.sh — `make bench`: the targets of DESIGN §7, measured in one run on one
# input, printed as a table with ratios and PASS/FAIL.
#
# Builds bench/gen, bench/limit and bench/parse_only into bench/out/ (git
# ignored), generates a deterministic >= 300 MiB traffic.out of F3 dumps once
# (reused while the generator and size are unchanged), then measures:
#   tsmem ingest, the bare SQLite loop (limit.c), the awk | sqlite3 .import
#   pipeline, parse-only throughput, and `tsmem report` on 30 days of
#   10-second dumps when that command exists.
# It is a report, not a test: the exit status is 0 even when a target is
# missed (1 only when a tool is missing or a contender cannot run).
# Knobs (environment): BENCH_MB (input size, default 300), BUILD (default
# build), BENCH_ROUNDS (default 2), BENCH_REPORT=0 to skip the report step,
# BENCH_REPORT_DUMPS (dumps in the report database, default 259200).

set -u

cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
TSMEM=${TSMEM:-$BUILD/tsmem}
LIB=$BUILD/libtsmem.a
OUT=bench/out
MB=${BENCH_MB:-300}
SEED=1
INTERVAL=10
REPORT_DUMPS=${BENCH_REPORT_DUMPS:-259200} # 30 days of 10-second dumps
LONG=60             # a round of runs shorter than this (seconds) is repeated

die() {
	echo "bench: $*" >&2
	exit 1
}

# ---- tools ------------------------------------------------------------------
missing=
for t in cc pkg-config sqlite3 awk; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
if [ -n "$missing" ]; then
	echo "bench: missing:$missing" >&2
	echo "bench: install them with: apt-get install sqlite3 time build-essential pkg-config" >&2
	exit 1
fi
[ -x "$TSMEM" ] || die "$TSMEM not built (run make first)"
[ -f "$LIB" ] || die "$LIB not built (run make first)"
if command -v mawk >/dev/null 2>&1; then AWK="mawk"; else AWK="awk"; fi
AWKNAME=$($AWK -W version 2>/dev/null | head -n 1 | cut -c1-20)
[ -n "$AWKNAME" ] || AWKNAME=$AWK

mkdir -p "$OUT" || exit 1

# ---- build ------------------------------------------------------------------
PKGS="libpcre2-8 sqlite3 libcjson zlib"
CF="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2"
# shellcheck disable=SC2046,SC2086 # CF and the pkg-config output are word lists
{
	cc $CF -o "$OUT/gen" bench/gen.c bench/benchgen.c &&
	cc $CF $(pkg-config --cflags $PKGS) -o "$OUT/limit" bench/limit.c bench/benchgen.c "$LIB" \
		$(pkg-config --libs $PKGS) -lm &&
	cc $CF $(pkg-config --cflags $PKGS) -o "$OUT/parse_only" bench/parse_only.c "$LIB" \
		$(pkg-config --libs $PKGS) -lm
} || die "cannot build the benchmark programs"

# ---- helpers ----------------------------------------------------------------

# kv KEY FILE: the value of KEY=VALUE in the first line of FILE.
kv() {
	tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1
}

# calc EXPR: floating-point arithmetic.
calc() {
	awk "BEGIN { printf \"%s\", ($1) }"
}

rmdb() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-journal"
}

# timed NAME CMD...: run CMD under /usr/bin/time; sets T (wall seconds), C
# (user + system CPU seconds) and RSS (peak resident KiB, the "Maximum
# resident set size" of time -v); stdout/stderr go to $OUT/NAME.out / .err.
# Returns CMD's status.
timed() {
	_n=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/$_n.time" "$@" >"$OUT/$_n.out" 2>"$OUT/$_n.err"
	_rc=$?
	# shellcheck disable=SC2046 # four numbers
	set -- $(tail -n 1 "$OUT/$_n.time")
	T=$1 C=$(calc "$2 + $3") RSS=$4
	return $_rc
}

# keep X T C RSS: record one run of contender X: X_T/X_C = the fastest run
# (wall, and its CPU), X_RSS = the largest peak RSS of all runs.
keep() {
	eval "_t=\${$1_T:-} _r=\${$1_RSS:-}"
	if [ -z "$_t" ] || [ "$(calc "$2 < $_t")" = 1 ]; then
		eval "$1_T=\$2 $1_C=\$3"
	fi
	if [ -z "$_r" ] || [ "$4" -gt "$_r" ]; then
		eval "$1_RSS=\$4"
	fi
}

# ---- input ------------------------------------------------------------------
GENKEY=$(cat bench/gen.c bench/benchgen.c bench/benchgen.h | cksum | cut -d' ' -f1)
INPUT=$OUT/input-${MB}mb.log
META=$OUT/input-${MB}mb.meta
if [ -f "$INPUT" ] && [ -f "$META" ] && [ "$(kv key "$META")" = "$GENKEY" ] &&
	[ "$(kv bytes "$META")" = "$(wc -c <"$INPUT" | tr -d ' ')" ]; then
	echo "bench: reusing $INPUT" >&2
else
	echo "bench: generating $INPUT ($MB MiB of F3 dumps)" >&2
	rm -f "$META"
	"$OUT/gen" -o "$INPUT" --mb "$MB" --seed $SEED --interval $INTERVAL >"$META.tmp" ||
		die "generator failed"
	echo "$(cat "$META.tmp") key=$GENKEY" >"$META" && rm -f "$META.tmp"
fi
DUMPS=$(kv dumps "$META")
ROWS=$(kv rows "$META")
BYTES=$(kv bytes "$META")

# ---- contenders -------------------------------------------------------------
FAILED_RUN=
DB=$OUT/tsmem.db
LDB=$OUT/limit.db
ADB=$OUT/awk.db

# One round runs every contender once, in turn; a second round (up to
# BENCH_ROUNDS in all) follows when the first took under LONG seconds, so the
# best-of-N times of all contenders come from interleaved runs and a burst of
# load from other processes does not hit one contender only.
ROUNDS=${BENCH_ROUNDS:-2}
TS_T='' LI_T='' AW_T='' PO_T=''
round=1
while [ "$round" -le "$ROUNDS" ]; do
	r0=$(date +%s)
	echo "bench: round $round: tsmem ingest, limit, $AWK | sqlite3, parse only" >&2

	rmdb "$DB"
	if timed tsmem "$TSMEM" ingest -d "$DB" --host bench -q "$INPUT"; then
		keep TS "$T" "$C" "$RSS"
		TS_ROWS=$(sqlite3 "$DB" 'SELECT count(*) FROM sample;')
	else
		echo "bench: tsmem ingest failed:" >&2
		head -n 5 "$OUT/tsmem.err" >&2
		FAILED_RUN="$FAILED_RUN tsmem"
	fi

	rmdb "$LDB"
	if timed limit "$OUT/limit" "$LDB" --dumps "$DUMPS" --seed $SEED --interval $INTERVAL; then
		keep LI "$T" "$C" "$RSS"
		LI_ROWS=$(kv rows "$OUT/limit.out")
	else
		echo "bench: limit failed:" >&2
		head -n 5 "$OUT/limit.err" >&2
		FAILED_RUN="$FAILED_RUN limit"
	fi

	rmdb "$ADB"
	sqlite3 "$ADB" 'CREATE TABLE s(dump INT, name TEXT, allocated INT, in_use INT, type_size INT);'
	if timed awk sh -c "$AWK -F'|' -f bench/dump2csv.awk '$INPUT' | sqlite3 -batch -csv '$ADB' '.import /dev/stdin s'"; then
		keep AW "$T" "$C" "$RSS"
		AW_ROWS=$(sqlite3 "$ADB" 'SELECT count(*) FROM s;')
	else
		echo "bench: awk pipeline failed:" >&2
		head -n 5 "$OUT/awk.err" >&2
		FAILED_RUN="$FAILED_RUN awk"
	fi

	# parse-only: its own clock (read + parse loop), /usr/bin/time for RSS
	if timed parse "$OUT/parse_only" "$INPUT"; then
		keep PO "$(kv seconds "$OUT/parse.out")" "$C" "$RSS"
		PO_ROWS=$(kv rows "$OUT/parse.out")
	else
		echo "bench: parse_only failed:" >&2
		head -n 5 "$OUT/parse.err" >&2
		FAILED_RUN="$FAILED_RUN parse_only"
	fi

	[ -z "$FAILED_RUN" ] || break
	[ $(($(date +%s) - r0)) -lt "$LONG" ] || break
	round=$((round + 1))
done
[ "$round" -le "$ROUNDS" ] || round=$ROUNDS
rmdb "$LDB"
rmdb "$ADB"

# ---- real-shaped input: most rows repeat -----------------------------------
# gen --real (benchgen.h, bg_init_real): of 59 allocators 11 idle and 25
# constant, the other 23 move at about one dump in ten, so that about 4 % of
# the rows differ from the allocator's previous dump, as on the lab's ATS 9.2
# captures.  tsmem stores runs of unchanged rows; limit.c stores every row.
# Bytes per dump = the database file (after tsmem's final checkpoint) over
# the dumps.  BENCH_REAL=0 skips it.
RE_T='' RL_T=''
if [ "${BENCH_REAL:-1}" != 0 ]; then
	RINPUT=$OUT/input-real-${MB}mb.log
	RMETA=$OUT/input-real-${MB}mb.meta
	if [ -f "$RINPUT" ] && [ -f "$RMETA" ] && [ "$(kv key "$RMETA")" = "$GENKEY" ] &&
		[ "$(kv bytes "$RMETA")" = "$(wc -c <"$RINPUT" | tr -d ' ')" ]; then
		echo "bench: reusing $RINPUT" >&2
	else
		echo "bench: generating $RINPUT ($MB MiB of real-shaped F3 dumps)" >&2
		rm -f "$RMETA"
		"$OUT/gen" -o "$RINPUT" --mb "$MB" --seed $SEED --interval $INTERVAL --real >"$RMETA.tmp" ||
			die "generator failed"
		echo "$(cat "$RMETA.tmp") key=$GENKEY" >"$RMETA" && rm -f "$RMETA.tmp"
	fi
	R_DUMPS=$(kv dumps "$RMETA")
	R_ROWS=$(kv rows "$RMETA")
	R_BYTES=$(kv bytes "$RMETA")
	R_CHANGED=$(kv changed "$RMETA")
	RDB2=$OUT/tsmem-real.db
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		r0=$(date +%s)
		echo "bench: real-shaped round $round: tsmem ingest, limit --real" >&2
		rmdb "$RDB2"
		if timed tsmem-real "$TSMEM" ingest -d "$RDB2" --host bench -q "$RINPUT"; then
			keep RE "$T" "$C" "$RSS"
			RE_ROWS=$(sqlite3 "$RDB2" 'SELECT count(*) FROM sample;')
			RE_RUNS=$(sqlite3 "$RDB2" 'SELECT count(*) FROM sample_run;')
			RE_DBB=$(($(wc -c <"$RDB2") + $(cat "$RDB2-wal" 2>/dev/null | wc -c)))
		else
			head -n 5 "$OUT/tsmem-real.err" >&2
			FAILED_RUN="$FAILED_RUN tsmem-real"
		fi
		rmdb "$LDB"
		if timed limit-real "$OUT/limit" "$LDB" --dumps "$R_DUMPS" --seed $SEED --interval $INTERVAL --real; then
			keep RL "$T" "$C" "$RSS"
			RL_ROWS=$(kv rows "$OUT/limit-real.out")
			RL_DBB=$(($(wc -c <"$LDB") + $(cat "$LDB-wal" 2>/dev/null | wc -c)))
		else
			head -n 5 "$OUT/limit-real.err" >&2
			FAILED_RUN="$FAILED_RUN limit-real"
		fi
		[ -z "$FAILED_RUN" ] || break
		[ $(($(date +%s) - r0)) -lt "$LONG" ] || break
		round=$((round + 1))
	done
	[ "$round" -le "$ROUNDS" ] || round=$ROUNDS
	R_ROUND=$round
	rmdb "$LDB"
fi

# ---- report on 30 days of 10-second dumps ----------------------------------
RP_STATUS="skipped (tsmem report not available)"
RP_T=
if [ "${BENCH_REPORT:-1}" = 0 ]; then
	RP_STATUS="skipped (BENCH_REPORT=0)"
elif "$TSMEM" report --help >/dev/null 2>&1; then
	RDB=$OUT/report-30d.db
	RKEY="$GENKEY-$(cksum <db/schema.c 2>/dev/null | cut -d' ' -f1)-$REPORT_DUMPS"
	if [ -f "$RDB" ] && [ "$(cat "$OUT/report-30d.key" 2>/dev/null)" = "$RKEY" ]; then
		echo "bench: reusing $RDB" >&2
	else
		echo "bench: building $RDB (gen --dumps $REPORT_DUMPS, then tsmem ingest)" >&2
		rm -f "$OUT/report-30d.key" "$OUT/report-30d.ingest"
		rmdb "$RDB"
		RLOG=$OUT/report-30d.log
		if "$OUT/gen" -o "$RLOG" --dumps "$REPORT_DUMPS" --seed $SEED --interval $INTERVAL >"$OUT/report-30d.meta" &&
			timed report-ingest "$TSMEM" ingest -d "$RDB" --host bench --interval $INTERVAL -q "$RLOG"; then
			echo "$T $C $RSS $(kv bytes "$OUT/report-30d.meta") $(kv rows "$OUT/report-30d.meta")" \
				>"$OUT/report-30d.ingest"
			echo "$RKEY" >"$OUT/report-30d.key"
		else
			head -n 5 "$OUT/report-ingest.err" >&2
		fi
		rm -f "$RLOG"
	fi
	if [ -f "$OUT/report-30d.key" ]; then
		# shellcheck disable=SC2046 # five numbers
		set -- $(cat "$OUT/report-30d.ingest")
		RI_T=$1 RI_C=$2 RI_RSS=$3 RI_BYTES=$4 RI_ROWS=$5
		echo "bench: tsmem report --format json" >&2
		if timed report "$TSMEM" report --format json -d "$RDB"; then
			RP_T=$T RP_C=$C RP_RSS=$RSS
			RP_STATUS=ok
		else
			RP_STATUS="failed (exit $?): $(head -n 1 "$OUT/report.err")"
		fi
	else
		RP_STATUS="failed: could not build the 30-day database"
	fi
fi

# ---- table ------------------------------------------------------------------
FMT='%-34s %8s %10s %8s %7s %10s %7s %8s  %s\n'
row() { # NAME INPUT_BYTES ROWS SECONDS CPU_SECONDS RSS_KIB RATIO
	if [ -z "$4" ]; then
		# shellcheck disable=SC2059 # one format for the whole table
		printf "$FMT" "$1" - - - - - - - "did not run"
		return
	fi
	awk -v fmt="$FMT" -v n="$1" -v b="$2" -v r="$3" -v t="$4" -v c="$5" -v k="$6" -v q="$7" 'BEGIN {
		mb = "-"; cs = "-"; rps = "-"; mbs = "-"
		if (b > 0) mb = sprintf("%.1f", b / 1e6)
		if (c != "") cs = sprintf("%.2f", c)
		if (t > 0) rps = sprintf("%.0f", r / t)
		if (b > 0 && t > 0) mbs = sprintf("%.1f", b / 1e6 / t)
		printf fmt, n, mb, r, sprintf("%.2f", t), cs, rps, mbs, sprintf("%.1f", k / 1024), q
	}'
}
ratio() { # A B -> A/B with 2 decimals, or "-"
	if [ -n "$1" ] && [ -n "$2" ]; then calc "$2 > 0 ? sprintf(\"%.2f\", $1 / $2) : \"-\""; else echo "-"; fi
}

CPUS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
echo
echo "tsmem bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $CPUS CPUs, $(uname -m), load $LOAD, sqlite3 $(sqlite3 --version | cut -d' ' -f1), $AWKNAME"
echo "input: $INPUT — $(calc "sprintf(\"%.1f\", $BYTES / 1048576)") MiB, $DUMPS F3 dumps, $ROWS rows (seed $SEED)"
echo "seconds = wall, best of $round interleaved round(s); cpu = user+sys of that run; MB = 10^6 bytes;"
echo "RSS = peak resident set (\"Maximum resident set size\" of /usr/bin/time), largest over the rounds"
echo
# shellcheck disable=SC2059
printf "$FMT" "contender" "input MB" "rows" "seconds" "cpu s" "rows/s" "MB/s" "RSS MiB" "tsmem ÷ it (rows/s)"
# shellcheck disable=SC2059
printf "$FMT" "----------------------------------" "--------" "----------" "-------" "------" "----------" "-------" "-------" "-------------------"
TS_RPS='' LI_RPS='' AW_RPS=''
[ -n "$TS_T" ] && TS_RPS=$(calc "$TS_ROWS / $TS_T")
[ -n "$LI_T" ] && LI_RPS=$(calc "$LI_ROWS / $LI_T")
[ -n "$AW_T" ] && AW_RPS=$(calc "$AW_ROWS / $AW_T")
R_LIMIT=$(ratio "$TS_RPS" "$LI_RPS")
R_AWK=$(ratio "$TS_RPS" "$AW_RPS")
row "tsmem ingest" "$BYTES" "${TS_ROWS:-0}" "$TS_T" "${TS_C:-}" "${TS_RSS:-0}" "1.00"
row "limit: bare SQLite loop (limit.c)" "$BYTES" "${LI_ROWS:-0}" "$LI_T" "${LI_C:-}" "${LI_RSS:-0}" "$R_LIMIT"
row "$AWK | sqlite3 .import (2 procs)" "$BYTES" "${AW_ROWS:-0}" "$AW_T" "${AW_C:-}" "${AW_RSS:-0}" "$R_AWK"
row "parse only (parse_only.c)" "$BYTES" "${PO_ROWS:-0}" "$PO_T" "" "${PO_RSS:-0}" ""
if [ -n "$RE_T" ] || [ -n "$RL_T" ]; then
	RE_RPS='' RL_RPS=''
	[ -n "$RE_T" ] && RE_RPS=$(calc "$RE_ROWS / $RE_T")
	[ -n "$RL_T" ] && RL_RPS=$(calc "$RL_ROWS / $RL_T")
	R_REAL=$(ratio "$RE_RPS" "$RL_RPS")
	row "tsmem ingest, real-shaped input" "$R_BYTES" "${RE_ROWS:-0}" "$RE_T" "${RE_C:-}" "${RE_RSS:-0}" "1.00"
	row "limit --real (full rows)" "$R_BYTES" "${RL_ROWS:-0}" "$RL_T" "${RL_C:-}" "${RL_RSS:-0}" "$R_REAL"
fi
if [ "$RP_STATUS" = ok ]; then
	row "tsmem ingest, 30 d × 10 s input" "$RI_BYTES" "$RI_ROWS" "$RI_T" "$RI_C" "$RI_RSS" "(one run, when the db was built)"
	row "tsmem report --format json, 30 d" 0 "$RI_ROWS" "$RP_T" "$RP_C" "$RP_RSS" "(rows = samples in the db)"
fi
[ -n "$TS_ROWS" ] && [ "$TS_ROWS" != "$ROWS" ] &&
	echo "WARNING: tsmem stored $TS_ROWS sample rows, the input has $ROWS"
[ -n "$AW_T" ] && [ "$AW_ROWS" != "$ROWS" ] &&
	echo "WARNING: the awk pipeline imported $AW_ROWS rows, the input has $ROWS"
[ -n "$PO_T" ] && [ "$PO_ROWS" != "$ROWS" ] &&
	echo "WARNING: parse_only counted $PO_ROWS rows, the input has $ROWS"

# ---- targets ----------------------------------------------------------------
NFAIL=0
check() { # LABEL VALUE OP LIMIT UNIT
	if [ -z "$2" ] || [ "$2" = "-" ]; then
		printf '  %-44s %12s   target %s %s %-6s  %s\n' "$1" "-" "$3" "$4" "$5" "NOT MEASURED"
		NFAIL=$((NFAIL + 1))
		return
	fi
	if [ "$(calc "$2 $3 $4")" = 1 ]; then v=PASS; else v=FAIL; NFAIL=$((NFAIL + 1)); fi
	printf '  %-44s %12s   target %s %s %-6s  %s\n' "$1" "$2" "$3" "$4" "$5" "$v"
}
if [ -n "${R_DUMPS:-}" ]; then
	echo "real-shaped input: $RINPUT — $(calc "sprintf(\"%.1f\", $R_BYTES / 1048576)") MiB, $R_DUMPS dumps," \
		"$R_ROWS rows, $R_CHANGED changed ($(calc "sprintf(\"%.1f\", 100 * $R_CHANGED / $R_ROWS)") %) (best of ${R_ROUND:-1} round(s))"
	[ -n "${RE_RUNS:-}" ] && echo "  tsmem stored $RE_RUNS runs for $RE_ROWS rows;" \
		"database bytes per dump: tsmem $(calc "sprintf(\"%.0f\", $RE_DBB / $R_DUMPS)")," \
		"full rows (limit) $(calc "sprintf(\"%.0f\", ${RL_DBB:-0} / $R_DUMPS)")"
	[ -n "${RE_ROWS:-}" ] && [ "$RE_ROWS" != "$R_ROWS" ] &&
		echo "WARNING: tsmem's sample view has $RE_ROWS rows, the real-shaped input has $R_ROWS"
fi
echo
echo "targets (DESIGN §7):"
check "ingest rows/s ÷ limit rows/s" "$R_LIMIT" ">=" 0.8 ""
check "ingest rows/s ÷ $AWK|sqlite3 rows/s" "$R_AWK" ">=" 2.0 ""
if [ -n "${TS_C:-}" ] && [ -n "${LI_C:-}" ] && [ -n "${AW_C:-}" ]; then
	echo "  (the same ratios on CPU seconds, less sensitive to other load: limit" \
		"$(calc "sprintf(\"%.2f\", $LI_C / $TS_C)"), awk $(calc "sprintf(\"%.2f\", $AW_C / $TS_C)") — informative only)"
fi
PO_MBS=
[ -n "$PO_T" ] && PO_MBS=$(calc "sprintf(\"%.0f\", $BYTES / 1e6 / $PO_T)")
check "parse-only throughput" "$PO_MBS" ">=" 500 "MB/s"
TS_MIB=
[ -n "$TS_T" ] && TS_MIB=$(calc "sprintf(\"%.1f\", $TS_RSS / 1024)")
check "ingest peak RSS ($MB MiB input)" "$TS_MIB" "<=" 64 "MiB"
if [ "${BENCH_REAL:-1}" != 0 ]; then
	check "real-shaped: ingest rows/s ÷ limit rows/s" "${R_REAL:-}" ">=" 3.0 ""
	if [ -n "${RE_C:-}" ] && [ -n "${RL_C:-}" ]; then
		echo "  (on CPU seconds: $(calc "sprintf(\"%.2f\", $RL_C / $RE_C)") — informative only)"
	fi
	R_BPD=
	[ -n "${RE_DBB:-}" ] && [ -n "${RL_DBB:-}" ] && R_BPD=$(calc "sprintf(\"%.3f\", $RE_DBB / $RL_DBB)")
	check "real-shaped: db bytes ÷ full-row db bytes" "$R_BPD" "<=" 0.2 ""
	R_MIB=
	[ -n "$RE_T" ] && R_MIB=$(calc "sprintf(\"%.1f\", $RE_RSS / 1024)")
	check "real-shaped: ingest peak RSS" "$R_MIB" "<=" 64 "MiB"
fi
if [ "$RP_STATUS" = ok ]; then
	check "ingest peak RSS (30-day input)" "$(calc "sprintf(\"%.1f\", $RI_RSS / 1024)")" "<=" 64 "MiB"
	check "report --format json, 30 d × 10 s" "$RP_T" "<=" 10 "s"
	echo "  report peak RSS: $(calc "sprintf(\"%.1f\", $RP_RSS / 1024)") MiB"
else
	echo "report: $RP_STATUS"
fi
echo
if [ "$NFAIL" -gt 0 ]; then
	echo "bench: $NFAIL target(s) missed — see FAIL / NOT MEASURED above"
else
	echo "bench: all measured targets met"
fi
[ -z "$FAILED_RUN" ] || { echo "bench: contender(s) failed to run:$FAILED_RUN"; exit 1; }
exit 0
