#!/usr/bin/env bash
# bench/boot/run.sh - the boot benchmark: how long `bothy run hello` takes,
# end to end, for a static musl hello world, side by side in one run with
#   - the same program run natively,
#   - Bothy's kernel under QEMU microvm (`bothy run --vmm qemu`), with KVM
#     and with TCG (BOTHY_QEMU_ACCEL),
#   - a Linux VM: $LINUX_KERNEL, else the machine's /boot/vmlinuz-*, else
#     Debian's kernel package unpacked into build/bench/linux (apt-get
#     download; not installed), under QEMU microvm with TCG, hello as /init,
#     timed until QEMU exits.
# Then the smallest -m with which hello runs, and the stripped kernel size.
#
# A benchmark, not a test: it reports, and fails only when it cannot run.
# Environment: RUNS (timed runs per row, default 20), LINUX_RUNS (default 5:
# one Linux boot under TCG takes seconds), TIMEOUT (seconds per run, default
# 60), LINUX_KERNEL (a bzImage), BOTHY and KERNEL (default build/bothy and
# build/bothy-x86_64.elf).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh

RUNS=${RUNS:-20}
LINUX_RUNS=${LINUX_RUNS:-5}
TIMEOUT=${TIMEOUT:-60}
B=build/bench
BOTHY=${BOTHY:-build/bothy}
KERNEL=${KERNEL:-build/bothy-x86_64.elf}
MEM_SIZES=(2M 3M 4M 6M 8M 12M 16M 24M 32M 48M 64M 128M 256M)

declare -A LABEL MED MIN P90 NOTE
ROWS=()
EXPECTED=
REAL_QEMU=



# build_tools - compile the timer and the static hello into $B.
build_tools()
{
	[[ -x $BOTHY ]] || die "$BOTHY is missing: run \`make\` first"
	command -v musl-gcc >/dev/null || die "musl-gcc is missing: run scripts/install-deps.sh"
	mkdir -p "$B"
	cc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$B/timeit" bench/boot/timeit.c
	musl-gcc -static -O2 -Wall -Wextra -Werror -o "$B/hello" bench/boot/hello.c
	EXPECTED=$("$B/hello")
}

# na KEY LABEL REASON - a row that could not be measured.
na()
{
	ROWS+=("$1")
	LABEL[$1]=$2
	NOTE[$1]=$3
}

# check KEY MODE CMD... - run CMD once; true when it exits 0 and its stdout
# is hello's (MODE exact) or contains hello's line (MODE contains).
# Otherwise sets NOTE[KEY] to why.
check()
{
	local key=$1 mode=$2 out status=0
	shift 2
	out=$(timeout "$TIMEOUT" "$@" </dev/null 2>"$B/$key.err") || status=$?
	if [[ $status -ne 0 ]]; then
		NOTE[$key]="exit status $status: $(head -c 200 "$B/$key.err" | head -n 1)"
	elif [[ $mode == exact && $out != "$EXPECTED" ]]; then
		NOTE[$key]="wrong output: $(head -c 80 <<<"$out" | head -n 1)"
	elif [[ $mode == contains && $out != *"$EXPECTED"* ]]; then
		NOTE[$key]="hello's line is not in the output"
	else
		return 0
	fi
	return 1
}

# measure KEY LABEL MODE N WARMUP CMD... - check CMD, then time N runs of
# it after WARMUP untimed ones.
measure()
{
	local key=$1 label=$2 mode=$3 n=$4 warmup=$5 res
	shift 5
	ROWS+=("$key")
	LABEL[$key]=$label
	check "$key" "$mode" "$@" || return 0
	if ! res=$("$B/timeit" -n "$n" -w "$warmup" -t "$TIMEOUT" "$@" 2>>"$B/$key.err"); then
		NOTE[$key]="failed while timing: $(tail -n 1 "$B/$key.err")"
		return 0
	fi
	local med min p90
	read -r med min p90 _ <<<"$res"
	MED[$key]=$med
	MIN[$key]=$min
	P90[$key]=$p90
}

# bench_bothy_qemu - bothy --vmm qemu with each accelerator: KVM (when
# /dev/kvm opens) and TCG, forced with BOTHY_QEMU_ACCEL (bothy itself picks
# TCG on PVM hosts, where it is faster: docs/pvm.md).
bench_bothy_qemu()
{
	if [[ -z $REAL_QEMU ]]; then
		na qemu "bothy --vmm qemu" "qemu-system-x86_64 is not installed"
		return 0
	fi
	if kvm_usable; then
		BOTHY_QEMU_ACCEL=kvm measure qemu "bothy --vmm qemu (kvm)" exact "$RUNS" 2 \
			"$BOTHY" run --vmm qemu "$B/hello"
	else
		na qemu "bothy --vmm qemu (kvm)" "/dev/kvm is not usable"
	fi
	BOTHY_QEMU_ACCEL=tcg measure qemu-tcg "bothy --vmm qemu (tcg)" exact "$RUNS" 2 \
		"$BOTHY" run --vmm qemu "$B/hello"
}

# debian_kernel, linux_kernel
. bench/lib/linux.sh

