# shellcheck shell=bash disable=SC2034 # parse_spec's variables are read by the callers
# Test cases: where they come from and how a case line reads.
# Sourced by tests/run.sh. Expects ROOT and OUT.
#
# A case line (in a tests/guest/*.c file as "// case: ...", or in a
# tests/cases/*.cases file as "case: ...") is bash words:
#   NAME [stdin=INPUT] [env=KEY=VALUE]... [kind=normal|fault|bad|cli]
#        [expect=STATUS] [min_ms=MILLISECONDS] [timeout=SECONDS]
#        [variants=V1,V2...] [cpus=N]
#        [share=GUESTDIR[:ro] | initrd=GUESTDIR] [tree=NAME]
#        [out=sorted|tar] [err=same] [prog=PATH] [vol=HOST:GUEST]... [root=DIR]
#        [-- ARGS...]
# INPUT is one of the files make_inputs writes (none = /dev/null).
# min_ms: the run must last at least this long in the host's time (for
# tests that sleep: catches a guest clock that runs fast).
# timeout: seconds a bothy run may take (default: 30 with kvm, 60 with
# qemu), for a case known to be slow.
# variants: build variants to run a guest program in (default: all).
# cpus: bothy run --cpus N (virtual CPUs, every backend); natively nothing
# changes (the program gets the host's CPUs).
# expect: the exit status of a bad program or command line (kind=bad|cli);
# on a normal case, the status the native run must end with (a test that
# must end the process with a given status, e.g. from another thread).
# share, initrd, tree, out, err: file-system cases, see tests/lib/fs.sh.
# prog: run this host program instead of the case's own (a *.cases file's
# default is /bin/busybox), e.g. a dynamically linked Debian binary.
# vol: a host directory the program sees at the same path under bothy
# (-v HOST:GUEST, read-only); natively the host's own is there. Like
# share=, it needs the KVM monitor.
# root: bothy run --root DIR (the host tree DIR, read-only, as the guest's
# root); natively the host's own root. Needs the KVM monitor.
# The line is evaluated by bash each time the case runs, so $(date +%s)
# in ARGS gives each run the host's time of that moment.

# parse_spec LINE: set NAME, STDIN, KIND, EXPECT, MIN_MS, TIMEOUT, ONLY_VARIANTS,
# CPUS, SHARE, INITRD, TREE, OUT_MODE, ERR_MODE, PROG, ENVS (array), VOLS (array),
# ARGS (array).
parse_spec() {
	local -a w
	local i=1
	eval "w=($1)"
	NAME=${w[0]}
	STDIN=none KIND=normal EXPECT='' MIN_MS=0 TIMEOUT='' ONLY_VARIANTS='' CPUS=''
	SHARE='' INITRD='' TREE='' OUT_MODE='' ERR_MODE='' PROG='' ROOTDIR=''
	ENVS=() ARGS=() VOLS=()
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
		timeout=*) TIMEOUT=${w[i]#timeout=} ;;
		variants=*) ONLY_VARIANTS=${w[i]#variants=} ;;
		cpus=*) CPUS=${w[i]#cpus=} ;;
		share=*) SHARE=${w[i]#share=} ;;
		initrd=*) INITRD=${w[i]#initrd=} ;;
		tree=*) TREE=${w[i]#tree=} ;;
		out=*) OUT_MODE=${w[i]#out=} ;;
		err=*) ERR_MODE=${w[i]#err=} ;;
		prog=*) PROG=${w[i]#prog=} ;;
		vol=*) VOLS+=("${w[i]#vol=}") ;;
		root=*) ROOTDIR=${w[i]#root=} ;;
		*) die "case '$NAME': unknown option '${w[i]}'" ;;
		esac
		i=$((i + 1))
	done
	[[ -z $SHARE || -z $INITRD ]] || die "case '$NAME': share= and initrd= together"
	[[ -z $INITRD || -n $TREE ]] || die "case '$NAME': initrd= needs tree="
	[[ -z $CPUS || $CPUS =~ ^[1-9][0-9]*$ ]] || die "case '$NAME': cpus= needs a number"
}

# in_variants VARIANT: does the parsed case run in this build variant?
in_variants() {
	[[ -z $ONLY_VARIANTS || ,$ONLY_VARIANTS, == *,"$1",* ]]
}

# runs_on BACKEND: does the parsed case run under BACKEND? A share needs
# the KVM monitor (it serves -v); "native" judges every case's native runs.
runs_on() {
	[[ (-z $SHARE && -z $ROOTDIR && ${#VOLS[@]} -eq 0) || $1 == kvm || $1 == native ]]
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
