/*
 * sock_tcp_errors: the errors of TCP sockets that every Linux gives the
 * same way, over loopback (IPv4, and IPv6 where it says so):
 * EAFNOSUPPORT, EPROTONOSUPPORT, ECONNREFUSED (a port bound but not
 * listening), EADDRINUSE (two binds; a listener; with and without
 * SO_REUSEADDR after a close that leaves a connection in TIME_WAIT),
 * EAGAIN (non-blocking accept and recv, MSG_DONTWAIT), EPIPE with SIGPIPE
 * ignored, SIGPIPE delivered by default and not with MSG_NOSIGNAL,
 * ECONNRESET (the peer closes with unread data, or with SO_LINGER 0),
 * ENOTCONN, EISCONN, EINVAL (bad lengths, a second bind, accept on a
 * socket that does not listen), ENOTSOCK, EBADF, and getsockopt values
 * (SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN, TCP_NODELAY,
 * SO_REUSEADDR, SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT, SO_LINGER and
 * IPV6_V6ONLY round trips; SO_RCVBUF/SO_SNDBUF only positive: Linux
 * doubles what is set).
 */
// case: sock_tcp_errors variants=musl,glibc
#include <signal.h>
#include <sys/ioctl.h>
#include "sock_common.h"

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static int families(void)
{
	int bad = 0, fd;

	bad += sk_fail("socket of family 12345", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	bad += sk_fail("socket AF_INET, SOCK_STREAM, IPPROTO_UDP",
	               socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	bad += sk_fail("socket AF_INET, type 77", socket(AF_INET, 77, 0), EINVAL);
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	bad += check("socket AF_INET, SOCK_STREAM, IPPROTO_TCP", fd >= 0);
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bad += check("socket AF_INET6 with SOCK_NONBLOCK | SOCK_CLOEXEC", fd >= 0);
	bad += check("... O_NONBLOCK is set", fcntl(fd, F_GETFL) & O_NONBLOCK);
	bad += sk_eq("... FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	return bad;
}

static int refused(int family, const char *name)
{
	int bad = 0, port, holder = sk_bound(family, SOCK_STREAM, 0, &port), fd;
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(family, port, &ss);
	char what[96];

	if (holder < 0)
		return 1;
	/* The port is bound (so nobody else takes it) but nothing listens. */
	fd = socket(family, SOCK_STREAM, 0);
	snprintf(what, sizeof(what), "%s: connect to a port nobody listens on", name);
	bad += sk_fail(what, connect(fd, (struct sockaddr *)&ss, len), ECONNREFUSED);
	close(fd);
	close(holder);
	return bad;
}

static int addrinuse(void)
{
	int bad = 0, port, a = sk_bound(AF_INET, SOCK_STREAM, 0, &port), b, l, c, s, one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(AF_INET, port, &ss);
	char ch;

	if (a < 0)
		return 1;
	b = socket(AF_INET, SOCK_STREAM, 0);
	bad += sk_fail("bind to a port another socket has bound", bind(b, (void *)&ss, len),
	               EADDRINUSE);
	close(b);
	bad += sk_ok("listen on it", listen(a, 4));
	b = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bad += sk_fail("bind to a listening port, even with SO_REUSEADDR",
	               bind(b, (void *)&ss, len), EADDRINUSE);
	close(b);
	close(a);
	b = socket(AF_INET, SOCK_STREAM, 0);
	bad +=
	    sk_ok("bind after the listener (no connection) is closed", bind(b, (void *)&ss, len));
	close(b);

	/* A server that closes first keeps its end in TIME_WAIT. */
	l = sk_listener(AF_INET, 4, &port);
	len = sk_addr(AF_INET, port, &ss);
	c = sk_connect(AF_INET, port);
	s = accept(l, NULL, NULL);
	close(s);
	bad += sk_eq("the client reads end of file", read(c, &ch, 1), 0);
	close(c);
	close(l);
	sk_ms_sleep(50); /* the client's FIN reaches the server's end */
	b = socket(AF_INET, SOCK_STREAM, 0);
	bad += sk_fail("bind again without SO_REUSEADDR while in TIME_WAIT",
	               bind(b, (void *)&ss, len), EADDRINUSE);
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bad += sk_ok("bind again with SO_REUSEADDR while in TIME_WAIT", bind(b, (void *)&ss, len));
	bad += sk_ok("and listen", listen(b, 4));
	c = sk_connect(AF_INET, port);
	s = accept(b, NULL, NULL);
	bad += check("the new listener accepts a connection", c >= 0 && s >= 0);
	close(c);
	close(s);
	close(b);
	return bad;
}

static int again(void)
{
	int bad = 0, port, l = sk_listener(AF_INET, 4, &port), p[2];
	char buf[8];

	if (l < 0)
		return 1;
	fcntl(l, F_SETFL, O_NONBLOCK);
	bad += sk_fail("non-blocking accept, nobody connecting", accept(l, NULL, NULL), EAGAIN);
	bad += sk_fail("accept4, nobody connecting", accept4(l, NULL, NULL, SOCK_NONBLOCK), EAGAIN);
	close(l);
	if (sk_pair(AF_INET, p))
		return bad + 1;
	bad += sk_fail("recv MSG_DONTWAIT, no data", recv(p[0], buf, 8, MSG_DONTWAIT), EAGAIN);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	bad += sk_fail("non-blocking recv, no data", recv(p[1], buf, 8, 0), EAGAIN);
	bad += sk_fail("non-blocking read, no data", read(p[1], buf, 8), EAGAIN);
	send(p[0], "abc", 3, 0);
	sk_wait(p[1], POLLIN, SK_WAIT_MS);
	bad += sk_eq("then data arrives", recv(p[1], buf, 8, 0), 3);
	bad += sk_fail("and it is gone", recv(p[1], buf, 8, 0), EAGAIN);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int pipe_errors(void)
{
	int bad = 0, p[2];

	if (sk_pair(AF_INET, p))
		return 1;
	bad += sk_ok("shutdown SHUT_WR", shutdown(p[0], SHUT_WR));
	signal(SIGPIPE, SIG_IGN);
	bad += sk_fail("send after SHUT_WR, SIGPIPE ignored", send(p[0], "x", 1, 0), EPIPE);
	bad += sk_fail("write after SHUT_WR, SIGPIPE ignored", write(p[0], "x", 1), EPIPE);
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	bad += sk_fail("send after SHUT_WR, with a handler", send(p[0], "x", 1, 0), EPIPE);
	bad += sk_eq("... SIGPIPE delivered", sigpipes, 1);
	bad += sk_fail("write after SHUT_WR, with a handler", write(p[0], "x", 1), EPIPE);
	bad += sk_eq("... SIGPIPE delivered again", sigpipes, 2);
	bad += sk_fail("send MSG_NOSIGNAL after SHUT_WR", send(p[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	bad += sk_eq("... no SIGPIPE", sigpipes, 2);
	signal(SIGPIPE, SIG_DFL);
	close(p[0]);
	close(p[1]);
	return bad;
}

/* reset_by CLOSER: the peer of p[0] ends with a reset; p[0] sees it. */
static int reset_seen(int fd, const char *how)
{
	int bad = 0, ev, err = -1;
	socklen_t len = sizeof(err);
	char buf[16], what[128];

	ev = sk_wait(fd, POLLIN, SK_WAIT_MS);
	snprintf(what, sizeof(what), "%s: poll sees the reset (POLLIN|POLLERR|POLLHUP)", how);
	bad += check(what, (ev & (POLLIN | POLLERR | POLLHUP)) == (POLLIN | POLLERR | POLLHUP));
	snprintf(what, sizeof(what), "%s: recv", how);
	bad += sk_fail(what, recv(fd, buf, sizeof(buf), 0), ECONNRESET);
	snprintf(what, sizeof(what), "%s: then SO_ERROR", how);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	bad += sk_eq(what, err, 0);
	snprintf(what, sizeof(what), "%s: then recv reads end of file", how);
	bad += sk_eq(what, recv(fd, buf, sizeof(buf), 0), 0);
	snprintf(what, sizeof(what), "%s: and send", how);
	bad += sk_fail(what, send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	return bad;
}

static int resets(void)
{
	int bad = 0, p[2];
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (sk_pair(AF_INET, p))
		return 1;
	send(p[0], "unread", 6, 0);
	sk_wait(p[1], POLLIN, SK_WAIT_MS);
	close(p[1]); /* with 6 bytes unread: a reset, not a FIN */
	bad += reset_seen(p[0], "peer closed with unread data");
	close(p[0]);

	if (sk_pair(AF_INET6, p))
		return bad + 1;
	bad += sk_ok("SO_LINGER {1, 0}", setsockopt(p[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(p[1]);
	bad += reset_seen(p[0], "peer closed with SO_LINGER 0");
	close(p[0]);
	return bad;
}

static int conn_state(void)
{
	int bad = 0, fd = socket(AF_INET, SOCK_STREAM, 0), port, l, p[2];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[4];

	bad += sk_fail("recv on a new socket", recv(fd, buf, 4, 0), ENOTCONN);
	bad += sk_fail("send MSG_NOSIGNAL on a new socket", send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	bad += sk_fail("getpeername on a new socket", getpeername(fd, (void *)&ss, &len), ENOTCONN);
	bad += sk_fail("shutdown on a new socket", shutdown(fd, SHUT_RDWR), ENOTCONN);
	bad += sk_fail("accept on a socket that does not listen", accept(fd, NULL, NULL), EINVAL);
	close(fd);
	l = sk_listener(AF_INET, 4, &port);
	bad += sk_fail("recv on a listener", recv(l, buf, 4, 0), ENOTCONN);
	bad += sk_fail("getpeername on a listener", getpeername(l, (void *)&ss, &len), ENOTCONN);
	close(l);
	if (sk_pair(AF_INET, p))
		return bad + 1;
	len = sk_addr(AF_INET, sk_local_port(p[1]), &ss);
	bad += sk_fail("connect a connected socket", connect(p[0], (void *)&ss, len), EISCONN);
	bad += sk_fail("listen on a connected socket", listen(p[0], 4), EINVAL);
	bad += sk_fail("shutdown with how = 7", shutdown(p[0], 7), EINVAL);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int bad_args(void)
{
	int bad = 0, fd = socket(AF_INET, SOCK_STREAM, 0), fd6 = socket(AF_INET6, SOCK_STREAM, 0);
	int v = 1, pfd[2];
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(AF_INET, 0, &ss);
	char buf[4];

	bad += sk_fail("bind with a length one short", bind(fd, (void *)&ss, len - 1), EINVAL);
	bad += sk_fail("connect with length 0", connect(fd, (void *)&ss, 0), EINVAL);
	bad += sk_fail("bind an IPv4 socket to an AF_INET6 address",
	               bind(fd, (void *)&ss, sk_addr(AF_INET6, 0, &ss)), EAFNOSUPPORT);
	len = sk_addr(AF_INET6, 0, &ss);
	/* 24 bytes (RFC 2133's sockaddr_in6, without sin6_scope_id) are enough. */
	bad += sk_fail("bind an IPv6 socket with a 23-byte address", bind(fd6, (void *)&ss, 23),
	               EINVAL);
	len = sk_addr(AF_INET, 0, &ss);
	bad += sk_ok("bind", bind(fd, (void *)&ss, len));
	bad += sk_fail("bind a second time", bind(fd, (void *)&ss, len), EINVAL);
	bad += sk_fail("setsockopt SO_REUSEADDR with optlen 0",
	               setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 0), EINVAL);
	bad += sk_fail("setsockopt of an unknown option",
	               setsockopt(fd, SOL_SOCKET, 12345, &v, sizeof(v)), ENOPROTOOPT);
	bad += sk_fail("getsockopt of an unknown option",
	               getsockopt(fd, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
	bad += sk_fail("getsockopt with a NULL optval",
	               getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
	close(fd);
	close(fd6);
	if (pipe(pfd) == 0) {
		bad += sk_fail("getsockopt on a pipe",
		               getsockopt(pfd[0], SOL_SOCKET, SO_TYPE, &v, &len), ENOTSOCK);
		bad += sk_fail("recv on a pipe", recv(pfd[0], buf, 4, 0), ENOTSOCK);
		bad += sk_fail("connect on a pipe", connect(pfd[0], (void *)&ss, len), ENOTSOCK);
		close(pfd[0]);
		close(pfd[1]);
	}
	bad += sk_fail("send on fd 999", send(999, "x", 1, 0), EBADF);
	bad += sk_fail("listen on fd -1", listen(-1, 1), EBADF);
	return bad;
}

/* int_opt - getsockopt of an int option; -1 on failure. */
static int int_opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0 || len != sizeof(v))
		return -1;
	return v;
}

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static int options(void)
{
	int bad = 0, fd = socket(AF_INET, SOCK_STREAM, 0), fd6, port, l;
	struct linger lg = {0};
	socklen_t len = sizeof(lg);

	bad += sk_eq("SO_TYPE", int_opt(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	bad += sk_eq("SO_DOMAIN", int_opt(fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
	bad += sk_eq("SO_PROTOCOL", int_opt(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	bad += sk_eq("SO_ERROR", int_opt(fd, SOL_SOCKET, SO_ERROR), 0);
	bad += sk_eq("SO_ACCEPTCONN of a new socket", int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	bad += sk_eq("TCP_NODELAY at first", int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	bad += sk_eq("TCP_NODELAY after setting 1", int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 0);
	bad += sk_eq("TCP_NODELAY after setting 0", int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	bad += sk_eq("SO_REUSEADDR at first", int_opt(fd, SOL_SOCKET, SO_REUSEADDR), 0);
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	bad += sk_eq("SO_REUSEADDR after setting 1", int_opt(fd, SOL_SOCKET, SO_REUSEADDR), 1);
	bad += sk_eq("SO_KEEPALIVE at first", int_opt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	bad += sk_eq("SO_KEEPALIVE after setting 1", int_opt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30);
	bad += sk_eq("TCP_KEEPIDLE after setting 30", int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 7);
	bad += sk_eq("TCP_KEEPINTVL after setting 7", int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
	set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 4);
	bad += sk_eq("TCP_KEEPCNT after setting 4", int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT), 4);
	bad += sk_fail("TCP_KEEPIDLE 0", set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL);
	bad += check("SO_RCVBUF is positive", int_opt(fd, SOL_SOCKET, SO_RCVBUF) > 0);
	bad += check("SO_SNDBUF is positive", int_opt(fd, SOL_SOCKET, SO_SNDBUF) > 0);
	bad += sk_ok("SO_RCVBUF set to 65536", set_int(fd, SOL_SOCKET, SO_RCVBUF, 65536));
	bad += check("SO_RCVBUF is still positive", int_opt(fd, SOL_SOCKET, SO_RCVBUF) > 0);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len);
	bad += check("SO_LINGER at first is off", len == sizeof(lg) && lg.l_onoff == 0);
	lg.l_onoff = 1;
	lg.l_linger = 5;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	memset(&lg, 0, sizeof(lg));
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len);
	bad += check("SO_LINGER {1, 5} reads back", lg.l_onoff != 0 && lg.l_linger == 5);
	close(fd);

	l = sk_listener(AF_INET, 4, &port);
	bad += sk_eq("SO_ACCEPTCONN of a listener", int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	close(l);

	fd6 = socket(AF_INET6, SOCK_STREAM, 0);
	bad += sk_eq("IPv6: SO_DOMAIN", int_opt(fd6, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	set_int(fd6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	bad += sk_eq("IPV6_V6ONLY after setting 1", int_opt(fd6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	set_int(fd6, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	bad += sk_eq("IPV6_V6ONLY after setting 0", int_opt(fd6, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	close(fd6);
	return bad;
}

static int names(void)
{
	int bad = 0, p[2], port, l = sk_listener(AF_INET6, 4, &port), c, s;
	struct sockaddr_storage a, b;
	socklen_t alen = sizeof(a), blen = sizeof(b);

	if (l < 0)
		return 1;
	c = sk_connect(AF_INET6, port);
	s = accept(l, (void *)&a, &alen);
	bad += check("accept gives the peer's address (AF_INET6)",
	             s >= 0 && alen == sizeof(struct sockaddr_in6) && a.ss_family == AF_INET6);
	getsockname(c, (void *)&b, &blen);
	bad += check("... the client's own port", sk_port(&a) == sk_port(&b));
	bad += check("... the loopback address",
	             IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a)->sin6_addr));
	alen = sizeof(a);
	getpeername(c, (void *)&a, &alen);
	bad += check("getpeername of the client is the listener's port", sk_port(&a) == port);
	alen = sizeof(a);
	getsockname(s, (void *)&a, &alen);
	bad +=
	    check("getsockname of the accepted socket is the listener's port", sk_port(&a) == port);
	close(c);
	close(s);
	close(l);
	if (sk_pair(AF_INET, p))
		return bad + 1;
	alen = 2;
	bad += sk_ok("getsockname with a short length", getsockname(p[0], (void *)&a, &alen));
	bad += sk_eq("... reports the full length", alen, sizeof(struct sockaddr_in));
	close(p[0]);
	close(p[1]);
	return bad;
}

int main(void)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bad += families();
	bad += refused(AF_INET, "IPv4");
	bad += refused(AF_INET6, "IPv6");
	bad += addrinuse();
	bad += again();
	bad += pipe_errors();
	bad += resets();
	bad += conn_state();
	bad += bad_args();
	bad += options();
	bad += names();
	printf("%d failed\n", bad);
	return bad;
}
