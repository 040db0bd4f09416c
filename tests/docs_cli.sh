#!/bin/sh
# docs_cli.sh — the manual, the bash completion, `make install` and the
# ingest progress line agree with the program:
#  (a) `mandoc -T lint -W warning tsmem.1` is silent (SKIP without mandoc);
#  (b) per command, the long options of `tsmem CMD --help` equal those of the
#      man page's subsection for CMD (and the short letters paired with them),
#      the commands of `tsmem --help` equal the man page's command
#      subsections, and the --param names of `tsmem report --help` equal the
#      man page's "Classifier parameters", and every table, view and
#      column of a new database is described under DATABASE SCHEMA;
#  (c) contrib/tsmem.bash parses, and completes commands, options (the same
#      set as --help) and option values;
#  (d) `make install DESTDIR=... PREFIX=/usr` puts the binary, the man page and
#      the completion in place and `make uninstall` removes them;
#  (e) the progress line of a long ingest appears only on a terminal: never
#      when stderr is a file, with --quiet or for `inspect` (terminal cases
#      through script(1), SKIP without it).
# Run from the repository root: TSMEM=/abs/path/tsmem sh tests/docs_cli.sh
set -u
T=${TSMEM:?set TSMEM to the tsmem binary}
MAN=tsmem.1
COMP=contrib/tsmem.bash
W=$(mktemp -d "${TMPDIR:-/tmp}/tsmem-docs.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT INT TERM
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL: $*" >&2; }
skip() { echo "SKIP: $*" >&2; }
COMMANDS='analyze ingest report sql simulate inspect'

# ---- (a) the man page lints clean ------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	mandoc -T lint -W warning "$MAN" >"$W/lint" 2>&1
	if [ -s "$W/lint" ]; then
		bad "mandoc -T lint -W warning $MAN is not silent:"
		sed 's/^/    /' "$W/lint" >&2
	else
		ok
	fi
else
	skip "mandoc not installed: $MAN not linted (apt-get install mandoc)"
fi

# ---- (b) options in --help == options in the man page ----------------------
# --help: option lines look like "  -d, --db DB   text" or "      --all   text".
help_long() { # CMD -> sorted long options
	"$T" "$1" --help 2>/dev/null |
		sed -n 's/^ \{1,\}\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/--\2/p' | sort -u
}
help_pairs() { # CMD -> "-d --db" for options with a short form
	"$T" "$1" --help 2>/dev/null |
		sed -n 's/^ \{1,\}\(-[A-Za-z]\), --\([a-z][a-z0-9-]*\).*/\1 --\2/p' | sort -u
}
# man page: the ".It" lines between ".Ss CMD" and the next .Ss/.Sh; in mdoc
# "Fl -db" is --db and "Fl d" is -d.
man_its() { # CMD -> one line per .It: its options, e.g. "-d --db"
	awk -v cmd="$1" '
		/^\.S[sh] / { in_cmd = ($0 == ".Ss " cmd); next }
		in_cmd && /^\.It / {
			s = ""
			for (i = 2; i < NF; i++)
				if ($i == "Fl") s = s (s == "" ? "" : " ") "-" $(i + 1)
			if (s != "") print s
		}' "$MAN"
}
man_long() { man_its "$1" | tr ' ' '\n' | grep -e '^--' | sort -u; }
man_pairs() { man_its "$1" | sed -n 's/^\(-[A-Za-z]\) \(--[a-z][a-z0-9-]*\)$/\1 \2/p' | sort -u; }
same_sets() { # description, file of "--help", file of the man page[, what "--help" is]
	if cmp -s "$2" "$3"; then
		ok
	else
		bad "$1 differ between ${4:---help} (<) and $MAN (>):"
		diff "$2" "$3" | grep -e '^[<>]' | sed 's/^/    /' >&2
	fi
}

for c in $COMMANDS; do
	help_long "$c" >"$W/h.$c"
	man_long "$c" >"$W/m.$c"
	if [ ! -s "$W/h.$c" ]; then
		bad "tsmem $c --help lists no long options"
		continue
	fi
	same_sets "long options of '$c'" "$W/h.$c" "$W/m.$c"
	help_pairs "$c" >"$W/hp.$c"
	man_pairs "$c" >"$W/mp.$c"
	same_sets "short/long option pairs of '$c'" "$W/hp.$c" "$W/mp.$c"
done

# the commands: `tsmem --help` lists them under "Commands:"
"$T" --help | awk '/^Commands:/ { p = 1; next } p && /^  [a-z]/ { print $1 } p && /^$/ { p = 0 }' |
	sort >"$W/h.commands"
sed -n 's/^\.Ss \([a-z][a-z]*\)$/\1/p' "$MAN" | sort >"$W/m.commands"
same_sets "the commands" "$W/h.commands" "$W/m.commands"
if [ "$(tr '\n' ' ' <"$W/h.commands")" = "$(echo "$COMMANDS" | tr ' ' '\n' | sort | tr '\n' ' ')" ]; then
	ok
else
	bad "tsmem --help lists commands '$(tr '\n' ' ' <"$W/h.commands")', this test knows '$COMMANDS'"
fi

# the classifier parameters of --param
"$T" report --help | awk '/^Classifier parameters/ { p = 1; next } p && /^  [a-z_]+ / { print $1 }' |
	sort >"$W/h.params"
awk '/^\.S[sh] / { p = ($0 == ".Ss Classifier parameters"); next } p && /^\.It Va / { print $3 }' "$MAN" |
	sort >"$W/m.params"
same_sets "the --param names" "$W/h.params" "$W/m.params"

# the database schema: every table and view, and every column of each, is
# described under DATABASE SCHEMA (".It Sy TABLE", then "Li column" words)
SDB=$W/schema.db
"$T" ingest -q -d "$SDB" --host schema fixtures/real/07-gh9625-8.1.1.txt 2>/dev/null
"$T" sql -d "$SDB" --format csv "SELECT m.name || ' ' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'" | sed 1d | sort -u >"$W/db.cols"
cut -d ' ' -f 1 "$W/db.cols" | sort -u >"$W/db.tables"
awk '
	/^\.Sh / { p = ($0 == ".Sh DATABASE SCHEMA"); next }
	!p { next }
	/^\.It Sy [a-z_]+$/ { t = $3; print "T " t; next }
	t != "" && /(^\.| )Li / { for (i = 1; i <= NF; i++) if ($i ~ /^[a-z_]+$/) print "C " t " " $i }' "$MAN" >"$W/m.schema"
sed -n 's/^T //p' "$W/m.schema" | sort -u >"$W/m.tables"
if [ -s "$W/db.tables" ]; then
	same_sets "the tables and views" "$W/db.tables" "$W/m.tables" "a new database"
	sed -n 's/^C //p' "$W/m.schema" | sort -u >"$W/m.cols"
	# the iobuf view has the columns of samples, described there
	missing=$(sed 's/^iobuf /samples /' "$W/db.cols" | sort -u | comm -23 - "$W/m.cols" | tr '\n' ' ')
	if [ -z "$missing" ]; then ok; else bad "columns (table column) not described in $MAN: $missing"; fi
else
	bad "could not read the schema of a new database"
fi

# ---- (c) bash completion ----------------------------------------------------
if command -v bash >/dev/null 2>&1; then
	if bash -n "$COMP" 2>"$W/bashn"; then ok; else bad "bash -n $COMP:"; sed 's/^/    /' "$W/bashn" >&2; fi
	complete_words() { # WORD... -> COMPREPLY, one a line; the last WORD is completed
		bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tsmem; printf "%s\n" "${COMPREPLY[@]}"' \
			"$COMP" "$@" 2>"$W/comp.err"
	}
	has_all() { # description, words expected, WORD... to complete
		what=$1 want=$2
		shift 2
		got=$(complete_words "$@" | tr '\n' ' ')
		miss=""
		for w in $want; do
			case " $got " in *" $w "*) ;; *) miss="$miss $w" ;; esac
		done
		if [ -z "$miss" ]; then ok; else bad "completion of '$*' ($what): got '$got', missing:$miss"; fi
	}
	has_all "commands" "ingest inspect" tsmem in
	has_all "option" "--format" tsmem report --fo
	has_all "--format of report" "text json" tsmem report --format ""
	has_all "--format of sql" "table csv json" tsmem sql --format ""
	has_all "--format of simulate" "F1 F2 F3 F4 baseline" tsmem simulate --format ""
	has_all "--fail-on" "leak churn" tsmem analyze --fail-on ""
	scen=$("$T" simulate --list-scenarios | awk '{ print $1 }' | tr '\n' ' ')
	has_all "--scenario from --list-scenarios" "$scen" "$T" simulate --scenario ""
	has_all "--param names" "$(sed 's/$/=/' "$W/h.params" | tr '\n' ' ')" "$T" report --param ""
	has_all "files" "$MAN" tsmem inspect tsmem.
	# every command: completing "-" offers exactly the options of its --help
	for c in $COMMANDS; do
		"$T" "$c" --help | sed -n 's/^ \{1,\}\(-[A-Za-z]\), --\([a-z][a-z0-9-]*\).*/\1/p' >"$W/hs.$c"
		sort -u "$W/h.$c" "$W/hs.$c" >"$W/ha.$c"
		complete_words tsmem "$c" - | sort -u >"$W/ca.$c"
		if cmp -s "$W/ha.$c" "$W/ca.$c"; then
			ok
		else
			bad "options of '$c' differ between --help (<) and $COMP (>):"
			diff "$W/ha.$c" "$W/ca.$c" | grep -e '^[<>]' | sed 's/^/    /' >&2
		fi
	done
