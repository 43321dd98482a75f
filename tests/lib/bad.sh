# shellcheck shell=bash
# Programs that bothy must refuse, made at test time under $OUT/bad/ (no
# binaries in the repository), and command lines it must reject.
# Sourced by tests/run.sh. Expects ROOT and OUT, and $OUT/musl or
# $OUT/glibc/hello built.

# patch_bytes FILE OFFSET BYTES: overwrite bytes in place; BYTES is a
# printf format such as '\x01'.
patch_bytes() {
	# shellcheck disable=SC2059
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# a_valid_elf: a static x86-64 program to mutate.
a_valid_elf() {
	local p
	for p in "$OUT/musl/hello" "$OUT/glibc/hello"; do
		[[ -x $p ]] && echo "$p" && return 0
	done
	die "no hello program built to mutate"
}

# make_bad_programs: write the files; print one case line per file, with
# its path as the case's first argument.
make_bad_programs() {
	local d=$OUT/bad elf
	elf=$(a_valid_elf)
	rm -rf -- "$d"
	mkdir -p "$d/a-directory"

	printf 'just some text\n' >"$d/text"
	: >"$d/empty"
	printf '#!/bin/sh\necho from a script\n' >"$d/script.sh"
	if echo 'int main(void){return 0;}' | gcc -m32 -static -x c -o "$d/elf32" - 2>/dev/null; then
		:
	else
		cp "$elf" "$d/elf32"
		patch_bytes "$d/elf32" 4 '\x01' # EI_CLASS = ELFCLASS32
	fi
	cp "$elf" "$d/aarch64"
	patch_bytes "$d/aarch64" 18 '\xb7\x00' # e_machine = EM_AARCH64 (183)
	head -c 100 "$elf" >"$d/truncated"
	cp "$elf" "$d/phoff-past-end"
	patch_bytes "$d/phoff-past-end" 32 '\x00\x00\x00\x40\x00\x00\x00\x00' # e_phoff = 1 GiB
	cp "$elf" "$d/bad-phnum"
	patch_bytes "$d/bad-phnum" 56 '\xff\x7f' # e_phnum = 32767: 1.8 MB of headers
	gcc -c -o "$d/relocatable-object" "$ROOT/tests/guest/hello.c"
	# A dynamic program whose interpreter exists nowhere (the same length
	# of name, so only PT_INTERP's bytes change).
	gcc -o "$d/no-interpreter" "$ROOT/tests/guest/hello.c"
	sed -i 's|/lib64/ld-linux-x86-64.so.2|/lib64/ld-bothy-x86-64.so.2|' "$d/no-interpreter"
	chmod +x "$d"/*

	local f
	for f in text empty script.sh elf32 aarch64 truncated phoff-past-end bad-phnum \
		relocatable-object a-directory; do
		printf 'bad_%s kind=bad expect=126 -- %q\n' "$f" "$d/$f"
	done
	printf 'bad_missing kind=bad expect=127 -- %q\n' "$d/no-such-program"
	# A dynamic program whose interpreter is not in the guest (nor on the
	# host, so the default view cannot bring it): as execve(2) would fail,
	# status 127 and one line naming the interpreter.
	printf 'bad_dynamic kind=bad expect=127 -- %q\n' "$d/no-interpreter"
	# A fault inside the kernel (bothy run --crash-kernel, a test hook):
	# status 123 and a register dump, never a hang.
	printf 'kernel_fault kind=kfault expect=123 -- --crash-kernel %q\n' "$elf"
}

# cli_specs: command lines with a usage error; bothy must exit 125.
# The program named is a real one, so the flag is the only thing wrong.
cli_specs() {
	local hello
	hello=$(a_valid_elf)
	printf 'cli_bad_memory kind=cli expect=125 -- run -m banana %q\n' "$hello"
	printf 'cli_bad_vmm kind=cli expect=125 -- run --vmm nope %q\n' "$hello"
	printf 'cli_unknown_flag kind=cli expect=125 -- run --no-such-flag %q\n' "$hello"
	echo "cli_no_program kind=cli expect=125 -- run"
	echo "cli_unknown_command kind=cli expect=125 -- frob"
}
