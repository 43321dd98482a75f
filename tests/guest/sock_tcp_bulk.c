/*
 * sock_tcp_bulk: volume over loopback TCP.
 *  - transfers: MIB MiB one way (main thread to a peer thread), then the
 *    other way, then both ways at once (four threads), each block of the
 *    stream a known pattern: the receiver checks every 64-bit word and a
 *    checksum of the whole stream, and reads end of file after it;
 *  - many connections: CONNS non-blocking connects to one listener, all
 *    open at the same time, driven by one epoll loop in one thread: each
 *    client sends a line, the server end echoes it, the client checks it;
 *    then every client closes and the server sees end of file on each.
 * Usage: sock_tcp_bulk [MIB|KIBk [CONNS]] (default 16 200). The CI cases
 * run 384k 50: loopback TCP under PVM moves about 100 KB/s. The full run
 * is `sock_tcp_bulk 1024 1000`: see bench/net/run.sh.
 */
// case: sock_tcp_bulk timeout=150 variants=musl -- 384k 50
// case: sock_tcp_bulk_smp cpus=2 timeout=150 variants=musl -- 384k 50
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include "sock_common.h"

#define BLOCK       65536
#define BLOCK_WORDS (BLOCK / 8)

/* word - the pattern: word @i of stream @seed (splitmix64). */
static inline unsigned long long word(unsigned long long seed, unsigned long long i)
{
	unsigned long long z = seed * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* mix - the checksum: FNV-1a over 64-bit words. */
static inline unsigned long long mix(unsigned long long h, unsigned long long w)
{
	return (h ^ w) * 0x100000001b3ull;
}

struct job {
	int fd, sending;
	unsigned long long seed, blocks;
	/* Results. */
	unsigned long long sum, moved, wrong;
	int eof;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	unsigned long long *buf = malloc(BLOCK), h = FNV1A_INIT;
	char c;

	for (unsigned long long b = 0; b < j->blocks; b++) {
		if (j->sending) {
			for (int i = 0; i < BLOCK_WORDS; i++) {
				buf[i] = word(j->seed, b * BLOCK_WORDS + i);
				h = mix(h, buf[i]);
			}
			if (sk_write_all(j->fd, buf, BLOCK) != BLOCK)
				break;
		} else {
			if (sk_read_all(j->fd, buf, BLOCK) != BLOCK)
				break;
			for (int i = 0; i < BLOCK_WORDS; i++) {
				j->wrong += buf[i] != word(j->seed, b * BLOCK_WORDS + i);
				h = mix(h, buf[i]);
			}
		}
		j->moved += BLOCK;
	}
	if (j->sending)
		shutdown(j->fd, SHUT_WR);
	else
		j->eof = recv(j->fd, &c, 1, 0) == 0;
	j->sum = h;
	free(buf);
	return NULL;
}

/* expected_sum - the checksum of stream @seed of @blocks blocks. */
static unsigned long long expected_sum(unsigned long long seed, unsigned long long blocks)
{
	unsigned long long h = FNV1A_INIT;

	for (unsigned long long i = 0; i < blocks * BLOCK_WORDS; i++)
		h = mix(h, word(seed, i));
	return h;
}

static int report(const char *what, struct job *rx, unsigned long long want_sum,
                  unsigned long long bytes)
{
	char line[160];
	int bad = 0;

	snprintf(line, sizeof(line), "%s: bytes received", what);
	bad += check(line, rx->moved == bytes);
	snprintf(line, sizeof(line), "%s: every word as sent", what);
	bad += check(line, rx->wrong == 0 && rx->moved == bytes);
	snprintf(line, sizeof(line), "%s: checksum", what);
	bad += check(line, rx->sum == want_sum);
	snprintf(line, sizeof(line), "%s: then end of file", what);
	bad += check(line, rx->eof);
	return bad;
}

/* transfer - @kib KiB from ends[from] to ends[1 - from], or both ways. */
static int transfers(int family, long kib)
{
	unsigned long long blocks = kib * 1024 / BLOCK, bytes = blocks * BLOCK;
	unsigned long long sum1 = expected_sum(1, blocks), sum2 = expected_sum(2, blocks);
	int bad = 0, p[2];
	struct job j[4];
	pthread_t t[4];

	printf("transfers of %ld KiB\n", kib);
	for (int way = 0; way < 2; way++) {
		if (sk_pair(family, p))
			return 1;
		j[0] = (struct job){.fd = p[way], .sending = 1, .seed = 1, .blocks = blocks};
		j[1] = (struct job){.fd = p[1 - way], .sending = 0, .seed = 1, .blocks = blocks};
		pthread_create(&t[0], NULL, run_job, &j[0]);
		pthread_create(&t[1], NULL, run_job, &j[1]);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		bad += report(way ? "server to client" : "client to server", &j[1], sum1, bytes);
		close(p[0]);
		close(p[1]);
	}
	if (sk_pair(family, p))
		return bad + 1;
	j[0] = (struct job){.fd = p[0], .sending = 1, .seed = 1, .blocks = blocks};
	j[1] = (struct job){.fd = p[1], .sending = 0, .seed = 1, .blocks = blocks};
	j[2] = (struct job){.fd = p[1], .sending = 1, .seed = 2, .blocks = blocks};
	j[3] = (struct job){.fd = p[0], .sending = 0, .seed = 2, .blocks = blocks};
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, run_job, &j[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	bad += report("both ways at once, client to server", &j[1], sum1, bytes);
	bad += report("both ways at once, server to client", &j[3], sum2, bytes);
	close(p[0]);
	close(p[1]);
	return bad;
}

/* The many-connections part: one epoll loop, descriptors tagged in data.u64. */
enum { LISTENER = 0, CLIENT = 1, SERVER = 2 };

struct conn {
	int fd, state, got;
	char buf[64];
};

#define TAG(kind, i) (((unsigned long long)(kind) << 32) | (unsigned)(i))

static int many(int family, int n)
{
	struct conn *cl = calloc(n, sizeof(*cl)), *sv = calloc(n, sizeof(*sv));
	struct epoll_event ev, evs[64];
	int bad = 0, port, l, ep = epoll_create1(EPOLL_CLOEXEC), accepted = 0, connected = 0;
	int echoed = 0, wrong = 0, eofs = 0, refused = 0, stalled = 0, errors = 0;
	struct sockaddr_storage ss;
	socklen_t len;

	printf("%d connections\n", n);
	l = sk_listener(family, n, &port);
	if (l < 0 || ep < 0 || !cl || !sv)
		return 1;
	fcntl(l, F_SETFL, O_NONBLOCK);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = TAG(LISTENER, 0)};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	len = sk_addr(family, port, &ss);
	for (int i = 0; i < n; i++) {
		cl[i].fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (cl[i].fd < 0 ||
		    (connect(cl[i].fd, (void *)&ss, len) < 0 && errno != EINPROGRESS)) {
			errors++;
			cl[i].state = 9;
			continue;
		}
		ev = (struct epoll_event){.events = EPOLLOUT, .data.u64 = TAG(CLIENT, i)};
		epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
	}
	/* Until every client has its echo and every server end its EOF. */
	while (eofs < n - errors - refused) {
		int k = epoll_wait(ep, evs, 64, SK_WAIT_MS);

		if (k <= 0) {
			stalled = 1;
			break;
		}
		for (int e = 0; e < k; e++) {
			int kind = evs[e].data.u64 >> 32, i = (unsigned)evs[e].data.u64, r;
			struct conn *c = kind == CLIENT ? &cl[i] : &sv[i];

			if (kind == LISTENER) {
				int s;

				while (accepted < n &&
				       (s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					sv[accepted].fd = s;
					ev = (struct epoll_event){
					    .events = EPOLLIN, .data.u64 = TAG(SERVER, accepted)};
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
					accepted++;
				}
				continue;
			}
			if (kind == CLIENT && c->state == 0) {
				int err = -1;
				socklen_t elen = sizeof(err);

				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
				if (err) {
					refused++;
					c->state = 9;
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					continue;
				}
				connected++;
				r = snprintf(c->buf, sizeof(c->buf), "message from connection %d\n",
				             i);
				if (send(c->fd, c->buf, r, 0) != r)
					errors++;
				c->state = 1;
				ev = (struct epoll_event){.events = EPOLLIN,
				                          .data.u64 = TAG(CLIENT, i)};
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			if (kind == CLIENT) {
				char want[64];
				int wl =
				    snprintf(want, sizeof(want), "message from connection %d\n", i);

				r = recv(c->fd, c->buf + c->got, sizeof(c->buf) - 1 - c->got, 0);
				if (r <= 0) {
					errors++;
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					continue;
				}
				c->got += r;
				if (c->got < wl)
					continue;
				echoed++;
				wrong += c->got != wl || memcmp(c->buf, want, wl) != 0;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				c->state = 2;
				/* Every client keeps its connection until all have their echo. */
				if (echoed + refused + errors == n) {
					for (int m = 0; m < n; m++)
						if (cl[m].state == 2)
							shutdown(cl[m].fd, SHUT_WR);
				}
				continue;
			}
			/* A server end: echo each line; end of file once the client shuts. */
			r = recv(c->fd, c->buf + c->got, sizeof(c->buf) - 1 - c->got, 0);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				eofs += r == 0;
				errors += r < 0;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				continue;
			}
			c->got += r;
			if (memchr(c->buf, '\n', c->got)) {
				if (send(c->fd, c->buf, c->got, 0) != c->got)
					errors++;
				c->got = 0;
			}
		}
	}
	bad += sk_eq("connections accepted", accepted, n);
	bad += sk_eq("connections completed", connected, n);
	bad += sk_eq("connections refused", refused, 0);
	bad += sk_eq("messages echoed", echoed, n);
	bad += sk_eq("echoes that differ", wrong, 0);
	bad += sk_eq("end of file seen by the server ends", eofs, n);
	bad += sk_eq("errors", errors, 0);
	bad += check("the loop never waited 5 s for nothing", !stalled);
	for (int i = 0; i < n; i++) {
		close(cl[i].fd);
		if (i < accepted)
			close(sv[i].fd);
	}
	close(l);
	close(ep);
	free(cl);
	free(sv);
	return bad;
}

int main(int argc, char **argv)
{
	/* MIB, or KIB with a k suffix: 512k */
	char *end = NULL;
	long kib = argc > 1 ? strtol(argv[1], &end, 10) : 16;

	if (!end || *end != 'k')
		kib *= 1024;
	int conns = argc > 2 ? atoi(argv[2]) : 200, bad = 0;
	struct rlimit rl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Two descriptors per connection: ask for the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)2 * conns + 16) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	bad += transfers(AF_INET, kib);
	bad += many(AF_INET, conns);
	printf("IPv6:\n");
	bad += transfers(AF_INET6, kib / 4 > 64 ? kib / 4 : 64);
	bad += many(AF_INET6, conns / 4 ? conns / 4 : 1);
	printf("%d failed\n", bad);
	return bad;
}
