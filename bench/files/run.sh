#!/usr/bin/env bash
# bench/files/run.sh - the shared-directory benchmark (issue 3): how fast a
# program under Bothy reads a host directory shared with `-v`, side by side
# in one run with
#   - the same busybox command run natively on the same files,
#   - a Linux VM (Debian's kernel, QEMU microvm with TCG) reading the same
#     directory over virtio-9p, timed without its boot.
# Two workloads, on data made once in build/bench/files/data:
#   read: `busybox cat FILE >/dev/null` and `busybox dd bs=1M` of a 100 MiB file;
#   find: `busybox find DIR` over a tree of 100 directories x 100 small files.
# Bothy's times include its boot, so the run also times bothy booting
# `busybox echo hello` with the same kind of share, and reports every Bothy
# row with and without it. Then a cost breakdown from `--log debug`.
#
# A benchmark, not a test: it reports, and fails only when it cannot run.
# Timing: hyperfine when installed, else a loop; median, min and max of the
# timed runs. Environment: RUNS (native rows, default 20), BOOT_RUNS (bothy
# echo, 10), READ_RUNS (bothy cat, 5), DD_RUNS (bothy dd, 1), FIND_RUNS
# (bothy find, 1), LINUX_RUNS (Linux VM cat and dd, 3), LINUX_FIND_RUNS
# (Linux VM find, 2), STATS (0 skips the --log debug breakdown), TIMEOUT
# (seconds per bothy run, default 600), LINUX_TIMEOUT (the whole Linux VM
# run, default 600), LINUX_KERNEL and LINUX_MODULES (a bzImage and its
# lib/modules/VERSION directory), BOTHY (default build/bothy), BUSYBOX
# (default /bin/busybox, must be static).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh

RUNS=${RUNS:-20}
BOOT_RUNS=${BOOT_RUNS:-10}
READ_RUNS=${READ_RUNS:-5}
DD_RUNS=${DD_RUNS:-1}
FIND_RUNS=${FIND_RUNS:-1}
LINUX_RUNS=${LINUX_RUNS:-3}
LINUX_FIND_RUNS=${LINUX_FIND_RUNS:-2}
STATS=${STATS:-1}
TIMEOUT=${TIMEOUT:-600}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-600}
BOTHY=${BOTHY:-build/bothy}
BUSYBOX=${BUSYBOX:-/bin/busybox}

B=build/bench/files
DATA=$PWD/$B/data
BIG_DIR=$DATA/big
BIG=$BIG_DIR/file100M
BIG_MIB=100
TREE=$DATA/tree
NDIRS=100
NFILES=100
ENTRIES=$((1 + NDIRS + NDIRS * NFILES)) # find prints the root too
# The 9p modules the Linux VM needs; their dependencies are found from
# each module's .modinfo.
LINUX_MODULES_WANTED=(virtio_mmio 9pnet_virtio 9p)

declare -A LABEL MED MIN MAX NRUNS NOTE CMDLINE
HYPERFINE=
QEMU=
FIND_SUM=
LINUX_CMDLINE=
LINUX_MODS=()
STATS_LINES=()





# requirements - exit with one line when something the bench needs is missing.
requirements()
{
	[[ -x $BOTHY ]] || die "$BOTHY is missing: run \`make\` first"
	[[ -x $BUSYBOX ]] || die "$BUSYBOX is missing: run scripts/install-deps.sh (busybox-static)"
	command -v readelf >/dev/null || die "readelf is missing: apt-get install binutils"
	[[ $(readelf -l "$BUSYBOX" 2>/dev/null | grep -c INTERP || true) -eq 0 ]] ||
		die "$BUSYBOX is dynamically linked: install busybox-static"
	kvm_usable || die "/dev/kvm is missing or not usable: -v needs Bothy's KVM monitor"
	HYPERFINE=$(command -v hyperfine) || HYPERFINE=
	QEMU=$(command -v qemu-system-x86_64) || QEMU=
	mkdir -p "$B"
}

