#!/usr/bin/env bash
# tests/debug/profile.sh: BOTHY_PROFILE (monitor/profile.c) under the KVM
# monitor. A program that spends its time in system calls (getppid in a
# loop, bench/net/insn_probe.c's "null") must show up as folded stacks
# through syscall_dispatch, with counts that add up to the samples the
# summary reports; a bad BOTHY_PROFILE_US is one line and status 125.
# Run by tests/run.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

T=$OUT/debug/profile

samples() {
	local prog=$T/probe st=0 n sum
	rm -rf -- "$T"
	mkdir -p "$T"
	musl-gcc -O2 -static -o "$prog" "$ROOT/bench/net/insn_probe.c" || {
		echo "cannot build bench/net/insn_probe.c"
		return 0
	}
	BOTHY_PROFILE=$T/folded BOTHY_PROFILE_US=200 timeout 300 "$BOTHY" run --net none \
		"$prog" null 3000 >"$T/out" 2>"$T/err" || st=$?
	((st == 0)) || echo "bothy ended with status $st: $(tail -n 1 "$T/err")"
	[[ -s $T/folded ]] || {
		echo "no folded stacks in $T/folded"
		return 0
	}
	n=$(sed -n 's/^bothy: profile: \([0-9]*\) samples.*/\1/p' "$T/err")
	sum=$(awk '{ s += $NF } END { print s + 0 }' "$T/folded")
	[[ -n $n && $n -gt 0 ]] || echo "no sample count in the summary: $(head -n 1 "$T/err")"
	[[ $n == "$sum" ]] || echo "the summary says $n samples, the folded stacks add up to $sum"
	grep -q '^[^ ]*syscall_dispatch;sys_getppid' "$T/folded" ||
		echo "no stack through syscall_dispatch;sys_getppid in $T/folded"
	grep -qE '^bothy: profile: +[0-9.]+ +[0-9.]+  syscall_dispatch$' "$T/err" ||
		echo "syscall_dispatch is not in the summary's table"
	awk '$NF !~ /^[0-9]+$/ || NF != 2 { bad++ } END { exit bad > 0 }' "$T/folded" ||
		echo "a folded line is not 'STACK COUNT': $(awk 'NF != 2' "$T/folded" | head -n 1)"
	return 0
}

bad_period() {
	local st=0 err
	err=$(BOTHY_PROFILE=$T/x BOTHY_PROFILE_US=7 timeout 60 "$BOTHY" run --net none /bin/true 2>&1) ||
		st=$?
	((st == 125)) || echo "BOTHY_PROFILE_US=7: status $st, want 125"
	[[ $err == *BOTHY_PROFILE_US=7* ]] || echo "BOTHY_PROFILE_US=7: the message does not name it: $err"
	return 0
}

script_case kvm debug/profile_samples samples
script_case kvm debug/profile_bad_period bad_period
