/*
 * tcpbulk: TCP bulk throughput, for bench/net/run.sh. Static (musl), so
 * the same program runs on the host, in a Linux VM and under bothy.
 *
 *   tcpbulk sink PORT            server: accept one connection at a time,
 *                                read until end of file, answer the byte
 *                                count as a line, close; forever
 *   tcpbulk source PORT MIB      server: accept, send MIB MiB, close; forever
 *   tcpbulk send HOST PORT MIB   client: send MIB MiB to a sink, wait for its
 *                                count; prints "rep SECONDS s MBPS MB/s"
 *   tcpbulk recv HOST PORT       client: read a source until end of file;
 *                                prints the same line
 *
 * The servers print "listening on PORT" once ready. The clients time from
 * before connect(2) to the last byte (send: to the sink's answer, so every
 * byte arrived) on CLOCK_MONOTONIC; MB is 10^6 bytes. Errors: one line on
 * stderr, status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

static char buf[BUF];

static void die(const char *what)
{
	fprintf(stderr, "tcpbulk: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* send_bytes - send @len bytes, in pieces of up to BUF; -1 on error. */
static int send_bytes(int fd, long long len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len < BUF ? len : BUF, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

/* drain - read until end of file; the byte count, or -1 on error. */
static long long drain(int fd)
{
	long long total = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, BUF, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return total;
		total += n;
	}
}

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0)
		die("listen");
	printf("listening on %d\n", port);
	fflush(stdout);
	return fd;
}

static int connect_to(const char *host, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "tcpbulk: %s: not an IPv4 address\n", host);
		exit(1);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	return fd;
}

static void report(double t0, long long bytes)
{
	double s = now() - t0;

	printf("rep %.6f s %.1f MB/s bytes=%lld\n", s, bytes / s / 1e6, bytes);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'b', sizeof(buf));
	if (strcmp(mode, "sink") == 0 && argc == 3) {
		int l = listen_on(atoi(argv[2]));

		for (;;) {
			int c = accept(l, NULL, NULL);
			char line[32];
			long long n;

			if (c < 0)
				continue;
			n = drain(c);
			snprintf(line, sizeof(line), "%lld\n", n);
			send(c, line, strlen(line), MSG_NOSIGNAL);
			close(c);
		}
	}
	if (strcmp(mode, "source") == 0 && argc == 4) {
		int l = listen_on(atoi(argv[2]));
		long long bytes = atoll(argv[3]) << 20;

		for (;;) {
			int c = accept(l, NULL, NULL);

			if (c < 0)
				continue;
			send_bytes(c, bytes);
			close(c);
		}
	}
	if (strcmp(mode, "send") == 0 && argc == 5) {
		long long bytes = atoll(argv[4]) << 20;
		double t0 = now();
		int fd = connect_to(argv[2], atoi(argv[3]));
		char line[32] = {0};

		if (send_bytes(fd, bytes) < 0)
			die("send");
		shutdown(fd, SHUT_WR);
		if (recv(fd, line, sizeof(line) - 1, MSG_WAITALL) <= 0 || atoll(line) != bytes) {
			fprintf(stderr, "tcpbulk: the sink got '%s' bytes, want %lld\n", line,
			        bytes);
			return 1;
		}
		report(t0, bytes);
		return 0;
	}
	if (strcmp(mode, "recv") == 0 && argc == 4) {
		double t0 = now();
		int fd = connect_to(argv[2], atoi(argv[3]));
		long long n = drain(fd);

		if (n <= 0) {
			fprintf(stderr, "tcpbulk: received %lld bytes\n", n);
			return 1;
		}
		report(t0, n);
		return 0;
	}
	fprintf(stderr,
	        "usage: tcpbulk sink PORT | source PORT MIB | send HOST PORT MIB | recv HOST "
	        "PORT\n");
	return 2;
}
