#!/usr/bin/env bash
# bench/dynamic/run.sh - the start-up benchmark for dynamic Debian programs:
# how long `lua5.4 -e ''`, `python3 -c pass` and `python3 -S -c pass` take
# end to end, side by side in one run with
#   - the same program run natively,
#   - `bothy run` (the KVM monitor) and `bothy run --vmm qemu`, with the
#     guest's default file view, else (KVM monitor only) `--root /`,
#   - a Linux VM: Debian's kernel under QEMU microvm with TCG, the host's /
#     as its root over virtio-9p (read-only), the program timed in the guest
#     (the VM's boot reported apart).
# For each Bothy run of the KVM monitor, the VM exits and emulated ring-0
# instructions of one start (`--log debug`), and the issue's target, bothy
# within 3x native, reported met or missed.
#
# A benchmark, not a test: it reports, and fails only when it cannot run.
# Timing: hyperfine when installed, else a loop; median, min and max.
# Environment: RUNS (timed runs per row, default 10), LINUX_RUNS (runs per
# program in the Linux VM, default RUNS), PY_S (0 drops python3 -S), LINUX
# (0 drops the Linux VM), STATS (0 drops the --log debug counts), BOTHY_OPTS
# (bothy options for the KVM monitor rows, used as given: no fallback),
# QEMU_OPTS (the same for the --vmm qemu rows), TIMEOUT (seconds per bothy
# run, default 120), LINUX_TIMEOUT (the whole Linux VM run, default 600),
# LINUX_KERNEL and LINUX_MODULES (a bzImage and its lib/modules/VERSION),
# BOTHY (default build/bothy), LUA and PYTHON (default /usr/bin/lua5.4 and
# /usr/bin/python3).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh

RUNS=${RUNS:-10}
LINUX_RUNS=${LINUX_RUNS:-$RUNS}
PY_S=${PY_S:-1}
LINUX=${LINUX:-1}
STATS=${STATS:-1}
TIMEOUT=${TIMEOUT:-120}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-600}
BOTHY=${BOTHY:-build/bothy}
LUA=${LUA:-/usr/bin/lua5.4}
PYTHON=${PYTHON:-/usr/bin/python3}
B=build/bench/dynamic
# What a probe run prints: it shows that the program really ran.
OK=bothy-bench-ok
# The 9p modules the Linux VM loads (their dependencies from .modinfo).
LINUX_MODULES_WANTED=(virtio_mmio 9pnet_virtio 9p)

# One key per program; for each, the timed command and a probe that prints
# OK (read through namerefs: local -n cmd=CMD_$p).
# shellcheck disable=SC2034
{
	PROGS=(lua py)
	NAME_lua="lua5.4 -e ''"
	CMD_lua=("$LUA" -e '')
	PROBE_lua=("$LUA" -e "print('$OK')")
	NAME_py="python3 -c pass"
	CMD_py=("$PYTHON" -c pass)
	PROBE_py=("$PYTHON" -c "print('$OK')")
	NAME_pyS="python3 -S -c pass"
	CMD_pyS=("$PYTHON" -S -c pass)
	PROBE_pyS=("$PYTHON" -S -c "print('$OK')")
}
[[ $PY_S == 0 ]] || PROGS+=(pyS)

declare -A LABEL MED MIN MAX NRUNS NOTE CMDLINE EXITS INSNS FSCALLS
HYPERFINE=
QEMU=
KVM=
LINUX_CMDLINE=
LINUX_MODS=()





# requirements - exit with one line when something the bench needs is missing.
requirements()
{
	[[ -x $BOTHY ]] || die "$BOTHY is missing: run \`make\` first"
	[[ -x $LUA ]] || die "$LUA is missing: scripts/install-deps.sh installs it (lua5.4)"
	[[ -x $PYTHON ]] || die "$PYTHON is missing: scripts/install-deps.sh installs it (python3)"
	HYPERFINE=$(command -v hyperfine) || HYPERFINE=
	QEMU=$(command -v qemu-system-x86_64) || QEMU=
	! kvm_usable || KVM=1
	mkdir -p "$B"
}


