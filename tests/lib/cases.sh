# shellcheck shell=bash disable=SC2034 # parse_spec's variables are read by the callers
# Test cases: where they come from and how a case line reads.
# Sourced by tests/run.sh. Expects ROOT and OUT.
#
# A case line (in a tests/guest/*.c file as "// case: ...", or in a
# tests/cases/*.cases file as "case: ...") is bash words:
#   NAME [stdin=INPUT] [env=KEY=VALUE]... [kind=normal|fault|bad|cli]
#        [expect=STATUS] [min_ms=MILLISECONDS] [-- ARGS...]
# INPUT is one of the files make_inputs writes (none = /dev/null).
# min_ms: the run must last at least this long in the host's time (for
# tests that sleep: catches a guest clock that runs fast).
# The line is evaluated by bash each time the case runs, so $(date +%s)
# in ARGS gives each run the host's time of that moment.

# parse_spec LINE: set NAME, STDIN, KIND, EXPECT, MIN_MS, ENVS (array),
# ARGS (array).
parse_spec() {
	local -a w
	local i=1
	eval "w=($1)"
	NAME=${w[0]}
	STDIN=none KIND=normal EXPECT='' MIN_MS=0
	ENVS=() ARGS=()
	while ((i < ${#w[@]})); do
		case ${w[i]} in
		--)
			ARGS=("${w[@]:i+1}")
			break
			;;
		stdin=*) STDIN=${w[i]#stdin=} ;;
		env=*) ENVS+=("${w[i]#env=}") ;;
		kind=*) KIND=${w[i]#kind=} ;;
		expect=*) EXPECT=${w[i]#expect=} ;;
		min_ms=*) MIN_MS=${w[i]#min_ms=} ;;
		*) die "case '$NAME': unknown option '${w[i]}'" ;;
		esac
		i=$((i + 1))
	done
}

# guest_specs SOURCE: the case lines of one guest program; a program
# without any runs once, with no arguments, under its own name.
guest_specs() {
	local lines
	lines=$(sed -n 's|^// case: ||p' "$1")
	if [[ -n $lines ]]; then
		printf '%s\n' "$lines"
	else
		basename "$1" .c
	fi
}

# file_specs FILE: the case lines of a tests/cases/*.cases file.
file_specs() {
	sed -n 's|^case: ||p' "$1"
}

# make_inputs: the stdin files that cases name with stdin=.
make_inputs() {
	local d=$OUT/inputs
	mkdir -p "$d"
	: >"$d/empty"
	seq 1 1000 >"$d/seq1000"
	seq 1 100000 >"$d/big"
	awk 'BEGIN {
		for (i = 1; i <= 3000; i++)
			printf "Word%02d %s line, the quick brown fox %d\n",
				int(i / 3) % 17, (i % 5 == 0 ? "alpha" : "Beta"), int(i / 7) % 11
	}' >"$d/text"
}

# input_path INPUT: the file to feed on stdin.
input_path() {
	if [[ $1 == none ]]; then
		echo /dev/null
	elif [[ -f $OUT/inputs/$1 ]]; then
		echo "$OUT/inputs/$1"
	else
		die "unknown stdin input '$1' (see make_inputs in tests/lib/cases.sh)"
	fi
}