else
	skip "bash not installed: $COMP not checked"
fi

# ---- (d) make install / uninstall ------------------------------------------
D=$W/destdir
# a make of its own (not the jobserver of the make running this test), and
# the binary under test instead of a rebuild
if (unset MAKEFLAGS MFLAGS MAKELEVEL; ${MAKE:-make} -s -o "$T" install DESTDIR="$D" PREFIX=/usr BIN="$T") >"$W/inst" 2>&1; then
	ok
else
	bad "make install DESTDIR=$D PREFIX=/usr failed:"
	sed 's/^/    /' "$W/inst" >&2
fi
for f in usr/bin/tsmem usr/share/man/man1/tsmem.1 usr/share/bash-completion/completions/tsmem; do
	if [ -f "$D/$f" ]; then ok; else bad "make install did not install $f"; fi
done
if [ -x "$D/usr/bin/tsmem" ]; then ok; else bad "installed usr/bin/tsmem is not executable"; fi
if cmp -s "$MAN" "$D/usr/share/man/man1/tsmem.1"; then ok; else bad "installed tsmem.1 differs from $MAN"; fi
if cmp -s "$COMP" "$D/usr/share/bash-completion/completions/tsmem"; then
	ok
else
	bad "installed completion differs from $COMP"
fi
if (unset MAKEFLAGS MFLAGS MAKELEVEL; ${MAKE:-make} -s -o "$T" uninstall DESTDIR="$D" PREFIX=/usr BIN="$T") >"$W/uninst" 2>&1; then
	ok
