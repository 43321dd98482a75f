#!/usr/bin/env bash
# bench/net/insns.sh - what the network path costs in guest kernel
# instructions under the KVM monitor on a PVM host, where every ring-0
# instruction is emulated (docs/network.md, docs/pvm.md): runs
# bench/net/insn_probe under `bothy run --log debug` with and without work
# and divides the difference of the vCPU's insn_emulation count.
# Only meaningful on PVM (elsewhere the counter stays near 0: it says so).
# Environment: BOTHY (default build/bothy), N (default 200).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BOTHY=${BOTHY:-build/bothy}
N=${N:-200}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
musl-gcc -O2 -static -o "$out/probe" bench/net/insn_probe.c

# count ARGS... - insn_emulation of one run of the probe
count() {
	timeout 600 "$BOTHY" run --net none --log debug "$out/probe" "$@" 2>&1 >/dev/null |
		sed -n 's/.*insn_emulation=\([0-9]*\).*/\1/p'
}

base=$(count null 0)
if [[ -z $base || $base -lt 1000 ]]; then
	echo "insns: no insn_emulation count from bothy (not a PVM host?): nothing to measure"
	exit 0
fi
printf '%-44s %s\n' "what (N=$N)" "emulated instructions each"
for w in "null:a system call that does nothing (getppid)" \
	"udp 10:a loopback UDP datagram, 10 bytes" "udp 1400:a loopback UDP datagram, 1400 bytes"; do
	read -r -a args <<<"${w%%:*}"
	c=$(count "${args[0]}" "$N" "${args[@]:1}")
	printf '%-44s %d\n' "${w#*:}" $(((c - base) / N))
done
