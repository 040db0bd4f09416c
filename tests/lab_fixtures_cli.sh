#!/bin/sh
# lab_fixtures_cli.sh — verdicts on real Traffic Server 9.2 output, where no
# server can run: every fixtures/ats-9.2/<case>/ holds a lab capture
# (traffic.out.gz), the scenario that made it (scenario.toml, whose design
# gives the truth: lab/score.py), the server's records.config and
# known-failures.txt (verdicts that are wrong today, each to be turned by the
# classifier).  A wrong verdict that is not listed fails; a listed one that is
# now right is reported as XPASS, to be removed from the list.
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/lab_fixtures_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
command -v python3 >/dev/null 2>&1 || { echo "lab_fixtures_cli.sh: SKIP (python3 missing)"; exit 0; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
n=0
for dir in fixtures/ats-9.2/*/; do
	[ -f "$dir/scenario.toml" ] || continue
	case=$(basename "$dir")
	n=$((n + 1))
	mkdir -p "$W/$case"
	if ! python3 lab/score.py --tsmem "$T" --records "$dir/records.config" \
		--check "$dir/known-failures.txt" "$dir/scenario.toml" "$dir/traffic.out.gz" "$W/$case" \
		>"$W/$case.out" 2>&1; then
		fail=$((fail + 1))
		echo "FAIL: $dir" >&2
		grep -E '^(FAIL|ERROR)|ERROR' "$W/$case.out" >&2
	fi
	grep -E '^(XFAIL|XPASS)' "$W/$case.out" | sed 's/^/  /'
done
echo "lab_fixtures_cli.sh: $n captures, $fail failed"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