# prepare_data - the 100 MiB file and the tree of NDIRS x NFILES files,
# made once and reused (the tree's completion is marked outside it).
prepare_data()
{
	local d f
	mkdir -p "$BIG_DIR"
	if [[ ! -f $BIG || $(stat -c %s "$BIG") -ne $((BIG_MIB << 20)) ]]; then
		progress "writing $BIG ($BIG_MIB MiB)"
		head -c $((BIG_MIB << 20)) /dev/urandom >"$BIG.tmp"
		mv "$BIG.tmp" "$BIG"
	fi
	if [[ ! -f $DATA/tree.done ]]; then
		progress "making $TREE ($NDIRS x $NFILES files)"
		rm -rf "$TREE"
		for ((d = 0; d < NDIRS; d++)); do
			mkdir -p "$TREE/d$d"
			for ((f = 0; f < NFILES; f++)); do
				echo "file $f of directory $d" >"$TREE/d$d/f$f"
			done
		done
		touch "$DATA/tree.done"
	fi
	# Warm the host's page cache for every row alike.
	cat "$BIG" >/dev/null
}


# timed KEY LABEL RUNS WARMUP OUT CMD... - time RUNS runs of CMD after
# WARMUP untimed ones, stdout to OUT (a file, or null for /dev/null), with
# hyperfine if there is one, else a loop. Sets MED, MIN, MAX, NRUNS (in
# seconds), or NOTE on failure (returns 1).
timed()
{
	local key=$1 n=$3 w=$4 out=$5 i t0 t1 res status
	LABEL[$key]=$2
	shift 5
	CMDLINE[$key]="$(quote "$@") >${out/#null//dev/null}"
	progress "timing: ${LABEL[$key]} ($n runs)"
	if [[ -n $HYPERFINE ]]; then
		if ! "$HYPERFINE" -N --style basic --runs "$n" --warmup "$w" --output "$out" \
			-n "$key" --export-csv "$B/$key.csv" -- "$(quote "$@")" >"$B/$key.log" 2>&1; then
			NOTE[$key]="hyperfine: $(grep -m 1 -i error "$B/$key.log" || tail -n 1 "$B/$key.log")"
			return 1
		fi
		# command,mean,stddev,median,user,system,min,max
		IFS=, read -r _ _ _ "MED[$key]" _ _ "MIN[$key]" "MAX[$key]" < <(sed -n 2p "$B/$key.csv")
		NRUNS[$key]=$n
		return 0
	fi
	[[ $out != null ]] || out=/dev/null
	: >"$B/$key.times"
	for ((i = -w; i < n; i++)); do
		status=0
		t0=$EPOCHREALTIME
		timeout "$TIMEOUT" "$@" </dev/null >"$out" 2>"$B/$key.log" || status=$?
		t1=$EPOCHREALTIME
		if ((status)); then
			NOTE[$key]="exit status $status: $(head -n 1 "$B/$key.log")"
			return 1
		fi
		((i < 0)) || echo "$t0 $t1" | awk '{ printf("%.6f\n", $2 - $1) }' >>"$B/$key.times"
	done
	res=$(stats <"$B/$key.times")
	read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "NRUNS[$key]" <<<"$res"
}

# check_read KEY CMD... - run CMD once (also the warm-up) and compare its
# stdout with the big file; sets NOTE and returns 1 if they differ.
check_read()
{
	local key=$1
	shift
	if ! timeout "$TIMEOUT" "$@" </dev/null 2>"$B/$key.check" | cmp -s - "$BIG"; then
		NOTE[$key]="output differs from $BIG: $(head -n 1 "$B/$key.check")"
		return 1
	fi
}

# find_sum FILE PREFIX - md5 of find's output with PREFIX made /d, sorted.
find_sum()
{
	sed "s|^$2|/d|" "$1" | sort | md5sum | cut -d ' ' -f 1
}

