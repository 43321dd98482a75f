/*
 * sock_tcp_nonblock: non-blocking TCP over loopback, and the receive
 * flags: a non-blocking connect (EINPROGRESS, POLLOUT, SO_ERROR 0, a
 * second connect returns 0, a third EISCONN; to a port nobody listens on:
 * POLLERR, SO_ERROR ECONNREFUSED read once, then send EPIPE), accept's
 * flags (not inherited from the listener; accept4 SOCK_NONBLOCK |
 * SOCK_CLOEXEC), FIONBIO, a half-close
 * (shutdown SHUT_WR: the peer reads end of file and still answers),
 * MSG_PEEK, MSG_WAITALL (against a peer thread sending in pieces),
 * FIONREAD, and readv/writev/sendmsg/recvmsg on a stream.
 */
// case: sock_tcp_nonblock variants=musl,glibc
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "sock_common.h"

static int nb_connect(int family, const char *name)
{
	int bad = 0, port, l = sk_listener(family, 4, &port), fd, err = -1, ev, s;
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(family, port, &ss), elen = sizeof(err);
	char what[128];

	if (l < 0)
		return 1;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(what, sizeof(what), "%s: non-blocking connect", name);
	bad += sk_fail(what, connect(fd, (void *)&ss, len), EINPROGRESS);
	ev = sk_wait(fd, POLLOUT, SK_WAIT_MS);
	snprintf(what, sizeof(what), "%s: poll says POLLOUT, no POLLERR", name);
	bad += check(what, (ev & (POLLOUT | POLLERR)) == POLLOUT);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	snprintf(what, sizeof(what), "%s: SO_ERROR", name);
	bad += sk_eq(what, err, 0);
	snprintf(what, sizeof(what), "%s: connect again reports the result", name);
	bad += sk_eq(what, connect(fd, (void *)&ss, len), 0);
	snprintf(what, sizeof(what), "%s: connect a third time", name);
	bad += sk_fail(what, connect(fd, (void *)&ss, len), EISCONN);
	s = accept(l, NULL, NULL);
	snprintf(what, sizeof(what), "%s: the listener accepts it", name);
	bad += check(what, s >= 0);
	bad += sk_eq("data goes through", send(fd, "hi", 2, 0), 2);
	close(s);
	close(fd);
	close(l);
	return bad;
}

static int nb_refused(int family, const char *name)
{
	int bad = 0, port, holder = sk_bound(family, SOCK_STREAM, 0, &port), fd, err = -1, ev;
	struct sockaddr_storage ss;
	socklen_t len = sk_addr(family, port, &ss), elen = sizeof(err);
	char what[128], c = 0;

	if (holder < 0)
		return 1;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(what, sizeof(what), "%s: non-blocking connect to a closed port", name);
	bad += sk_fail(what, connect(fd, (void *)&ss, len), EINPROGRESS);
	ev = sk_wait(fd, POLLOUT, SK_WAIT_MS);
	snprintf(what, sizeof(what), "%s: poll says POLLERR", name);
	bad += check(what, ev & POLLERR);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	snprintf(what, sizeof(what), "%s: SO_ERROR", name);
	bad += check(what, err == ECONNREFUSED);
	printf("  ... is %s\n", sk_errname(err));
	err = -1;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	snprintf(what, sizeof(what), "%s: SO_ERROR read again", name);
	bad += sk_eq(what, err, 0);
	snprintf(what, sizeof(what), "%s: send after it", name);
	bad += sk_fail(what, send(fd, &c, 1, MSG_NOSIGNAL), EPIPE);
	close(fd);
	close(holder);
	return bad;
}

