/*
 * sock_tcp_zerownd: both ends of a loopback TCP connection with a zero
 * window at once. Each end writes (non-blocking) until its send buffer
 * is full and nobody reads, so both receive windows close; then both
 * wait while the zero-window probes go both ways (a few seconds), and
 * only then read. Every byte written arrives, in order, on each side.
 * (Bothy once hung here: two lwIP ends with closed windows answered each
 * other's ACKs with ACKs forever, in one loopback poll that never ended.)
 */
// case: sock_tcp_zerownd timeout=120 variants=musl,glibc
// case: sock_tcp_zerownd_smp cpus=2 timeout=120 variants=musl
#include "sock_common.h"

#define CHUNK 16384

/* fill - write @fd's stream (byte i is (i * 7 + seed) & 0xff) until the
 * send buffer is full; returns the bytes written. */
static size_t fill(int fd, int seed)
{
	static unsigned char buf[CHUNK];
	size_t total = 0;

	for (;;) {
		ssize_t n;
		for (int i = 0; i < CHUNK; i++)
			buf[i] = (unsigned char)((total + i) * 7 + seed);
		n = send(fd, buf, CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

struct rx {
	int fd, seed;
	size_t want, got, wrong;
};

/* drain_some - read what @r's socket has now; 1 while more is expected. */
static int drain_some(struct rx *r)
{
	unsigned char buf[CHUNK];
	ssize_t n;

	while (r->got < r->want &&
	       (n = recv(r->fd, buf, r->want - r->got < CHUNK ? r->want - r->got : CHUNK,
	                 MSG_DONTWAIT)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			r->wrong += buf[i] != (unsigned char)((r->got + i) * 7 + r->seed);
		r->got += n;
	}
	return r->got < r->want;
}

int main(void)
{
	int fds[2], bad = 0;
	struct rx r[2];
	size_t sent0, sent1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sk_pair(AF_INET, fds))
		return 1;
	sent0 = fill(fds[0], 1);
	sent1 = fill(fds[1], 2);
	bad += check("client filled its send buffer", sent0 > 0);
	bad += check("server filled its send buffer", sent1 > 0);
	/* Both windows closed: let the persist timers probe (lwIP's first
	 * probe comes after 1.5 s, the next after 3 s more). */
	sleep(5);
	r[0] = (struct rx){.fd = fds[1], .seed = 1, .want = sent0};
	r[1] = (struct rx){.fd = fds[0], .seed = 2, .want = sent1};
	for (int idle = 0; idle < 2 * SK_WAIT_MS / 10;) {
		int more = drain_some(&r[0]) | drain_some(&r[1]);
		struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN},
		                      {.fd = fds[1], .events = POLLIN}};

		if (!more)
			break;
		if (poll(p, 2, 10) == 0)
			idle++;
	}
	bad += check("client to server: every byte arrived", r[0].got == sent0);
	bad += check("client to server: in order", r[0].wrong == 0);
	bad += check("server to client: every byte arrived", r[1].got == sent1);
	bad += check("server to client: in order", r[1].wrong == 0);
	close(fds[0]);
	close(fds[1]);
	printf("%d failed\n", bad);
	return bad;
}
