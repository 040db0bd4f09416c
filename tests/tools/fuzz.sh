#!/bin/sh
# fuzz.sh — build the libFuzzer target with clang (ASan+UBSan) and run it
# on the committed corpus for FUZZ_SECONDS (default 120).  New inputs go to
# build-fuzz/corpus; crashes to build-fuzz/ — copy each into
# tests/fuzz/crashes/ so `make check` replays it from then on.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-120}
mkdir -p build-fuzz/corpus
make --no-print-directory BUILD=build-fuzz-lib CC=clang \
	OPT="-O1 -g -fsanitize=address,undefined,fuzzer-no-link" EXTRA_LDLIBS="" build-fuzz-lib/libtsmem.a >/dev/null
clang -O1 -g -fsanitize=address,undefined,fuzzer -o build-fuzz/fuzz_parser tests/fuzz/fuzz_parser.c \
	build-fuzz-lib/libtsmem.a $(pkg-config --libs libpcre2-8 sqlite3 libcjson zlib) -lm
cd build-fuzz
./fuzz_parser -max_total_time="$secs" -max_len=65536 -timeout=10 corpus ../tests/fuzz/corpus
