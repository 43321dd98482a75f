#!/usr/bin/env bash
# tests/posix/fetch-build.sh: fetch the Open POSIX Test Suite (Debian's
# source package `posixtestsuite`) into build/posix/ and build, as static
# glibc programs, the conformance/interfaces tests of issue 5's families
# that a single process can run. Run by tests/posix/run.sh; cached: a
# second run with the same source, script and compiler only prints the
# summary.
#
# Which tests (the suite's own conventions, from its Makefile and
# locate-test): conformance/interfaces/FAMILY/[speculative/]N-M.c without
# "buildonly" in the name, for the families pthread_*, sem_*, clock_*,
# timer_*, nanosleep and sig* (the N-M.sh files only echo "tested
# implicitly" and are not built). Each is compiled with the suite's CFLAGS,
# INCLUDE and LDFLAGS file (-g -O2 -Wall -D_POSIX_C_SOURCE=200112L
# -std=gnu99 -Iinclude -D_GNU_SOURCE -lpthread -lrt) plus -static, and
# without the suite's -Werror: GCC 12 warns about the deprecated sighold(3)
# family and a few sloppy tests, which the suite would count as build
# failures. A test is excluded, with the reason in excluded.tsv, when:
#   - it does not compile or link;
#   - its object has no main (the suite's "build only" tests);
#   - its object calls fork, vfork, _Fork, clone, clone3, the exec family,
#     system, popen, posix_spawn[p], daemon, wait, waitpid, wait3, wait4 or
#     waitid: it makes or waits for another process (decided on the
#     object's undefined symbols, so the framework files a test #includes
#     count too; a grep of the sources for "NAME(" finds the same tests);
#   - it calls clock_settime, settimeofday, stime, adjtime, adjtimex,
#     clock_adjtime or ntp_adjtime: run natively as root it would set the
#     host's clock. BOTHY_POSIX_SET_CLOCK=1 keeps them (a throwaway CI
#     machine; the tests put the clock back when they pass).
#
# Writes build/posix/: src/ (apt-get source), obj/, bin/FAMILY/[...]/N-M,
# selected.txt (one test name per line, "pthread_create/1-1"), excluded.tsv
# (NAME<TAB>REASON), build.log (compiler output) and stamp.
#
# With --interfaces it only fetches and prints the interfaces (directory
# names) of the families, one per line.
#
# Needs deb-src entries for apt-get source: scripts/install-deps.sh
# --with-sources adds them (.ci/run does). Environment: BOTHY_TEST_JOBS
# (parallel compilers, default the number of CPUs), BOTHY_POSIX_SET_CLOCK.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
P=$ROOT/build/posix
JOBS=${BOTHY_TEST_JOBS:-$(nproc)}
SET_CLOCK=${BOTHY_POSIX_SET_CLOCK:-0}
FAMILIES='pthread_* sem_* clock_* timer_* nanosleep sig*'
PROCESS_SYMS='fork|vfork|_Fork|clone|clone3|execl|execle|execlp|execv|execve|execvp|execvpe|fexecve|system|popen|posix_spawn|posix_spawnp|daemon|wait|waitpid|wait3|wait4|waitid'
CLOCK_SYMS='clock_settime|settimeofday|stime|adjtime|adjtimex|clock_adjtime|ntp_adjtime'

die() {
	echo "tests/posix/fetch-build.sh: $*" >&2
	exit 2
}

# fetch: the unpacked source (patched by dpkg-source) in $P/src, once.
fetch() {
	local tmp
	compgen -G "$P/src/posixtestsuite-*/include/posixtest.h" >/dev/null && return 0
	command -v apt-get >/dev/null || die "apt-get is missing: cannot fetch posixtestsuite"
	rm -rf -- "$P/src" "$P/src.tmp"
	tmp=$P/src.tmp
	mkdir -p "$tmp"
	if ! (cd "$tmp" && apt-get source -q posixtestsuite) >"$P/fetch.log" 2>&1; then
		tail -n 5 "$P/fetch.log" >&2
		die "apt-get source posixtestsuite failed (no deb-src entries? run scripts/install-deps.sh --with-sources)"
	fi
	compgen -G "$tmp/posixtestsuite-*/include/posixtest.h" >/dev/null ||
		die "apt-get source gave no posixtestsuite-*/include/posixtest.h"
	mv -- "$tmp" "$P/src"
}

# suite_ldflags SRC: the suite's LDFLAGS file without its comment lines, as
# its Makefile reads it.
suite_ldflags() {
	grep -v '^#' "$1/LDFLAGS" | tr '\n' ' '
}

