# tsmem.bash - bash completion for tsmem(1).
#
# Installed by `make install` as $(PREFIX)/share/bash-completion/completions/tsmem;
# or source it from ~/.bashrc.  Completes the commands, each command's options
# (kept equal to `tsmem CMD --help` by tests/docs_cli.sh), the values of
# --format, --fail-on and --param, the scenarios of `tsmem simulate
# --list-scenarios`, host names for --host, and file names otherwise.
# Self-contained: does not need the bash-completion package.

_tsmem_commands='analyze ingest report sql simulate inspect'

_tsmem_opts_report='-d --db -H --host --format --allocator --all --since --until
	-o --output --fail-on --param --records -b --busy-timeout -h --help'
_tsmem_opts_analyze='-d --db -H --host --format --allocator --all --since --until
	-o --output --fail-on --param --records -i --interval -a --anchor -y --year
	-b --busy-timeout -q --quiet --whole-host -h --help'
_tsmem_opts_ingest='-d --db -H --host -i --interval -a --anchor -y --year -f --follow
	--follow-exit-idle --retain -b --busy-timeout -q --quiet -h --help'
_tsmem_opts_sql='-d --db --format -h --help'
_tsmem_opts_simulate='--scenario --days --interval --format --seed --host --threads
	--noise --burstiness --sigusr1 --debug-lines --truncate --jemalloc --start
	-o --output --truth --list-scenarios --help'
_tsmem_opts_inspect='-i --interval -a --anchor -y --year -h --help'

# Complete file names into COMPREPLY.
_tsmem_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# COMPREPLY = the words of $1 that start with $2.
_tsmem_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# Complete the value of option $3 of command $2 (program $1), word $4.
# Returns 1 if $3 takes no value.
_tsmem_value()
{
	local prog=$1 cmd=$2 prev=$3 cur=$4 opts
	case $prev in
	--format)
		case $cmd in
		sql) opts='table csv json' ;;
		simulate) opts='F1 F2 F3 F4 baseline' ;;
		*) opts='text json html openmetrics' ;;
		esac
		_tsmem_words "$opts" "$cur"
		;;
	--scenario)
		opts=$("$prog" simulate --list-scenarios 2>/dev/null | awk '{ print $1 }')
		[ -n "$opts" ] || opts='plateau diurnal cache-fill leak leak-stepped leak-loadprop churn restarts'
		_tsmem_words "$opts" "$cur"
		;;
	--fail-on)
		_tsmem_words 'leak churn leak,churn' "$cur"
		;;
	--param)
		opts=$("$prog" report --help 2>/dev/null |
			awk '/^Classifier parameters/ { p = 1; next } p && /^  [a-z_]+ / { print $1 "=" }')
		compopt -o nospace 2>/dev/null
		_tsmem_words "$opts" "$cur"
		;;
	-H | --host)
		mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
		;;
	-d | --db | -o | --output | --truth | --records)
		_tsmem_files "$cur"
		;;
	-i | --interval | -a | --anchor | -y | --year | -b | --busy-timeout | --follow-exit-idle | --retain | \
		--allocator | --since | --until | --days | --seed | --threads | --noise | --burstiness | \
		--sigusr1 | --start)
		;;
	*)
		return 1
		;;
	esac
	return 0
}

_tsmem()
{
	local cur prev cmd opts prog pre=
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	if [ "$COMP_CWORD" -gt 0 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	# --opt=value: split by COMP_WORDBREAKS into "--opt" "=" "value", or one word
	if [ "$cur" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		pre=$prev=
		cur=${cur#*=}
	fi
	COMPREPLY=()
	prog=${COMP_WORDS[0]:-tsmem}

	if [ "$COMP_CWORD" -le 1 ]; then
		_tsmem_words "$_tsmem_commands --help --version" "$cur"
		return 0
	fi
	cmd=${COMP_WORDS[1]}
	case $cmd in
	analyze | ingest | report | sql | simulate | inspect) ;;
	*) return 0 ;;
	esac

	# the value of an option
	if _tsmem_value "$prog" "$cmd" "$prev" "$cur"; then
		[ -z "$pre" ] || COMPREPLY=("${COMPREPLY[@]/#/$pre}")
		return 0
	fi

	if [[ $cur == -* ]]; then
		case $cmd in
		analyze) opts=$_tsmem_opts_analyze ;;
		ingest) opts=$_tsmem_opts_ingest ;;
		report) opts=$_tsmem_opts_report ;;
		sql) opts=$_tsmem_opts_sql ;;
		simulate) opts=$_tsmem_opts_simulate ;;
		inspect) opts=$_tsmem_opts_inspect ;;
		esac
		_tsmem_words "$opts" "$cur"
		return 0
	fi

	# operands
	case $cmd in
	analyze | ingest | inspect) _tsmem_files "$cur" ;;
	esac
	return 0
}

complete -F _tsmem tsmem
