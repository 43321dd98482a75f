#!/usr/bin/env bash
# tests/dynamic/programs.sh: dynamically linked programs built here, run
# natively and under bothy (the KVM monitor and QEMU) with the default
# view, and the view itself. Run by tests/run.sh.
#   musl_* / glibc_*   guest programs of tests/guest linked against musl's
#                      and glibc's shared libc: stdout and status as native
#   origin_runpath     a private library found through DT_RUNPATH $ORIGIN,
#                      also with both under the host's /tmp
#   missing_library    its library is gone: ld.so's own message on stderr
#                      and its status 127, as native
#   nss                getpwuid/getpwnam/getgrgid answer from the generated
#                      /etc (the guest runs as root); id and df run cleanly
#   view               the guest's / holds only /dev, /etc, /proc, /sys,
#                      /tmp and what the program's closure needs; /etc
#                      holds the generated files
#   aslr               two runs of a PIE program place it, its heap (also
#                      relative to the program), its mappings and libc
#                      differently; --fixed-base twice gives the same
#                      addresses
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

D=$OUT/dynamic
SRC=$ROOT/tests/dynamic
CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$ROOT/tests/guest")

# build: every program of this script, into $D. Prints what failed.
build() {
	local p
	rm -rf -- "$D"
	mkdir -p "$D/bin" "$D/lib" "$D/missing"
	for p in hello malloc mremap args_env; do
		musl-gcc "${CFLAGS[@]}" -o "$D/musl_$p" "$ROOT/tests/guest/$p.c" ||
			echo "cannot build musl_$p"
		gcc "${CFLAGS[@]}" -o "$D/glibc_$p" "$ROOT/tests/guest/$p.c" ||
			echo "cannot build glibc_$p"
	done
	gcc "${CFLAGS[@]}" -fPIC -shared -o "$D/lib/libprivate.so" "$SRC/libprivate.c" &&
		gcc "${CFLAGS[@]}" -o "$D/bin/uses_private" "$SRC/uses_private.c" \
			-L"$D/lib" -lprivate -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags &&
		gcc "${CFLAGS[@]}" -fPIC -shared -o "$D/missing/libbothy-missing.so" \
			"$SRC/libprivate.c" -Wl,-soname,libbothy-missing.so &&
		gcc "${CFLAGS[@]}" -o "$D/needs_missing" "$SRC/uses_private.c" \
			-L"$D/missing" -l:libbothy-missing.so &&
		rm "$D/missing/libbothy-missing.so" || echo "cannot build the private-library programs"
	gcc "${CFLAGS[@]}" -fPIE -pie -o "$D/aslr" "$SRC/aslr.c" || echo "cannot build aslr"
	gcc "${CFLAGS[@]}" -o "$D/nss" "$SRC/nss.c" || echo "cannot build nss"
}

# run DIR CMD...: CMD's stdout, stderr (without bothy's own "bothy: "
# lines) and status into DIR/out, DIR/err, DIR/status.
run() {
	local dir=$1 st=0
	mkdir -p "$dir"
	timeout -k 5 120 "${@:2}" </dev/null >"$dir/out" 2>"$dir/err.raw" || st=$?
	grep -v '^bothy: ' "$dir/err.raw" >"$dir/err" || true
	echo "$st" >"$dir/status"
}

# same_as_native BACKEND NAME [stderr] PROG ARGS...: run PROG natively and
# under bothy; print what differs (stdout and status; stderr too with
# "stderr").
same_as_native() {
	local backend=$1 name=$2 err=0 f
	shift 2
	if [[ $1 == stderr ]]; then
		err=1
		shift
	fi
	run "$D/run/$name/native" env -i "$@"
	run "$D/run/$name/$backend" "$BOTHY" run --vmm "$backend" "$@"
	for f in status out $( ((err)) && echo err); do
		cmp -s "$D/run/$name/native/$f" "$D/run/$name/$backend/$f" && continue
		echo "$f differs from native's:"
		diff "$D/run/$name/native/$f" "$D/run/$name/$backend/$f" | head -n 8
		sed 's/^/  bothy stderr: /' "$D/run/$name/$backend/err.raw" | head -n 5
	done
}