else
	bad "make uninstall failed:"
	sed 's/^/    /' "$W/uninst" >&2
fi
left=$(find "$D" ! -type d | sed "s|^$D/||")
if [ -z "$left" ]; then ok; else bad "make uninstall left: $left"; fi

# ---- (e) the progress line --------------------------------------------------
# A slow pipe: half the dumps, a pause longer than the progress line's first
# delay (0.5 s), the rest.  On a terminal this draws the line; anywhere else
# stderr must hold the summary line only.
"$T" simulate --scenario leak --days 1 --interval 30 --format F3 -o "$W/sim.out" 2>/dev/null
size=$(wc -c <"$W/sim.out")
half=$((size / 2))
cat >"$W/slow.sh" <<EOF
head -c $half "$W/sim.out"; sleep 1; tail -c +$((half + 1)) "$W/sim.out"
EOF
sh "$W/slow.sh" | "$T" ingest -d "$W/p1.db" --host p1 2>"$W/p1.err"
if [ "$(wc -l <"$W/p1.err")" -eq 1 ] && grep -q '^tsmem: ingested 1 file, ' "$W/p1.err" &&
	! grep -q "$(printf '\r')" "$W/p1.err"; then
	ok
else
	bad "ingest with stderr in a file: expected the summary line only, got:"
	sed 's/^/    /' "$W/p1.err" >&2
fi
"$T" ingest -d "$W/p2.db" --host p2 "$W/sim.out" 2>"$W/p2.err"
if [ "$(wc -l <"$W/p2.err")" -eq 1 ] && ! grep -q "$(printf '\r')" "$W/p2.err"; then
	ok
else
	bad "ingest of a $size-byte file with stderr in a file: not just the summary line"
fi

# on a terminal, through script(1) from util-linux
if command -v script >/dev/null 2>&1 && script -qc true "$W/ts.probe" </dev/null >/dev/null 2>&1; then
	on_tty() { # typescript file, shell command
		script -qc "$2" "$1" </dev/null >/dev/null 2>&1
		tr '\r' '\n' <"$1" >"$1.lines"
	}
	on_tty "$W/t1" "sh '$W/slow.sh' | '$T' ingest -d '$W/t1.db' --host t1"
	if grep -q '^tsmem: <stdin>: .* dumps, .* MB/s$' "$W/t1.lines"; then
		ok
	else
		bad "ingest of a slow pipe on a terminal: no progress line:"
		sed 's/^/    /' "$W/t1.lines" | head -20 >&2
	fi
	if grep '^tsmem: <stdin>: ' "$W/t1.lines" | grep -q -e '%' -e 'ETA'; then
		bad "ingest of a pipe on a terminal: percent or ETA of an unknown size"
	else
		ok
	fi
	# cleared: the last progress line is followed by blanks, then the summary
	last=$(awk '/^tsmem: <stdin>: / { l = NR } END { print l + 0 }' "$W/t1.lines")
	if [ "$last" -gt 0 ] && sed -n "$((last + 1))p" "$W/t1.lines" | grep -q '^ \{10,\}$' &&
		sed -n "$((last + 2))p" "$W/t1.lines" | grep -q '^tsmem: ingested 1 file'; then
		ok
	else
		bad "progress line not cleared before the summary:"
		sed 's/^/    /' "$W/t1.lines" | tail -5 >&2
	fi
	on_tty "$W/t2" "sh '$W/slow.sh' | '$T' ingest -q -d '$W/t2.db' --host t2"
	if grep -q 'MB/s' "$W/t2.lines"; then bad "ingest --quiet on a terminal shows a progress line"; else ok; fi
	on_tty "$W/t3" "sh '$W/slow.sh' | '$T' inspect -"
	if grep -q 'MB/s' "$W/t3.lines"; then bad "inspect on a terminal shows a progress line"; else ok; fi
else
	skip "script(1) from util-linux not available: progress on a terminal not tested"
fi

if [ "$fail" -ne 0 ]; then
	echo "docs_cli.sh: $fail of $n checks failed" >&2
	exit 1
fi
echo "docs_cli.sh: $n checks passed" >&2
exit 0
