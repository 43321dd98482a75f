#!/usr/bin/env bash
# tests/fs/durable.sh: what a program fsyncs in a share is on the host,
# even if bothy dies at once. fs_durable (tests/guest/fs_durable.c) writes
# 300 KiB, fsyncs, renames it into place, fsyncs the directory and appends
# a log with fdatasync, prints "synced" and waits; the script kills bothy
# with SIGKILL and compares the host files with those of a native run.
# Needs the KVM monitor (the -v share); run by tests/run.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

T=$OUT/fs/scripts/durable

# wait_for_line FILE LINE PID SECONDS: until FILE has LINE; fails if PID
# ends first or time runs out. FILE may not exist yet: the background job
# that writes it may not have opened it.
wait_for_line() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -qsx -- "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

kill9() {
	local prog pid st=0 f
	prog=$(fs_guest_program fs_durable) || return 0
	rm -rf -- "$T"
	mkdir -p "$T/share" "$T/native"
	"$prog" "$T/native" >"$T/native.out" 2>&1 || echo "the native run failed (status $?)"
	"$BOTHY" run --vmm kvm -v "$T/share:/work" "$prog" /work --hang >"$T/out" 2>"$T/err" &
	pid=$!
	if ! wait_for_line "$T/out" synced "$pid" 60; then
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || st=$?
		echo "no \"synced\" line from the guest (bothy status $st)"
		tail -n 3 "$T/out" "$T/err" | sed 's/^/  /'
		return 0
	fi
	kill -9 "$pid"
	wait "$pid" || st=$?
	((st == 137)) || echo "bothy ended with status $st, not by the SIGKILL"
	for f in durable log; do
		if [[ ! -f $T/share/fs_durable/$f ]]; then
			echo "the host has no $f"
		elif ! cmp -s "$T/native/fs_durable/$f" "$T/share/fs_durable/$f"; then
			echo "the host's $f differs from the native run's: $(cmp "$T/native/fs_durable/$f" \
				"$T/share/fs_durable/$f" 2>&1 | head -n 1)"
		fi
	done
	[[ ! -e $T/share/fs_durable/durable.tmp ]] || echo "durable.tmp is still there: the rename was lost"
	return 0
}

fs_script_case durable_kill9 kill9