# check_find KEY FILE PREFIX - find's output must list the native tree.
check_find()
{
	local n
	n=$(wc -l <"$2")
	if [[ $n -ne $ENTRIES ]]; then
		NOTE[$1]="listed $n entries, not $ENTRIES"
	elif [[ $(find_sum "$2" "$3") != "$FIND_SUM" ]]; then
		NOTE[$1]="listed other names than the native find"
	else
		return 0
	fi
	unset "MED[$1]"
	return 1
}

bench_boot()
{
	local key
	timed native-boot "native: busybox echo hello" "$RUNS" 3 "$B/native-boot.out" \
		"$BUSYBOX" echo hello || true
	timed bothy-boot "bothy: busybox echo hello, -v tree" "$BOOT_RUNS" 1 "$B/bothy-boot.out" \
		timeout "$TIMEOUT" "$BOTHY" run -v "$TREE:/d" "$BUSYBOX" echo hello || true
	for key in native-boot bothy-boot; do
		[[ -z ${MED[$key]:-} || $(cat "$B/$key.out") == hello ]] ||
			{ NOTE[$key]="wrong output: $(head -c 80 "$B/$key.out")" && unset "MED[$key]"; }
	done
}

bench_read()
{
	local bothy=(timeout "$TIMEOUT" "$BOTHY" run -v "$BIG_DIR:/d" "$BUSYBOX")
	LABEL[native-cat]="native: busybox cat"
	check_read native-cat "$BUSYBOX" cat "$BIG" &&
		timed native-cat "${LABEL[native-cat]}" "$RUNS" 3 null "$BUSYBOX" cat "$BIG" || true
	LABEL[bothy-cat]="bothy: busybox cat"
	progress "checking: bothy cat (also the warm-up)"
	check_read bothy-cat "${bothy[@]}" cat /d/file100M &&
		timed bothy-cat "${LABEL[bothy-cat]}" "$READ_RUNS" 0 null \
			"${bothy[@]}" cat /d/file100M || true
	timed native-dd "native: busybox dd bs=1M" "$RUNS" 3 null \
		"$BUSYBOX" dd if="$BIG" of=/dev/null bs=1M status=none || true
	timed bothy-dd "bothy: busybox dd bs=1M" "$DD_RUNS" 0 null \
		"${bothy[@]}" dd if=/d/file100M of=/dev/null bs=1M status=none || true
}

bench_find()
{
	if timed native-find "native: busybox find" "$RUNS" 3 "$B/native-find.out" \
		"$BUSYBOX" find "$TREE"; then
		FIND_SUM=$(find_sum "$B/native-find.out" "$TREE")
		check_find native-find "$B/native-find.out" "$TREE" || true
	fi
	# The timed run is the check: one run takes a minute or two on PVM.
	timed bothy-find "bothy: busybox find" "$FIND_RUNS" 0 "$B/bothy-find.out" \
		timeout "$TIMEOUT" "$BOTHY" run -v "$TREE:/d" "$BUSYBOX" find /d &&
		check_find bothy-find "$B/bothy-find.out" /d || true
}

# debian_kernel, linux_kernel
. bench/lib/linux.sh



