#!/usr/bin/env bash
# bench/net/run.sh - the networking benchmark (issue 6): servers in Bothy
# against the same binaries natively, side by side in one run, on
#   - native       the host, over loopback (127.0.0.1)
#   - kvm          `bothy run -p HOSTPORT:GUESTPORT` (the KVM monitor,
#                  libslirp, the default --net slirp)
#   - kvm-tap      `bothy run --net tap:bothybench0 --ip 10.0.5.3/24`: a tap
#                  interface this script makes (10.0.5.1/24 on the host; needs
#                  root and /dev/net/tun) and removes at the end; the clients
#                  connect to 10.0.5.3 directly
#   - qemu         `bothy run --vmm qemu -p ...` (QEMU's user networking,
#                  hostfwd; TCG on PVM hosts, as bothy chooses)
#   - linux        a Linux VM: Debian's kernel (bench/lib/linux.sh) on QEMU
#                  microvm (TCG, like the qemu rows) with a virtio-net card on
#                  QEMU's user networking (hostfwd), busybox and tcpbulk in
#                  its initramfs: the bulk tests only (nginx and redis are
#                  dynamic programs that the initramfs does not carry: their
#                  cells say so)
# Tests (each server started fresh per platform and stopped after):
#   nginx     Debian's nginx-light, one process (tests/net/nginx.conf), a
#             26-byte index.html: `wrk -t2 -c16 -dWRK_SECONDS` requests/s
#   redis     redis-server --save '' --appendonly no: `redis-benchmark -q
#             -n REDIS_N -t set,get -P 1`, requests/s of SET and of GET
#   bulk-in   host -> guest: bench/net/tcpbulk (static musl) as a sink in
#             the guest, `tcpbulk send` on the host: MB/s of BULK_MIB MiB,
#             until the sink has counted every byte
#   bulk-out  guest -> host: tcpbulk as a source in the guest, `tcpbulk
#             recv` on the host: MB/s
# Bulk runs BULK_REPS times per platform; the cells are the median (min,
# max). "x native" is the ratio to the native row (higher is better). The
# issue's targets, reported, never enforced: nginx and redis requests/s
# >= 0.5x native (aim 1.0x with tap). For reference (not measured here):
# Unikraft reports its nginx at 1.7x native Linux and 2.8x a Linux VM.
#
# Reading the numbers: on PVM hosts (software nested virtualization) every
# guest system call and every device notification costs ~0.5-1 ms, which
# dominates; the qemu rows run under TCG. Compare rows of one run.
#
# A benchmark, not a test: a cell that cannot run says "fails: <reason>";
# every command is bounded by a timeout. Environment: PLATFORMS (default
# "native kvm kvm-tap qemu linux"), TESTS (default "nginx redis bulk-in
# bulk-out"), WRK_SECONDS (30), WRK_THREADS (2), WRK_CONNS (16), REDIS_N
# (100000; qemu: REDIS_N_TCG 10000; kvm: REDIS_N_KVM 500), BULK_MIB (256;
# qemu: BULK_MIB_TCG 32; kvm: BULK_MIB_KVM 2),
# BULK_REPS (3), TAP (bothybench0), BOTHY (build/bothy). The issue's full
# socket test (1 GiB each way, 1000 connections) is
#   bothy run build/tests/musl/sock_tcp_bulk 1024 1000
# and is run here too with FULL_SOCK_TEST=1 (native and kvm; minutes).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh
ROOT=$PWD
# shellcheck source=bench/lib/linux.sh
. bench/lib/linux.sh
# shellcheck source=tests/lib/net.sh
. tests/lib/net.sh

WRK_SECONDS=${WRK_SECONDS:-30}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-16}
REDIS_N=${REDIS_N:-100000}
REDIS_N_TCG=${REDIS_N_TCG:-10000}
REDIS_N_KVM=${REDIS_N_KVM:-500} # PVM: ~40 requests/s
BULK_MIB=${BULK_MIB:-256}
BULK_MIB_TCG=${BULK_MIB_TCG:-32}
BULK_MIB_KVM=${BULK_MIB_KVM:-2} # PVM: well under 1 MB/s
BULK_REPS=${BULK_REPS:-3}
TAP=${TAP:-bothybench0}
TAP_HOST=10.0.5.1
TAP_GUEST=10.0.5.3
BOTHY=${BOTHY:-build/bothy}
BOTHY=$(realpath -m "$BOTHY")
FULL_SOCK_TEST=${FULL_SOCK_TEST:-}
read -ra PLATFORMS <<<"${PLATFORMS:-native kvm kvm-tap qemu linux}"
read -ra TESTS <<<"${TESTS:-nginx redis bulk-in bulk-out}"
B=$ROOT/build/bench/net
NET_LIMIT=$((WRK_SECONDS + 600))

