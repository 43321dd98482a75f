# shellcheck shell=bash
# The start of a tests/fs/*.sh script (sourced): strict mode, the paths
# tests/run.sh passes (or their defaults when run by hand), the helpers,
# and KVM_MISSING (why the KVM monitor cannot run here, or empty).
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
