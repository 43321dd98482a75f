#!/usr/bin/env bash
# tests/posix/run.sh: the Open POSIX Test Suite's conformance/interfaces
# tests for pthread_*, sem_*, clock_*, timer_*, nanosleep and sig* (issue
# 5), natively and under bothy; each test's own verdict (its exit status:
# PTS_PASS 0, PTS_FAIL 1, PTS_UNRESOLVED 2, PTS_UNSUPPORTED 4, PTS_UNTESTED
# 5, from the suite's include/posixtest.h) must be Linux's.
#
#   1. tests/posix/fetch-build.sh fetches the suite (apt-get source
#      posixtestsuite) and builds the tests that need no other process as
#      static glibc programs in build/posix/ (cached; build/posix/
#      excluded.tsv says what it left out and why);
#   2. each test runs natively BOTHY_POSIX_NATIVE_RUNS times (default 3),
#      one run after another; a test whose runs end differently is
#      timing-flaky on this machine and one that times out is hung: both
#      are left out, and listed in build/tests/posix/flaky.txt and hung.txt
#      (so are, without a run, the tests of tests/posix/known-flaky.txt,
#      which crash now and then on Linux);
#   3. each other test runs once under `bothy run --vmm BACKEND` for each
#      backend and must end with the native status.
# By default (what CI runs) the backend is kvm and the tests of
# tests/posix/slow.txt (a second or more natively: they sleep or wait for
# timeouts) are left out; BOTHY_POSIX_SLOW=1 runs them too, and
# BOTHY_POSIX_FULL=1 runs every test under kvm and qemu. The slow tests run
# in a second pool of BOTHY_POSIX_SLOW_JOBS next to the main pool of
# BOTHY_TEST_JOBS, slowest first in each.
#
# Prints one result line per interface and backend ("PASS|FAIL|SKIP
# BACKEND  posix/pthread_mutex_lock"; a FAIL lists the tests whose verdict
# differs), then the counts (also in build/tests/posix/summary.txt). In
# build/tests/posix/: mismatches-BACKEND.tsv (test, native verdict, bothy's
# verdict, the test's last line of output and bothy's first line), the
# native verdicts and times (native.tsv), and each run's output, status
# and time ({native/TEST/N,BACKEND/TEST}/{out,status,ms}).
# Standalone: `bash tests/posix/run.sh`; tests/run.sh can run it in its
# scripts phase.
#
# Environment (all optional):
#   BOTHY_POSIX_BACKENDS     backends (default "kvm"; "native" alone runs
#                            only the native side); when only
#                            BOTHY_TEST_BACKENDS is set, the default ones
#                            that it names
#   BOTHY_POSIX_FULL=1       backends "kvm qemu", and the slow tests
#   BOTHY_POSIX_SLOW=1       also the tests of tests/posix/slow.txt
#   BOTHY_POSIX_ONLY         extended regex on test names ("sem_wait/1-1",
#                            "timer_create/speculative/5-1"): only those
#   BOTHY_POSIX_ARGS         more options for `bothy run` ("--cpus 2")
#   BOTHY_POSIX_SLOW_JOBS    the slow pool's width (default 24)
#   BOTHY_POSIX_NATIVE_RUNS  native runs per test (default 3)
#   BOTHY_POSIX_TIMEOUT      seconds per run, native and kvm (default 60;
#                            qemu gets twice that)
#   BOTHY_POSIX_SET_CLOCK=1  also the tests that set CLOCK_REALTIME (natively
#                            as root they set the host's clock)
#   BOTHY_TEST_FILTER        regex on "BACKEND posix/INTERFACE", as in tests/run.sh
#   BOTHY_TEST_JOBS          the main pool's width (default: the number of CPUs)
# shellcheck disable=SC1091 # checked on its own
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