# Per cell, keyed PLATFORM-TEST (redis: PLATFORM-redis-set, -redis-get):
# the value (requests/s or MB/s), min and max, or why it failed.
declare -A VAL VMIN VMAX NOTE CMDLINE
TAP_MADE=
TAP_WHY=

build() {
	command -v musl-gcc >/dev/null || die "musl-gcc is missing: run scripts/install-deps.sh"
	mkdir -p "$B"
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$B/tcpbulk" bench/net/tcpbulk.c ||
		die "cannot build $B/tcpbulk"
	[[ -x $BOTHY ]] || progress "$BOTHY is missing (run make): the bothy rows will fail"
}

# tap_up - make the tap interface for kvm-tap; sets TAP_WHY when it cannot.
tap_up() {
	if [[ $(id -u) != 0 ]]; then
		TAP_WHY="a tap interface needs root"
	elif [[ ! -c /dev/net/tun ]]; then
		TAP_WHY="/dev/net/tun is missing"
	elif ip link show "$TAP" >/dev/null 2>&1; then
		TAP_WHY="$TAP exists already (remove it, or set TAP=another name)"
	elif ! ip tuntap add dev "$TAP" mode tap 2>"$B/tap.err" ||
		! ip addr add "$TAP_HOST/24" dev "$TAP" 2>>"$B/tap.err" ||
		! ip link set "$TAP" up 2>>"$B/tap.err"; then
		TAP_WHY="cannot make $TAP: $(head -n 1 "$B/tap.err")"
		ip link del "$TAP" 2>/dev/null || true
	else
		TAP_MADE=1
	fi
}

tap_down() {
	[[ -z $TAP_MADE ]] || ip link del "$TAP" 2>/dev/null || true
	TAP_MADE=
}

# plat_why PLATFORM - why PLATFORM cannot run here (empty if it can).
plat_why() {
	case $1 in
	native) ;;
	kvm | kvm-tap | qemu)
		if [[ ! -x $BOTHY ]]; then
			echo "$BOTHY is missing (run make)"
		elif [[ $1 != qemu ]] && ! kvm_usable; then
			echo "/dev/kvm is missing or not usable"
		elif [[ $1 == qemu ]] && ! command -v qemu-system-x86_64 >/dev/null; then
			echo "qemu-system-x86_64 is not installed"
		elif [[ $1 == kvm-tap ]]; then
			echo "$TAP_WHY"
		fi
		;;
	linux) ;;
	*) die "unknown platform '$1' (native kvm kvm-tap qemu linux)" ;;
	esac
}

# label PLATFORM - the row's name.
label() {
	case $1 in
	native) echo "native (loopback)" ;;
	kvm) echo "bothy kvm, slirp -p" ;;
	kvm-tap) echo "bothy kvm, tap" ;;
	qemu) echo "bothy --vmm qemu, user net" ;;
	linux) echo "Linux VM (QEMU)" ;;
	esac
}

# start PLATFORM KEY GUESTPORT [BOTHY-OPTIONS...] -- PROG ARGS... - start a
# server; sets HOST (the address the client uses) and HP (its port).
start() {
	local plat=$1 key=$2 gp=$3 opts=()
	shift 3
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	HOST=127.0.0.1
	HP=$(net_free_port)
	local cmd=()
	case $plat in
	native) cmd=("$@") ;;
	kvm) cmd=("$BOTHY" run -p "$HP:$gp" "${opts[@]}" "$@") ;;
	qemu) cmd=("$BOTHY" run --vmm qemu -p "$HP:$gp" "${opts[@]}" "$@") ;;
	kvm-tap)
		cmd=("$BOTHY" run --net "tap:$TAP" --ip "$TAP_GUEST/24" --gateway "$TAP_HOST"
			"${opts[@]}" "$@")
		HOST=$TAP_GUEST
		HP=$gp
		;;
	esac
	CMDLINE[$key]=$(quote "${cmd[@]}")
	mkdir -p "$B/$key"
	timeout -k 5 "$NET_LIMIT" "${cmd[@]}" </dev/null >"$B/$key/out" 2>"$B/$key/err" &
	NET_PID=$!
}

