#!/usr/bin/env bash
# demo.sh - the README's first command: install what is missing, build, and
# run a real, unmodified Debian program (busybox-static's sha256sum) under
# Bothy, next to the same program run natively, and compare the digests.
#
# Runs it with Bothy's KVM monitor when /dev/kvm is usable, and under QEMU
# (microvm; KVM if usable, else TCG) always. Exit status: 0 when every run
# printed the native digest, 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PROG=/bin/busybox
ARGS=(sha256sum)
INPUT=(seq 1 1000)

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

main()
{
	local failed=0
	scripts/install-deps.sh
	make -j"$(nproc)"

	echo
	echo "${INPUT[*]} | ${PROG} ${ARGS[*]}"
	native=$("${INPUT[@]}" | "$PROG" "${ARGS[@]}")
	printf '  %-14s %s\n' native "$native"
	if kvm_usable; then
		run_one "bothy (kvm)" build/bothy run "$PROG" "${ARGS[@]}" || failed=1
	else
		echo "  bothy (kvm)    skipped: /dev/kvm is missing or not usable by $(id -un)"
	fi
	run_one "bothy (qemu)" build/bothy run --vmm qemu "$PROG" "${ARGS[@]}" || failed=1

	echo
	if [[ $failed -eq 0 ]]; then
		echo "All digests match the native run."
	else
		echo "Some runs did not match the native run."
	fi
	return "$failed"
}

main "$@"