# linux_initramfs MODDIR - write $B/linux-9p.cpio: busybox, the 9p modules
# (LINUX_MODS, in load order) and an /init that mounts the share and runs
# the timed commands between markers the host timestamps. Prints why on
# failure.
linux_initramfs()
{
	local d=$B/linux-initramfs m
	rm -rf "$d"
	mkdir -p "$d"/{bin,dev,proc,mnt,tmp,lib/modules}
	LINUX_MODS=()
	for m in "${LINUX_MODULES_WANTED[@]}"; do
		module_add "$1" "$d/lib/modules" "$m" || return 1
	done
	cp "$BUSYBOX" "$d/bin/busybox"
	# The kernel gives /init the console as fds 0-2 only if it exists.
	[[ $(id -u) -ne 0 ]] || mknod "$d/dev/console" c 5 1
	{
		linux_init_head bench/files/run.sh
		cat <<EOF
mount -t 9p -o trans=virtio,version=9p2000.L share /mnt || fail "mount -t 9p share /mnt"
echo "@mount \$(grep ' /mnt ' /proc/mounts)"
timed() { key=\$1 out=\$2; shift 2; echo "@start \$key"; "\$@" >\$out; echo "@end \$key \$?"; }
# The check and warm-up: dd counts what it reads (wc -c over a pipe is slow under TCG).
echo "@size \$(busybox dd if=/mnt/big/file100M of=/dev/null bs=1M 2>&1 | grep 'records in')"
i=0; while [ \$i -lt $LINUX_RUNS ]; do timed cat /dev/null busybox cat /mnt/big/file100M; i=\$((i + 1)); done
i=0; while [ \$i -lt $LINUX_RUNS ]; do timed dd /dev/null busybox dd if=/mnt/big/file100M of=/dev/null bs=1M status=none; i=\$((i + 1)); done
i=0; while [ \$i -lt $LINUX_FIND_RUNS ]; do timed find /tmp/find.out busybox find /mnt/tree; i=\$((i + 1)); done
echo "@count \$(wc -l </tmp/find.out)"
echo "@findsum \$(sed 's|^/mnt/tree|/d|' /tmp/find.out | sort | md5sum | cut -d ' ' -f 1)"
echo @done
exec poweroff -f
EOF
	} >"$d/init"
	chmod +x "$d/init"
	(cd "$d" && find . | cpio -o -H newc -R 0:0 --quiet) >"$B/linux-9p.cpio"
}