P=$ROOT/build/posix
T=$OUT/posix
JOBS=${BOTHY_TEST_JOBS:-$(nproc)}
SLOW_JOBS=${BOTHY_POSIX_SLOW_JOBS:-24}
RUN_SLOW=${BOTHY_POSIX_SLOW:-${BOTHY_POSIX_FULL:-0}}
read -r -a BOTHY_ARGS <<<"${BOTHY_POSIX_ARGS:-}"
RESULTS_DIR=$T/reports
ONLY=${BOTHY_POSIX_ONLY:-}
NATIVE_RUNS=${BOTHY_POSIX_NATIVE_RUNS:-3}
TIMEOUT=${BOTHY_POSIX_TIMEOUT:-60}
if [[ -n ${BOTHY_POSIX_BACKENDS:-} ]]; then
	BACKENDS=$BOTHY_POSIX_BACKENDS
else
	BACKENDS=kvm
	[[ ${BOTHY_POSIX_FULL:-0} == 1 ]] && BACKENDS="kvm qemu"
	if [[ -n ${BOTHY_TEST_BACKENDS:-} ]]; then
		BACKENDS=$(for b in $BACKENDS; do
			if [[ " $BOTHY_TEST_BACKENDS " == *" $b "* ]]; then echo "$b"; fi
		done | tr '\n' ' ')
	fi
fi
# The backends that can run here (a SKIP or FAIL line for the others);
# nothing to do when none can and "native" was not asked for.
RUNNABLE=''
for b in $BACKENDS; do
	case $b in
	native) ;;
	kvm | qemu)
		if [[ $b == kvm && -n $KVM_MISSING ]]; then
			result SKIP kvm posix "$KVM_MISSING"
		else
			RUNNABLE+="$b "
		fi
		;;
	*) result FAIL "$b" posix "unknown backend (kvm, qemu or native)" ;;
	esac
done
[[ -n $RUNNABLE || " $BACKENDS " == *" native "* ]] || exit 0

# verdict_name STATUS: the suite's word for an exit status (its Makefile's).
verdict_name() {
	case $1 in
	0) echo PASS ;;
	1) echo FAILED ;;
	2) echo UNRESOLVED ;;
	4) echo UNSUPPORTED ;;
	5) echo UNTESTED ;;
	124) echo HUNG ;;
	129 | 1[3-8][0-9] | 19[0-2]) echo "SIGNAL$(($1 - 128))" ;;
	*) echo "STATUS$1" ;;
	esac
}

# run_one DIR TIMEOUT CMD...: CMD under timeout with DIR as its cwd, stdin
# /dev/null and no core files; stdout and stderr into DIR/out, the status
# into DIR/status and the wall time in ms into DIR/ms.
run_one() {
	local dir=$1 limit=$2 st=0 t0 t1
	shift 2
	mkdir -p "$dir"
	t0=${EPOCHREALTIME/./}
	# (The braces' 2>/dev/null keeps bash's "Aborted" job notices quiet.)
	{ (
		cd "$dir" && ulimit -c 0 &&
			exec timeout -k 5 "$limit" "$@" </dev/null >"$dir/out" 2>&1
	); } 2>/dev/null || st=$?
	t1=${EPOCHREALTIME/./}
	echo "$st" >"$dir/status"
	echo $(((t1 - t0) / 1000)) >"$dir/ms"
}

# native_job TEST: the native runs of TEST, one after another, into
# native/TEST/N/; stops after a run that hangs.
native_job() {
	local i st
	for ((i = 1; i <= NATIVE_RUNS; i++)); do
		run_one "$T/native/$1/$i" "$TIMEOUT" "$P/bin/$1"
		read -r st <"$T/native/$1/$i/status"
		[[ $st != 124 ]] || break
	done
}

# bothy_job BACKEND TEST: TEST under bothy, into BACKEND/TEST/.
bothy_job() {
	local limit=$TIMEOUT
	[[ $1 == qemu ]] && limit=$((TIMEOUT * 2))
	run_one "$T/$1/$2" "$limit" "$BOTHY_COPY" run --vmm "$1" "${BOTHY_ARGS[@]}" "$P/bin/$2"
}

