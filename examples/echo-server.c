/*
 * echo-server: a TCP echo server, the classic unikernel demo.
 *
 *   echo-server [PORT]      (default 8080)
 *
 * Listens on every IPv4 address (0.0.0.0) at PORT, prints "listening on
 * PORT" on stdout once it accepts connections, and sends back every byte
 * each client sends, until the client closes. One thread, one epoll set,
 * non-blocking sockets: many clients at once. What a client sends while
 * the server cannot send (the client does not read) waits in a per-client
 * buffer; the server stops reading from that client until it has room.
 * Runs until killed. Exits 1 with one line on stderr if it cannot listen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUF_SIZE   16384

/* One client: the bytes read but not yet sent back. */
struct client {
	int fd;
	size_t len, off;
	char buf[BUF_SIZE];
};

static int epfd;

/*
 * watch - set what epoll reports for @c: input while its buffer is empty,
 * output while it holds bytes to send. Returns 0 or -1 (errno set).
 */
static int watch(struct client *c, int op)
{
	struct epoll_event ev = {.events = c->len ? EPOLLOUT : EPOLLIN | EPOLLRDHUP, .data.ptr = c};

	return epoll_ctl(epfd, op, c->fd, &ev);
}

static void drop(struct client *c)
{
	close(c->fd); /* also leaves the epoll set */
	free(c);
}

/*
 * flush - send what @c holds. Returns 1 when all of it went, 0 when the
 * socket is full (try again on EPOLLOUT), -1 when the client is gone.
 */
static int flush(struct client *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		c->off += n;
	}
	c->off = c->len = 0;
	return 1;
}

/* serve - the client @c is ready: echo what it sent. */
static void serve(struct client *c)
{
	if (c->len) { /* waiting for room to send */
		int r = flush(c);

		if (r < 0)
			drop(c);
		else if (r > 0 && watch(c, EPOLL_CTL_MOD) < 0)
			drop(c);
		return;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* end of file or an error: the client is done */
			drop(c);
			return;
		}
		c->len = n;
		r = flush(c);
		if (r < 0) {
			drop(c);
			return;
		}
		if (r == 0) {
			if (watch(c, EPOLL_CTL_MOD) < 0)
				drop(c);
			return;
		}
	}
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct client *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("echo-server: accept");
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = c->off = 0;
		if (watch(c, EPOLL_CTL_ADD) < 0)
			drop(c);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080, lfd, one = 1;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[MAX_EVENTS];

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "echo-server: bad port '%s' (usage: echo-server [PORT])\n",
		        argv[1]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	addr.sin_port = htons(port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || epfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1024) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		fprintf(stderr, "echo-server: cannot listen on port %d: %s\n", port,
		        strerror(errno));
		return 1;
	}
	printf("listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("echo-server: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all(lfd);
			else
				serve(evs[i].data.ptr);
		}
	}
}
