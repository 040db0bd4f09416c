#!/bin/sh
# readonly_cli.sh — a reader without write access (another user reading
# root's WAL-mode database in a directory it cannot write) runs `sql` and
# `report`; `report` says that its verdicts were not stored; no reader
# leaves a -wal or -shm file that it owns, also when it may write the
# directory, and an owner's `sql` cleans up as a writer does.  The reader
# is user nobody through setpriv(1) when run as root; as another user the
# files are made unwritable with chmod.  SKIP when neither is possible.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/readonly_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-ro.XXXXXX") || exit 1
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT INT TERM
chmod 755 "$W"
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
eq() { # description, got, want
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
has() { # description, file, fixed string
	if grep -qF -e "$3" "$2"; then ok; else bad "$1: '$3' not in $2:"; sed 's/^/    /' "$2" >&2; fi
}
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: readonly_cli: no sqlite3 shell" >&2
	exit 0
fi

# reader: another user when root, else this user on files it cannot write
if [ "$(id -u)" -eq 0 ]; then
	if ! command -v setpriv >/dev/null 2>&1 ||
	   ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		echo "SKIP: readonly_cli: cannot run as user nobody (setpriv)" >&2
		exit 0
	fi
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups "$T" --version >/dev/null 2>&1; then
		cp "$T" "$W/tsmem" && chmod 755 "$W/tsmem" && T=$W/tsmem
	fi
	READER="nobody"
	as_reader() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	lock_dir() { chmod 755 "$1"; }           # root's directory: nobody cannot write it
	open_dir() { chmod 777 "$1"; }           # nobody can create files in it
	owned() { find "$1" -user 65534 | tr '\n' ' '; }
else
	READER="$(id -un)"
	as_reader() { "$@"; }
	lock_dir() { chmod 555 "$1"; }
	open_dir() { chmod 755 "$1"; }
	owned() { find "$1" -newer "$W/stamp" \( -name '*-wal' -o -name '*-shm' \) | tr '\n' ' '; }
fi
run() { # expected status, description, command... (as the reader)
	want=$1; what=$2; shift 2
	as_reader "$@" >"$W/out" 2>"$W/err"; got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; sed 's/^/    /' "$W/err" >&2; fi
}

# root's cron: a WAL-mode database in /var/lib/tsmem
"$T" simulate --scenario leak --days 1 --interval 600 --seed 5 -o "$W/t.out" >/dev/null 2>&1
mkdir "$W/lib"
"$T" ingest -q -d "$W/lib/tsmem.db" --host edge-01 --interval 600 "$W/t.out" || bad "setup ingest"
"$T" report -d "$W/lib/tsmem.db" >/dev/null || bad "setup report"
eq "setup: WAL mode" "$(sqlite3 "$W/lib/tsmem.db" 'pragma journal_mode')" wal
DUMPS=$(sqlite3 "$W/lib/tsmem.db" 'select count(*) from snapshot')
VERDICTS=$(sqlite3 "$W/lib/tsmem.db" 'select count(*) from verdict')
chmod 644 "$W/lib/tsmem.db"
[ "$(id -u)" -eq 0 ] || chmod 444 "$W/lib/tsmem.db"
lock_dir "$W/lib"
touch "$W/stamp"

# ---- no writer: the reader reads the file as it is ------------------------------------
run 0 "sql as $READER" "$T" sql -d "$W/lib/tsmem.db" --format csv 'select count(*) from snapshot'
eq "sql: the rows" "$(tail -n 1 "$W/out")" "$DUMPS"
run 0 "sql functions as $READER" "$T" sql -d "$W/lib/tsmem.db" --format csv \
	"select count(*) > 0 from (select mk_z(ts, in_use) from iobuf group by name)"
eq "sql functions: answer" "$(tail -n 1 "$W/out")" 1
run 2 "sql still refuses writes" "$T" sql -d "$W/lib/tsmem.db" 'delete from verdict'
run 0 "report as $READER" "$T" report -d "$W/lib/tsmem.db"
has "report: verdicts" "$W/out" "edge-01, lifetime 0"
has "report: says the verdicts were not stored" "$W/out" "note: verdicts not stored: the database is read-only"
run 0 "json report as $READER" "$T" report -d "$W/lib/tsmem.db" --format json
has "json: the note" "$W/out" '"verdicts not stored: the database is read-only"'
eq "verdict table unchanged" "$(sqlite3 "$W/lib/tsmem.db" 'select count(*) from verdict')" "$VERDICTS"
eq "nothing left by $READER" "$(owned "$W/lib")" ""
eq "no -wal or -shm" "$(ls "$W/lib")" "tsmem.db"

# ---- a writer at work: the reader sees its uncheckpointed commit through its -shm ----
if [ "$(id -u)" -eq 0 ]; then
	(
		echo "PRAGMA wal_autocheckpoint = 0;"
		echo "INSERT INTO diagnostic(source_id, line, severity, code, message) VALUES (1, 1, 'warning', 'x', 'uncheckpointed');"
		while [ ! -e "$W/done" ]; do sleep 0.2; done
	) | sqlite3 "$W/lib/tsmem.db" >/dev/null &
	WRITER=$!
	i=0
	while [ "$(sqlite3 "$W/lib/tsmem.db" "select count(*) from diagnostic where message = 'uncheckpointed'" 2>/dev/null)" != 1 ] &&
	      [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	run 0 "sql beside a writer" "$T" sql -d "$W/lib/tsmem.db" --format csv "select count(*) from diagnostic where message = 'uncheckpointed'"
	eq "sql sees the writer's commit" "$(tail -n 1 "$W/out")" 1
	run 0 "report beside a writer" "$T" report -d "$W/lib/tsmem.db"
	has "report beside a writer: not stored" "$W/out" "verdicts not stored"
	eq "beside a writer: nothing left by $READER" "$(owned "$W/lib")" ""
	# the writer's log without its -shm (copied away): a clear error
	mkdir "$W/crash"
	cp "$W/lib/tsmem.db" "$W/lib/tsmem.db-wal" "$W/crash/"
	lock_dir "$W/crash"
	run 2 "a log without its -shm" "$T" sql -d "$W/crash/tsmem.db" 'select 1'
	has "log without -shm: says why" "$W/err" "write-ahead log"
	touch "$W/done"
	wait "$WRITER"
fi

# ---- a directory the reader may write, a file it may not: still nothing left ---------
mkdir "$W/open"
cp "$W/lib/tsmem.db" "$W/open/tsmem.db"
chmod 444 "$W/open/tsmem.db"
open_dir "$W/open"
run 0 "sql on a read-only file" "$T" sql -d "$W/open/tsmem.db" --format csv 'select count(*) from snapshot'
eq "read-only file: rows" "$(tail -n 1 "$W/out")" "$DUMPS"
run 0 "report on a read-only file" "$T" report -d "$W/open/tsmem.db"
has "read-only file: not stored" "$W/out" "verdicts not stored: the database is read-only"
eq "read-only file: nothing left by $READER" "$(owned "$W/open")" ""
eq "read-only file: no -wal or -shm" "$(ls "$W/open")" "tsmem.db"

# ---- the owner's own `sql` cleans up as a writer's close does --------------------------
mkdir "$W/own"
cp "$W/lib/tsmem.db" "$W/own/tsmem.db"
chmod 644 "$W/own/tsmem.db"
"$T" sql -d "$W/own/tsmem.db" 'select count(*) from snapshot' >/dev/null 2>"$W/err" || bad "owner sql"
eq "owner sql: no -wal or -shm" "$(ls "$W/own")" "tsmem.db"

# a version-1 database (before run-length storage) that the reader cannot
# migrate: a clear error naming the way out, not a failed query
mkdir "$W/v1"
{ cat fixtures/db/v1.sql; echo 'PRAGMA user_version = 1;'; } | sqlite3 "$W/v1/tsmem.db"
chmod 644 "$W/v1/tsmem.db"
lock_dir "$W/v1"
chmod 444 "$W/v1/tsmem.db"
run 2 "sql on a version-1 database it cannot migrate" "$T" sql -d "$W/v1/tsmem.db" 'select count(*) from sample'
has "the way out is named" "$W/err" "run tsmem ingest on it once"
chmod 755 "$W/v1"; chmod 644 "$W/v1/tsmem.db"

echo "readonly_cli: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