# linux_initramfs - write $B/linux-initramfs.cpio: hello as /init.
linux_initramfs()
{
	local d
	d=$(mktemp -d)
	cp "$B/hello" "$d/init"
	mkdir "$d/dev"
	# The kernel gives /init the console as fds 0-2 only if it exists.
	[[ $(id -u) -ne 0 ]] || mknod "$d/dev/console" c 5 1
	(cd "$d" && find . | cpio -o -H newc -R 0:0 --quiet) >"$B/linux-initramfs.cpio"
	rm -rf "$d"
}

# bench_linux - a Linux VM under QEMU microvm with TCG: boot, run hello as
# init; init's exit panics the kernel, panic=-1 reboots at once, and
# -no-reboot turns the reboot into QEMU's exit. tsc_early_khz skips the
# TSC calibration against the PIT, which fails under TCG on a busy host and
# then hangs the boot; the value only scales the guest's delays.
bench_linux()
{
	local k label="Linux VM, qemu microvm (TCG)"
	k=$(linux_kernel || true)
	if [[ -z $REAL_QEMU ]]; then
		na linux "$label" "qemu-system-x86_64 is not installed"
		return 0
	elif [[ -z $k || ! -r $k ]]; then
		na linux "$label" "no kernel: none in /boot, Debian's linux-image package could not be fetched (set LINUX_KERNEL=/path/to/bzImage)"
		return 0
	fi
	linux_initramfs
	measure linux "$label" contains "$LINUX_RUNS" 1 "$REAL_QEMU" -M microvm -accel tcg \
		-cpu max -m 256M -nodefaults -no-user-config -display none -serial stdio \
		-no-reboot -kernel "$k" -initrd "$B/linux-initramfs.cpio" \
		-append "console=ttyS0 panic=-1 reboot=t tsc_early_khz=2000000 quiet"
	LABEL[linux]="$label: $(basename "$k")"
}

# min_mem - print the smallest of MEM_SIZES with which hello runs right.
min_mem()
{
	local m out vmm=() how="the KVM monitor"
	kvm_usable || { vmm=(--vmm qemu) && how="--vmm qemu"; }
	for m in "${MEM_SIZES[@]}"; do
		if out=$(timeout "$TIMEOUT" "$BOTHY" run "${vmm[@]}" -m "$m" "$B/hello" \
			</dev/null 2>/dev/null) && [[ $out == "$EXPECTED" ]]; then
			echo "$m (with $how; tried ${MEM_SIZES[*]})"
			return 0
		fi
	done
	echo "none of ${MEM_SIZES[*]}"
}

# print_table - name, median/min/p90 in ms, ratio of medians vs bothy (kvm).
print_table()
{
	local key ratio base=${MED[kvm]:-}
	printf '%-52s %10s %10s %10s %12s\n' name "median ms" "min ms" "p90 ms" "vs bothy-kvm"
	for key in "${ROWS[@]}"; do
		if [[ -z ${MED[$key]:-} ]]; then
			printf '%-52s %10s %10s %10s %12s\n' "${LABEL[$key]}" n/a n/a n/a n/a
			continue
		fi
		ratio=n/a
		[[ -z $base ]] || ratio=$(awk -v a="${MED[$key]}" -v b="$base" \
			'BEGIN { r = a / b; printf(r >= 100 ? "%.0fx" : r >= 0.1 ? "%.2fx" : "%.4fx", r) }')
		printf '%-52s %10s %10s %10s %12s\n' "${LABEL[$key]}" "${MED[$key]}" \
			"${MIN[$key]}" "${P90[$key]}" "$ratio"
	done
	for key in "${ROWS[@]}"; do
		[[ -z ${NOTE[$key]:-} ]] || printf '  n/a %s: %s\n' "${LABEL[$key]}" "${NOTE[$key]}"
	done
}

print_host()
{
	local kvm="not usable"
	kvm_usable && kvm=usable
	[[ ! -d /sys/module/kvm_pvm ]] || kvm="$kvm (PVM, software nested)"
	echo "host: $(uname -sr), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "/dev/kvm: $kvm; timed runs per row: $RUNS (Linux VM: $LINUX_RUNS), after 2 (1) warm-up runs"
	echo "program: $B/hello (static musl), prints: $EXPECTED"
	echo
}

main()
{
	build_tools
	REAL_QEMU=$(command -v qemu-system-x86_64) || REAL_QEMU=
	print_host
	measure native "native process" exact "$RUNS" 2 "$B/hello"
	if kvm_usable; then
		measure kvm "bothy run (kvm)" exact "$RUNS" 2 "$BOTHY" run "$B/hello"
	else
		na kvm "bothy run (kvm)" "/dev/kvm is missing or not usable"
	fi
	bench_bothy_qemu
	bench_linux
	print_table
	echo
	echo "smallest -m for hello: $(min_mem)"
	if [[ -f $KERNEL ]]; then
		strip -o "$B/kernel.stripped" "$KERNEL"
		echo "kernel $KERNEL: $(stat -c %s "$KERNEL") bytes," \
			"$(stat -c %s "$B/kernel.stripped") bytes stripped"
	fi
	echo "monitor $BOTHY (kernel inside): $(stat -c %s "$BOTHY") bytes"
}

main "$@"
