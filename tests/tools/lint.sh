#!/bin/sh
# lint.sh — static checks, run by `make lint`.
#  cppcheck: warning, portability and performance classes (style is left to
#            review: it flags the deliberate narrow scopes of C89 habits);
#  clang-tidy: bugprone-* (real bugs: wrong sizeof, suspicious memset,
#            integer division in float context...), minus the two checks that
#            flag every use of the C library's string functions and every
#            easily-swappable parameter pair, which this code base has by design,
#            and implicit-widening-of-multiplication (it flags every product of
#            small compile-time constants such as 64 * 1024);
#            cert-err34-c (atoi/sscanf without error checks).
# Any finding fails.
set -u
cd "$(dirname "$0")/../.."
CFLAGS_LINT="-std=c11 -D_GNU_SOURCE $(pkg-config --cflags libpcre2-8 sqlite3 libcjson zlib 2>/dev/null)"
SRC=$(ls common/*.c parser/*.c db/*.c model/*.c detect/*.c report/*.c sim/*.c cli/*.c 2>/dev/null)
fail=0
if command -v cppcheck >/dev/null; then
	cppcheck -q --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
		--suppress=missingIncludeSystem -D__GNUC__ $SRC || fail=1
else
	echo "lint: cppcheck not installed (apt-get install cppcheck)"; fail=1
fi
if command -v clang-tidy >/dev/null; then
	out=$(clang-tidy --quiet \
		-checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result,cert-err34-c' \
		$SRC -- $CFLAGS_LINT 2>/dev/null | grep -E 'warning:|error:')
	if [ -n "$out" ]; then echo "$out"; fail=1; fi
else
	echo "lint: clang-tidy not installed (apt-get install clang-tidy)"; fail=1
fi
[ $fail -eq 0 ] && echo "lint: clean"
exit $fail