static int accept_flags(void)
{
	int bad = 0, port, l = sk_listener(AF_INET, 4, &port), c1, c2, s1, s2, on = 1;
	char c;

	if (l < 0)
		return 1;
	fcntl(l, F_SETFL, O_NONBLOCK);
	c1 = sk_connect(AF_INET, port);
	c2 = sk_connect(AF_INET, port);
	sk_wait(l, POLLIN, SK_WAIT_MS);
	s1 = accept(l, NULL, NULL);
	bad += check("accept on a non-blocking listener", s1 >= 0);
	bad += check("the accepted socket is blocking (not inherited)",
	             !(fcntl(s1, F_GETFL) & O_NONBLOCK));
	bad += sk_eq("... and not close-on-exec", fcntl(s1, F_GETFD), 0);
	sk_wait(l, POLLIN, SK_WAIT_MS);
	s2 = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	bad += check("accept4 SOCK_NONBLOCK | SOCK_CLOEXEC", s2 >= 0);
	bad += check("... O_NONBLOCK", fcntl(s2, F_GETFL) & O_NONBLOCK);
	bad += sk_eq("... FD_CLOEXEC", fcntl(s2, F_GETFD), FD_CLOEXEC);
	bad += sk_ok("FIONBIO 1 on the blocking one", ioctl(s1, FIONBIO, &on));
	bad += check("... sets O_NONBLOCK", fcntl(s1, F_GETFL) & O_NONBLOCK);
	bad += sk_fail("... so recv", recv(s1, &c, 1, 0), EAGAIN);
	on = 0;
	ioctl(s1, FIONBIO, &on);
	bad += check("FIONBIO 0 clears it", !(fcntl(s1, F_GETFL) & O_NONBLOCK));
	close(s1);
	close(s2);
	close(c1);
	close(c2);
	close(l);
	return bad;
}

