#!/bin/sh
# valgrind_fixtures.sh — run `tsmem inspect` and `tsmem ingest` over every
# fixture under valgrind; any memory error fails (--error-exitcode=1).
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/tools/valgrind_fixtures.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
for f in $(find fixtures -type f \( -name '*.txt' -o -name '*.log' \) | sort); do
	for cmd in inspect ingest; do
		if [ "$cmd" = ingest ]; then set -- ingest -q -d "$W/v.db" --host vg "$f"; else set -- inspect "$f"; fi
		if ! valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
			"$T" "$@" >/dev/null 2>"$W/err"; then
			if grep -q '^==' "$W/err"; then
				echo "FAIL: valgrind $cmd $f" >&2
				grep '^==' "$W/err" | head -20 >&2
				fail=1
			fi
		fi
	done
done
echo "valgrind_fixtures.sh: done"
exit $fail