# slow_pool TESTS CMD...: CMD TEST for each test of the newline-separated
# TESTS, SLOW_JOBS at a time (run in the background: its own pool).
slow_pool() {
	local tests=$1 t RESULTS_DIR=$T/reports/slow JOBS=$SLOW_JOBS
	shift
	mkdir -p "$RESULTS_DIR"
	for t in $tests; do
		pool_run "$@" "$t"
	done
	pool_drain
}

# two_pools SLOW_TESTS FAST_TESTS CMD...: CMD TEST for each test of the
# newline-separated lists, the slow ones SLOW_JOBS at a time, the others
# JOBS at a time, both at once.
two_pools() {
	local slow=$1 fast=$2 t pid
	shift 2
	slow_pool "$slow" "$@" &
	pid=$!
	for t in $fast; do
		pool_run "$@" "$t"
	done
	pool_drain
	wait "$pid"
}

# wanted BACKEND INTERFACE: does BOTHY_TEST_FILTER select it?
wanted() {
	[[ -z ${BOTHY_TEST_FILTER:-} || "$1 posix/$2" =~ $BOTHY_TEST_FILTER ]]
}

# last_words FILE: the test's last line of output (where the suite's
# tests say why), and bothy's first line if it has one ("unsupported system
# call ..."); at most 200 characters.
last_words() {
	local l b
	l=$(grep -v -e '^bothy: ' -e '^[[:space:]]*$' "$1" | tail -n 1) || true
	b=$(grep -m 1 '^bothy: ' "$1") || true
	l=${l:0:140}${b:+ [${b:0:100}]}
	echo "${l:0:200}"
}

# count_verdicts: "N PASS, N FAILED, ..." of the statuses on stdin.
count_verdicts() {
	local s
	while read -r s; do verdict_name "$s"; done | sort | uniq -c | sort -rn |
		awk '{ printf "%s%d %s", sep, $1, $2; sep = ", " }'
}

# by_time TESTS: the newline-separated TESTS, slowest natively first.
by_time() {
	local t
	for t in $1; do
		echo "${NATIVE_MS[$t]:-0} $t"
	done | sort -rn | cut -d' ' -f2
}

# The interfaces some backend wants; nothing to build if none.
# (A filter that does not name posix, as tests/run.sh's for other tests,
# needs no source: no FAIL where apt-get source cannot work.)
if ! interfaces=$(bash "$ROOT/tests/posix/fetch-build.sh" --interfaces 2>&1); then
	[[ -n ${BOTHY_TEST_FILTER:-} && $BOTHY_TEST_FILTER != *posix* ]] && exit 0
	result FAIL script posix/build
	detail "$interfaces"
	exit 0
fi
declare -A WANTED_IF=()
for i in $interfaces; do
	for b in $BACKENDS; do
		wanted "$b" "$i" && WANTED_IF[$i]=1
	done