# timed KEY RUNS WARMUP CMD... - time RUNS runs of CMD after WARMUP untimed
# ones, output to /dev/null, with hyperfine if there is one (the whole of it
# bounded by TIMEOUT per run), else a loop. Sets MED, MIN, MAX, NRUNS (in
# seconds), or NOTE on failure (returns 1).
timed()
{
	local key=$1 n=$2 w=$3 i t0 t1 res status
	shift 3
	CMDLINE[$key]=$(quote "$@")
	progress "timing: ${LABEL[$key]} ($n runs)"
	if [[ -n $HYPERFINE ]]; then
		if ! timeout $((TIMEOUT * (n + w))) "$HYPERFINE" -N --style basic --runs "$n" \
			--warmup "$w" --output null -n "$key" --export-csv "$B/$key.csv" \
			-- "${CMDLINE[$key]}" >"$B/$key.log" 2>&1; then
			NOTE[$key]="hyperfine: $(grep -m 1 -i error "$B/$key.log" || tail -n 1 "$B/$key.log")"
			return 1
		fi
		# command,mean,stddev,median,user,system,min,max
		IFS=, read -r _ _ _ "MED[$key]" _ _ "MIN[$key]" "MAX[$key]" < <(sed -n 2p "$B/$key.csv")
		NRUNS[$key]=$n
		return 0
	fi
	: >"$B/$key.times"
	for ((i = -w; i < n; i++)); do
		status=0
		t0=$EPOCHREALTIME
		timeout "$TIMEOUT" "$@" </dev/null >/dev/null 2>"$B/$key.log" || status=$?
		t1=$EPOCHREALTIME
		if ((status)); then
			NOTE[$key]="exit status $status: $(head -n 1 "$B/$key.log")"
			return 1
		fi
		((i < 0)) || awk -v a="$t0" -v b="$t1" 'BEGIN { printf("%.6f\n", b - a) }' >>"$B/$key.times"
	done
	res=$(stats <"$B/$key.times")
	read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "NRUNS[$key]" <<<"$res"
}

# probe KEY CMD... - run CMD once (also the warm-up); true when it exits 0
# and prints OK. Otherwise PROBE_WHY says why.
probe()
{
	local key=$1 out status=0
	shift
	out=$(timeout "$TIMEOUT" "$@" </dev/null 2>"$B/$key.probe") || status=$?
	if ((status == 124)); then
		PROBE_WHY="timed out after ${TIMEOUT}s"
	elif ((status)); then
		PROBE_WHY="exit status $status: $(grep -m 1 . "$B/$key.probe" || true)"
	elif [[ $out != "$OK" ]]; then
		PROBE_WHY="printed '$(head -c 80 <<<"$out" | head -n 1)', not '$OK'"
	else
		return 0
	fi
	return 1
}

bench_native()
{
	local p key
	for p in "${PROGS[@]}"; do
		local -n cmd=CMD_$p probe_cmd=PROBE_$p
		key=$p-native
		LABEL[$key]="native"
		if probe "$key" "${probe_cmd[@]}"; then
			timed "$key" "$RUNS" 3 "${cmd[@]}" || true
		else
			NOTE[$key]=$PROBE_WHY
		fi
		unset -n cmd probe_cmd
	done
}

# bench_bothy P VMM - the bothy row of program P under VMM (kvm or qemu):
# the options of BOTHY_OPTS / QEMU_OPTS if set, else the default file view,
# else (kvm) --root /; the first whose probe prints OK is timed.
bench_bothy()
{
	local p=$1 vmm=$2 key=$1-$2 tried='' o opts vmmopt=() cands=()
	local -n cmd=CMD_$p probe_cmd=PROBE_$p name=NAME_$p
	if [[ $vmm == kvm ]]; then
		LABEL[$key]="bothy run (kvm)"
		if [[ -n ${BOTHY_OPTS+x} ]]; then cands=("$BOTHY_OPTS"); else cands=("" "--root /"); fi
	else
		LABEL[$key]="bothy run --vmm qemu"
		vmmopt=(--vmm qemu)
		# --root is the KVM monitor's: under QEMU only the default view.
		if [[ -n ${QEMU_OPTS+x} ]]; then cands=("$QEMU_OPTS"); else cands=(""); fi
	fi
	if [[ $vmm == kvm && -z $KVM ]]; then
		NOTE[$key]="skipped: /dev/kvm is missing or not usable"
		return 0
	elif [[ $vmm == qemu && -z $QEMU ]]; then
		NOTE[$key]="skipped: qemu-system-x86_64 is not installed"
		return 0
	fi
	for o in "${cands[@]}"; do
		read -ra opts <<<"$o"
		progress "checking: ${LABEL[$key]}, ${o:-default view}: $name"
		if probe "$key" "$BOTHY" run "${vmmopt[@]}" "${opts[@]}" "${probe_cmd[@]}"; then
			LABEL[$key]+=", ${o:-default view}"
			[[ -z $tried ]] || NOTE[$key]="used $o, as $tried"
			timed "$key" "$RUNS" 0 "$BOTHY" run "${vmmopt[@]}" "${opts[@]}" "${cmd[@]}" || true
			[[ $vmm != kvm ]] || bothy_stats "$key" "${opts[@]}" "${cmd[@]}"
			unset -n cmd probe_cmd name
			return 0
		fi
		tried+="${tried:+; }${o:-the default file view} failed ($PROBE_WHY)"
	done
	if [[ $vmm == qemu && -z ${QEMU_OPTS+x} ]]; then
		NOTE[$key]="skipped, as $tried, and --root is not supported with --vmm qemu"
	else
		NOTE[$key]="skipped: $tried"
	fi
	unset -n cmd probe_cmd name
}

