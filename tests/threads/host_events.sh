#!/usr/bin/env bash
# tests/threads/host_events.sh: what reaches a running program from the
# host, under the KVM monitor (QEMU has no monitor to forward them):
#   sigint_default  kill -INT of bothy ends a program without a handler:
#                   status 130 and one line naming SIGINT
#   sigint_handler  ... runs its handler, which ends pause(2): as native
#   sigterm_handler kill -TERM of bothy, the same
#   stdin_slow      a thread reading a pipe the host fills slowly blocks
#                   only itself: the main thread keeps running, and every
#                   byte arrives
#   deadlock        two threads waiting for each other's mutex: bothy says
#                   so in one line and exits 123 instead of hanging (both
#                   backends)
#   stdout_closed   `bothy run yes | head -n 1`: the reader goes, and bothy
#                   ends with 141 and one line naming SIGPIPE, as yes does
#                   natively (both backends: under QEMU, which ignores
#                   SIGPIPE, bothy ends QEMU)
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

D=$OUT/threads
PROG=$D/host_events
mkdir -p "$D"
musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$PROG" \
	"$ROOT/tests/threads/host_events.c" -pthread

# run_signalled SIG ARGS...: start bothy with ARGS, wait for "ready", send
# SIG to bothy; prints "STATUS|STDOUT" (stdout lines joined by "|").
run_signalled() {
	local sig=$1 out=$D/out.$$ pid status i
	shift
	"$BOTHY" run "$PROG" "$@" >"$out" 2>"$out.err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q ready "$out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.2 # into pause(2)
	kill -"$sig" "$pid"
	status=0
	wait "$pid" || status=$?
	echo "$status|$(tr '\n' '|' <"$out")$(cat "$out.err")"
	rm -f "$out" "$out.err"
}

check_signal() {
	local sig=$1 want=$2 got
	shift 2
	got=$(run_signalled "$sig" "$@")
	[[ $got == "$want" ]] || echo "kill -$sig of bothy: got '$got', expected '$want'"
}

stdin_slow() {
	local got want="read 3000 bytes; main thread ran meanwhile: yes"
	got=$(for i in 1 2 3; do
		head -c 1000 /dev/zero
		sleep 0.3
	done | timeout 60 "$BOTHY" run "$PROG" stdin 2>&1 | tail -1)
	[[ $got == "$want" ]] || echo "got '$got', expected '$want'"
}

stdout_closed() {
	local st nat line
	/usr/bin/yes 2>/dev/null | head -n 1 >/dev/null
	nat=${PIPESTATUS[0]}
	line=$(timeout 60 "$BOTHY" run "$@" /usr/bin/yes 2>"$D/yes.err" | head -n 1)
	st=${PIPESTATUS[0]}
	[[ $line == y ]] || echo "the first line was '$line', not 'y'"
	[[ $st == "$nat" ]] || echo "status $st, native yes ended with $nat (124: a hang)"
	grep -q 'SIGPIPE' "$D/yes.err" || echo "stderr does not name SIGPIPE: $(head -n 2 "$D/yes.err")"
	(($(wc -l <"$D/yes.err") == 1)) || echo "stderr is not one line: $(head -n 3 "$D/yes.err")"
}

deadlock() {
	local status=0 err
	err=$(timeout 60 "$BOTHY" run "$@" "$PROG" deadlock 2>&1 >/dev/null) || status=$?
	[[ $status == 123 ]] || echo "status $status, expected 123"
	[[ $err == *"deadlock"* ]] || echo "stderr does not say deadlock: $err"
}

script_case kvm threads/sigint_default check_signal INT \
	"130|ready|bothy: $PROG: killed by signal 2 (SIGINT)" pause
script_case kvm threads/sigint_handler check_signal INT "3|ready|signal 2|" pause handle
script_case kvm threads/sigterm_handler check_signal TERM "3|ready|signal 15|" pause handle
script_case kvm threads/stdin_slow stdin_slow
script_case kvm threads/deadlock deadlock
script_case qemu threads/deadlock deadlock --vmm qemu
script_case kvm threads/stdout_closed stdout_closed
script_case qemu threads/stdout_closed stdout_closed --vmm qemu