# linux_row KEY LABEL GUESTKEY LOG - the stats of one guest command from
# the timestamped serial log.
linux_row()
{
	local key=$1 res
	LABEL[$key]=$2
	CMDLINE[$key]="(in the guest) $(sed -n "s/.*timed $3 \([^ ]*\) \(.*\); i=.*/\2 >\1/p" \
		"$B/linux-initramfs/init")"
	if grep -q "^[0-9.]* @end $3 [^0]" "$4"; then
		NOTE[$key]="exit status $(sed -n "s/^[0-9.]* @end $3 //p" "$4" | grep -v '^0$' | head -n 1)"
		return 0
	fi
	if ! res=$(awk -v k="$3" '$2 == "@start" && $3 == k { t = $1 }
		$2 == "@end" && $3 == k { printf("%.6f\n", $1 - t) }' "$4" | stats); then
		NOTE[$key]="no run finished (see $B/linux.log)"
		return 0
	fi
	read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "NRUNS[$key]" <<<"$res"
}

# bench_linux - one QEMU microvm (TCG) boot of Debian's kernel with DATA
# shared over virtio-9p; the guest runs cat, dd and find between @start and
# @end markers that the host timestamps as they arrive on the serial port.
# The guest's own clock is not used: under TCG with tsc_early_khz (see
# bench/boot) it runs at the wrong rate.
bench_linux()
{
	local k why t0 size count sum key
	local keys=(linux-cat linux-dd linux-find linux-boot linux-total)
	LABEL[linux-cat]="Linux VM: busybox cat (9p)"
	LABEL[linux-dd]="Linux VM: busybox dd bs=1M (9p)"
	LABEL[linux-find]="Linux VM: busybox find (9p)"
	LABEL[linux-boot]="Linux VM: QEMU start to /init"
	LABEL[linux-total]="Linux VM: the whole QEMU run"
	if ! linux_prepare; then
		for key in "${keys[@]}"; do NOTE[$key]=$LINUX_WHY; done
		return 0
	fi
	k=$LINUX_K
	local cmd=("$QEMU" -M microvm -accel tcg -cpu max -m 512M -nodefaults -no-user-config
		-display none -serial stdio -no-reboot -kernel "$k" -initrd "$B/linux-9p.cpio"
		-fsdev "local,id=fs0,path=$DATA,security_model=none"
		-device "virtio-9p-device,fsdev=fs0,mount_tag=share"
		-append "console=ttyS0 panic=-1 reboot=t tsc_early_khz=2000000 quiet")
	LINUX_CMDLINE=$(quote "${cmd[@]}")
	progress "timing: the Linux VM ($(basename "$k"), TCG; a minute or two)"
	t0=$EPOCHREALTIME
	linux_run "${cmd[@]}"
	why=$LINUX_WHY
	size=$(sed -n 's/^[0-9.]* @size //p' "$B/linux.log")
	count=$(sed -n 's/^[0-9.]* @count //p' "$B/linux.log")
	sum=$(sed -n 's/^[0-9.]* @findsum //p' "$B/linux.log")
	linux_row linux-cat "${LABEL[linux-cat]}" cat "$B/linux.log"
	linux_row linux-dd "${LABEL[linux-dd]}" dd "$B/linux.log"
	linux_row linux-find "${LABEL[linux-find]}" find "$B/linux.log"
	[[ -z ${MED[linux-cat]:-} || $size == "$BIG_MIB+0 records in" ]] ||
		{ NOTE[linux-cat]="the guest's dd read: ${size:-nothing}" && unset "MED[linux-cat]"; }
	[[ -z ${MED[linux-find]:-} || ($count == "$ENTRIES" && $sum == "$FIND_SUM") ]] ||
		{ NOTE[linux-find]="the guest listed ${count:-no} entries, other names than native" &&
			unset "MED[linux-find]"; }
	if [[ -n $why ]]; then
		for key in "${keys[@]}"; do [[ -n ${MED[$key]:-} ]] || NOTE[$key]=$why; done
	fi
	awk -v t0="$t0" '$2 == "@init" { printf("%.6f %.6f %.6f 1\n", $1 - t0, $1 - t0, $1 - t0) }' \
		"$B/linux.log" >"$B/linux-boot.res"
	awk -v t0="$t0" '$2 == "@qemu-exit" { printf("%.6f %.6f %.6f 1\n", $1 - t0, $1 - t0, $1 - t0) }' \
		"$B/linux.log" >"$B/linux-total.res"
	for key in linux-boot linux-total; do
		CMDLINE[$key]="(host-timed) the QEMU command below"
		[[ -s $B/$key.res ]] || { NOTE[$key]=${NOTE[$key]:-"no @init marker"} && continue; }
		read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "NRUNS[$key]" <"$B/$key.res"
	done
	NOTE[linux-mount]=$(sed -n 's/^[0-9.]* @mount //p' "$B/linux.log")
}

# debug_stats LABEL UNITS UNIT CMD... - run bothy CMD once with --log debug
# and print emulated instructions and VM exits per UNIT beyond the boot
# baseline (BASE_INSN, BASE_EXITS, BASE_T).
debug_stats()
{
	local label=$1 units=$2 unit=$3 t0 t1 insn exits
	shift 3
	t0=$EPOCHREALTIME
	timeout "$TIMEOUT" "$@" </dev/null >/dev/null 2>"$B/debug.err" || {
		STATS_LINES+=("$label: failed: $(head -n 1 "$B/debug.err")")
		return 0
	}
	t1=$EPOCHREALTIME
	insn=$(sed -n 's/.*vCPU statistics:.* insn_emulation=\([0-9]*\).*/\1/p' "$B/debug.err")
	exits=$(sed -n 's/.*vCPU statistics:.* exits=\([0-9]*\).*/\1/p' "$B/debug.err")
	if [[ -z $insn || -z $exits ]]; then
		STATS_LINES+=("$label: no vCPU statistics in --log debug")
		return 0
	fi
	if [[ -z ${BASE_INSN:-} ]]; then
		BASE_INSN=$insn BASE_EXITS=$exits BASE_T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
		STATS_LINES+=("$label: $(printf '%.0f ms' "$(awk -v t="$BASE_T" 'BEGIN { print t * 1000 }')"), $insn emulated instructions, $exits exits; boot phases (kcycles): $(sed -n 's/^bothy: boot: \(.*\): \([0-9]*\) kcycles/\1 \2,/p' "$B/debug.err" | tr '\n' ' ' | sed 's/, $//')")
	else
		STATS_LINES+=("$(awk -v l="$label" -v u="$units" -v n="$unit" -v i="$insn" -v e="$exits" \
			-v bi="$BASE_INSN" -v be="$BASE_EXITS" -v a="$t0" -v b="$t1" -v bt="$BASE_T" \
			'BEGIN { printf("%s: %.0f ms beyond boot = %.3f ms, %.0f emulated instructions and %.1f exits per %s (of %d)",
			         l, (b - a - bt) * 1000, (b - a - bt) * 1000 / u, (i - bi) / u, (e - be) / u, n, u) }')")
	fi
	STATS_LINES+=("    $(quote "$@")")
}

