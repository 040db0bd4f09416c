# tsmem — build, test, install.  `make V=1` shows full commands.
#
# Layout: the library layers (common parser db model detect report sim) go
# into libtsmem.a; cli/ links it into the `tsmem` binary; every
# tests/test_*.c is a unit-test binary; tests/*.sh are CLI/fixture tests.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2
PKGS    := libpcre2-8 sqlite3 libcjson zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread $(OPT) $(WARN) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -pthread $(EXTRA_LDLIBS)

BUILD   ?= build
LIBDIRS := common parser db model detect report sim
LIBSRC  := $(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c))
CLISRC  := $(wildcard cli/*.c)
TESTSRC := $(wildcard tests/test_*.c)
LIBOBJ  := $(LIBSRC:%.c=$(BUILD)/%.o)
CLIOBJ  := $(CLISRC:%.c=$(BUILD)/%.o)
TESTBIN := $(TESTSRC:tests/%.c=$(BUILD)/tests/%)
LIB     := $(BUILD)/libtsmem.a
BIN     := $(BUILD)/tsmem

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: demo all check test unit cli-tests asan ubsan sanitize valgrind-check lint bench soak eval fuzz \
        deps lab-deps lab lab-smoke world2 screenshot install uninstall clean

all: tsmem

tsmem: $(BIN)
	$(Q)cp $(BIN) tsmem

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIBOBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLIOBJ) $(LIB)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLIOBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST-CC $<"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

-include $(LIBOBJ:.o=.d) $(CLIOBJ:.o=.d)

# The README's first command: two real dumps from apache/trafficserver#5858,
# fed as one stream, analyzed (ingest + report).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo
	cat fixtures/real/04-gh5858-7.1.x-a-earlier.txt fixtures/real/05-gh5858-7.1.x-b-later.txt | \
	  ./tsmem analyze -d $(BUILD)/demo/tsmem.db --host gh5858 -

# ---- tests ------------------------------------------------------------------
# `make test` runs the suite once with the current flags; `make check` runs it
# normally and once more under ASan+UBSan (and valgrind over the unit tests).

unit: $(TESTBIN)
	$(Q)set -e; for t in $(TESTBIN); do echo "  RUN     $$t"; $$t; done

cli-tests: $(BIN)
	$(Q)set -e; for t in tests/*_cli.sh; do echo "  RUN     $$t"; TSMEM=$(abspath $(BIN)) sh $$t; done

test: unit cli-tests

check: deps
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory sanitize
	$(Q)$(MAKE) --no-print-directory valgrind-check
	$(Q)$(MAKE) --no-print-directory lab-smoke
	@echo "check: all passed"

sanitize:
	$(Q)$(MAKE) --no-print-directory BUILD=build-san CC=clang \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDLIBS="-fsanitize=address,undefined" test

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address -fno-sanitize-recover=all" \
	  EXTRA_LDLIBS="-fsanitize=address" test

ubsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-ubsan CC=clang \
	  OPT="-O1 -g -fsanitize=undefined -fno-sanitize-recover=all" \
	  EXTRA_LDLIBS="-fsanitize=undefined" test

valgrind-check: $(TESTBIN) $(BIN)
	$(Q)set -e; for t in $(TESTBIN); do echo "  VALGRIND $$t"; \
	  TSMEM_SLOW_TESTS_OFF=1 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $$t >/dev/null; done
	$(Q)TSMEM=$(abspath $(BIN)) sh tests/tools/valgrind_fixtures.sh

lint:
	$(Q)sh tests/tools/lint.sh

bench: $(BIN)
	$(Q)sh bench/run.sh

# The bounded soak of DESIGN §8 (10 minutes by default, SOAK_SECONDS);
# not part of check.
soak: $(BIN)
	$(Q)TSMEM=$(abspath $(BIN)) sh tests/soak.sh

eval: $(BIN)
	$(Q)sh bench/eval.sh

# A second simulated world, drawn wider than anything tuned on and kept
# apart (bench/world2/README.md): score it once, at the end.
world2: $(BIN)
	$(Q)TSMEM=$(abspath $(BIN)) nice -n 19 python3 bench/world2/run.py --check

fuzz:
	$(Q)sh tests/tools/fuzz.sh

# ---- the real-server lab (lab/README.md) -------------------------------------
# `make lab` runs every scenario of lab/scenarios/ against a real Traffic
# Server 9.2 (at most 60 minutes on 2 cores) and prints the confusion table;
# `make lab-smoke` runs the two smoke scenarios (about 4 minutes) and checks
# them against lab/expected/.  PLUGIN='/path/my.so ARGS' loads your plugin too.
LAB_TOOLS := traffic_server nginx wrk
LAB_FILES := /usr/include/ts/ts.h /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

lab-deps:
	$(Q)missing=0; for t in $(LAB_TOOLS); do command -v $$t >/dev/null || missing=1; done; \
	for f in $(LAB_FILES); do [ -e $$f ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "lab-deps: trafficserver, trafficserver-dev, nginx-light, wrk, faketime missing and not root"; exit 1; fi; \
	  echo "lab-deps: installing trafficserver trafficserver-dev nginx-light wrk faketime with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    trafficserver trafficserver-dev nginx-light wrk faketime >/dev/null; \
	fi

lab: lab-deps $(BIN)
	$(Q)TSMEM=$(abspath $(BIN)) python3 lab/run.py --out $(BUILD)/lab $(if $(PLUGIN),--plugin '$(PLUGIN)')

lab-smoke: lab-deps $(BIN)
	$(Q)TSMEM=$(abspath $(BIN)) python3 lab/run.py --smoke --check --out $(BUILD)/lab-smoke

# docs/report.png, the README's picture: the HTML report on a real ATS 9.2
# capture (fixtures/ats-9.2/leak-diurnal-16k), drawn by headless Chromium.
screenshot: $(BIN)
	$(Q)rm -rf $(BUILD)/shot && mkdir -p $(BUILD)/shot docs
	$(Q)$(BIN) analyze -q -d $(BUILD)/shot/tsmem.db --host edge-lab --interval 60 \
	  --records fixtures/ats-9.2/leak-diurnal-16k/records.config --format html \
	  -o $(BUILD)/shot/report.html fixtures/ats-9.2/leak-diurnal-16k/traffic.out.gz
	$(Q)timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	  --disable-component-update --disable-sync --disable-quic --no-first-run \
	  --user-data-dir=$(abspath $(BUILD)/shot/profile) --hide-scrollbars --window-size=1200,1500 \
	  --screenshot=$(abspath docs/report.png) file://$(abspath $(BUILD)/shot/report.html) 2>/dev/null
	@echo "screenshot: docs/report.png"

# Install the Debian -dev packages when pkg-config cannot find them.
deps:
	$(Q)if ! pkg-config --exists $(PKGS) 2>/dev/null || ! command -v clang >/dev/null || \
	    ! command -v valgrind >/dev/null || ! command -v sqlite3 >/dev/null || ! command -v python3 >/dev/null || \
	    ! command -v mandoc >/dev/null; then \
	  echo "deps: installing build dependencies with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    build-essential pkg-config clang valgrind sqlite3 python3 gzip mandoc \
	    libpcre2-dev libsqlite3-dev libcjson-dev zlib1g-dev; \
	fi

install: $(BIN)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(COMPDIR)"
	install -m 755 $(BIN) "$(DESTDIR)$(BINDIR)/tsmem"
	if [ -f tsmem.1 ]; then install -m 644 tsmem.1 "$(DESTDIR)$(MANDIR)/man1/tsmem.1"; fi
	if [ -f contrib/tsmem.bash ]; then install -m 644 contrib/tsmem.bash "$(DESTDIR)$(COMPDIR)/tsmem"; fi

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/tsmem" "$(DESTDIR)$(MANDIR)/man1/tsmem.1" "$(DESTDIR)$(COMPDIR)/tsmem"

clean:
	rm -rf build build-san build-asan build-ubsan tsmem
