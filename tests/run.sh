#!/usr/bin/env bash
# tests/run.sh: the whole test suite (`make test` runs it after building).
#
#  1. builds the guest test programs (tests/guest/*.c) into build/tests/,
#     static with musl and with glibc, and as static PIEs;
#  2. runs the host unit tests (tests/unit/run.sh, when present);
#  3. runs every case natively (twice, to catch tests that are not
#     deterministic) and under bothy with each backend (kvm, qemu), and
#     compares stdout and exit status; fault cases also need bothy's one
#     stderr line naming the signal; bad programs and bad command lines
#     must be refused with 126/127/125 and one "bothy: " line; file-system
#     cases on a shared host directory also compare the tree it holds
#     afterwards (tests/lib/fs.sh);
#  4. runs the scripts tests/fs/*.sh (kvm only: escapes from a share,
#     durability after kill -9) and tests/dynamic/*.sh (dynamic programs
#     built here, the default view, address randomisation) and
#     tests/docs/*.sh (the man page and README name every option), each
#     printing its own result lines.
#
# Prints one line per case, "PASS|FAIL|SKIP  BACKEND  VARIANT/CASE", with
# details under a failure, and ends with exactly one line
# "N passed, N failed, N skipped". Exits 1 if anything failed.
#
# Environment (all optional):
#   BOTHY_TEST_BACKENDS  backends to run (default "kvm qemu"); "native" judges
#                        only the tests themselves (two native runs agree, no
#                        check FAILED), without running bothy
#   BOTHY_TEST_FILTER    extended regex; only cases whose "BACKEND VARIANT/CASE"
#                        matches run (the others are not counted)
#   BOTHY_TEST_JOBS      parallel jobs (default: the number of CPUs)
#   BOTHY_TEST_VARIANTS  guest program variants (default
#                        "musl glibc musl-pie glibc-pie")
#   BOTHY                the bothy binary (default build/bothy)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/build/tests
RESULTS_DIR=$OUT/results
BOTHY=${BOTHY:-$ROOT/build/bothy}
BACKENDS=${BOTHY_TEST_BACKENDS:-kvm qemu}
FILTER=${BOTHY_TEST_FILTER:-}
JOBS=${BOTHY_TEST_JOBS:-$(nproc)}
# Every guest case runs in every variant under every backend: a QEMU run
# takes about 0.2 s, so the whole matrix stays around three minutes.
read -r -a VARIANTS <<<"${BOTHY_TEST_VARIANTS:-musl glibc musl-pie glibc-pie}"

. "$ROOT/tests/lib/common.sh"
. "$ROOT/tests/lib/cases.sh"
. "$ROOT/tests/lib/build.sh"
. "$ROOT/tests/lib/check.sh"
. "$ROOT/tests/lib/bad.sh"
. "$ROOT/tests/lib/fs.sh"

START=$SECONDS
[[ -x $BOTHY ]] || die "$BOTHY is missing: run make first"
rm -rf -- "$RESULTS_DIR" "$OUT/native"
mkdir -p "$RESULTS_DIR"

# wanted BACKEND ID: does the filter select this case?
wanted() {
	[[ -z $FILTER || "$1 $2" =~ $FILTER ]]
}

# has_backend NAME: is NAME among the backends to run?
has_backend() {
	[[ " $BACKENDS " == *" $1 "* ]]
}

# backend_missing BACKEND: why BACKEND cannot run here (empty if it can).
backend_missing() {
	case $1 in
	kvm)
		[[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]] ||
			echo "/dev/kvm is missing or not read/writable"
		;;
	qemu | native) ;;
	*) echo "unknown backend" ;;
	esac
}

