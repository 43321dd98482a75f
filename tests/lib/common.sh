# shellcheck shell=bash
# Shared helpers of tests/run.sh: messages, result lines and the job pool.
# Sourced, not run. Expects JOBS and RESULTS_DIR to be set by the caller.

# die MESSAGE...: print "tests/run.sh: MESSAGE" on stderr and exit 2.
die() {
	echo "tests/run.sh: $*" >&2
	exit 2
}

# result VERDICT BACKEND ID [NOTE]: the one summary line of a case
# (VERDICT is PASS, FAIL or SKIP). Details follow as "    " lines.
result() {
	local note=${4:+  ($4)}
	printf '%-4s  %-5s  %s%s\n' "$1" "$2" "$3" "$note"
}

# detail TEXT...: an indented detail line under a result line.
detail() {
	printf '    %s\n' "$*"
}

# verdict BACKEND ID PROBLEMS: PASS when PROBLEMS is empty, else FAIL with
# each of its lines as a detail. Returns 0 for PASS, 1 for FAIL.
verdict() {
	local line
	if [[ -z $3 ]]; then
		result PASS "$1" "$2"
		return 0
	fi
	result FAIL "$1" "$2"
	while IFS= read -r line; do
		detail "$line"
	done <<<"$3"
	return 1
}

# detail_file FILE LINES: the last LINES lines of FILE, indented; nothing
# when FILE is empty or missing.
detail_file() {
	[[ -s $1 ]] || return 0
	tail -n "$2" -- "$1" | cut -c1-200 | sed 's/^/    | /'
}

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()

# tally REPORT_FILE: print a finished job's report and count its verdicts
# (each line that starts with PASS, FAIL or SKIP: a job reports one case,
# a tests/fs script several; details are indented). A report without a
# verdict (a preparation job) is printed only if it says something.
tally() {
	local line
	[[ -s $1 ]] || return 0
	cat -- "$1"
	while IFS= read -r line; do
		case $line in
		PASS*) PASSED=$((PASSED + 1)) ;;
		SKIP*) SKIPPED=$((SKIPPED + 1)) ;;
		FAIL*)
			FAILED=$((FAILED + 1))
			FAILURES+=("$line")
			;;
		esac
	done <"$1"
}

# now CMD...: run CMD in the foreground and tally its report.
now() {
	local report=$RESULTS_DIR/report.now
	"$@" >"$report" 2>&1 || true
	tally "$report"
	rm -f -- "$report"
}

# The job pool: at most JOBS background jobs; each writes its report to a
# file, which tally prints when the job ends (so lines never interleave).
declare -A POOL=()
POOL_SEQ=0

# pool_run CMD...: run CMD in the background once a slot is free.
pool_run() {
	local report
	while ((${#POOL[@]} >= JOBS)); do
		pool_reap
	done
	POOL_SEQ=$((POOL_SEQ + 1))
	report=$RESULTS_DIR/report.$POOL_SEQ
	"$@" >"$report" 2>&1 &
	POOL[$!]=$report
}

# pool_reap: wait for one job to end and tally its report.
pool_reap() {
	local pid=
	wait -n -p pid "${!POOL[@]}" || true
	[[ -n $pid && -n ${POOL[$pid]:-} ]] || return 0
	tally "${POOL[$pid]}"
	rm -f -- "${POOL[$pid]}"
	unset "POOL[$pid]"
}

# pool_drain: wait for every job.
pool_drain() {
	while ((${#POOL[@]})); do
		pool_reap
	done
}
