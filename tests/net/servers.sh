#!/usr/bin/env bash
# tests/net/servers.sh: Debian's servers, dynamic programs from the host,
# under the KVM monitor (their files shared read-only with -v), driven from
# the host through `-p HOSTPORT:GUESTPORT` over 127.0.0.1:
#   nginx     nginx-light, one process in the foreground (tests/net/nginx.conf):
#             the http checks of tests/net/examples.sh, then
#             `wrk -t2 -c10 -d5s` (wrk's default connections) with no error
#             and no non-2xx/3xx response
#   lighttpd  lighttpd -D -f tests/net/lighttpd.conf: the http checks
#   redis     redis-server --save '' --appendonly no: redis-cli PING, SET,
#             GET, then `redis-benchmark -q -c 50 -n 200 -t set,get` with no
#             error: 50 clients (its default) connect at once, through
#             the -p listener (libslirp's backlog of 1 made this fail)
# A server missing on the host is a SKIP (scripts/install-deps.sh installs
# them). Each server must still run at the end and exit 0 on SIGTERM (each
# shuts down cleanly on it; lighttpd says 1 if a connection was still open,
# natively too; under QEMU the signal ends QEMU: 143 or 125).
# nginx and lighttpd run under kvm only (their files come with -v), redis
# under kvm and qemu. NET_BACKENDS (default "kvm qemu"; "native" runs the
# cases on the host, to check this script).
# NET_WRK_SECONDS (default 5), NET_WRK_CONNS (10), NET_REDIS_REQUESTS (200).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"
. "$ROOT/tests/lib/net.sh"

D=$OUT/net/servers
WRK_SECONDS=${NET_WRK_SECONDS:-5}
# Small loads: under PVM every guest kernel instruction is emulated and
# nginx serves about 20 requests/s (bench/net measures; this checks that
# none fails).
WRK_CONNS=${NET_WRK_CONNS:-10}
REDIS_REQUESTS=${NET_REDIS_REQUESTS:-200}
mkdir -p "$D"

# server_missing PROG...: why these host programs cannot run (empty if they can).
server_missing() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || [[ -x $p ]] || {
			echo "$p is not installed (scripts/install-deps.sh)"
			return 0
		}
	done
}

# site DIR BACKEND: the shared directory (same path in the guest): www/ and
# the server's configuration; prints the directory for temporary files.
site() {
	rm -rf -- "$1"
	mkdir -p "$1"
	net_www "$1/www"
	if [[ $2 == native ]]; then
		mkdir -p "$1/tmp"
		echo "$1/tmp"
	else
		echo /tmp
	fi
}

nginx_case() {
	local b=$1 dir=$D/nginx-$1 hp gp tmp
	hp=$(net_free_port)
	gp=$(net_guest_port "$b" "$hp" 80)
	tmp=$(site "$dir/site" "$b")
	net_conf "$ROOT/tests/net/nginx.conf" "$dir/site/nginx.conf" "$gp" "$dir/site/www" "$tmp"
	net_start "$b" "$dir" "$hp" "$gp" -v "$dir/site:$dir/site:ro" -- \
		/usr/sbin/nginx -e stderr -c "$dir/site/nginx.conf"
	if ! net_wait_cmd 60 curl -sf -o /dev/null "http://127.0.0.1:$hp/index.html"; then
		echo "nginx did not answer within 60 s"
		net_stop
		net_tail "$dir"
		return 0
	fi
	net_http_problems "$hp" "$dir/site/www"
	timeout $((WRK_SECONDS + 30)) wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --timeout 10s \
		"http://127.0.0.1:$hp/index.html" >"$dir/wrk" 2>&1 || true
	net_wrk_problems "$dir/wrk"
	net_stop_check 0 "$dir"
}