# bothy_stats KEY OPTS-AND-CMD... - one run of the KVM monitor with --log
# debug: sets EXITS and INSNS[KEY] from its vCPU statistics line (KVM's
# binary statistics, monitor/kvm_stats.c) and FSCALLS[KEY] from its
# hypercalls line (BOTHY_HC_FS: the file operations sent to the monitor).
bothy_stats()
{
	local key=$1 line
	shift
	[[ $STATS == 1 ]] || return 0
	timeout "$TIMEOUT" "$BOTHY" run --log debug "$@" </dev/null >/dev/null 2>"$B/$key.debug" || true
	line=$(grep -m 1 'vCPU statistics:' "$B/$key.debug" || true)
	[[ -n $line ]] || { EXITS[$key]="n/a" && INSNS[$key]="n/a" && return 0; }
	EXITS[$key]=$(sed -n 's/.* exits=\([0-9]*\).*/\1/p' <<<"$line")
	INSNS[$key]=$(sed -n 's/.* insn_emulation=\([0-9]*\).*/\1/p' <<<"$line")
	EXITS[$key]=${EXITS[$key]:-0}
	INSNS[$key]=${INSNS[$key]:-0}
	FSCALLS[$key]=$(sed -n 's/^bothy: hypercalls: .* fs=\([0-9]*\).*/\1/p' "$B/$key.debug")
	FSCALLS[$key]=${FSCALLS[$key]:-n/a}
}

# debian_kernel, linux_kernel
# shellcheck source=bench/lib/linux.sh
. bench/lib/linux.sh



# linux_initramfs MODDIR - write $B/linux.cpio: static busybox, the 9p
# modules and an /init that mounts the host's / (9p, read-only) on /mnt
# with the guest's own /dev, /proc and a tmpfs /tmp over it, then runs
# bench.sh chrooted there with the host's /bin/sh. bench.sh probes each
# program once (also the warm-up), then runs it LINUX_RUNS times between
# @start and @end markers that the host timestamps. Prints why on failure.
linux_initramfs()
{
	local d=$B/linux-initramfs m p
	rm -rf "$d"
	mkdir -p "$d"/{bin,dev,proc,mnt,lib/modules}
	LINUX_MODS=()
	for m in "${LINUX_MODULES_WANTED[@]}"; do
		module_add "$1" "$d/lib/modules" "$m" || return 1
	done
	cp /bin/busybox "$d/bin/busybox"
	# The kernel gives /init the console as fds 0-2 only if it exists.
	[[ $(id -u) -ne 0 ]] || mknod "$d/dev/console" c 5 1
	{
		linux_init_head bench/dynamic/run.sh
		cat <<EOF
mount -t 9p -o ro,trans=virtio,version=9p2000.L share /mnt || fail "mount -t 9p share /mnt"
echo "@mount \$(grep ' /mnt ' /proc/mounts)"
mount -t devtmpfs dev /mnt/dev || fail "mount /mnt/dev"
mount -t proc proc /mnt/proc || fail "mount /mnt/proc"
mount -t tmpfs tmp /mnt/tmp || fail "mount /mnt/tmp"
cp /bench.sh /mnt/tmp/bench.sh
echo @ready
PATH=/usr/bin:/bin chroot /mnt /bin/sh /tmp/bench.sh </dev/null
echo @done
exec poweroff -f
EOF
	} >"$d/init"
	{
		echo "# Made by bench/dynamic/run.sh; run by the host's /bin/sh in the guest."
		# shellcheck disable=SC2016 # the guest's shell expands these
		printf '%s\n' 'run() { key=$1; shift; i=0; while [ $i -lt '"$LINUX_RUNS"' ]; do' \
			'	echo "@start $key"; "$@" </dev/null >/dev/null; echo "@end $key $?"; i=$((i + 1)); done; }'
		for p in "${PROGS[@]}"; do
			local -n cmd=CMD_$p probe_cmd=PROBE_$p
			echo "echo \"@probe $p \$($(quote "${probe_cmd[@]}") </dev/null 2>&1 | head -n 1)\""
			echo "run $p $(quote "${cmd[@]}")"
			unset -n cmd probe_cmd
		done
	} >"$d/bench.sh"
	chmod +x "$d/init"
	(cd "$d" && find . | cpio -o -H newc -R 0:0 --quiet) >"$B/linux.cpio"
}