done
((${#WANTED_IF[@]})) || exit 0

rm -rf -- "$T"
mkdir -p "$RESULTS_DIR"
if ! build=$(bash "$ROOT/tests/posix/fetch-build.sh" 2>&1); then
	result FAIL script posix/build
	detail "$build"
	exit 0
fi
echo "$build" | tail -n 1

# list FILE: the test names of one of our lists, without the comments.
list() {
	sed 's/#.*//' "$1" | awk 'NF { print $1 }'
}

# The tests to run, split into the slow ones and the others.
declare -A SLOW=() KNOWN_FLAKY=() KNOWN_DIFF=()
# Tests whose verdict under bothy differs from Linux's for a reason written
# down there: reported, not failed; one that agrees again fails until it
# is taken off the list.
for t in $(list "$ROOT/tests/posix/known-differences.txt"); do
	KNOWN_DIFF[$t]=1
done
for t in $(list "$ROOT/tests/posix/slow.txt"); do
	SLOW[$t]=1
done
for t in $(list "$ROOT/tests/posix/known-flaky.txt"); do
	KNOWN_FLAKY[$t]=1
done
TESTS=() SLOW_TESTS='' FAST_TESTS='' N_SLOW_LEFT=0
: >"$T/flaky.txt"
while IFS= read -r t; do
	[[ -z $ONLY || $t =~ $ONLY ]] || continue
	[[ -n ${WANTED_IF[${t%%/*}]:-} ]] || continue
	if [[ -n ${KNOWN_FLAKY[$t]:-} ]]; then
		printf '%s\tlisted in tests/posix/known-flaky.txt\n' "$t" >>"$T/flaky.txt"
		continue
	fi
	if [[ -n ${SLOW[$t]:-} ]]; then
		if [[ $RUN_SLOW != 1 ]]; then
			N_SLOW_LEFT=$((N_SLOW_LEFT + 1))
			continue
		fi
		SLOW_TESTS+="$t"$'\n'
	else
		FAST_TESTS+="$t"$'\n'
	fi
	TESTS+=("$t")
done <"$P/selected.txt"
((${#TESTS[@]})) || { echo "posix: no test to run"; exit 0; }

# Native runs.
START=$SECONDS
two_pools "$SLOW_TESTS" "$FAST_TESTS" native_job
NATIVE_S=$((SECONDS - START))

# Judge the native runs: NATIVE (test -> status) of the stable ones.
declare -A NATIVE=() NATIVE_MS=()
: >"$T/hung.txt"
: >"$T/native.tsv"
for t in "${TESTS[@]}"; do
	sts=() ms=0 same=1
	for ((i = 1; i <= NATIVE_RUNS; i++)); do
		[[ -f $T/native/$t/$i/status ]] || break
		read -r st <"$T/native/$t/$i/status"
		read -r m <"$T/native/$t/$i/ms"
		sts+=("$st")
		[[ $st == "${sts[0]}" ]] || same=0
		((m > ms)) && ms=$m
	done
	if [[ ${sts[*]} == 124 ]]; then
		echo "$t" >>"$T/hung.txt"
	elif ((!same)); then
		printf '%s\t%s\n' "$t" "$(for s in "${sts[@]}"; do verdict_name "$s"; done | tr '\n' ' ')" >>"$T/flaky.txt"
	else
		NATIVE[$t]=${sts[0]}
		NATIVE_MS[$t]=$ms
		printf '%s\t%s\t%s\n' "$t" "$(verdict_name "${sts[0]}")" "$ms" >>"$T/native.tsv"
	fi
done

# Per family of issue 5: tests, stable ones, PASS among them.
declare -A G_N=() G_STABLE=() G_PASS=()
for t in "${TESTS[@]}"; do
	g=${t%%/*}
	case $g in
	pthread_* | sem_* | clock_* | timer_*) g="${g%%_*}_*" ;;
	sig*) g='sig*' ;;
	esac
	G_N[$g]=$((${G_N[$g]:-0} + 1))
	[[ -n ${NATIVE[$t]:-} ]] && G_STABLE[$g]=$((${G_STABLE[$g]:-0} + 1))
	[[ ${NATIVE[$t]:-} == 0 ]] && G_PASS[$g]=$((${G_PASS[$g]:-0} + 1))
done

{
	echo "posix: ${#TESTS[@]} tests run natively, $NATIVE_RUNS times each, in $NATIVE_S s" \
		"(pools of $JOBS and $SLOW_JOBS)$( ((N_SLOW_LEFT)) && echo ", $N_SLOW_LEFT slow ones left out (BOTHY_POSIX_SLOW=1 runs them)"):" \
		"$(for t in "${!NATIVE[@]}"; do echo "${NATIVE[$t]}"; done | count_verdicts);" \
		"$(wc -l <"$T/flaky.txt") flaky and $(wc -l <"$T/hung.txt") hung, left out" \
		"(build/tests/posix/flaky.txt, hung.txt)"
	for g in 'pthread_*' 'sem_*' 'clock_*' 'timer_*' nanosleep 'sig*'; do
		[[ -n ${G_N[$g]:-} ]] || continue
		echo "posix:   $g: ${G_N[$g]} tests, ${G_STABLE[$g]:-0} stable natively, ${G_PASS[$g]:-0} of them PASS"
	done
	true
} | tee "$T/summary.txt"

# Bothy, per backend. A copy of bothy, so that a rebuild meanwhile does not
# change it halfway.
BOTHY_COPY=$T/bothy
cp -- "$BOTHY" "$BOTHY_COPY"
for b in $RUNNABLE; do
	slow='' fast=''
	for t in $SLOW_TESTS; do
		[[ -n ${NATIVE[$t]:-} ]] && wanted "$b" "${t%%/*}" && slow+="$t"$'\n'
	done
	for t in $FAST_TESTS; do
		[[ -n ${NATIVE[$t]:-} ]] && wanted "$b" "${t%%/*}" && fast+="$t"$'\n'
	done
	START=$SECONDS
	two_pools "$(by_time "$slow")" "$(by_time "$fast")" bothy_job "$b"
	SPENT=$((SECONDS - START))

	# Judge, per interface.
	declare -A BAD=() COUNT=()
	: >"$T/mismatches-$b.tsv"
	match=0 mismatch=0 lost_pass=0 ran=0 known=0 statuses=
	for t in "${TESTS[@]}"; do
		[[ -f $T/$b/$t/status ]] || continue
		i=${t%%/*}
		ran=$((ran + 1))
		COUNT[$i]=$((${COUNT[$i]:-0} + 1))
		read -r got <"$T/$b/$t/status"
		statuses+="$got"$'\n'
		if [[ $got == "${NATIVE[$t]}" ]]; then
			match=$((match + 1))
			[[ -z ${KNOWN_DIFF[$t]:-} ]] ||
				BAD[$i]+="${t#"$i"/}: agrees with Linux now: take it off tests/posix/known-differences.txt"$'\n'
			continue
		fi
		if [[ -n ${KNOWN_DIFF[$t]:-} ]]; then
			known=$((known + 1))
			continue
		fi
		mismatch=$((mismatch + 1))
		[[ ${NATIVE[$t]} == 0 ]] && lost_pass=$((lost_pass + 1))
		line=$(last_words "$T/$b/$t/out")
		printf '%s\t%s\t%s\t%s\n' "$t" "$(verdict_name "${NATIVE[$t]}")" "$(verdict_name "$got")" \
			"$line" >>"$T/mismatches-$b.tsv"
		BAD[$i]+="${t#"$i"/}: native $(verdict_name "${NATIVE[$t]}"), bothy $(verdict_name "$got"): $line"$'\n'
	done
	for i in $(printf '%s\n' "${!COUNT[@]}" | sort); do
		problems=${BAD[$i]:-}
		if [[ -n $problems ]]; then
			n=$(grep -c . <<<"$problems")
			problems=$(head -n 8 <<<"$problems")
			((n <= 8)) || problems+=$'\n'"... $((n - 8)) more in build/tests/posix/mismatches-$b.tsv"
			problems="$n of ${COUNT[$i]} tests differ from native:"$'\n'"$problems"
		fi
		verdict "$b" "posix/$i" "$problems" || true
	done
	{
		echo "posix $b: $ran tests in $SPENT s: $match match, $mismatch differ," \
			"$known more differ as tests/posix/known-differences.txt says" \
			"($lost_pass of them PASS natively); bothy's verdicts:" \
			"$(printf '%s' "$statuses" | count_verdicts)"
		echo "posix $b: the mismatches are in build/tests/posix/mismatches-$b.tsv"
	} | tee -a "$T/summary.txt"
	unset BAD COUNT
done
