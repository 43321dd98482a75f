# shellcheck shell=bash
# Building the guest test programs: each tests/guest/*.c, static, in up to
# four variants under $OUT/VARIANT/: musl, glibc, musl-pie, glibc-pie.
# Sourced by tests/run.sh. Expects ROOT and OUT.

GUEST_CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$ROOT/tests/guest")
MUSL_LIB=/usr/lib/x86_64-linux-musl

# variant_missing VARIANT: why VARIANT cannot be built here (empty if it can).
variant_missing() {
	case $1 in
	musl | musl-pie)
		command -v musl-gcc >/dev/null || echo "musl-gcc not found (apt-get install musl-tools)"
		;;
	glibc | glibc-pie)
		command -v gcc >/dev/null || echo "gcc not found"
		;;
	busybox)
		[[ -x /bin/busybox ]] || echo "/bin/busybox not found (apt-get install busybox-static)"
		;;
	esac
}

# musl-gcc's specs file does not know -static-pie; link rcrt1.o (which
# relocates the program itself) with the PIE crtbegin/crtend by hand.
musl_static_pie() {
	local out=$1 src=$2
	musl-gcc "${GUEST_CFLAGS[@]}" -fPIE -static-pie -nostartfiles -Wl,-static \
		-Wl,--no-dynamic-linker -o "$out" "$MUSL_LIB/rcrt1.o" "$MUSL_LIB/crti.o" \
		"$(musl-gcc -print-file-name=crtbeginS.o)" "$src" \
		"$(musl-gcc -print-file-name=crtendS.o)" "$MUSL_LIB/crtn.o"
}

# compile VARIANT SRC OUT: build one program; compiler messages on stderr.
compile() {
	local variant=$1 src=$2 out=$3
	case $variant in
	musl) musl-gcc "${GUEST_CFLAGS[@]}" -static -o "$out" "$src" ;;
	glibc) gcc "${GUEST_CFLAGS[@]}" -static -o "$out" "$src" ;;
	musl-pie) musl_static_pie "$out" "$src" ;;
	glibc-pie) gcc "${GUEST_CFLAGS[@]}" -fPIE -static-pie -o "$out" "$src" ;;
	*) die "unknown variant $variant" ;;
	esac
}

# up_to_date OUT SRC: is OUT newer than SRC and every tests/guest/*.h?
up_to_date() {
	local h
	[[ $1 -nt $2 ]] || return 1
	for h in "$ROOT"/tests/guest/*.h; do
		[[ $1 -nt $h ]] || return 1
	done
}

# build_job VARIANT SRC: a pool job; rebuilds when the source or a header
# of tests/guest is newer. Prints a FAIL report with the compiler's
# messages on error.
build_job() {
	local variant=$1 src=$2 prog out log
	prog=$(basename "$src" .c)
	out=$OUT/$variant/$prog
	log=$OUT/$variant/$prog.log
	if up_to_date "$out" "$src"; then
		return 0
	fi
	if ! compile "$variant" "$src" "$out.tmp" >"$log" 2>&1; then
		result FAIL build "$variant/$prog" "does not compile"
		detail_file "$log" 20
		rm -f -- "$out" "$out.tmp"
		return 0
	fi
	mv -f -- "$out.tmp" "$out"
}
