/*
 * Helpers of the socket and epoll tests (tests/guest/sock_*.c,
 * epoll_sock.c), on top of guest.h.
 *
 * The tests talk to themselves over the loopback addresses only
 * (127.0.0.1 and ::1), on ports the kernel chooses (bind to port 0). They
 * never print a port, an address or a time: only "WHAT: ok", "WHAT: fails
 * with ENAME", "WHAT: VALUE" or "WHAT: FAILED (...)", so the output of a
 * correct run is the same natively and under Bothy. A test exits with the
 * number of failed checks (0 on Linux).
 *
 * Waiting is always bounded (poll with a timeout of SK_WAIT_MS): a test
 * that does not get what it waits for prints FAILED and goes on, it never
 * hangs.
 */
#ifndef SOCK_COMMON_H
#define SOCK_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "guest.h"

/* How long a test waits for something that must happen (milliseconds). */
#define SK_WAIT_MS 5000

/* The error numbers the socket tests print; "errno N" for any other. */
static inline const char *sk_errname(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
	    {0, "0"},
	    {EPERM, "EPERM"},
	    {ENOENT, "ENOENT"},
	    {EINTR, "EINTR"},
	    {EBADF, "EBADF"},
	    {EAGAIN, "EAGAIN"},
	    {ENOMEM, "ENOMEM"},
	    {EFAULT, "EFAULT"},
	    {EEXIST, "EEXIST"},
	    {EINVAL, "EINVAL"},
	    {EMFILE, "EMFILE"},
	    {ENOTTY, "ENOTTY"},
	    {EPIPE, "EPIPE"},
	    {ENOSYS, "ENOSYS"},
	    {ENOTSOCK, "ENOTSOCK"},
	    {EDESTADDRREQ, "EDESTADDRREQ"},
	    {EMSGSIZE, "EMSGSIZE"},
	    {EPROTOTYPE, "EPROTOTYPE"},
	    {ENOPROTOOPT, "ENOPROTOOPT"},
	    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	    {EOPNOTSUPP, "EOPNOTSUPP"},
	    {EAFNOSUPPORT, "EAFNOSUPPORT"},
	    {EADDRINUSE, "EADDRINUSE"},
	    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	    {ENETUNREACH, "ENETUNREACH"},
	    {ECONNABORTED, "ECONNABORTED"},
	    {ECONNRESET, "ECONNRESET"},
	    {ENOBUFS, "ENOBUFS"},
	    {EISCONN, "EISCONN"},
	    {ENOTCONN, "ENOTCONN"},
	    {ETIMEDOUT, "ETIMEDOUT"},
	    {ECONNREFUSED, "ECONNREFUSED"},
	    {EHOSTUNREACH, "EHOSTUNREACH"},
	    {EALREADY, "EALREADY"},
	    {EINPROGRESS, "EINPROGRESS"},
	};
	static char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(other, sizeof(other), "errno %d", err);
	return other;
}

/*
 * sk_fails_with - @ret and @err are a call's return value and errno.
 * Prints "WHAT: fails with EWANT" or what happened instead.
 * Returns 0 when @ret is -1 and @err is @want, else 1.
 */
static inline int sk_fails_with(const char *what, long ret, int err, int want)
{
	if (ret == -1 && err == want) {
		printf("%s: fails with %s\n", what, sk_errname(want));
		return 0;
	}
	if (ret == -1)
		printf("%s: FAILED (errno %s, ", what, sk_errname(err));
	else
		printf("%s: FAILED (returned %ld, ", what, ret);
	printf("want %s)\n", sk_errname(want));
	return 1;
}

/* sk_fail(WHAT, CALL, EWANT): CALL must fail with errno EWANT; 0 if it did. */
#define sk_fail(what, call, want)                                                                  \
	({                                                                                         \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		sk_fails_with(what, r_, errno, want);                                              \
	})

/* sk_ok(WHAT, CALL): CALL must not return -1; prints "WHAT: ok". 0 if so. */
#define sk_ok(what, call)                                                                          \
	({                                                                                         \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		if (r_ == -1)                                                                      \
			printf("%s: FAILED (errno %s)\n", what, sk_errname(errno));                \
		else                                                                               \
			printf("%s: ok\n", what);                                                  \
		r_ == -1;                                                                          \
	})

