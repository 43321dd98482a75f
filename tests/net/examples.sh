#!/usr/bin/env bash
# tests/net/examples.sh: the example servers (examples/) answered from the
# host through `bothy run -p HOSTPORT:GUESTPORT`, over 127.0.0.1, under the
# KVM monitor (libslirp) and under QEMU (user networking, hostfwd):
#   echo  examples/echo-server: concurrent clients each send random bytes
#         and get back exactly the same
#   http  examples/http-server serving a directory (kvm: shared with -v;
#         qemu: in the initrd): files fetched with curl equal the originals
#         byte for byte, HEAD's Content-Length, 404, keep-alive
# Each server must still run at the end and exit 143 on SIGTERM (the
# signal bothy forwards). NET_BACKENDS (default "kvm qemu"; "native" runs
# the same cases on the host, to check this script).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
. "$ROOT/tests/lib/net.sh"

D=$OUT/net/examples
mkdir -p "$D"
if ! command -v musl-gcc >/dev/null; then
	for b in native kvm qemu; do
		net_has_backend "$b" && result SKIP "$b" net/examples "musl-gcc not found (apt-get install musl-tools)"
	done
	exit 0
fi
make -s -C "$ROOT/examples" O="$D/bin" >"$D/build.log" 2>&1 || {
	result FAIL script net/examples "examples do not build"
	detail_file "$D/build.log" 10
	exit 0
}

# stop_want BACKEND: the exit statuses allowed after SIGTERM. Under QEMU the
# signal reaches QEMU and bothy, not the program.
stop_want() {
	if [[ $1 == qemu ]]; then echo '143|125'; else echo 143; fi
}

# echo_case BACKEND CONNS BYTES
echo_case() {
	local b=$1 dir=$D/echo-$1 hp gp
	hp=$(net_free_port)
	gp=$(net_guest_port "$b" "$hp" 8080)
	net_start "$b" "$dir" "$hp" "$gp" -- "$D/bin/echo-server" "$gp"
	if ! net_wait_line "$dir" "listening on $gp" 60; then
		echo "no 'listening on $gp' from the server"
		net_stop
		net_tail "$dir"
		return 0
	fi
	net_echo_problems "$hp" "$2" "$3"
	net_stop_check "$(stop_want "$b")" "$dir"
}

# http_case BACKEND
http_case() {
	local b=$1 dir=$D/http-$1 hp gp www=$D/www opts=()
	hp=$(net_free_port)
	gp=$(net_guest_port "$b" "$hp" 80)
	rm -rf -- "$www"
	net_www "$www"
	case $b in
	kvm) opts=(-v "$www:/www:ro") ;;
	qemu) opts=(--initrd "$(fs_make_www)") ;;
	esac
	net_start "$b" "$dir" "$hp" "$gp" "${opts[@]}" -- "$D/bin/http-server" "$gp" \
		"$([[ $b == native ]] && echo "$www" || echo /www)"
	if ! net_wait_line "$dir" "listening on $gp" 60; then
		echo "no 'listening on $gp' from the server"
		net_stop
		net_tail "$dir"
		return 0
	fi
	net_http_problems "$hp" "$www"
	net_stop_check "$(stop_want "$b")" "$dir"
}

# fs_make_www: the directory of the http case as /www in a cpio (QEMU cannot
# serve -v); prints its path.
fs_make_www() {
	local stage=$D/www-stage cpio=$D/www.cpio
	rm -rf -- "$stage"
	mkdir -p "$stage"
	cp -a "$D/www" "$stage/www"
	(cd "$stage" && find www -depth -print | LC_ALL=C sort | cpio -o -H newc --quiet) >"$cpio"
	rm -rf -- "$stage"
	echo "$cpio"
}

for b in native kvm qemu; do
	net_has_backend "$b" || continue
	if [[ $b == qemu ]]; then
		net_case qemu net/echo echo_case qemu 4 65536
	else
		net_case "$b" net/echo echo_case "$b" 8 65536
	fi
	net_case "$b" net/http http_case "$b"
done
