# shellcheck shell=bash
# Helpers of the tests/net/*.sh scripts (and bench/net/run.sh): servers run
# under bothy with `-p HOSTPORT:GUESTPORT` (or natively, backend "native",
# to check a script itself), driven from the host over 127.0.0.1 only.
# Sourced after tests/lib/script.sh (or with die/progress defined).
#
# Every command is bounded: the server by `timeout` (NET_LIMIT seconds),
# each client by its own timeout, the readiness loops by a deadline.

NET_LIMIT=${NET_LIMIT:-240}

# net_free_port: a TCP port of 127.0.0.1 that nothing is bound to now (the
# kernel's choice for port 0, closed again at once).
net_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# net_conf TEMPLATE OUT PORT ROOT TMP: TEMPLATE with @PORT@, @ROOT@, @TMP@
# replaced, written to OUT.
net_conf() {
	sed -e "s|@PORT@|$3|g" -e "s|@ROOT@|$4|g" -e "s|@TMP@|$5|g" "$1" >"$2"
}

# net_guest_port BACKEND HOSTPORT GUESTPORT: the port the server listens on
# (natively the host port itself).
net_guest_port() {
	if [[ $1 == native ]]; then echo "$2"; else echo "$3"; fi
}

# net_start BACKEND DIR HOSTPORT GUESTPORT [BOTHY-OPTIONS...] -- PROG ARGS...:
# start PROG in the background (under `bothy run --vmm BACKEND -p
# HOSTPORT:GUESTPORT OPTIONS`, or natively without the options) with its
# stdout in DIR/out and stderr in DIR/err; sets NET_PID (the `timeout`
# process, leader of its own process group).
net_start() {
	local backend=$1 dir=$2 hp=$3 gp=$4 opts=()
	shift 4
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	mkdir -p "$dir"
	if [[ $backend == native ]]; then
		timeout -k 5 "$NET_LIMIT" "$@" </dev/null >"$dir/out" 2>"$dir/err" &
	else
		timeout -k 5 "$NET_LIMIT" "$BOTHY" run --vmm "$backend" -p "$hp:$gp" "${opts[@]}" \
			"$@" </dev/null >"$dir/out" 2>"$dir/err" &
	fi
	NET_PID=$!
}

# net_alive: is the server started by net_start still running?
net_alive() {
	kill -0 "$NET_PID" 2>/dev/null
}

# net_wait_line DIR TEXT SECONDS: wait until DIR/out has a line with TEXT;
# returns 1 if the server exits or SECONDS pass first.
net_wait_line() {
	local end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		grep -q -- "$2" "$1/out" 2>/dev/null && return 0
		net_alive || return 1
		sleep 0.2
	done
	return 1
}

# net_wait_cmd SECONDS CMD...: run CMD (each try bounded to 5 s) until it
# succeeds; returns 1 if the server exits or SECONDS pass first. Through
# slirp the host port accepts before the guest listens, so readiness is a
# real request answered, not a connect.
net_wait_cmd() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		timeout 5 "$@" >/dev/null 2>&1 && return 0
		net_alive || return 1
		sleep 0.3
	done
	return 1
}

# net_stop: end the server: SIGTERM to it (bothy forwards it to the
# program), then after 10 s SIGKILL to its whole process group (QEMU
# included). Sets NET_STATUS to its exit status.
net_stop() {
	local i
	NET_STATUS=
	kill -TERM "$NET_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		net_alive || break
		sleep 0.1
	done
	if net_alive; then
		kill -KILL -- -"$NET_PID" 2>/dev/null || true
	fi
	NET_STATUS=0
	wait "$NET_PID" 2>/dev/null || NET_STATUS=$?
	# QEMU is bothy's child: make sure nothing of the group is left.
	kill -KILL -- -"$NET_PID" 2>/dev/null || true
}

# net_stop_check WANT DIR: net_stop, then print a problem unless the
# server was still running and ended with status WANT (a list such as
# "0|143" is allowed); the last lines of its stderr go with the problem.
net_stop_check() {
	local was_alive=1
	net_alive || was_alive=0
	net_stop
	if ((!was_alive)); then
		echo "the server had exited (status $NET_STATUS) before the end of the test"
		net_tail "$2"
	elif [[ ! $NET_STATUS =~ ^($1)$ ]]; then
		echo "after SIGTERM the server exited with status $NET_STATUS, want $1"
		net_tail "$2"
	fi
}

# net_tail DIR: the last lines of the server's stderr and stdout, indented.
net_tail() {
	local f
	for f in err out; do
		[[ -s $1/$f ]] || continue
		echo "  $f:"
		tail -n 4 "$1/$f" | cut -c1-160 | sed 's/^/    /'
	done
}

# net_wrk_problems FILE: the problems in wrk's report FILE: non-2xx/3xx
# responses, socket errors, no requests at all.
net_wrk_problems() {
	local n
	grep -q 'requests in' "$1" || {
		echo "wrk printed no result: $(head -c 200 "$1" | tr '\n' ' ')"
		return 0
	}
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$1")
	((n > 0)) || echo "wrk made no request"
	grep 'Non-2xx or 3xx responses' "$1" | sed 's/^ */wrk: /' || true
	grep 'Socket errors' "$1" | sed 's/^ */wrk: /' || true
}

