#!/bin/bash
# Builds the host unit tests into build/unit/ and runs them.
#
# Each tests/unit/test_NAME.c is one binary, compiled under AddressSanitizer
# and UBSan with tests/unit/test.c and the sources it tests, which it names
# on a line of its own:
#   /* unit-test-sources: kernel/lib/elf.c */
# (or, for files without that line yet, in DEPS below), and any extra
# compiler flags it needs on another, e.g. to see the kernel's headers
# after the host's:
#   /* unit-test-cflags: -idirafter kernel/include */
# A binary prints one
# line per case (see test.h); this script prints one line per binary, the
# failing checks of any binary that failed, and last a line
# "N passed, N failed" counting cases. Exit status 1 if anything failed.
set -euo pipefail

cd "$(dirname "$0")/../.."
B=build/unit
F=$B/fixtures
CC=${HOSTCC:-gcc}
CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
	"-fsanitize=address,undefined" -fno-sanitize-recover=all
	-Iinclude -Ikernel/lib -Imonitor -Itests/unit)

# The sources a test names on its unit-test-sources line.
sources_of() {
	sed -n 's|^/\* unit-test-sources: *\(.*[^ ]\) *\*/$|\1|p' "$1" | head -n 1
}

# The extra compiler flags a test names on its unit-test-cflags line.
cflags_of() {
	sed -n 's|^/\* unit-test-cflags: *\(.*[^ ]\) *\*/$|\1|p' "$1" | head -n 1
}

# Runs a command that builds a required fixture; a failure is reported and
# counted, and the tests that need the fixture fail.
fixture_failed=0
need() {
	if ! "$@"; then
		echo "FAIL fixtures: $*"
		fixture_failed=1
	fi
}

# The ELF fixtures: real executables built from one small program.
build_fixtures() {
	local src=tests/unit/fixtures/prog.c musl=/usr/lib/x86_64-linux-musl
	rm -rf "$F"
	mkdir -p "$F"
	need musl-gcc -static -O1 -o "$F/musl-static" "$src"
	# Debian's musl-gcc.specs ignores -static-pie; link rcrt1.o by hand.
	need musl-gcc -O1 -fPIE -nostartfiles -Wl,-static,-pie,--no-dynamic-linker,-z,text \
		-o "$F/musl-static-pie" "$musl/rcrt1.o" "$musl/crti.o" \
		"$($CC -print-file-name=crtbeginS.o)" "$src" \
		"$($CC -print-file-name=crtendS.o)" "$musl/crtn.o"
	need "$CC" -static -O1 -o "$F/glibc-static" "$src"
	need "$CC" -static-pie -O1 -o "$F/glibc-static-pie" "$src"
	need "$CC" -O1 -o "$F/glibc-dynamic" "$src"
	need "$CC" -no-pie -O1 -o "$F/glibc-nopie" "$src"
	need "$CC" -O1 -c -o "$F/prog.o" "$src"
	# Optional: a real 32-bit executable (no 32-bit libc needed) and an
	# aarch64 one; the tests that use them are skipped when absent.
	if $CC -m32 -O1 -c -o "$F/prog32.o" "$src" 2>/dev/null; then
		ld -m elf_i386 -e main -o "$F/elf32" "$F/prog32.o" 2>/dev/null || true
	fi
	if command -v aarch64-linux-gnu-gcc >/dev/null; then
		aarch64-linux-gnu-gcc -static -O1 -o "$F/aarch64-static" "$src" 2>/dev/null || true
	fi
}

mkdir -p "$B"
rm -rf "$B"/tmp.*
build_fixtures

passed=0 failed=$fixture_failed status=$fixture_failed
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	name=${name#test_}
	bin=$B/test_$name log=$B/test_$name.log
	rc=0
	read -r -a deps <<<"$(sources_of "$src" "$name")"
	read -r -a extra <<<"$(cflags_of "$src")"
	if ! $CC "${CFLAGS[@]}" "${extra[@]}" -o "$bin" "$src" tests/unit/test.c "${deps[@]}" 2>"$log"; then
		echo "FAIL $name: does not compile"
		sed 's/^/    /' "$log" | head -40
		failed=$((failed + 1)) status=1
		continue
	fi
	ASAN_OPTIONS=detect_leaks=1 timeout 600 "$bin" "$B" >"$log" 2>&1 || rc=$?
	ok=$(grep -c '^ok ' "$log" || true)
	bad=$(grep -c '^FAIL ' "$log" || true)
	skip=$(grep -c '^skip ' "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # it crashed, timed out or a sanitizer stopped it: one case
	fi
	passed=$((passed + ok)) failed=$((failed + bad))
	if [ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]; then
		line="PASS $name: $ok cases"
		if [ "$skip" -gt 0 ]; then
			line+=" ($skip skipped)"
		fi
		echo "$line"
		grep '^skip ' "$log" | sed 's/^/    /' || true
	else
		status=1
		echo "FAIL $name: $bad of $((ok + bad)) cases failed (exit $rc), log $log"
		grep -v -e '^ok ' -e '^skip ' "$log" | sed 's/^/    /' | head -40
	fi
done
echo "$passed passed, $failed failed"
exit $status
