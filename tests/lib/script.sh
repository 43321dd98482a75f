# shellcheck shell=bash
# The start of a tests/*/*.sh script (tests/fs, tests/dynamic; sourced):
# strict mode, the paths tests/run.sh passes (or their defaults when run by
# hand), the helpers, KVM_MISSING (why the KVM monitor cannot run here, or
# empty) and script_case.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OUT=${OUT:-$ROOT/build/tests}
BOTHY=${BOTHY:-$ROOT/build/bothy}
. "$ROOT/tests/lib/common.sh"
. "$ROOT/tests/lib/fs.sh"
if [[ -z ${KVM_MISSING+set} ]]; then
	KVM_MISSING=$([[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]] ||
		echo "/dev/kvm is missing or not read/writable")
fi

# script_case BACKEND ID FUNCTION [ARGS...]: run FUNCTION ARGS as the case
# "BACKEND ID" if the filter wants it: SKIP for kvm when /dev/kvm is
# unusable, else PASS when the function prints nothing and FAIL with what it
# printed (one problem per line).
script_case() {
	local backend=$1 id=$2 problems
	[[ -z ${BOTHY_TEST_FILTER:-} || "$backend $id" =~ $BOTHY_TEST_FILTER ]] || return 0
	if [[ $backend == kvm && -n ${KVM_MISSING:-} ]]; then
		result SKIP kvm "$id" "$KVM_MISSING"
		return 0
	fi
	problems=$("${@:3}" 2>&1) || true
	verdict "$backend" "$id" "$problems" || true
}