bench_stats()
{
	[[ $STATS == 1 ]] || return 0
	progress "cost breakdown: bothy --log debug"
	BASE_INSN=
	debug_stats "boot (echo hello)" 1 run \
		"$BOTHY" run --log debug -v "$TREE:/d" "$BUSYBOX" echo hello
	debug_stats "find of one directory" $((1 + NFILES)) entry \
		"$BOTHY" run --log debug -v "$TREE:/d" "$BUSYBOX" find /d/d0
	debug_stats "cat" "$BIG_MIB" MiB \
		"$BOTHY" run --log debug -v "$BIG_DIR:/d" "$BUSYBOX" cat /d/file100M
	debug_stats "dd bs=1M count=10" 10 MiB \
		"$BOTHY" run --log debug -v "$BIG_DIR:/d" "$BUSYBOX" dd if=/d/file100M of=/dev/null \
		bs=1M count=10 status=none
}


# print_rows KIND BASE KEYS... - one table: KIND read (MiB/s, % of the
# native throughput) or find (x the native time); BASE is the native key
# for ratios; bothy rows also net of bothy-boot's median.
print_rows()
{
	local kind=$1 base=$2 key med rate ratio net nrate nratio boot=${MED[bothy-boot]:-}
	shift 2
	for key in "$@"; do
		if [[ -z ${MED[$key]:-} ]]; then
			printf '%-36s %4s %9s %9s %9s %9s %10s | %9s %9s %10s\n' "${LABEL[$key]:-$key}" - n/a n/a n/a n/a n/a n/a n/a n/a
			continue
		fi
		med=${MED[$key]}
		read -r rate ratio < <(awk -v k="$kind" -v t="$med" -v b="${MED[$base]:-}" -v m="$BIG_MIB" \
			'BEGIN { if (k == "read") printf("%.1f ", m / t); else printf("- ");
			         if (b == "") print "n/a"; else if (k == "read") printf("%.2f%%\n", 100 * b / t);
			         else printf("%.2fx\n", t / b) }')
		net=- nrate=- nratio=-
		if [[ $kind == boot ]]; then
			:
		elif [[ $key == bothy-* && -n $boot ]]; then
			read -r net nrate nratio < <(awk -v k="$kind" -v t="$med" -v bt="$boot" \
				-v b="${MED[$base]:-}" -v m="$BIG_MIB" \
				'BEGIN { n = t - bt; if (n <= 0) { print "<0 - -"; exit }
				         printf("%s ", n < 1 ? sprintf("%.1fms", n * 1000) : sprintf("%.2fs", n));
				         if (k == "read") printf("%.1f ", m / n); else printf("- ");
				         if (b == "") print "n/a"; else if (k == "read") printf("%.2f%%\n", 100 * b / n);
				         else printf("%.2fx\n", n / b) }')
		elif [[ $key == linux-* ]]; then
			# Timed in the guest: there is no boot to take off.
			net=$(fmt_t "$med" | tr -d ' ') nrate=$rate nratio=$ratio
		fi
		printf '%-36s %4s %9s %9s %9s %9s %10s | %9s %9s %10s\n' "${LABEL[$key]:-$key}" "${NRUNS[$key]}" \
			"$(fmt_t "$med")" "$(fmt_t "${MIN[$key]}")" "$(fmt_t "${MAX[$key]}")" "$rate" "$ratio" \
			"$net" "$nrate" "$nratio"
	done
}