# all_cases: every case as "VARIANT<TAB>PROG<TAB>SPEC", for the backends.
all_cases() {
	local src variant spec
	for src in "$ROOT"/tests/guest/*.c; do
		for variant in "${VARIANTS[@]}"; do
			while IFS= read -r spec; do
				parse_spec "$spec"
				in_variants "$variant" || continue
				printf '%s\t%s\t%s\n' "$variant" \
					"$OUT/$variant/$(basename "$src" .c)" "$spec"
			done < <(guest_specs "$src")
		done
	done
	for src in "$ROOT"/tests/cases/*.cases; do
		[[ -e $src ]] || continue
		while IFS= read -r spec; do
			printf 'busybox\t/bin/busybox\t%s\n' "$spec"
		done < <(file_specs "$src")
	done
	while IFS= read -r spec; do
		printf 'bad\t-\t%s\n' "$spec"
	done < <(make_bad_programs)
}

build_all() {
	local variant src
	for variant in "${VARIANTS[@]}"; do
		[[ -z $(variant_missing "$variant") ]] || continue
		mkdir -p "$OUT/$variant"
		for src in "$ROOT"/tests/guest/*.c; do
			pool_run build_job "$variant" "$src"
		done
	done
	pool_drain
}

# unit_job: a pool job running the host unit tests; one result line.
unit_job() {
	local log=$OUT/unit.log st=0
	if [[ ! -x $ROOT/tests/unit/run.sh ]]; then
		result SKIP host unit "tests/unit/run.sh is missing"
		return 0
	fi
	"$ROOT/tests/unit/run.sh" >"$log" 2>&1 || st=$?
	if ((st == 0)); then
		result PASS host unit "$(tail -n 1 "$log")"
	else
		result FAIL host unit "tests/unit/run.sh exited $st"
		detail_file "$log" 15
	fi
}

# wanted_anywhere VARIANT SPEC: will some backend run this case?
wanted_anywhere() {
	local backend
	parse_spec "$2"
	for backend in $BACKENDS; do
		runs_on "$backend" && wanted "$backend" "$1/$NAME" && return 0
	done
	return 1
}

# native_all CASES: the unit tests, and the reference runs for the cases
# that will be compared, in parallel.
native_all() {
	local variant prog spec
	if wanted host unit; then
		pool_run unit_job
	fi
	while IFS=$'\t' read -r variant prog spec; do
		[[ $variant == bad || -n $(variant_missing "$variant") ]] && continue
		wanted_anywhere "$variant" "$spec" || continue
		pool_run native_job - "$variant" "$prog" "$spec"
	done <<<"$1"
	pool_drain
}

# bothy_all CASES: every case in every backend, or a SKIP line.
bothy_all() {
	local backend variant prog spec why
	for backend in $BACKENDS; do
		why=$(backend_missing "$backend")
		while IFS=$'\t' read -r variant prog spec; do
			parse_spec "$spec"
			if ! runs_on "$backend" || ! wanted "$backend" "$variant/$NAME"; then
				continue
			fi
			if [[ -n $why || -n $(variant_missing "$variant") ]]; then
				now result SKIP "$backend" "$variant/$NAME" \
					"${why:-$(variant_missing "$variant")}"
				continue
			fi
			if [[ $backend == native ]]; then
				[[ $variant == bad ]] || now native_check_job "$variant" "$spec"
				continue
			fi
			pool_run bothy_job "$backend" "$variant" "$prog" "$spec"
		done <<<"$1"
	done
	if has_backend kvm || has_backend qemu; then # not for "native" alone
		while IFS= read -r spec; do
			parse_spec "$spec"
			wanted cli "cli/$NAME" || continue
			pool_run bothy_job cli cli - "$spec"
		done < <(cli_specs)
	fi
	pool_drain
}

# script_job SCRIPT: a pool job running one tests/*/*.sh script; its
# report has one result line per case of the script.
script_job() {
	local dir
	dir=$(basename "$(dirname "$1")")
	ROOT=$ROOT OUT=$OUT BOTHY=$BOTHY BOTHY_TEST_FILTER=$FILTER \
		KVM_MISSING=$(backend_missing kvm) bash "$1" 2>&1 ||
		result FAIL script "$dir/$(basename "$1" .sh)" "the script exited with status $?"
}

# scripts_all: the tests/fs/*.sh scripts (shares: the KVM monitor),
# tests/dynamic/*.sh (both backends; each case says which) and
# tests/docs/*.sh (the documentation against `bothy --help`) and
# tests/threads/*.sh (what reaches a program from the host),
# tests/net/*.sh (servers answered from the host through -p),
# tests/debug/*.sh (BOTHY_PROFILE) and
# tests/posix/run.sh (the Open POSIX Test Suite, natively and under kvm).
scripts_all() {
	local s
	has_backend kvm || has_backend qemu || return 0
	for s in "$ROOT"/tests/fs/*.sh "$ROOT"/tests/dynamic/*.sh "$ROOT"/tests/docs/*.sh \
		"$ROOT"/tests/threads/*.sh "$ROOT"/tests/net/*.sh "$ROOT"/tests/debug/*.sh "$ROOT"/tests/posix/run.sh; do
		[[ -e $s ]] && pool_run script_job "$s"
	done
	pool_drain
}

# phase NAME CMD...: run one phase of the suite and note how long it took.
PHASES=
phase() {
	local t=$SECONDS
	"${@:2}"
	PHASES+="${PHASES:+, }$1 $((SECONDS - t))"
}

make_inputs
fs_make_trees
FS_RO_MISSING=$(fs_ro_missing)
phase build build_all
((FAILED == 0)) || die "guest programs do not build"
CASES=$(all_cases)
fs_make_initrds "$CASES"
phase unit+native native_all "$CASES"
phase bothy bothy_all "$CASES"
phase scripts scripts_all

echo "time: $((SECONDS - START)) s ($PHASES)"
if ((FAILED)); then
	echo "failed:"
	printf '  %s\n' "${FAILURES[@]}"
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