# fail_cell KEY WHY - the cell fails; stop the server.
fail_cell() {
	NOTE[$1]="fails: $2"
	net_stop
}

# why_server KEY - the server's last stderr line.
why_server() {
	local line
	line=$(grep -v '^$' "$B/$1/err" 2>/dev/null | tail -n 1 | cut -c1-150)
	echo "${line:-no message}"
}

bench_nginx() {
	local plat=$1 key=$1-nginx site tmp=/tmp gp=80 opts=() rps
	site=$B/site
	rm -rf -- "$site"
	mkdir -p "$site"
	net_www "$site/www"
	[[ $plat != native ]] || {
		mkdir -p "$site/tmp"
		tmp=$site/tmp
		gp=$(net_free_port)
	}
	net_conf tests/net/nginx.conf "$site/nginx.conf" "$gp" "$site/www" "$tmp"
	case $plat in
	kvm | kvm-tap) opts=(-v "$site:$site:ro") ;;
	qemu)
		(cd / && find "${site#/}" -depth -print | LC_ALL=C sort |
			cpio -o -H newc --quiet) >"$B/site.cpio"
		opts=(--initrd "$B/site.cpio")
		;;
	esac
	start "$plat" "$key" "$gp" "${opts[@]}" -- /usr/sbin/nginx -e stderr -c "$site/nginx.conf"
	[[ $plat != native ]] || HP=$gp
	if ! net_wait_cmd 120 curl -sf -o /dev/null "http://$HOST:$HP/index.html"; then
		fail_cell "$key" "nginx did not answer in 120 s: $(why_server "$key")"
		return 0
	fi
	progress "$(label "$plat"): wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s"
	timeout $((WRK_SECONDS + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WRK_SECONDS}s" \
		"http://$HOST:$HP/index.html" >"$B/$key/wrk" 2>&1 || true
	rps=$(net_wrk_rps "$B/$key/wrk")
	local problems
	problems=$(net_wrk_problems "$B/$key/wrk" | paste -sd';' -)
	if [[ -z $rps ]]; then
		NOTE[$key]="fails: ${problems:-wrk gave no result}"
	else
		VAL[$key]=$rps
		[[ -z $problems ]] || NOTE[$key]="errors: $problems"
	fi
	net_stop
}

bench_redis() {
	local plat=$1 key=$1-redis gp=6379 n=$REDIS_N t line
	[[ $plat != qemu ]] || n=$REDIS_N_TCG
	[[ $plat != kvm* ]] || n=$REDIS_N_KVM
	[[ $plat != native ]] || gp=$(net_free_port)
	start "$plat" "$key" "$gp" -- /usr/bin/redis-server --save '' --appendonly no --port "$gp" \
		--protected-mode no --dir /tmp
	[[ $plat != native ]] || HP=$gp
	if ! net_wait_cmd 120 sh -c "redis-cli -h $HOST -p $HP PING | grep -qx PONG"; then
		fail_cell "$key-set" "redis-server did not answer in 120 s: $(why_server "$key")"
		NOTE[$key-get]=${NOTE[$key-set]}
		return 0
	fi
	progress "$(label "$plat"): redis-benchmark -n $n -t set,get"
	timeout 600 redis-benchmark -h "$HOST" -p "$HP" -q -n "$n" -t set,get >"$B/$key/bench" 2>&1 || true
	tr '\r' '\n' <"$B/$key/bench" | grep -v '^ *$' >"$B/$key/bench.lines" || true
	for t in set get; do
		line=$(grep -i "^$t: .* requests per second" "$B/$key/bench.lines" | tail -n 1 || true)
		if [[ -n $line ]]; then
			VAL[$key-$t]=$(echo "$line" | sed 's/^[A-Z]*: *\([0-9.]*\) requests.*/\1/')
		else
			NOTE[$key-$t]="fails: $(tail -n 1 "$B/$key/bench.lines" | cut -c1-120)"
		fi
	done
	net_stop
}