/* sk_eq(WHAT, GOT, WANT): prints "WHAT: WANT" when GOT == WANT; 0 if so. */
#define sk_eq(what, got, want)                                                                     \
	({                                                                                         \
		long g_ = (long)(got), w_ = (long)(want);                                          \
		int e_ = errno;                                                                    \
		if (g_ == w_)                                                                      \
			printf("%s: %ld\n", what, w_);                                             \
		else if (g_ == -1)                                                                 \
			printf("%s: FAILED (-1, errno %s; want %ld)\n", what, sk_errname(e_), w_); \
		else                                                                               \
			printf("%s: FAILED (%ld, want %ld)\n", what, g_, w_);                      \
		g_ != w_;                                                                          \
	})

/*
 * sk_addr - fill @ss with the loopback address of @family (AF_INET:
 * 127.0.0.1, AF_INET6: ::1) and @port (host order).
 * Returns the length of the address.
 */
static inline socklen_t sk_addr(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

/* sk_port - the port (host order) of the address in @ss. */
static inline int sk_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* sk_local_port - the local port of socket @fd, or -1. */
static inline int sk_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return sk_port(&ss);
}

/*
 * sk_bound - a socket of @family and @type (flags such as SOCK_NONBLOCK
 * allowed) bound to the loopback address on a port the kernel chooses,
 * with SO_REUSEADDR when @reuse. Returns the descriptor (its port in
 * *@port when @port is not NULL), or -1 with a FAILED line printed.
 */
static inline int sk_bound(int family, int type, int reuse, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(family, 0, &ss);
	int fd = socket(family, type, 0), one = 1;

	if (fd < 0) {
		printf("socket: FAILED (errno %s)\n", sk_errname(errno));
		return -1;
	}
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		printf("bind to port 0: FAILED (errno %s)\n", sk_errname(errno));
		close(fd);
		return -1;
	}
	if (port)
		*port = sk_local_port(fd);
	return fd;
}

/*
 * sk_listener - a TCP socket of @family listening on the loopback address
 * (backlog @backlog) on a port the kernel chooses, stored in *@port.
 * Returns the descriptor, or -1 with a FAILED line printed.
 */
static inline int sk_listener(int family, int backlog, int *port)
{
	int fd = sk_bound(family, SOCK_STREAM, 1, port);

	if (fd >= 0 && listen(fd, backlog) < 0) {
		printf("listen: FAILED (errno %s)\n", sk_errname(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * sk_connect - a blocking TCP connection of @family to loopback port
 * @port. Returns the descriptor, or -1 with a FAILED line printed.
 */
static inline int sk_connect(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(family, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		printf("connect: FAILED (errno %s)\n", sk_errname(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * sk_pair - a connected pair of TCP sockets over loopback of @family: the
 * client end in @fds[0], the accepted end in @fds[1].
 * Returns 0, or -1 with a FAILED line printed (nothing left open).
 */
static inline int sk_pair(int family, int fds[2])
{
	int port, l = sk_listener(family, 4, &port);

	if (l < 0)
		return -1;
	fds[0] = sk_connect(family, port);
	fds[1] = fds[0] < 0 ? -1 : accept(l, NULL, NULL);
	if (fds[0] >= 0 && fds[1] < 0) {
		printf("accept: FAILED (errno %s)\n", sk_errname(errno));
		close(fds[0]);
	}
	close(l);
	return fds[1] < 0 ? -1 : 0;
}

/*
 * sk_wait - poll @fd for @events for at most @ms milliseconds.
 * Returns the revents (0 on a timeout).
 */
static inline int sk_wait(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? p.revents : 0;
}

/*
 * sk_write_all / sk_read_all - move exactly @len bytes through a blocking
 * socket. Return @len, or the count moved before an error or end of file.
 */
static inline size_t sk_write_all(int fd, const void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)p + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

static inline size_t sk_read_all(int fd, void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, (char *)p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

/* sk_ms_sleep - sleep @ms milliseconds. */
static inline void sk_ms_sleep(int ms)
{
	poll(NULL, 0, ms);
}

#endif