lighttpd_case() {
	local b=$1 dir=$D/lighttpd-$1 hp gp
	hp=$(net_free_port)
	gp=$(net_guest_port "$b" "$hp" 80)
	site "$dir/site" "$b" >/dev/null
	net_conf "$ROOT/tests/net/lighttpd.conf" "$dir/site/lighttpd.conf" "$gp" "$dir/site/www" /tmp
	net_start "$b" "$dir" "$hp" "$gp" -v "$dir/site:$dir/site:ro" -- \
		/usr/sbin/lighttpd -D -f "$dir/site/lighttpd.conf"
	if ! net_wait_cmd 60 curl -sf -o /dev/null "http://127.0.0.1:$hp/index.html"; then
		echo "lighttpd did not answer within 60 s"
		net_stop
		net_tail "$dir"
		return 0
	fi
	net_http_problems "$hp" "$dir/site/www"
	# lighttpd exits 1 after SIGTERM if a connection is still open (natively
	# too): the guest may not have seen curl's last FIN yet. Its own line
	# says the stop came from the signal.
	net_stop_check '0|1' "$dir"
	grep -q 'server stopped by UID' "$dir/err" ||
		echo "lighttpd did not log its stop on SIGTERM: $(tail -n 1 "$dir/err")"
}

redis_case() {
	local b=$1 dir=$D/redis-$1 hp gp got
	hp=$(net_free_port)
	gp=$(net_guest_port "$b" "$hp" 6379)
	mkdir -p "$dir"
	# protected-mode off: through slirp the clients come from 10.0.2.2, not loopback.
	net_start "$b" "$dir" "$hp" "$gp" -- /usr/bin/redis-server --save '' --appendonly no \
		--port "$gp" --protected-mode no --dir /tmp
	if ! net_wait_cmd 60 sh -c "redis-cli -p $hp PING | grep -qx PONG"; then
		echo "redis-server did not answer PING within 60 s"
		net_stop
		net_tail "$dir"
		return 0
	fi
	got=$(timeout 10 redis-cli -p "$hp" SET bothy-key 'a value' 2>&1) || true
	[[ $got == OK ]] || echo "SET: '$got'"
	got=$(timeout 10 redis-cli -p "$hp" GET bothy-key 2>&1) || true
	[[ $got == 'a value' ]] || echo "GET: '$got', want 'a value'"
	got=$(timeout 10 redis-cli -p "$hp" GET no-such-key 2>&1) || true
	[[ -z $got ]] || echo "GET of a missing key: '$got'"
	timeout 120 redis-benchmark -p "$hp" -q -c 50 -n "$REDIS_REQUESTS" -t set,get >"$dir/bench" 2>&1 ||
		true
	tr '\r' '\n' <"$dir/bench" | grep -v '^ *$' >"$dir/bench.lines" || true
	grep -q '^SET: .* requests per second' "$dir/bench.lines" ||
		echo "redis-benchmark: no SET result: $(tail -n 2 "$dir/bench.lines" | paste -sd' ')"
	grep -q '^GET: .* requests per second' "$dir/bench.lines" ||
		echo "redis-benchmark: no GET result: $(tail -n 2 "$dir/bench.lines" | paste -sd' ')"
	grep -i 'error' "$dir/bench.lines" | head -n 3 | sed 's/^/redis-benchmark: /' || true
	if [[ $b == qemu ]]; then net_stop_check '143|125' "$dir"; else net_stop_check 0 "$dir"; fi
}

for b in native kvm qemu; do
	net_has_backend "$b" || continue
	for s in nginx:/usr/sbin/nginx:wrk lighttpd:/usr/sbin/lighttpd redis:/usr/bin/redis-server:redis-cli:redis-benchmark; do
		# Under QEMU only redis: the web servers need the -v share.
		[[ $b != qemu || $s == redis:* ]] || continue
		name=${s%%:*}
		IFS=: read -r -a progs <<<"${s#*:}"
		why=$(server_missing curl "${progs[@]}")
		if [[ -n $why ]]; then
			[[ -z ${BOTHY_TEST_FILTER:-} || "$b net/$name" =~ $BOTHY_TEST_FILTER ]] &&
				result SKIP "$b" "net/$name" "$why"
			continue
		fi
		net_case "$b" "net/$name" "${name}_case" "$b"
	done
done
