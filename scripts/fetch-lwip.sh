#!/usr/bin/env bash
# fetch-lwip.sh - the lwIP 2.1.3 sources the kernel is built with, from
# Debian's source package (`apt-get source lwip`).
#
# Usage: scripts/fetch-lwip.sh DEST
#   Makes DEST/src/include/lwip/init.h and the rest of lwIP's tree (the
#   upstream release, unpacked with `dpkg-source --skip-patches -x`: Debian's
#   port patch does not build freestanding), applies our fixes (fix_lwip,
#   below) and writes DEST/.fetched ("$WANT fixes $FIXES"). A tree made with
#   other fixes (an older .fetched) is unpacked again: the Makefile runs this
#   script whenever it is newer than the stamp.
#
# The downloaded files (.dsc, .orig.tar.xz, .debian.tar.xz) are kept in
# $LWIP_CACHE (default build/cache/lwip, relative to the repository), so
# every build directory unpacks the same download and a clean build needs
# no network once it is there. Idempotent: with DEST/.fetched of these
# fixes present it does nothing (but touch it). Needs a deb-src entry
# (scripts/install-deps.sh --with-sources adds one) and dpkg-source
# (dpkg-dev).
set -euo pipefail

WANT=2.1.3 # the upstream version the kernel's lwipopts.h is written for
FIXES=2    # bump when fix_lwip changes: existing trees are unpacked again

die() { printf 'fetch-lwip: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: scripts/fetch-lwip.sh DEST"
dest=$1
stamp="$WANT fixes $FIXES"
if [[ -f $dest/.fetched && -f $dest/src/include/lwip/init.h ]] &&
	[[ $(cat "$dest/.fetched") == "$stamp" ]]; then
	touch "$dest/.fetched" # newer than this script: make stops asking
	exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${LWIP_CACHE:-$root/build/cache/lwip}
command -v dpkg-source >/dev/null ||
	die "dpkg-source not found: install dpkg-dev (scripts/install-deps.sh)"

# replace_line FILE OLD NEW - FILE's one line that is OLD (ignoring a CRLF
# line end, which lwIP's sources have) becomes NEW, with the same line end.
replace_line() {
	awk -v old="$2" -v new="$3" '
		{ line = $0; cr = sub(/\r$/, "", line) ? "\r" : "" }
		line == old { n++; print new cr; next }
		{ print }
		END { exit n == 1 ? 0 : 1 }' "$1" >"$1.new" &&
		mv "$1.new" "$1" || die "lwIP fix: $1 does not have exactly one line: $2"
}

# fix_lwip TREE - our changes to lwIP 2.1.3, each a bug lwIP still has.
fix_lwip() {
	# tcp_receive(): a segment without data is ACKed unless it is
	# acceptable (RFC 9293 3.10.7.4). lwIP's test is RCV.NXT <= SEG.SEQ <=
	# RCV.NXT + RCV.WND - 1, which no segment passes when RCV.WND is 0;
	# but then one at RCV.NXT is acceptable. So two lwIP ends with zero
	# windows (both readers behind, over loopback) answered each other's
	# ACKs with ACKs forever, inside one netif_poll() that never returned
	# and so held the kernel lock: no reader could run to open a window.
	# And the reply to an unacceptable one is rate limited per connection
	# (bothy_tcp_oow_ack_ok, kernel/net/sys_arch.c), as Linux limits
	# out-of-window ACKs (tcp_oow_rate_limited, tcp_invalid_ratelimit):
	# ACKs for data the other end dropped past its closed window are out
	# of window at both ends, and without a limit they ping-pong too.
	replace_line "$1/src/core/tcp_in.c" \
		'    if (!TCP_SEQ_BETWEEN(seqno, pcb->rcv_nxt, pcb->rcv_nxt + pcb->rcv_wnd - 1)) {' \
		'    if ((pcb->rcv_wnd == 0 ? seqno != pcb->rcv_nxt : !TCP_SEQ_BETWEEN(seqno, pcb->rcv_nxt, pcb->rcv_nxt + pcb->rcv_wnd - 1)) && bothy_tcp_oow_ack_ok(pcb)) {'
}

# The newest .dsc of version $WANT in the cache, if any.
find_dsc() { compgen -G "$cache/lwip_$WANT*.dsc" | sort | tail -n 1; }

mkdir -p "$cache"
dsc=$(find_dsc || true)
if [[ -z $dsc ]]; then
	if ! apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip$'; then
		die "apt has no source package for lwip (no deb-src entry): run scripts/install-deps.sh --with-sources"
	fi
	echo "fetch-lwip: apt-get source --download-only lwip into $cache"
	# apt warns on stderr that _apt cannot write to a user's directory;
	# show its output only when it fails.
	if ! log=$(cd "$cache" && apt-get -q source --download-only lwip 2>&1); then
		printf '%s\n' "$log" >&2
		die "apt-get source --download-only lwip failed in $cache"
	fi
	dsc=$(find_dsc || true)
	[[ -n $dsc ]] || die "apt-get source gave no lwip $WANT .dsc in $cache (a different version?)"
fi

# Unpack next to DEST and move into place, so an interrupted run leaves
# no half tree behind.
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.lwip-unpack.XXXXXX") || die "cannot make a directory next to $dest"
trap 'rm -rf "$tmp"' EXIT
dpkg-source -q --skip-patches -x "$dsc" "$tmp/lwip" >/dev/null 2>"$tmp/log" || {
	cat "$tmp/log" >&2
	die "dpkg-source -x $dsc failed"
}
[[ -f $tmp/lwip/src/include/lwip/init.h ]] || die "$dsc does not hold lwIP's src/include/lwip/init.h"
fix_lwip "$tmp/lwip"
echo "$stamp" >"$tmp/lwip/.fetched"
rm -rf "$dest"
mv "$tmp/lwip" "$dest"
echo "fetch-lwip: lwIP $(basename "$dsc" .dsc | sed 's/^lwip_//') in $dest"
