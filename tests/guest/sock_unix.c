/*
 * sock_unix: AF_UNIX sockets (unix(7)), natively and under Bothy:
 * - socket(2)/socketpair(2) argument errors (EINVAL, EAFNOSUPPORT,
 *   ESOCKTNOSUPPORT, EPROTONOSUPPORT), SOCK_CLOEXEC/SOCK_NONBLOCK;
 * - a stream pair: data both ways, MSG_PEEK, MSG_DONTWAIT's EAGAIN,
 *   FIONREAD, MSG_WAITALL, getsockname/getpeername of unnamed sockets,
 *   SO_TYPE/SO_DOMAIN/SO_PROTOCOL/SO_PEERCRED, shutdown(2) and end of
 *   file, EPIPE with SIGPIPE ignored, caught, and with MSG_NOSIGNAL;
 *   poll(2) on sockets (POLLIN, POLLOUT, POLLHUP, POLLRDHUP); filling a
 *   non-blocking socket until EAGAIN;
 * - datagram and seqpacket pairs: message boundaries, MSG_TRUNC (flag
 *   and return value), empty datagrams, FIONREAD, sendmmsg/recvmmsg,
 *   end of file on a seqpacket socket;
 * - names in the file system: bind, EADDRINUSE, listen/accept4/connect,
 *   ECONNREFUSED (nobody listens), EPROTOTYPE, ENOENT, listen on a
 *   datagram socket (EOPNOTSUPP) and on an unbound one (EINVAL); a
 *   datagram socket bound to a path receiving with recvfrom;
 * - the abstract namespace and autobind;
 * - SCM_RIGHTS (a pipe's descriptor through a socket pair);
 * - sendmsg/recvmsg with several iovecs, address truncation;
 * - SO_RCVTIMEO (EDOM for a bad tv_usec, EAGAIN at the timeout);
 * - a second thread as the peer: accept and echo, a blocked read woken;
 * - sendfile(2) from a file to a socket.
 * Prints no address, path, pid or time.
 */
// case: sock_unix timeout=120 variants=musl,glibc
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "guest.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

static int bad;

