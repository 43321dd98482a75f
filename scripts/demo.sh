#!/usr/bin/env bash
# demo.sh - the README's first command: install what is missing, build, and
# run real, unmodified Debian programs under Bothy (busybox-static's
# sha256sum, and the dynamically linked lua5.4), next to the same programs
# run natively, and compare the outputs; then the example echo server,
# answered from the host through `bothy run -p`.
#
# Runs them with Bothy's KVM monitor when /dev/kvm is usable, and under QEMU
# (microvm; KVM if usable, else TCG) always. Exit status: 0 when every run
# printed the native output, 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PROG=
ARGS=()
INPUT=()

# kvm_usable - true when this user can open /dev/kvm for reading and writing.
kvm_usable()
{
	[[ -c /dev/kvm ]] && (exec 3<>/dev/kvm) 2>/dev/null
}

# run_one NAME CMD... - run `INPUT | CMD`, print its digest and whether it
# matches the native one ($native); returns 1 on a mismatch.
run_one()
{
	local name=$1 out status=0
	shift
	out=$("${INPUT[@]}" | "$@") || status=$?
	if [[ $status -ne 0 ]]; then
		printf '  %-14s FAILED (exit status %d)\n' "$name" "$status"
		return 1
	fi
	if [[ $out == "$native" ]]; then
		printf '  %-14s %s  (matches)\n' "$name" "$out"
	else
		printf '  %-14s %s  (DIFFERS)\n' "$name" "$out"
		return 1
	fi
}

# demo TITLE INPUT_CMD PROG ARGS...: run PROG ARGS natively, then under
# both backends, with INPUT_CMD's output on stdin; print the results.
demo()
{
	local title=$1 failed=0
	INPUT=($2)
	PROG=$3
	ARGS=("${@:4}")
	echo
	echo "$title"
	native=$("${INPUT[@]}" | "$PROG" "${ARGS[@]}")
	printf '  %-14s %s\n' native "$native"
	if kvm_usable; then
		run_one "bothy (kvm)" build/bothy run "$PROG" "${ARGS[@]}" || failed=1
	else
		echo "  bothy (kvm)    skipped: /dev/kvm is missing or not usable by $(id -un)"
	fi
	run_one "bothy (qemu)" build/bothy run --vmm qemu "$PROG" "${ARGS[@]}" || failed=1
	return "$failed"
}

# free_port - a TCP port on 127.0.0.1 that nothing listens on now.
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# echo_demo VMM - examples/echo-server under `bothy run --vmm VMM -p
# PORT:8080`, answered from the host by nc; prints whether the line came
# back. Returns 1 if not.
echo_demo()
{
	local vmm=$1 port pid out i line="hello from the host $$"
	port=$(free_port)
	build/bothy run --vmm "$vmm" -p "$port:8080" examples/echo-server 8080 >/dev/null 2>&1 &
	pid=$!
	out=
	for ((i = 0; i < 60; i++)); do
		out=$(printf '%s\n' "$line" | timeout 10 nc -q 1 127.0.0.1 "$port" 2>/dev/null) || true
		[[ -n $out ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [[ $out == "$line" ]]; then
		printf '  %-14s nc localhost %s: "%s"  (echoed)\n' "bothy ($vmm)" "$port" "$out"
	else
		printf '  %-14s nc localhost %s: no echo (got "%s")\n' "bothy ($vmm)" "$port" "$out"
		return 1
	fi
}

main()
{
	local failed=0
	scripts/install-deps.sh --with-sources # deb-src: the test suite fetches posixtestsuite
	make -j"$(nproc)"

	# Debian's static busybox, and Debian's dynamically linked lua5.4 (its
	# ld.so and libraries reach the guest by default: docs/files.md).
	demo "seq 1 1000 | /bin/busybox sha256sum" "seq 1 1000" /bin/busybox sha256sum || failed=1
	demo "/usr/bin/lua5.4 -e '...'  (dynamic: ld.so, liblua5.4, libc)" true /usr/bin/lua5.4 \
		-e 'local s = 0 for i = 1, 1e6 do s = s + i * i % 7 end print(_VERSION, s)' || failed=1

	echo
	echo "bothy run -p PORT:8080 examples/echo-server; nc localhost PORT  (the network)"
	if kvm_usable; then
		echo_demo kvm || failed=1
	else
		echo "  bothy (kvm)    skipped: /dev/kvm is missing or not usable by $(id -un)"
	fi
	echo_demo qemu || failed=1

	echo
	if [[ $failed -eq 0 ]]; then
		echo "All outputs match the native runs."
	else
		echo "Some runs did not match the native runs."
	fi
	return "$failed"
}

main "$@"