static int half_close(void)
{
	int bad = 0, p[2];
	char buf[64] = {0};

	if (sk_pair(AF_INET, p))
		return 1;
	bad += sk_eq("client sends", send(p[0], "request", 7, 0), 7);
	bad += sk_ok("client shuts down SHUT_WR", shutdown(p[0], SHUT_WR));
	bad += sk_eq("server reads the request", sk_read_all(p[1], buf, 7), 7);
	bad += sk_eq("then end of file", recv(p[1], buf, sizeof(buf), 0), 0);
	bad += sk_eq("and again end of file", recv(p[1], buf, sizeof(buf), 0), 0);
	bad += sk_eq("server still answers", send(p[1], "the answer", 10, 0), 10);
	bad += sk_eq("client reads the answer", sk_read_all(p[0], buf, 10), 10);
	bad += check("... intact", memcmp(buf, "the answer", 10) == 0);
	bad += sk_fail("client cannot send any more", send(p[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(p[1]);
	bad += sk_eq("after the server closes the client reads end of file",
	             recv(p[0], buf, sizeof(buf), 0), 0);
	close(p[0]);

	if (sk_pair(AF_INET6, p))
		return bad + 1;
	bad += sk_ok("IPv6: shutdown SHUT_RD", shutdown(p[0], SHUT_RD));
	bad += sk_eq("... recv then reads end of file", recv(p[0], buf, sizeof(buf), 0), 0);
	bad += sk_eq("... but it still sends", send(p[0], "one", 3, 0), 3);
	bad += sk_eq("... which the peer reads", sk_read_all(p[1], buf, 3), 3);
	close(p[0]);
	close(p[1]);
	return bad;
}

/* wait_bytes - wait until FIONREAD on @fd says at least @n; returns it. */
static int wait_bytes(int fd, int n)
{
	int have = 0;

	for (int i = 0; i < SK_WAIT_MS; i++) {
		if (ioctl(fd, FIONREAD, &have) < 0)
			return -1;
		if (have >= n)
			break;
		sk_ms_sleep(1);
	}
	return have;
}

static int peek(void)
{
	int bad = 0, p[2], n = -1;
	char buf[64] = {0};

	if (sk_pair(AF_INET, p))
		return 1;
	bad += sk_fail("MSG_PEEK | MSG_DONTWAIT with no data",
	               recv(p[1], buf, 5, MSG_PEEK | MSG_DONTWAIT), EAGAIN);
	bad += sk_eq("FIONREAD with no data", (ioctl(p[1], FIONREAD, &n), n), 0);
	send(p[0], "hello world", 11, 0);
	bad += sk_eq("FIONREAD once it arrived", wait_bytes(p[1], 11), 11);
	bad += sk_eq("MSG_PEEK of 5", recv(p[1], buf, 5, MSG_PEEK), 5);
	bad += check("... the first 5 bytes", memcmp(buf, "hello", 5) == 0);
	bad += sk_eq("FIONREAD after the peek", (ioctl(p[1], FIONREAD, &n), n), 11);
	bad += sk_eq("MSG_PEEK of 64", recv(p[1], buf, 64, MSG_PEEK), 11);
	bad += sk_eq("then recv of 6", recv(p[1], buf, 6, 0), 6);
	bad += check("... 'hello '", memcmp(buf, "hello ", 6) == 0);
	bad += sk_eq("FIONREAD now", (ioctl(p[1], FIONREAD, &n), n), 5);
	bad += sk_eq("recv of 64 gets the rest", recv(p[1], buf, 64, 0), 5);
	bad += check("... 'world'", memcmp(buf, "world", 5) == 0);
	close(p[0]);
	close(p[1]);
	return bad;
}

struct pieces {
	int fd, n, size;
};

static void *send_pieces(void *arg)
{
	struct pieces *p = arg;
	char buf[1000];

	for (int i = 0; i < p->n; i++) {
		memset(buf, 'a' + i, p->size);
		sk_write_all(p->fd, buf, p->size);
		sk_ms_sleep(20);
	}
	return NULL;
}

static int waitall(void)
{
	int bad = 0, p[2];
	char buf[400] = {0};
	struct pieces pc;
	pthread_t t;
	int right = 1;

	if (sk_pair(AF_INET, p))
		return 1;
	pc = (struct pieces){.fd = p[1], .n = 4, .size = 100};
	pthread_create(&t, NULL, send_pieces, &pc);
	bad += sk_eq("MSG_WAITALL of 400 over four pieces of 100",
	             recv(p[0], buf, 400, MSG_WAITALL), 400);
	for (int i = 0; i < 400; i++)
		right &= buf[i] == 'a' + i / 100;
	bad += check("... in order", right);
	pthread_join(t, NULL);
	pc.n = 2;
	pthread_create(&t, NULL, send_pieces, &pc);
	pthread_join(t, NULL);
	shutdown(p[1], SHUT_WR);
	bad += sk_eq("MSG_WAITALL of 400 when the peer sends 200 and shuts down",
	             recv(p[0], buf, 400, MSG_WAITALL), 200);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int vectors(void)
{
	int bad = 0, p[2];
	char a[3], b[5], out[16] = {0};
	struct iovec iov[2] = {{.iov_base = "abc", .iov_len = 3},
	                       {.iov_base = "defgh", .iov_len = 5}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

	if (sk_pair(AF_INET, p))
		return 1;
	bad += sk_eq("writev of 3 + 5", writev(p[0], iov, 2), 8);
	bad += sk_eq("sendmsg of 3 + 5", sendmsg(p[0], &mh, 0), 8);
	bad += sk_eq("recv the first 8", sk_read_all(p[1], out, 8), 8);
	bad += check("... 'abcdefgh'", memcmp(out, "abcdefgh", 8) == 0);
	iov[0] = (struct iovec){.iov_base = a, .iov_len = 3};
	iov[1] = (struct iovec){.iov_base = b, .iov_len = 5};
	wait_bytes(p[1], 8);
	bad += sk_eq("recvmsg into 3 + 5", recvmsg(p[1], &mh, 0), 8);
	bad += check("... split right", memcmp(a, "abc", 3) == 0 && memcmp(b, "defgh", 5) == 0);
	bad += sk_eq("... msg_flags", mh.msg_flags, 0);
	send(p[0], "12345678", 8, 0);
	wait_bytes(p[1], 8);
	bad += sk_eq("readv into 3 + 5", readv(p[1], iov, 2), 8);
	bad += check("... split right", memcmp(a, "123", 3) == 0 && memcmp(b, "45678", 5) == 0);
	close(p[0]);
	close(p[1]);
	return bad;
}

int main(void)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bad += nb_connect(AF_INET, "IPv4");
	bad += nb_connect(AF_INET6, "IPv6");
	bad += nb_refused(AF_INET, "IPv4");
	bad += nb_refused(AF_INET6, "IPv6");
	bad += accept_flags();
	bad += half_close();
	bad += peek();
	bad += waitall();
	bad += vectors();
	printf("%d failed\n", bad);
	return bad;
}