# bench_bulk PLATFORM in|out
bench_bulk() {
	local plat=$1 dir=$2 key=$1-bulk-$2 gp=5001 mib=$BULK_MIB r vals=()
	[[ $plat != qemu ]] || mib=$BULK_MIB_TCG
	[[ $plat != kvm* ]] || mib=$BULK_MIB_KVM
	[[ $plat != native ]] || gp=$(net_free_port)
	if [[ $dir == in ]]; then
		start "$plat" "$key" "$gp" -- "$B/tcpbulk" sink "$gp"
	else
		start "$plat" "$key" "$gp" -- "$B/tcpbulk" source "$gp" "$mib"
	fi
	[[ $plat != native ]] || HP=$gp
	if ! net_wait_line "$B/$key" "listening on $gp" 120; then
		fail_cell "$key" "tcpbulk did not start in 120 s: $(why_server "$key")"
		return 0
	fi
	progress "$(label "$plat"): bulk $dir, $mib MiB x $BULK_REPS"
	for ((r = 0; r < BULK_REPS; r++)); do
		if [[ $dir == in ]]; then
			timeout 300 "$B/tcpbulk" send "$HOST" "$HP" "$mib" >"$B/$key/rep$r" 2>&1 || true
		else
			timeout 300 "$B/tcpbulk" recv "$HOST" "$HP" >"$B/$key/rep$r" 2>&1 || true
		fi
		local v
		v=$(sed -n 's/^rep .* s \([0-9.]*\) MB\/s.*/\1/p' "$B/$key/rep$r")
		if [[ -z $v ]]; then
			NOTE[$key]="fails: $(head -n 1 "$B/$key/rep$r" | cut -c1-120)"
			break
		fi
		# With slirp the host port accepts before the guest does: a first
		# connection may be reset while the guest listens; count only results.
		vals+=("$v")
	done
	if ((${#vals[@]})); then
		read -r "VAL[$key]" "VMIN[$key]" "VMAX[$key]" _ <<<"$(printf '%s\n' "${vals[@]}" | stats)"
		unset "NOTE[$key]"
		[[ $mib == "$BULK_MIB" ]] || NOTE[$key]="($mib MiB)"
	fi
	net_stop
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) { print "n/a"; exit } r = a / b;
		printf(r >= 100 ? "%.0fx" : r >= 10 ? "%.1fx" : "%.2fx", r) }'
}

# row TITLE KEYSUFFIX UNIT
print_table() {
	local title=$1 suffix=$2 unit=$3 plat key v
	echo "$title"
	printf '  %-28s %14s %10s  %s\n' platform "$unit" "x native" ""
	for plat in "${PLATFORMS[@]}"; do
		key=$plat-$suffix
		v=${VAL[$key]:-}
		if [[ -z $v ]]; then
			printf '  %-28s %s\n' "$(label "$plat")" "${NOTE[$key]:-not run}"
			continue
		fi
		local extra=${NOTE[$key]:-}
		[[ -z ${VMIN[$key]:-} ]] ||
			extra=$(printf 'min %.2f, max %.2f %s' "${VMIN[$key]}" "${VMAX[$key]}" "$extra")
		printf '  %-28s %14s %10s  %s\n' "$(label "$plat")" "$(awk -v v="$v" 'BEGIN { printf(v < 10 ? "%.2f" : "%.1f", v) }')" \
			"$([[ -n ${VAL[native-$suffix]:-} ]] && ratio "$v" "${VAL[native-$suffix]}" || echo n/a)" \
			"$extra"
	done
	echo
}

print_targets() {
	local plat key v n
	echo "issue 6 targets (reported, not enforced): requests/s >= 0.5x native, aim 1.0x with tap"
	for key in nginx redis-set redis-get; do
		for plat in kvm kvm-tap qemu; do
			[[ " ${PLATFORMS[*]} " == *" $plat "* ]] || continue
			v=${VAL[$plat-$key]:-}
			n=${VAL[native-$key]:-}
			if [[ -n $v && -n $n ]]; then
				printf '  %-10s %-28s %s %s\n' "$key" "$(label "$plat"):" "$(ratio "$v" "$n")" \
					"$(awk -v a="$v" -v b="$n" 'BEGIN { r = (a >= 0.5 * b) ? "met" : "missed"; print r }')"
			else
				printf '  %-10s %-28s n/a\n' "$key" "$(label "$plat"):"
			fi
		done
	done
}

full_sock_test() {
	local prog=build/tests/musl/sock_tcp_bulk st t0
	[[ -n $FULL_SOCK_TEST ]] || return 0
	echo "the issue's socket test: sock_tcp_bulk 1024 1000 (1 GiB each way and both ways at once, 1000 connections)"
	if [[ ! -x $prog ]]; then
		echo "  n/a: $prog is missing (run tests/run.sh once)"
		return 0
	fi
	for plat in native kvm; do
		st=0
		t0=$EPOCHREALTIME
		if [[ $plat == native ]]; then
			timeout 1800 "$prog" 1024 1000 >"$B/full-$plat.out" 2>&1 || st=$?
		else
			timeout 1800 "$BOTHY" run --cpus 2 "$prog" 1024 1000 >"$B/full-$plat.out" 2>&1 || st=$?
		fi
		printf '  %-28s status %s, %s failed checks, %.1f s\n' "$(label "$plat")" "$st" \
			"$(sed -n 's/^\([0-9]*\) failed$/\1/p' "$B/full-$plat.out")" \
			"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
	done
	echo
}

# The modules of the Linux VM's network card (bench/lib/linux.sh loads them
# with their dependencies).
# shellcheck disable=SC2034
LINUX_MODS=()
QEMU=$(command -v qemu-system-x86_64 || true)

# linux_initramfs MODDIR - the Linux VM's initramfs (for linux_prepare):
# busybox, tcpbulk, the virtio-net modules, and an /init that configures
# eth0 as QEMU's user network expects, starts a sink on 5001 and a source
# on 5002, prints "@ready" and waits to be killed.
linux_initramfs() {
	local d=$B/linux/root m mib=$BULK_MIB_TCG
	rm -rf "$d"
	mkdir -p "$d"/{bin,dev,proc,sys,tmp,lib/modules}
	cp /bin/busybox "$d/bin/busybox"
	cp "$B/tcpbulk" "$d/bin/tcpbulk"
	for m in virtio_mmio virtio_net; do
		module_add "$1" "$d/lib/modules" "$m" || return 1
	done
	mknod "$d/dev/console" c 5 1 2>/dev/null || true
	{
		linux_init_head bench/net/run.sh
		printf '%s\n' 'ip link set lo up' 'ip link set eth0 up || fail "no eth0"' \
			'ip addr add 10.0.2.15/24 dev eth0' 'ip route add default via 10.0.2.2' \
			'tcpbulk sink 5001 &' "tcpbulk source 5002 $mib &" 'sleep 1' 'echo @ready' \
			'exec sleep 100000'
	} >"$d/init"
	chmod +x "$d/init"
	(cd "$d" && find . | cpio -o -H newc -R 0:0 --quiet) >"$B/initramfs.cpio"
}

# net_wait_file FILE TEXT SECONDS - wait for a line with TEXT in FILE while
# the process NET_PID lives.
net_wait_file() {
	local end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		grep -aq -- "$2" "$1" 2>/dev/null && return 0
		net_alive || return 1
		sleep 0.3
	done
	return 1
}

# bench_linux - boot the Linux VM once, run bulk-in and bulk-out against
# it through hostfwd, stop it.
bench_linux() {
	local key t p_in p_out mib=$BULK_MIB_TCG log=$B/linux/console.log r v vals dir want=0
	for t in "${TESTS[@]}"; do [[ $t != bulk-* ]] || want=1; done
	((want)) || return 0
	mkdir -p "$B/linux"
	if ! linux_prepare; then
		for t in bulk-in bulk-out; do NOTE[linux-$t]="fails: $LINUX_WHY"; done
		return 0
	fi
	p_in=$(net_free_port)
	p_out=$(net_free_port)
	# shellcheck disable=SC2054 # the commas are QEMU option syntax
	local cmd=("$QEMU" -M microvm -accel tcg -cpu max -m 256M -nodefaults -no-user-config
		-display none -serial stdio -no-reboot -kernel "$LINUX_K" -initrd "$B/initramfs.cpio"
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$p_in-:5001,hostfwd=tcp:127.0.0.1:$p_out-:5002"
		-device virtio-net-device,netdev=n0
		-append "console=ttyS0 panic=-1 reboot=t tsc_early_khz=2000000 quiet")
	CMDLINE[linux]=$(quote "${cmd[@]}")
	progress "Linux VM: booting $(basename "$LINUX_K") (TCG)"
	timeout -k 5 900 "${cmd[@]}" </dev/null >"$log" 2>&1 &
	NET_PID=$!
	if ! net_wait_file "$log" '@ready' 300; then
		for t in bulk-in bulk-out; do
			NOTE[linux-$t]="fails: no @ready from the VM in 300 s: $(grep -a '@fail' "$log" | head -n 1 | cut -c1-100) (see $log)"
		done
		net_stop
		return 0
	fi
	for dir in in out; do
		[[ " ${TESTS[*]} " == *" bulk-$dir "* ]] || continue
		key=linux-bulk-$dir
		vals=()
		progress "Linux VM: bulk $dir, $mib MiB x $BULK_REPS"
		for ((r = 0; r < BULK_REPS; r++)); do
			if [[ $dir == in ]]; then
				timeout 300 "$B/tcpbulk" send 127.0.0.1 "$p_in" "$mib" >"$B/linux/$dir$r" 2>&1 || true
			else
				timeout 300 "$B/tcpbulk" recv 127.0.0.1 "$p_out" >"$B/linux/$dir$r" 2>&1 || true
			fi
			v=$(sed -n 's/^rep .* s \([0-9.]*\) MB\/s.*/\1/p' "$B/linux/$dir$r")
			if [[ -z $v ]]; then
				NOTE[$key]="fails: $(head -n 1 "$B/linux/$dir$r" | cut -c1-120)"
				break
			fi
			vals+=("$v")
		done
		if ((${#vals[@]})); then
			read -r "VAL[$key]" "VMIN[$key]" "VMAX[$key]" _ <<<"$(printf '%s\n' "${vals[@]}" | stats)"
			NOTE[$key]="($mib MiB)"
		fi
	done
	net_stop
}

main() {
	local t0=$EPOCHREALTIME plat t why
	build
	trap tap_down EXIT
	if [[ " ${PLATFORMS[*]} " == *" kvm-tap "* ]]; then
		tap_up
	fi
	for plat in "${PLATFORMS[@]}"; do
		why=$(plat_why "$plat")
		for t in "${TESTS[@]}"; do
			if [[ -n $why ]]; then
				case $t in
				redis) NOTE[$plat-redis-set]="fails: $why" NOTE[$plat-redis-get]="fails: $why" ;;
				*) NOTE[$plat-$t]="fails: $why" ;;
				esac
				continue
			fi
			if [[ $plat == linux ]]; then
				why="n/a: the Linux VM's initramfs has static programs only"
				case $t in
				redis) NOTE[linux-redis-set]=$why NOTE[linux-redis-get]=$why ;;
				nginx) NOTE[linux-nginx]=$why ;;
				esac
				why=
				continue
			fi
			case $t in
			nginx) bench_nginx "$plat" ;;
			redis) bench_redis "$plat" ;;
			bulk-in) bench_bulk "$plat" in ;;
			bulk-out) bench_bulk "$plat" out ;;
			*) die "unknown test '$t' in TESTS (nginx redis bulk-in bulk-out)" ;;
			esac
		done
	done
	if [[ " ${PLATFORMS[*]} " == *" linux "* ]]; then
		bench_linux
	fi
	tap_down
	echo
	echo "host: $(uname -sr), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "/dev/kvm: $(kvm_usable && echo usable || echo "not usable")$([[ ! -d /sys/module/kvm_pvm ]] || echo " (PVM, software nested)"); bothy: $BOTHY"
	echo
	for t in "${TESTS[@]}"; do
		case $t in
		nginx) print_table "nginx (wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s, 26-byte page)" nginx requests/s ;;
		redis)
			print_table "redis SET (redis-benchmark -n $REDIS_N, qemu: $REDIS_N_TCG, kvm: $REDIS_N_KVM)" redis-set requests/s
			print_table "redis GET" redis-get requests/s
			;;
		bulk-in) print_table "TCP bulk host -> guest ($BULK_MIB MiB, qemu: $BULK_MIB_TCG, kvm: $BULK_MIB_KVM; median of $BULK_REPS)" bulk-in MB/s ;;
		bulk-out) print_table "TCP bulk guest -> host ($BULK_MIB MiB, qemu: $BULK_MIB_TCG, kvm: $BULK_MIB_KVM; median of $BULK_REPS)" bulk-out MB/s ;;
		esac
	done
	print_targets
	echo
	full_sock_test
	echo "command lines:"
	for key in "${!CMDLINE[@]}"; do
		printf '  %s: %s\n' "$key" "${CMDLINE[$key]}"
	done | sort
	echo
	echo "total time of the benchmark: $(fmt_t "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')")"
}

main "$@"
