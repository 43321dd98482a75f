/*
 * epoll_sock: epoll(7) on loopback TCP sockets: level-triggered events
 * stay while data is left; edge-triggered ones come once per arrival (not
 * again after a partial read, again when more data comes); EPOLLRDHUP on
 * the peer's half-close (and EPOLLHUP once both directions are shut);
 * EPOLLONESHOT (one event, then none until EPOLL_CTL_MOD rearms it); a
 * listener is readable while a connection waits to be accepted; EPOLLOUT
 * comes back after a full send buffer is drained by the peer; maxevents
 * smaller than the ready count; data.u64 returned as given; a closed
 * descriptor leaves the set; and the errors of epoll_create1/epoll_ctl/
 * epoll_wait (EINVAL, EEXIST, ENOENT, EPERM, EBADF).
 */
// case: epoll_sock variants=musl,glibc
#include <sys/epoll.h>
#include <sys/syscall.h>
#include "sock_common.h"

/*
 * wait_one - epoll_wait for one event for at most @ms.
 * Returns the number of events (0 or 1); the event in *@ev.
 */
static int wait_one(int ep, struct epoll_event *ev, int ms)
{
	int n;

	memset(ev, 0, sizeof(*ev));
	do
		n = epoll_wait(ep, ev, 1, ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* drain - read everything available from non-blocking @fd; the count. */
static int drain(int fd)
{
	char buf[4096];
	int total = 0, n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += n;
	return total;
}

static int level_and_edge(void)
{
	int bad = 0, p[2], ep = epoll_create1(EPOLL_CLOEXEC), ep2 = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
	char buf[16];

	if (sk_pair(AF_INET, p))
		return 1;
	bad += sk_ok("EPOLL_CTL_ADD, level-triggered", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 7;
	bad += sk_ok("the same socket, edge-triggered, in another set",
	             epoll_ctl(ep2, EPOLL_CTL_ADD, p[1], &ev));
	bad += sk_eq("LT: no event before data", wait_one(ep, &ev, 0), 0);
	bad += sk_eq("ET: no event before data", wait_one(ep2, &ev, 0), 0);
	send(p[0], "0123456789abcdefghij", 20, 0);
	bad += sk_eq("LT: an event once data arrives", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += check("... EPOLLIN, data.u64 as given",
	             ev.events == EPOLLIN && ev.data.u64 == 0x1122334455667788ull);
	bad += sk_eq("ET: an event", wait_one(ep2, &ev, SK_WAIT_MS), 1);
	bad += check("... EPOLLIN, data.u64 as given", ev.events == EPOLLIN && ev.data.u64 == 7);
	bad += sk_eq("ET: no second event for the same data", wait_one(ep2, &ev, 0), 0);
	bad += sk_eq("read 5 of the 20 bytes", recv(p[1], buf, 5, 0), 5);
	bad += sk_eq("LT: still an event", wait_one(ep, &ev, 0), 1);
	bad += sk_eq("LT: and again", wait_one(ep, &ev, 0), 1);
	bad += sk_eq("ET: none after a partial read", wait_one(ep2, &ev, 0), 0);
	send(p[0], "more", 4, 0);
	bad += sk_eq("ET: an event when more data arrives", wait_one(ep2, &ev, SK_WAIT_MS), 1);
	bad += sk_eq("ET: then none", wait_one(ep2, &ev, 0), 0);
	sk_ms_sleep(10);
	bad += sk_eq("read everything", drain(p[1]), 19);
	bad += sk_eq("LT: no event once drained", wait_one(ep, &ev, 0), 0);
	bad += sk_eq("ET: none either", wait_one(ep2, &ev, 0), 0);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int rdhup(void)
{
	int bad = 0, p[2], ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

	if (sk_pair(AF_INET6, p))
		return 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	bad += sk_eq("no event on an idle connection", wait_one(ep, &ev, 0), 0);
	shutdown(p[0], SHUT_WR);
	bad += sk_eq("the peer's SHUT_WR gives an event", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad +=
	    sk_eq("... EPOLLIN | EPOLLRDHUP, no EPOLLHUP",
	          ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR), EPOLLIN | EPOLLRDHUP);
	bad += sk_eq("level-triggered: it stays", wait_one(ep, &ev, 0), 1);
	shutdown(p[1], SHUT_WR);
	bad += sk_eq("after our own SHUT_WR too", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += check("... EPOLLHUP as well", ev.events & EPOLLHUP);
	close(ep);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int oneshot(void)
{
	int bad = 0, p[2], ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 1};

	if (sk_pair(AF_INET, p))
		return 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	send(p[0], "a", 1, 0);
	bad += sk_eq("EPOLLONESHOT: the first event", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += sk_eq("then none, though data is there", wait_one(ep, &ev, 0), 0);
	send(p[0], "b", 1, 0);
	sk_wait(p[1], POLLIN, SK_WAIT_MS);
	sk_ms_sleep(10);
	bad += sk_eq("none when more data arrives", wait_one(ep, &ev, 0), 0);
	bad += check("poll(2) still sees the data", sk_wait(p[1], POLLIN, 0) & POLLIN);
	ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 2};
	bad += sk_ok("EPOLL_CTL_MOD rearms it", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	bad += sk_eq("an event at once", wait_one(ep, &ev, 0), 1);
	bad += sk_eq("... with the new data.u64", ev.data.u64, 2);
	bad += sk_eq("then none", wait_one(ep, &ev, 0), 0);
	bad += sk_fail("EPOLL_CTL_ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev), EEXIST);
	close(ep);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int listener(void)
{
	int bad = 0, port, l = sk_listener(AF_INET, 8, &port), ep = epoll_create1(0), c1, c2, s;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 9};

	if (l < 0)
		return 1;
	fcntl(l, F_SETFL, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	bad += sk_eq("a listener with nobody connecting: no event", wait_one(ep, &ev, 0), 0);
	c1 = sk_connect(AF_INET, port);
	bad += sk_eq("a connection waiting: EPOLLIN", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += check("... on the listener", ev.events == EPOLLIN && ev.data.u64 == 9);
	s = accept(l, NULL, NULL);
	bad += check("accept", s >= 0);
	close(s);
	bad += sk_eq("none after the accept", wait_one(ep, &ev, 0), 0);
	c2 = sk_connect(AF_INET, port);
	bad += sk_eq("the next connection: EPOLLIN", wait_one(ep, &ev, SK_WAIT_MS), 1);
	s = accept(l, NULL, NULL);
	close(s);
	bad += sk_fail("and the queue is empty", accept(l, NULL, NULL), EAGAIN);
	close(c1);
	close(c2);
	close(l);
	close(ep);
	return bad;
}

static int epollout(void)
{
	static char chunk[65536];
	int bad = 0, p[2], ep = epoll_create1(0), full = 0, n;
	long total = 0, got = 0;
	struct epoll_event ev = {.events = EPOLLOUT};

	if (sk_pair(AF_INET, p))
		return 1;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	bad += sk_eq("EPOLLOUT on a new connection", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += check("... only EPOLLOUT", ev.events == EPOLLOUT);
	/* Fill the peer's receive buffer and our send buffer. */
	for (int tries = 0; tries < 200 && !full; tries++) {
		while ((n = send(p[0], chunk, sizeof(chunk), MSG_NOSIGNAL)) > 0)
			total += n;
		full = n < 0 && errno == EAGAIN;
		sk_ms_sleep(1); /* in-flight data acknowledged: room again? */
		if ((n = send(p[0], chunk, sizeof(chunk), MSG_NOSIGNAL)) > 0) {
			full = 0;
			total += n;
		}
	}
	bad += check("send fills up and fails with EAGAIN", full);
	/* The peer reads it all (blocking), then EPOLLOUT must come. */
	while (got < total && (n = recv(p[1], chunk, sizeof(chunk), 0)) > 0)
		got += n;
	bad += check("the peer reads every byte", got >= total);
	bad += sk_eq("EPOLLOUT after the peer drained it", wait_one(ep, &ev, SK_WAIT_MS), 1);
	bad += check("... EPOLLOUT", ev.events & EPOLLOUT);
	close(ep);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int many_ready(void)
{
	int bad = 0, ep = epoll_create1(0), p[4][2], seen = 0, ok = 1;
	struct epoll_event ev, evs[8];

	for (int i = 0; i < 4; i++) {
		if (sk_pair(AF_INET, p[i]))
			return 1;
		ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 100 + i};
		epoll_ctl(ep, EPOLL_CTL_ADD, p[i][1], &ev);
		send(p[i][0], "x", 1, 0);
		sk_wait(p[i][1], POLLIN, SK_WAIT_MS);
	}
	bad += sk_eq("four ready sockets, maxevents 3", epoll_wait(ep, evs, 3, SK_WAIT_MS), 3);
	for (int round = 0; round < 2; round++) {
		int n = epoll_wait(ep, evs, 8, 0);

		for (int i = 0; i < n; i++) {
			ok &= evs[i].data.u64 >= 100 && evs[i].data.u64 < 104;
			seen |= 1 << (evs[i].data.u64 - 100);
		}
		if (round == 0)
			bad += sk_eq("maxevents 8", n, 4);
	}
	bad += check("every socket reported, data.u64 right", ok && seen == 15);
	/* Closing the only descriptor of a socket takes it out of the set. */
	close(p[0][1]);
	close(p[1][1]);
	bad += sk_eq("after closing two of them", epoll_wait(ep, evs, 8, 0), 2);
	for (int i = 0; i < 4; i++) {
		close(p[i][0]);
		if (i >= 2)
			close(p[i][1]);
	}
	close(ep);
	return bad;
}

static int errors(void)
{
	int bad = 0, ep = epoll_create1(0), p[2], fd = socket(AF_INET, SOCK_STREAM, 0), f;
	struct epoll_event ev = {.events = EPOLLIN}, evs[2];
	char name[] = "/tmp/epoll_sock.XXXXXX";

	bad += sk_fail("epoll_create1 with flag 1", epoll_create1(1), EINVAL);
	bad += sk_fail("epoll_create(0)", syscall(SYS_epoll_create, 0), EINVAL);
	bad += sk_fail("EPOLL_CTL_MOD of a descriptor not in the set",
	               epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), ENOENT);
	bad += sk_fail("EPOLL_CTL_DEL of a descriptor not in the set",
	               epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev), ENOENT);
	bad += sk_fail("an epoll set into itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	bad += sk_fail("op 99", epoll_ctl(ep, 99, fd, &ev), EINVAL);
	bad += sk_fail("a bad descriptor", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	bad += sk_fail("epoll_ctl on a socket instead of a set",
	               epoll_ctl(fd, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	bad += sk_fail("epoll_wait with maxevents 0", epoll_wait(ep, evs, 0, 0), EINVAL);
	bad += sk_fail("epoll_wait on a socket", epoll_wait(fd, evs, 2, 0), EINVAL);
	f = mkstemp(name);
	if (f >= 0) {
		bad += sk_fail("a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM);
		close(f);
		unlink(name);
	}
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	bad += sk_ok("EPOLLEXCLUSIVE is accepted on ADD", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	bad += sk_fail("but not on MOD", epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), EINVAL);
	bad += sk_ok("EPOLL_CTL_DEL", epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	if (pipe(p) == 0) {
		ev.events = EPOLLIN;
		bad += sk_ok("a pipe joins the same set", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
		write(p[1], "x", 1);
		bad += sk_eq("and reports its data", epoll_wait(ep, evs, 2, SK_WAIT_MS), 1);
		close(p[0]);
		close(p[1]);
	}
	close(fd);
	close(ep);
	return bad;
}

int main(void)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bad += level_and_edge();
	bad += rdhup();
	bad += oneshot();
	bad += listener();
	bad += epollout();
	bad += many_ready();
	bad += errors();
	printf("%d failed\n", bad);
	return bad;
}