# linux_marker NAME - seconds from QEMU's start to the guest's @NAME line.
linux_marker()
{
	awk -v t0="$LINUX_T0" -v m="@$1" '$2 == m { printf("%.6f\n", $1 - t0); exit }' "$B/linux.log"
}

# bench_linux - one QEMU microvm (TCG) boot of Debian's kernel with the
# host's / shared read-only over virtio-9p; the guest runs each program
# between markers that the host timestamps as they arrive on the serial
# port (the guest's clock is wrong under TCG: see bench/files).
bench_linux()
{
	local k why p key res t
	for p in "${PROGS[@]}"; do LABEL[$p-linux]="Linux VM (TCG, 9p root), in the guest"; done
	[[ $LINUX == 1 ]] || { LINUX_WHY="skipped: LINUX=0" && return 0; }
	if ! linux_prepare; then
		return 0
	fi
	k=$LINUX_K
	local cmd=("$QEMU" -M microvm -accel tcg -cpu max -m 512M -nodefaults -no-user-config
		-display none -serial stdio -no-reboot -kernel "$k" -initrd "$B/linux.cpio"
		-fsdev "local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap"
		-device "virtio-9p-device,fsdev=fs0,mount_tag=share"
		-append "console=ttyS0 panic=-1 reboot=t tsc_early_khz=2000000 quiet")
	LINUX_CMDLINE=$(quote "${cmd[@]}")
	LINUX_KNAME=$(basename "$k")
	progress "timing: the Linux VM ($LINUX_KNAME, TCG; a minute or two)"
	LINUX_T0=$EPOCHREALTIME
	linux_run "${cmd[@]}"
	why=$LINUX_WHY
	for p in "${PROGS[@]}"; do
		key=$p-linux
		CMDLINE[$key]="(in the guest, chroot /mnt) $(sed -n "s/^run $p //p" "$B/linux-initramfs/bench.sh")"
		res=$(sed -n "s/^[0-9.]* @probe $p //p" "$B/linux.log")
		if [[ $res != "$OK" ]]; then
			NOTE[$key]=${why:-"the probe printed '${res:0:80}', not '$OK'"}
			continue
		fi
		if grep -q "^[0-9.]* @end $p [^0]" "$B/linux.log"; then
			NOTE[$key]="exit status $(sed -n "s/^[0-9.]* @end $p //p" "$B/linux.log" | grep -v '^0$' | head -n 1)"
			continue
		fi
		if ! res=$(awk -v k="$p" '$2 == "@start" && $3 == k { t = $1 }
			$2 == "@end" && $3 == k { printf("%.6f\n", $1 - t) }' "$B/linux.log" | stats); then
			NOTE[$key]=${why:-"no run finished (see $B/linux.log)"}
			continue
		fi
		read -r "MED[$key]" "MIN[$key]" "MAX[$key]" "NRUNS[$key]" <<<"$res"
	done
	LINUX_WHY=$why
	for t in init ready qemu-exit; do
		LINUX_AT[$t]=$(linux_marker "$t")
	done
	LINUX_MOUNT=$(sed -n 's/^[0-9.]* @mount //p' "$B/linux.log")
}


# ratio A B - A / B as "12.3x".
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf(r >= 100 ? "%.0fx" : r >= 10 ? "%.1fx" : "%.2fx", r) }'
}

# row NAME RUNS MEDIAN MIN MAX RATIO EXITS FSCALLS INSNS - one line of a table.
row()
{
	printf '  %-44s %4s %10s %10s %10s %10s %8s %8s %12s\n' "$@"
}