print_header()
{
	printf '%-36s %4s %9s %9s %9s %9s %10s | %9s %9s %10s\n' "$1" runs median min max "$2" "$3" \
		"-boot" "$2" "$3"
}

print_tables()
{
	local key kvm="usable"
	[[ ! -d /sys/module/kvm_pvm ]] || kvm="usable (PVM, software nested)"
	echo
	echo "host: $(uname -sr), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "/dev/kvm: $kvm; timer: $([[ -n $HYPERFINE ]] && "$HYPERFINE" --version || echo "a shell loop") (Linux VM rows: the host, at the guest's serial markers)"
	echo "data: $BIG ($BIG_MIB MiB), $TREE ($NDIRS x $NFILES files, $ENTRIES entries with the directories)"
	echo "'-boot': a bothy row minus the median of 'bothy: busybox echo hello' (its boot, the share and exit)"
	echo
	print_header "boot (echo hello)" "" "x native"
	print_rows boot native-boot native-boot bothy-boot linux-boot linux-total
	echo
	print_header "read a $BIG_MIB MiB file" "MiB/s" "of native"
	print_rows read native-cat native-cat bothy-cat linux-cat
	print_rows read native-dd native-dd bothy-dd linux-dd
	echo
	print_header "find over $ENTRIES entries" "" "x native"
	print_rows find native-find native-find bothy-find linux-find
	echo
	for key in native-boot bothy-boot linux-boot linux-total native-cat bothy-cat linux-cat \
		native-dd bothy-dd linux-dd native-find bothy-find linux-find; do
		[[ -z ${NOTE[$key]:-} ]] || printf 'n/a %s: %s\n' "${LABEL[$key]:-$key}" "${NOTE[$key]}"
	done
	echo
	echo "issue 3 targets (reported, not enforced):"
	awk -v n="${MED[native-cat]:-}" -v b="${MED[bothy-cat]:-}" -v bt="${MED[bothy-boot]:-}" \
		'BEGIN { if (n == "" || b == "") { print "  read >= 50% of native cat: n/a"; exit }
		         printf("  read >= 50%% of native cat: %.2f%% (%.2f%% minus boot)\n", 100 * n / b,
		                b > bt && bt != "" ? 100 * n / (b - bt) : 0) }'
	awk -v n="${MED[native-find]:-}" -v b="${MED[bothy-find]:-}" -v bt="${MED[bothy-boot]:-}" \
		'BEGIN { if (n == "" || b == "") { print "  find within 3x native: n/a"; exit }
		         printf("  find within 3x native: %.0fx (%.0fx minus boot)\n", b / n,
		                b > bt && bt != "" ? (b - bt) / n : 0) }'
	if ((${#STATS_LINES[@]})); then
		echo
		echo "where bothy's time goes (one run each with --log debug; per unit beyond the boot run):"
		printf '  %s\n' "${STATS_LINES[@]}"
	fi
	echo
	echo "command lines:"
	for key in native-boot bothy-boot native-cat bothy-cat native-dd bothy-dd native-find \
		bothy-find linux-cat linux-dd linux-find; do
		[[ -z ${CMDLINE[$key]:-} ]] || printf '  %-34s %s\n' "${LABEL[$key]}:" "${CMDLINE[$key]}"
	done
	if [[ -n $LINUX_CMDLINE ]]; then
		echo "  Linux VM (QEMU, one boot for all its rows; modules: ${LINUX_MODS[*]}):"
		echo "    $LINUX_CMDLINE"
		[[ -z ${NOTE[linux-mount]:-} ]] || echo "    guest mount: ${NOTE[linux-mount]}"
	fi
}

main()
{
	local t0=$EPOCHREALTIME
	requirements
	prepare_data
	bench_boot
	bench_read
	bench_find
	bench_linux
	bench_stats
	print_tables
	echo
	echo "total time of the benchmark: $(fmt_t "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')")"
}

main "$@"