# view BACKEND: the guest's / and /etc, against what the closure needs.
view() {
	local backend=$1 want got p
	run "$D/run/view/$backend" "$BOTHY" run --vmm "$backend" /bin/ls -1 / /etc
	# The first components of the interpreter's, the libraries' and the
	# program's paths, each also through the symlinks on its way.
	want=$( (
		printf '%s\n' dev etc proc sys tmp
		for p in $(ldd /bin/ls | grep -o '/[^ ]*') "$(readlink -f /bin/ls)"; do
			while [[ $p == /* ]]; do
				p=${p#/}
				echo "${p%%/*}"
				[[ -L /${p%%/*} ]] || break
				p=$(readlink "/${p%%/*}")
				[[ $p == /* ]] || p=/$p
			done
		done
	) | sort -u | tr '\n' ' ')
	got=$(sed -n '2,/^$/p' "$D/run/view/$backend/out" | grep -v '^$' | sort | tr '\n' ' ')
	[[ $got == "$want" ]] || echo "the guest's / has: $got; expected: $want"
	want="group hosts ld.so.cache $([[ -e /etc/localtime ]] && echo 'localtime ')mtab nsswitch.conf passwd resolv.conf "
	got=$(sed -n '/^\/etc:$/,$p' "$D/run/view/$backend/out" | tail -n +2 | tr '\n' ' ')
	[[ $got == "$want" ]] || echo "the guest's /etc has: $got; expected: $want"
	[[ $(<"$D/run/view/$backend/status") == 0 ]] ||
		echo "ls exited with $(<"$D/run/view/$backend/status"): $(head -n 3 "$D/run/view/$backend/err.raw")"
}

# nss BACKEND: the generated /etc answers NSS lookups; Debian's id(1)
# (getgroups too) and df(1) (/etc/mtab) work without a complaint.
nss() {
	local d=$D/run/nss/$1
	run "$d" "$BOTHY" run --vmm "$1" "$D/nss"
	printf 'uid 0 name root home /root\nnobody 65534\ngroup root\n' | cmp -s - "$d/out" ||
		echo "NSS answers: $(tr '\n' ';' <"$d/out") $(head -n 3 "$d/err.raw")"
	run "$d/id" "$BOTHY" run --vmm "$1" /usr/bin/id
	[[ $(<"$d/id/out") == "uid=0(root) gid=0(root) groups=0(root)" && ! -s $d/id/err.raw ]] ||
		echo "id says: $(<"$d/id/out") $(head -n 2 "$d/id/err.raw")"
	run "$d/df" "$BOTHY" run --vmm "$1" /bin/df /
	[[ $(<"$d/df/status") == 0 && ! -s $d/df/err.raw && $(wc -l <"$d/df/out") == 2 ]] ||
		echo "df /: status $(<"$d/df/status"): $(head -n 3 "$d/df/out" "$d/df/err.raw")"
}

# heap_gap OUT: the heap's address minus main's, from aslr's output.
heap_gap() {
	local main heap
	main=$(sed -n 's/^main //p' "$1")
	heap=$(sed -n 's/^heap //p' "$1")
	echo $((heap - main))
}

# aslr BACKEND: randomised unless --fixed-base.
aslr() {
	local b=$1 d=$D/run/aslr/$1 i
	for i in 1 2; do
		run "$d/rand$i" "$BOTHY" run --vmm "$b" "$D/aslr"
		run "$d/fixed$i" "$BOTHY" run --vmm "$b" --fixed-base "$D/aslr"
	done
	for i in rand1 rand2 fixed1 fixed2; do
		[[ $(wc -l <"$d/$i/out") == 5 && $(<"$d/$i/status") == 0 ]] ||
			echo "$i: status $(<"$d/$i/status"), output: $(head -c 300 "$d/$i/out" "$d/$i/err.raw")"
	done
	cmp -s "$d/fixed1/out" "$d/fixed2/out" || echo "--fixed-base runs differ: $(diff "$d/fixed1/out" "$d/fixed2/out" | tr '\n' ' ')"
	for i in main heap mmap libc; do
		[[ $(grep "^$i " "$d/rand1/out") != $(grep "^$i " "$d/rand2/out") ]] ||
			echo "two randomised runs put $i at the same address"
	done
	# The heap's start moves against the program too (by pages below 32 MiB).
	[[ $(heap_gap "$d/rand1/out") != $(heap_gap "$d/rand2/out") ]] ||
		echo "two randomised runs put the heap at the same distance from the program"
}

# The same program and library under the host's /tmp, which the guest's
# own /tmp must not hide.
TMPCOPY=$(mktemp -d /tmp/bothy-dynamic.XXXXXX)
trap 'rm -rf -- "$TMPCOPY"' EXIT
problems=$(build 2>&1)
mkdir -p "$TMPCOPY/bin" "$TMPCOPY/lib"
cp "$D/bin/uses_private" "$TMPCOPY/bin/" 2>/dev/null || true
cp "$D/lib/libprivate.so" "$TMPCOPY/lib/" 2>/dev/null || true
if [[ -n $problems ]]; then
	result FAIL script dynamic/build
	detail "$problems"
	exit 0
fi
for backend in kvm qemu; do
	for p in hello malloc mremap args_env; do
		script_case "$backend" "dynamic/musl_$p" same_as_native "$backend" "musl_$p" "$D/musl_$p"
		script_case "$backend" "dynamic/glibc_$p" same_as_native "$backend" "glibc_$p" "$D/glibc_$p"
	done
	script_case "$backend" dynamic/origin_runpath same_as_native "$backend" origin "$D/bin/uses_private"
	script_case "$backend" dynamic/origin_runpath_in_tmp same_as_native "$backend" origin_tmp \
		"$TMPCOPY/bin/uses_private"
	script_case "$backend" dynamic/missing_library same_as_native "$backend" missing stderr "$D/needs_missing"
	script_case "$backend" dynamic/nss nss "$backend"
	script_case "$backend" dynamic/view view "$backend"
	script_case "$backend" dynamic/aslr aslr "$backend"
done