# build_one SRC NAME: compile, check and link conformance/interfaces/NAME.c;
# writes obj/NAME.sel: "run", or "skip<TAB>REASON".
build_one() {
	local src=$1 name=$2 o=$P/obj/$2 syms found
	local -a cflags ldflags
	read -r -a ldflags <<<"$SUITE_LDFLAGS"
	cflags=(-g -O2 -Wall -D_POSIX_C_SOURCE=200112L -std=gnu99 -I"$src/include")
	{
		echo "== $name"
		gcc "${cflags[@]}" -c "$src/conformance/interfaces/$name.c" -o "$o.o" "${ldflags[@]}" 2>&1
	} >"$o.log" || {
		printf 'skip\tdoes not compile\n' >"$o.sel"
		return 0
	}
	syms=$(nm "$o.o")
	if ! grep -q ' T main$' <<<"$syms"; then
		printf 'skip\tno main (build only)\n' >"$o.sel"
		return 0
	fi
	found=$(awk '$1 == "U" { print $2 }' <<<"$syms" | { grep -xE "$PROCESS_SYMS" || true; } | sort -u | tr '\n' ' ')
	if [[ -n $found ]]; then
		printf 'skip\tmakes or waits for processes: %s\n' "${found% }" >"$o.sel"
		return 0
	fi
	found=$(awk '$1 == "U" { print $2 }' <<<"$syms" | { grep -xE "$CLOCK_SYMS" || true; } | sort -u | tr '\n' ' ')
	if [[ -n $found && $SET_CLOCK != 1 ]]; then
		printf 'skip\tsets the clock (BOTHY_POSIX_SET_CLOCK=1 runs it): %s\n' "${found% }" >"$o.sel"
		return 0
	fi
	if ! gcc "${cflags[@]}" -static "$o.o" -o "$P/bin/$name" "${ldflags[@]}" >>"$o.log" 2>&1; then
		printf 'skip\tdoes not link\n' >"$o.sel"
		return 0
	fi
	echo run >"$o.sel"
}

# candidates SRC: the names (FAMILY/[DIR/]N-M) of the suite's executable
# tests in our families, sorted.
candidates() {
	local fam
	(
		cd "$1/conformance/interfaces"
		# shellcheck disable=SC2086 # FAMILIES are globs
		for fam in $FAMILIES; do
			[[ -d $fam ]] || continue
			find "$fam" -type f -name '[0-9]*-[0-9]*.c' ! -name '*buildonly*'
		done
	) | sed 's/\.c$//' | sort
}

# summary: one line, what build/posix holds.
summary() {
	local n x
	n=$(wc -l <"$P/selected.txt")
	x=$(cut -f2 "$P/excluded.tsv" | sed 's/:.*//; s/ (.*//' | sort | uniq -c |
		awk '{ c = $1; $1 = ""; printf "%s%s %d", sep, substr($0, 2), c; sep = ", " }')
	echo "posix: $n tests selected in build/posix/bin, $(wc -l <"$P/excluded.tsv") excluded (${x:-none}; build/posix/excluded.tsv)"
}

mkdir -p "$P"
exec 9>"$P/lock"
flock 9
fetch
SRC=$(compgen -G "$P/src/posixtestsuite-*/include/posixtest.h")
SRC=${SRC%/include/posixtest.h}
if [[ ${1:-} == --interfaces ]]; then
	(
		cd "$SRC/conformance/interfaces"
		# shellcheck disable=SC2086 # FAMILIES are globs
		for fam in $FAMILIES; do
			if [[ -d $fam ]]; then echo "$fam"; fi
		done
	)
	exit 0
fi
# What the build depends on: the source's version, the compiler, and the
# code and lists that choose and build the tests (not this file's comments).
KEY=$( {
	basename "$SRC"
	gcc --version | head -n 1
	declare -f build_one candidates
	echo "$FAMILIES $PROCESS_SYMS $CLOCK_SYMS $SET_CLOCK"
} | sha256sum | cut -d' ' -f1)
if [[ -f $P/stamp && $(<"$P/stamp") == "$KEY" && -f $P/selected.txt && -f $P/excluded.tsv ]]; then
	summary
	exit 0
fi
rm -rf -- "${P:?}/obj" "${P:?}/bin" "$P/stamp" "$P/selected.txt" "$P/excluded.tsv"
mkdir -p "$P/obj" "$P/bin"
SUITE_LDFLAGS=$(suite_ldflags "$SRC")
export -f build_one
export P SET_CLOCK PROCESS_SYMS CLOCK_SYMS SUITE_LDFLAGS
START=$SECONDS
candidates "$SRC" >"$P/candidates.txt"
[[ -s $P/candidates.txt ]] || die "no tests found under $SRC/conformance/interfaces"
sed 's|/[^/]*$||' "$P/candidates.txt" | sort -u | (cd "$P" && sed 's|^|obj/|; p; s|^obj/|bin/|' | xargs mkdir -p)
# shellcheck disable=SC2016 # $1 and $2 are the inner bash's
xargs -a "$P/candidates.txt" -P "$JOBS" -I{} bash -c 'build_one "$1" "$2"' _ "$SRC" {}
: >"$P/selected.txt"
: >"$P/excluded.tsv"
: >"$P/build.log"
while IFS= read -r name; do
	[[ -f $P/obj/$name.sel ]] || die "no build result for $name"
	sel=$(<"$P/obj/$name.sel")
	if [[ $sel == run ]]; then
		echo "$name" >>"$P/selected.txt"
	else
		printf '%s\t%s\n' "$name" "${sel#skip$'\t'}" >>"$P/excluded.tsv"
	fi
	cat -- "$P/obj/$name.log" >>"$P/build.log"
done <"$P/candidates.txt"
[[ -s $P/selected.txt ]] || die "no test was built; see $P/build.log"
echo "$KEY" >"$P/stamp"
echo "posix: built in $((SECONDS - START)) s with $JOBS jobs"
summary