# print_program P - the table of program P.
print_program()
{
	local p=$1 key base=${MED[$1-native]:-} r
	local -n name=NAME_$p
	printf '%s\n' "$name"
	row "" runs median min max "x native" exits "fs hc" "emul. insns"
	for key in $p-native $p-kvm $p-qemu $p-linux; do
		if [[ -z ${MED[$key]:-} ]]; then
			row "${LABEL[$key]}" - n/a n/a n/a n/a - - -
			continue
		fi
		r=n/a
		[[ -z $base ]] || r=$(ratio "${MED[$key]}" "$base")
		row "${LABEL[$key]}" "${NRUNS[$key]}" "$(fmt_t "${MED[$key]}")" \
			"$(fmt_t "${MIN[$key]}")" "$(fmt_t "${MAX[$key]}")" "$r" "${EXITS[$key]:--}" \
			"${FSCALLS[$key]:--}" "${INSNS[$key]:--}"
	done
	for key in $p-native $p-kvm $p-qemu $p-linux; do
		[[ -z ${NOTE[$key]:-} ]] || printf '    %s: %s\n' "${LABEL[$key]}" "${NOTE[$key]}"
	done
	unset -n name
}

print_report()
{
	local p key kvm=usable all=met any='' r t
	[[ -n $KVM ]] || kvm="not usable"
	[[ ! -d /sys/module/kvm_pvm ]] || kvm="$kvm (PVM, software nested)"
	echo
	echo "host: $(uname -sr), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "/dev/kvm: $kvm; timer: $([[ -n $HYPERFINE ]] && "$HYPERFINE" --version || echo "a shell loop"), after a probe run (Linux VM rows: the host, at the guest's serial markers)"
	echo "exits, fs hc, emul. insns: one start under bothy run --log debug (KVM's vCPU statistics exits and"
	echo "  insn_emulation; the file hypercalls the monitor counted)"
	echo
	for p in "${PROGS[@]}"; do
		print_program "$p"
		echo
	done
	if [[ -n ${LINUX_KNAME:-} ]]; then
		echo "Linux VM: $LINUX_KNAME, QEMU microvm with TCG, the host's / over virtio-9p (read-only)"
	else
		echo "Linux VM: n/a"
	fi
	if [[ -n ${LINUX_AT[init]:-} ]]; then
		echo "  boot, QEMU start to /init:            $(fmt_t "${LINUX_AT[init]}")"
		[[ -z ${LINUX_AT[ready]:-} ]] ||
			echo "  to the 9p root mounted (modules):     $(fmt_t "${LINUX_AT[ready]}")"
		[[ -z ${LINUX_AT[qemu-exit]:-} ]] ||
			echo "  the whole QEMU run (every program):   $(fmt_t "${LINUX_AT[qemu-exit]}")"
	fi
	[[ -z ${LINUX_WHY:-} ]] || echo "  n/a: $LINUX_WHY"
	echo
	echo "target: bothy within 3x native"
	for p in "${PROGS[@]}"; do
		local -n name=NAME_$p
		for key in $p-kvm $p-qemu; do
			[[ -n ${MED[$key]:-} && -n ${MED[$p-native]:-} ]] || continue
			any=1
			r=$(awk -v a="${MED[$key]}" -v b="${MED[$p-native]}" 'BEGIN { print (a <= 3 * b) ? "met" : "missed" }')
			[[ $r == met ]] || all=missed
			printf '  %-20s %-44s %8s  %s\n' "$name" "${LABEL[$key]}" \
				"$(ratio "${MED[$key]}" "${MED[$p-native]}")" "$r"
		done
		unset -n name
	done
	[[ -n $any ]] || all="n/a (no bothy row ran)"
	echo "  overall: $all"
	echo
	echo "command lines:"
	for p in "${PROGS[@]}"; do
		for key in $p-native $p-kvm $p-qemu $p-linux; do
			[[ -z ${CMDLINE[$key]:-} ]] || printf '  %s\n' "${CMDLINE[$key]}"
		done
	done
	if [[ -n $LINUX_CMDLINE ]]; then
		echo "  Linux VM (one boot for all its rows; modules: ${LINUX_MODS[*]}):"
		echo "    $LINUX_CMDLINE"
		[[ -z ${LINUX_MOUNT:-} ]] || echo "    guest mount: $LINUX_MOUNT"
	fi
}

main()
{
	local t0=$EPOCHREALTIME p
	declare -gA LINUX_AT=()
	requirements
	bench_native
	for p in "${PROGS[@]}"; do
		bench_bothy "$p" kvm
		bench_bothy "$p" qemu
	done
	bench_linux
	print_report
	echo
	echo "total time of the benchmark: $(fmt_t "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')")"
}

main "$@"