# net_wrk_rps FILE: wrk's requests per second.
net_wrk_rps() {
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"
}

# net_echo_problems PORT CONNS BYTES: CONNS clients at once, each sending
# BYTES bytes (random, in pieces of up to 64 KiB, while reading) to an echo
# server at 127.0.0.1:PORT, then a line; each must get back exactly what it
# sent. Prints one line per problem (nothing when all is well). Bounded: 60 s.
net_echo_problems() {
	timeout 90 python3 - "$@" <<'PY' || echo "the echo client failed or timed out (status $?)"
import os, socket, sys, threading
port, conns, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
problems = []
def client(i):
    try:
        data = os.urandom(size) + b"line %d\n" % i
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        got = bytearray()
        sent = 0
        s.setblocking(True)
        while sent < len(data):
            n = s.send(data[sent:sent + 65536])
            sent += n
            s.settimeout(0.0)
            try:
                while True:
                    b = s.recv(1 << 20)
                    if not b:
                        break
                    got += b
            except (BlockingIOError, socket.timeout):
                pass
            s.settimeout(60)
        s.shutdown(socket.SHUT_WR)
        while len(got) < len(data):
            b = s.recv(1 << 20)
            if not b:
                break
            got += b
        s.close()
        if bytes(got) != data:
            problems.append("client %d: sent %d bytes, got back %d%s" % (i, len(data), len(got),
                            "" if len(got) != len(data) else " that differ"))
    except Exception as e:
        problems.append("client %d: %s" % (i, e))
ts = [threading.Thread(target=client, args=(i,)) for i in range(conns)]
for t in ts: t.start()
for t in ts: t.join()
for p in sorted(problems)[:5]:
    print(p)
if len(problems) > 5:
    print("... and %d more clients failed" % (len(problems) - 5))
PY
}

# net_http_problems PORT DIR: an HTTP server at 127.0.0.1:PORT serving the
# files of DIR (index.html, big.bin, sub/index.html): each fetched with curl
# must equal the file byte for byte; HEAD's Content-Length is the size; a
# missing file is 404; two requests on one connection (keep-alive) reuse it.
net_http_problems() {
	local dir=$2 url=http://127.0.0.1:$1 f code tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/bothy-net.XXXXXX")
	for f in index.html big.bin sub/index.html; do
		if ! timeout 30 curl -sS -f -o "$tmp/got" "$url/$f" 2>"$tmp/err"; then
			echo "GET /$f: $(head -n 1 "$tmp/err")"
			if grep -q "Couldn't connect" "$tmp/err"; then
				rm -rf -- "$tmp"
				return 0 # nothing listens: the other checks would say the same
			fi
		elif ! cmp -s "$tmp/got" "$dir/$f"; then
			echo "GET /$f: the body differs from the file ($(stat -c %s "$tmp/got") bytes, file $(stat -c %s "$dir/$f"))"
		fi
	done
	code=$(timeout 30 curl -sS -o /dev/null -w '%{http_code}' "$url/no-such-file" 2>&1) || true
	[[ $code == 404 ]] || echo "GET /no-such-file: status '$code', want 404"
	f=$(timeout 30 curl -sS -I "$url/big.bin" 2>&1 | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
	[[ $f == "$(stat -c %s "$dir/big.bin")" ]] || echo "HEAD /big.bin: Content-Length '$f'"
	f=$(timeout 30 curl -sS -w '%{num_connects}\n' -o /dev/null -o /dev/null "$url/index.html" \
		"$url/sub/index.html" 2>&1 | paste -sd' ') || true
	[[ $f == "1 0" ]] || echo "two GETs with keep-alive: connections made '$f', want '1 0'"
	rm -rf -- "$tmp"
}

# net_www DIR: the files net_http_problems fetches, made in DIR.
net_www() {
	mkdir -p "$1/sub"
	printf '<h1>Hello from Bothy</h1>\n' >"$1/index.html"
	printf 'a page one level down\n' >"$1/sub/index.html"
	# 1 MiB + 7 bytes that are not text, the same every time.
	python3 -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(random.randbytes(1048583))' \
		>"$1/big.bin"
}

# net_case BACKEND ID FUNCTION [ARGS...]: script_case (tests/lib/script.sh)
# with a SKIP when the backend cannot run here: kvm without /dev/kvm (as
# script_case), qemu without qemu-system-x86_64. BACKEND "native" runs the
# case on the host (to check the script itself: NET_BACKENDS=native).
net_case() {
	if [[ $1 == qemu ]] && ! command -v "${BOTHY_QEMU:-qemu-system-x86_64}" >/dev/null; then
		[[ -z ${BOTHY_TEST_FILTER:-} || "$1 $2" =~ $BOTHY_TEST_FILTER ]] || return 0
		result SKIP qemu "$2" "qemu-system-x86_64 is not installed"
		return 0
	fi
	script_case "$@"
}

# net_has_backend NAME: is NAME among NET_BACKENDS (default "kvm qemu")?
net_has_backend() {
	[[ " ${NET_BACKENDS:-kvm qemu} " == *" $1 "* ]]
}