static const char *ename(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
	    {EPERM, "EPERM"},
	    {ENOENT, "ENOENT"},
	    {EINTR, "EINTR"},
	    {EBADF, "EBADF"},
	    {EAGAIN, "EAGAIN"},
	    {EFAULT, "EFAULT"},
	    {EINVAL, "EINVAL"},
	    {EPIPE, "EPIPE"},
	    {EDOM, "EDOM"},
	    {ENOTSOCK, "ENOTSOCK"},
	    {EMSGSIZE, "EMSGSIZE"},
	    {EPROTOTYPE, "EPROTOTYPE"},
	    {ENOPROTOOPT, "ENOPROTOOPT"},
	    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	    {EOPNOTSUPP, "EOPNOTSUPP"},
	    {EAFNOSUPPORT, "EAFNOSUPPORT"},
	    {EADDRINUSE, "EADDRINUSE"},
	    {ECONNRESET, "ECONNRESET"},
	    {EISCONN, "EISCONN"},
	    {ENOTCONN, "ENOTCONN"},
	    {ECONNREFUSED, "ECONNREFUSED"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	return "E?";
}

static void ok(const char *what, int cond)
{
	printf("%s: %s\n", what, cond ? "ok" : "FAILED");
	bad += !cond;
}

static void eq(const char *what, long got, long want)
{
	if (got == want)
		printf("%s: %ld\n", what, got);
	else
		printf("%s: FAILED (got %ld errno %s, want %ld)\n", what, got, ename(errno), want);
	bad += got != want;
}

#define fails(what, call, want)                                                                    \
	do {                                                                                       \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		if (r_ == -1 && errno == (want))                                                   \
			printf("%s: fails with %s\n", what, ename(want));                          \
		else {                                                                             \
			printf("%s: FAILED (returned %ld, errno %s, want %s)\n", what, r_,         \
			       ename(errno), ename(want));                                         \
			bad++;                                                                     \
		}                                                                                  \
	} while (0)

static short revents(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static socklen_t path_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strncpy(sa->sun_path, path, sizeof(sa->sun_path) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void errors(void)
{
	int fd;

	fails("socket with an unknown flag", socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), EINVAL);
	fails("socket of family 1234", socket(1234, SOCK_STREAM, 0), EAFNOSUPPORT);
	fails("socket of family 45", socket(45, SOCK_STREAM, 0), EAFNOSUPPORT);
	fails("socket of type 11", socket(AF_UNIX, 11, 0), EINVAL);
	fails("AF_UNIX SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	fails("AF_UNIX protocol 2", socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);
	fd = socket(AF_UNIX, SOCK_RAW, 0);
	ok("AF_UNIX SOCK_RAW is a datagram socket", fd >= 0);
	{
		int v = -1;
		socklen_t l = sizeof(v);
		getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l);
		eq("its SO_TYPE", v, SOCK_DGRAM);
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
	ok("AF_UNIX protocol PF_UNIX", fd >= 0);
	fails("getpeername unconnected", getpeername(fd, NULL, NULL), ENOTCONN);
	fails("listen on an unbound stream socket", listen(fd, 1), EINVAL);
	{
		char c;
		fails("read from an unconnected stream socket", read(fd, &c, 1), EINVAL);
		fails("send to an unconnected stream socket", send(fd, "x", 1, 0), ENOTCONN);
		fails("recv MSG_OOB", recv(fd, &c, 1, MSG_OOB), EINVAL);
	}
	fails("shutdown how 3", shutdown(fd, 3), EINVAL);
	ok("shutdown of an unconnected socket", shutdown(fd, SHUT_RDWR) == 0);
	fails("bind with sun_family AF_INET",
	      bind(fd,
	           (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_INET, .sun_path = "x"},
	           sizeof(struct sockaddr_un)),
	      EINVAL);
	fails("bind with a too long address",
	      bind(fd, (struct sockaddr *)&(struct sockaddr_storage){.ss_family = AF_UNIX}, 111),
	      EINVAL);
	fails("bind with a negative length",
	      bind(fd, (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX}, -1),
	      EINVAL);
	fails("connect to a bad address pointer",
	      connect(fd, (struct sockaddr *)8, sizeof(struct sockaddr_un)), EFAULT);
	fails("setsockopt SO_TYPE", setsockopt(fd, SOL_SOCKET, SO_TYPE, &fd, sizeof(fd)),
	      ENOPROTOOPT);
	fails("setsockopt with optlen 2", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &fd, 2), EINVAL);
	fails("setsockopt with a negative optlen",
	      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &fd, (socklen_t)-1), EINVAL);
	fails("getsockopt of an unknown option",
	      getsockopt(fd, SOL_SOCKET, 9999, &fd, &(socklen_t){4}), ENOPROTOOPT);
	fails("setsockopt at level SOL_TCP", setsockopt(fd, 6, 1, &fd, sizeof(fd)), EOPNOTSUPP);
	fails("bind on a closed descriptor", bind(100, NULL, 0), EBADF);
	{
		int p[2];
		pipe(p);
		fails(
		    "bind on a pipe descriptor",
		    bind(p[0], (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX}, 2),
		    ENOTSOCK);
		close(p[0]);
		close(p[1]);
	}
	close(fd);
}

static void stream_pair(void)
{
	int sv[2], n = -1, v;
	char buf[64];
	struct sockaddr_un sa;
	socklen_t len;
	struct ucred cr;

	ok("socketpair stream CLOEXEC",
	   socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	eq("FD_CLOEXEC", fcntl(sv[0], F_GETFD), FD_CLOEXEC);
	ok("not O_NONBLOCK", !(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	eq("O_RDWR", fcntl(sv[1], F_GETFL) & O_ACCMODE, O_RDWR);
	{
		struct stat st;
		ok("fstat is S_IFSOCK", fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
	}
	eq("poll of an idle connected socket", revents(sv[0], POLLIN | POLLOUT), POLLOUT);
	eq("write 5", write(sv[0], "hello", 5), 5);
	eq("poll of the peer", revents(sv[1], POLLIN | POLLOUT), POLLIN | POLLOUT);
	ok("FIONREAD", ioctl(sv[1], FIONREAD, &n) == 0);
	eq("FIONREAD counts", n, 5);
	eq("write 3 more", send(sv[0], "abc", 3, 0), 3);
	memset(buf, 0, sizeof(buf));
	eq("MSG_PEEK sees both writes", recv(sv[1], buf, sizeof(buf), MSG_PEEK), 8);
	ok("... the bytes", !memcmp(buf, "helloabc", 8));
	eq("a read of 2", read(sv[1], buf, 2), 2);
	eq("MSG_PEEK after a partial read", recv(sv[1], buf, sizeof(buf), MSG_PEEK), 6);
	eq("the rest", read(sv[1], buf, sizeof(buf)), 6);
	ok("... the bytes", !memcmp(buf, "lloabc", 6));
	fails("MSG_DONTWAIT on an empty socket", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	eq("a read of 0 bytes", read(sv[1], buf, 0), 0);
	eq("the other way", write(sv[1], "xyz", 3), 3);
	eq("recvfrom", recvfrom(sv[0], buf, sizeof(buf), 0, NULL, NULL), 3);
	len = sizeof(sa);
	memset(&sa, 0x55, sizeof(sa));
	eq("recvfrom with an address",
	   (send(sv[1], "q", 1, 0), recvfrom(sv[0], buf, 1, 0, (struct sockaddr *)&sa, &len)), 1);
	eq("... an unbound sender has no address", len, 0);
	len = sizeof(sa);
	ok("getsockname", getsockname(sv[0], (struct sockaddr *)&sa, &len) == 0);
	eq("... its length", len, 2);
	eq("... its family", sa.sun_family, AF_UNIX);
	len = sizeof(sa);
	ok("getpeername", getpeername(sv[0], (struct sockaddr *)&sa, &len) == 0);
	eq("... its length", len, 2);
	len = sizeof(v);
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
	eq("SO_TYPE", v, SOCK_STREAM);
	getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len);
	eq("SO_DOMAIN", v, AF_UNIX);
	getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &len);
	eq("SO_PROTOCOL", v, 0);
	getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	eq("SO_ACCEPTCONN", v, 0);
	v = 1;
	ok("SO_REUSEADDR", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)) == 0);
	v = 0;
	len = sizeof(v);
	getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, &len);
	eq("... reads back", v, 1);
	len = 1;
	v = 0;
	ok("getsockopt with a short optlen", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	eq("... writes one byte", v, SOCK_STREAM);
	eq("... and says so", len, 1);
	len = sizeof(cr);
	ok("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0);
	eq("... length", len, sizeof(cr));
	ok("... pid is ours", cr.pid == getpid());
	ok("... uid and gid are ours", cr.uid == getuid() && cr.gid == getgid());

	/* MSG_WAITALL with the data in two pieces */
	write(sv[0], "12", 2);
	write(sv[0], "345", 3);
	eq("MSG_WAITALL", recv(sv[1], buf, 5, MSG_WAITALL), 5);

	/* shutdown */
	ok("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR) == 0);
	eq("the peer polls POLLIN|POLLRDHUP", revents(sv[1], POLLIN | POLLRDHUP),
	   POLLIN | POLLRDHUP);
	eq("the peer reads end of file", read(sv[1], buf, sizeof(buf)), 0);
	signal(SIGPIPE, SIG_IGN);
	fails("a write after SHUT_WR (SIGPIPE ignored)", write(sv[0], "x", 1), EPIPE);
	eq("the peer can still write", write(sv[1], "back", 4), 4);
	eq("and we read it", read(sv[0], buf, sizeof(buf)), 4);
	ok("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD) == 0);
	eq("now we read end of file", read(sv[0], buf, sizeof(buf)), 0);
	eq("POLLHUP after both", revents(sv[0], POLLIN) & (POLLIN | POLLHUP), POLLIN | POLLHUP);
	fails("the peer's write after our SHUT_RD", write(sv[1], "x", 1), EPIPE);
	close(sv[0]);
	close(sv[1]);

	/* the peer closes with data unread */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	write(sv[1], "pending", 7);
	close(sv[1]);
	eq("data written before the peer closed", read(sv[0], buf, sizeof(buf)), 7);
	fails("then ECONNRESET (it left data unread)", read(sv[0], buf, sizeof(buf)), ECONNRESET);
	eq("then end of file", read(sv[0], buf, sizeof(buf)), 0);
	eq("poll after the peer closed", revents(sv[0], POLLIN | POLLOUT | POLLRDHUP) & ~POLLOUT,
	   POLLIN | POLLRDHUP | POLLHUP);
	fails("write to a closed peer (SIGPIPE ignored)", write(sv[0], "x", 1), EPIPE);
	close(sv[0]);
}

static volatile sig_atomic_t pipes_caught;
static void on_sigpipe(int sig)
{
	(void)sig;
	pipes_caught++;
}

static void sigpipe(void)
{
	int sv[2];
	struct sigaction sa = {.sa_handler = on_sigpipe};

	sigaction(SIGPIPE, &sa, NULL);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	pipes_caught = 0;
	fails("write to a closed peer (SIGPIPE caught)", write(sv[0], "x", 1), EPIPE);
	eq("SIGPIPE was delivered once", pipes_caught, 1);
	fails("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	eq("no SIGPIPE for it", pipes_caught, 1);
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	close(sv[1]);
	fails("seqpacket send to a closed peer", send(sv[0], "x", 1, 0), EPIPE);
	eq("no SIGPIPE for it (only streams raise it)", pipes_caught, 1);
	close(sv[0]);
	signal(SIGPIPE, SIG_IGN);
}

static void nonblocking(void)
{
	static char chunk[4096];
	int sv[2], n;
	long total = 0, r, got = 0;

	ok("socketpair SOCK_NONBLOCK",
	   socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	ok("O_NONBLOCK is set", fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	fails("read from an empty non-blocking socket", read(sv[1], chunk, 1), EAGAIN);
	while ((r = write(sv[0], chunk, sizeof(chunk))) > 0)
		total += r;
	{
		int e = errno;
		errno = e;
		ok("write until the socket is full: EAGAIN", r == -1 && e == EAGAIN);
	}
	ok("it took some data", total >= 65536);
	eq("then no POLLOUT", revents(sv[0], POLLOUT), 0);
	ioctl(sv[1], FIONREAD, &n);
	ok("FIONREAD says all of it", n == total);
	while ((r = read(sv[1], chunk, sizeof(chunk))) > 0)
		got += r;
	ok("the peer reads it all", got == total);
	eq("POLLOUT again", revents(sv[0], POLLOUT), POLLOUT);
	n = 0;
	ok("FIONBIO off", ioctl(sv[1], FIONBIO, &n) == 0 && !(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
}

static void dgram_pair(void)
{
	int sv[2], n = -1;
	char buf[64];
	struct msghdr mh;
	struct iovec iov;

	ok("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	eq("poll of an idle pair", revents(sv[0], POLLIN | POLLOUT), POLLOUT);
	eq("send 5", send(sv[0], "first", 5, 0), 5);
	eq("send 6", send(sv[0], "second", 6, 0), 6);
	eq("send 0", send(sv[0], "", 0, 0), 0);
	ioctl(sv[1], FIONREAD, &n);
	eq("FIONREAD is the first datagram", n, 5);
	eq("MSG_PEEK", recv(sv[1], buf, sizeof(buf), MSG_PEEK), 5);
	eq("recv the first", recv(sv[1], buf, sizeof(buf), 0), 5);
	iov = (struct iovec){buf, 3};
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	eq("recvmsg of 3 of 6", recvmsg(sv[1], &mh, 0), 3);
	ok("MSG_TRUNC set", mh.msg_flags & MSG_TRUNC);
	eq("the empty datagram", recv(sv[1], buf, sizeof(buf), 0), 0);
	fails("then nothing", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	send(sv[0], "longer", 6, 0);
	eq("recv MSG_TRUNC gives the real length", recv(sv[1], buf, 2, MSG_TRUNC), 6);
	fails("sendto an address on a connected pair",
	      sendto(sv[0], "x", 1, 0,
	             (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX,
	                                                      .sun_path = "\0none"},
	             7),
	      ECONNREFUSED);
	{
		static char big[300000];
		fails("a datagram bigger than the send buffer", send(sv[0], big, sizeof(big), 0),
		      EMSGSIZE);
	}
	{
		struct mmsghdr mm[3];
		struct iovec io[3];
		char rb[3][8];
		const char *msgs[3] = {"one", "three", "fifteen"};
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			io[i] = (struct iovec){(void *)msgs[i], strlen(msgs[i])};
			mm[i].msg_hdr.msg_iov = &io[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		eq("sendmmsg", sendmmsg(sv[0], mm, 3, 0), 3);
		eq("... msg_len of the third", mm[2].msg_len, 7);
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			io[i] = (struct iovec){rb[i], sizeof(rb[i])};
			mm[i].msg_hdr.msg_iov = &io[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		eq("recvmmsg", recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL), 3);
		ok("... in order", mm[0].msg_len == 3 && mm[1].msg_len == 5 && mm[2].msg_len == 7 &&
		                       !memcmp(rb[1], "three", 5));
		eq("recvmmsg MSG_WAITFORONE with one there",
		   (send(sv[0], "x", 1, 0), recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL)), 1);
	}
	close(sv[1]);
	fails("send to a closed peer", send(sv[0], "x", 1, 0), ECONNREFUSED);
	fails("then", send(sv[0], "x", 1, 0), ENOTCONN);
	close(sv[0]);

	ok("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	send(sv[0], "abc", 3, 0);
	send(sv[0], "defg", 4, 0);
	eq("seqpacket keeps boundaries", recv(sv[1], buf, sizeof(buf), 0), 3);
	eq("... the second", recv(sv[1], buf, 2, 0), 2);
	fails("the truncated rest is gone", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	eq("seqpacket end of file", recv(sv[1], buf, sizeof(buf), 0), 0);
	eq("... also non-blocking", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(sv[1]);
}

static char dir[64];

static void paths(void)
{
	struct sockaddr_un sa, got;
	socklen_t len, alen;
	int srv, cli, acc, d, d2, v;
	char path[128], buf[32];

	snprintf(path, sizeof(path), "%s/s", dir);
	alen = path_addr(&sa, path);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	ok("bind to a path", bind(srv, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	{
		struct stat st;
		ok("it made a socket file", stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	}
	len = sizeof(got);
	ok("getsockname", getsockname(srv, (struct sockaddr *)&got, &len) == 0);
	eq("... length is the path's + 3", len, alen);
	ok("... the path", !strcmp(got.sun_path, path));
	len = 4;
	memset(&got, 0, sizeof(got));
	ok("getsockname into 4 bytes", getsockname(srv, (struct sockaddr *)&got, &len) == 0);
	eq("... says the whole length", len, alen);
	ok("... copied 4 bytes",
	   got.sun_path[0] == path[0] && got.sun_path[1] == path[1] && got.sun_path[2] == 0);
	fails("bind again to the same path", bind(srv, (struct sockaddr *)&sa, alen), EADDRINUSE);
	{
		struct sockaddr_un sb;
		char p2[128];
		snprintf(p2, sizeof(p2), "%s/s2", dir);
		fails("bind a bound socket to a new path",
		      bind(srv, (struct sockaddr *)&sb, path_addr(&sb, p2)), EINVAL);
		ok("... and no file is left", access(p2, F_OK) == -1 && errno == ENOENT);
	}
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("bind another to the same path", bind(cli, (struct sockaddr *)&sa, alen), EADDRINUSE);
	fails("connect before listen", connect(cli, (struct sockaddr *)&sa, alen), ECONNREFUSED);
	ok("listen", listen(srv, 4) == 0);
	len = sizeof(v);
	getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	eq("SO_ACCEPTCONN", v, 1);
	fcntl(srv, F_SETFL, O_NONBLOCK);
	fails("accept with nobody connecting", accept(srv, NULL, NULL), EAGAIN);
	eq("poll of the listener", revents(srv, POLLIN | POLLOUT), 0);
	ok("connect", connect(cli, (struct sockaddr *)&sa, alen) == 0);
	fails("connect again", connect(cli, (struct sockaddr *)&sa, alen), EISCONN);
	eq("the listener polls POLLIN", revents(srv, POLLIN), POLLIN);
	eq("the client writes before accept", write(cli, "early", 5), 5);
	len = sizeof(got);
	acc = accept4(srv, (struct sockaddr *)&got, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ok("accept4", acc >= 0);
	eq("... the client is unnamed", len, 2);
	ok("... SOCK_NONBLOCK", fcntl(acc, F_GETFL) & O_NONBLOCK);
	eq("... SOCK_CLOEXEC", fcntl(acc, F_GETFD), FD_CLOEXEC);
	len = sizeof(got);
	getsockname(acc, (struct sockaddr *)&got, &len);
	ok("the accepted socket has the listener's name",
	   len == alen && !strcmp(got.sun_path, path));
	len = sizeof(got);
	getpeername(cli, (struct sockaddr *)&got, &len);
	ok("the client's peer is the listener's name", len == alen && !strcmp(got.sun_path, path));
	eq("read what came before accept", read(acc, buf, sizeof(buf)), 5);
	eq("write back", write(acc, "ok", 2), 2);
	eq("the client reads it", read(cli, buf, sizeof(buf)), 2);
	{
		struct ucred cr;
		len = sizeof(cr);
		getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cr, &len);
		ok("SO_PEERCRED of an accepted socket", cr.pid == getpid() && cr.uid == getuid());
	}
	close(cli);
	eq("end of file after the client closes", read(acc, buf, sizeof(buf)), 0);
	fails("write to it (SIGPIPE ignored)", write(acc, "x", 1), EPIPE);
	close(acc);

	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	fails("a datagram socket connects to a stream listener",
	      connect(d, (struct sockaddr *)&sa, alen), EPROTOTYPE);
	fails("listen on a datagram socket", listen(d, 1), EOPNOTSUPP);
	close(srv);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("connect after the listener closed", connect(cli, (struct sockaddr *)&sa, alen),
	      ECONNREFUSED);
	unlink(path);
	fails("connect after unlink", connect(cli, (struct sockaddr *)&sa, alen), ENOENT);
	close(cli);

	/* a datagram socket on a path */
	snprintf(path, sizeof(path), "%s/d", dir);
	alen = path_addr(&sa, path);
	ok("bind a datagram socket", bind(d, (struct sockaddr *)&sa, alen) == 0);
	d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	eq("sendto it", sendto(d2, "dgram", 5, 0, (struct sockaddr *)&sa, alen), 5);
	len = sizeof(got);
	eq("recvfrom", recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr *)&got, &len), 5);
	eq("... an unbound sender has no address", len, 0);
	ok("autobind the sender", bind(d2, (struct sockaddr *)&sa, 2) == 0);
	len = sizeof(got);
	getsockname(d2, (struct sockaddr *)&got, &len);
	ok("... an abstract name of 5 hex digits", len == 8 && got.sun_path[0] == 0);
	sendto(d2, "again", 5, 0, (struct sockaddr *)&sa, alen);
	{
		struct sockaddr_un from;
		socklen_t flen = sizeof(from);
		recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		ok("now recvfrom names it", flen == 8 && !memcmp(&from, &got, 8));
		ok("connect the receiver to it", connect(d, (struct sockaddr *)&from, flen) == 0);
		int d3 = socket(AF_UNIX, SOCK_DGRAM, 0);
		fails("a third socket may not send to one connected elsewhere",
		      sendto(d3, "x", 1, 0, (struct sockaddr *)&sa, alen), EPERM);
		close(d3);
		ok("disconnect with AF_UNSPEC",
		   connect(d, (struct sockaddr *)&(struct sockaddr){.sa_family = AF_UNSPEC}, 2) ==
		       0);
		fails("send unconnected", send(d, "x", 1, 0), ENOTCONN);
	}
	close(d);
	close(d2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nodir/s", dir);
	alen = path_addr(&sa, path);
	d = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("bind in a missing directory", bind(d, (struct sockaddr *)&sa, alen), ENOENT);
	close(d);
}

static void abstract(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX}, got;
	socklen_t alen, len;
	int srv, cli, acc, other;
	char buf[8];

	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "bothy-sock-unix-%d", (int)getpid());
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	ok("bind an abstract name", bind(srv, (struct sockaddr *)&sa, alen) == 0);
	len = sizeof(got);
	getsockname(srv, (struct sockaddr *)&got, &len);
	ok("getsockname gives it back", len == alen && !memcmp(&got, &sa, alen));
	other = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("bind it twice", bind(other, (struct sockaddr *)&sa, alen), EADDRINUSE);
	close(other);
	other = socket(AF_UNIX, SOCK_DGRAM, 0);
	ok("a datagram socket may take the same name",
	   bind(other, (struct sockaddr *)&sa, alen) == 0);
	close(other);
	listen(srv, 1);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("connect to the name with one more byte",
	      connect(cli, (struct sockaddr *)&sa, alen + 1), ECONNREFUSED);
	ok("connect", connect(cli, (struct sockaddr *)&sa, alen) == 0);
	acc = accept(srv, NULL, NULL);
	ok("accept", acc >= 0);
	write(cli, "abs", 3);
	eq("data", read(acc, buf, sizeof(buf)), 3);
	close(acc);
	close(cli);
	close(srv);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	fails("the name is free after close", connect(cli, (struct sockaddr *)&sa, alen),
	      ECONNREFUSED);
	close(cli);
}

static void rights(void)
{
	int sv[2], p[2], fd = -1;
	char buf[8], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, 1};
	struct msghdr mh = {0};
	struct cmsghdr *c;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	buf[0] = 'F';
	eq("sendmsg with SCM_RIGHTS", sendmsg(sv[0], &mh, 0), 1);
	close(p[1]);
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_controllen = sizeof(cbuf);
	eq("recvmsg", recvmsg(sv[1], &mh, 0), 1);
	c = CMSG_FIRSTHDR(&mh);
	ok("a control message SCM_RIGHTS", c && c->cmsg_level == SOL_SOCKET &&
	                                       c->cmsg_type == SCM_RIGHTS &&
	                                       c->cmsg_len == CMSG_LEN(sizeof(int)));
	eq("msg_controllen", mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	if (c)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	eq("the descriptor works", write(fd, "via", 3), 3);
	eq("the pipe has it", read(p[0], buf, sizeof(buf)), 3);
	close(fd);
	eq("end of file: it was the last write end", read(p[0], buf, sizeof(buf)), 0);
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	eq("recvmsg without control data", (write(sv[0], "n", 1), recvmsg(sv[1], &mh, 0)), 1);
	eq("... msg_controllen 0", mh.msg_controllen, 0);
	{
		int badfd = 999;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &badfd, sizeof(int));
		fails("SCM_RIGHTS with a closed descriptor", sendmsg(sv[0], &mh, 0), EBADF);
		c->cmsg_len = 8;
		fails("a control message of length 8", sendmsg(sv[0], &mh, 0), EINVAL);
	}
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void iovecs(void)
{
	int sv[2];
	char a[4], b[8], out[16];
	struct iovec iov[3] = {{(void *)"abc", 3}, {(void *)"", 0}, {(void *)"defgh", 5}};
	struct msghdr mh = {0};

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	eq("sendmsg of 3 iovecs", sendmsg(sv[0], &mh, 0), 8);
	iov[0] = (struct iovec){a, 4};
	iov[1] = (struct iovec){b, 8};
	mh.msg_iovlen = 2;
	eq("recvmsg into 2 iovecs", recvmsg(sv[1], &mh, 0), 8);
	memcpy(out, a, 4);
	memcpy(out + 4, b, 4);
	ok("... scattered", !memcmp(out, "abcdefgh", 8));
	mh.msg_iovlen = 1025;
	fails("1025 iovecs", sendmsg(sv[0], &mh, 0), EMSGSIZE);
	mh.msg_iovlen = 1;
	iov[0].iov_len = (size_t)-1;
	fails("a negative iov_len", sendmsg(sv[0], &mh, 0), EINVAL);
	fails("sendmsg with a bad msghdr", syscall(SYS_sendmsg, sv[0], 8L, 0L), EFAULT);
	fails("sendmsg on a bad descriptor", sendmsg(77, &mh, 0), EBADF);
	/* writev/readv on a datagram socket: one message, as sendmsg */
	iov[0] = (struct iovec){(void *)"abc", 3};
	iov[1] = (struct iovec){(void *)"defgh", 5};
	eq("writev of 2 iovecs", writev(sv[0], iov, 2), 8);
	eq("... is one datagram", recv(sv[1], out, sizeof(out), MSG_DONTWAIT), 8);
	ok("... in order", !memcmp(out, "abcdefgh", 8));
	eq("write of 3 then writev", write(sv[0], "xyz", 3), 3);
	iov[0] = (struct iovec){a, 2};
	iov[1] = (struct iovec){b, 8};
	eq("readv takes one datagram", readv(sv[1], iov, 2), 3);
	ok("... across iovecs", a[0] == 'x' && a[1] == 'y' && b[0] == 'z');
	close(sv[0]);
	close(sv[1]);
}

static void timeouts(void)
{
	int sv[2];
	struct timeval tv = {0, 1000000}, back;
	socklen_t len = sizeof(back);
	char c;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fails("SO_RCVTIMEO with tv_usec 1000000",
	      setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
	fails("SO_RCVTIMEO with a short optlen", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8),
	      EINVAL);
	tv = (struct timeval){0, 40000};
	ok("SO_RCVTIMEO 40 ms", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	ok("reads back", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &len) == 0 &&
	                     len == sizeof(back) && back.tv_sec == 0 && back.tv_usec == 40000);
	fails("a read times out", read(sv[0], &c, 1), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

/* The peer thread: accept one connection on *arg and echo until EOF. */
static void *echo_server(void *arg)
{
	int srv = *(int *)arg, c = accept(srv, NULL, NULL);
	char buf[256];
	long n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		write(c, buf, (size_t)n);
	close(c);
	return (void *)(long)(c >= 0 ? 0 : 1);
}

/* The peer thread: write to *arg after the main thread blocked reading. */
static void *late_writer(void *arg)
{
	usleep(50000);
	write(*(int *)arg, "late", 4);
	return NULL;
}

static void threads(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t alen;
	int srv, cli, sv[2];
	pthread_t t;
	char buf[16];
	void *res = (void *)1;
	long total = 0, n;

	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "bothy-echo-%d", (int)getpid());
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(srv, (struct sockaddr *)&sa, alen);
	listen(srv, 1);
	ok("start the echo thread", pthread_create(&t, NULL, echo_server, &srv) == 0);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	ok("connect to it", connect(cli, (struct sockaddr *)&sa, alen) == 0);
	for (int i = 0; i < 20; i++) {
		write(cli, "0123456789", 10);
		n = 0;
		while (n < 10) {
			long r = read(cli, buf, 10 - (size_t)n);
			if (r <= 0)
				break;
			n += r;
		}
		total += n;
	}
	eq("20 round trips echoed", total, 200);
	shutdown(cli, SHUT_WR);
	eq("the echo thread sees EOF and closes", read(cli, buf, sizeof(buf)), 0);
	pthread_join(t, &res);
	ok("the echo thread accepted", res == NULL);
	close(cli);
	close(srv);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pthread_create(&t, NULL, late_writer, &sv[1]);
	eq("a blocked read is woken by the other thread", read(sv[0], buf, sizeof(buf)), 4);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
}

static void sendfile_to_socket(void)
{
	char path[128], buf[10000], back[10000];
	int fd, sv[2];
	off_t off = 100;
	long got = 0, r;

	snprintf(path, sizeof(path), "%s/f", dir);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	write(fd, buf, sizeof(buf));
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	eq("sendfile to a socket", sendfile(sv[0], fd, &off, 5000), 5000);
	eq("... offset advanced", off, 5100);
	while (got < 5000 && (r = read(sv[1], back + got, sizeof(back) - (size_t)got)) > 0)
		got += r;
	ok("the socket has the bytes", got == 5000 && !memcmp(back, buf + 100, 5000));
	close(fd);
	unlink(path);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "/tmp/sock_unix.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp: FAILED\n");
		return 1;
	}
	errors();
	stream_pair();
	sigpipe();
	nonblocking();
	dgram_pair();
	paths();
	abstract();
	rights();
	iovecs();
	timeouts();
	threads();
	sendfile_to_socket();
	rmdir(dir);
	printf("%s\n", bad ? "some checks FAILED" : "all ok");
	return bad;
}
