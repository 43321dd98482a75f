#!/usr/bin/env bash
# tests/docs/options.sh: the documentation names every option that
# `bothy run --help` lists: the man page docs/bothy.1 and the README's
# table; and the man page renders without a groff warning. Run by
# tests/run.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

# options: the long options of `bothy --help`, one per line.
options() {
	"$BOTHY" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u
}

documented() {
	local o list
	list=$(options)
	[[ $(wc -l <<<"$list") -ge 10 ]] || echo "bothy --help lists only: $list"
	for o in $list; do
		[[ $o == --help || $o == --crash-kernel ]] && continue # the latter: a test hook
		grep -qF -- "${o//-/\\-}" "$ROOT/docs/bothy.1" || echo "docs/bothy.1 does not name $o"
		grep -qF -- "\`$o" "$ROOT/README.md" || echo "README.md does not name $o"
	done
}

renders() {
	command -v groff >/dev/null || echo "groff is not installed (scripts/install-deps.sh installs it)"
	groff -man -ww -z "$ROOT/docs/bothy.1" 2>&1
}

script_case cli docs/options_documented documented
script_case cli docs/man_page_renders renders
