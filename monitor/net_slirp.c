/*
 * The libslirp backend (net.h): a user-mode network, as QEMU's `-netdev
 * user`. The guest's network (10.0.2.0/24 by default) has slirp at the
 * gateway address (10.0.2.2, which also reaches the host's own
 * 127.0.0.1), a DNS forwarder at the --dns address (10.0.2.3) and a DHCP
 * server handing out the guest's address; IPv6 is on (fec0::/64, host
 * fec0::2, DNS fec0::3). `-p` forwards are slirp_add_hostfwd() listeners
 * made before the VM starts, so a port in use is an error at once.
 *
 * Every slirp call after setup happens in the device's I/O thread: its
 * poll(2) loop runs slirp_pollfds_fill() / slirp_pollfds_poll() and the
 * timers slirp asks for (SlirpConfig version 4: timer_new_opaque and
 * slirp_handle_timer()).
 */
#include <errno.h>
#include <limits.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"
#include "net.h"

struct slirp_timer {
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	struct slirp_timer *next;
};

struct slirp_backend {
	struct net_backend b;
	Slirp *slirp;
	struct slirp_timer *timers;
	struct net_pollset *ps; /* during fill/poll */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_backend *s = opaque;

	s->b.receive(s->b.opaque, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct slirp_backend *s = opaque;

	if (s->b.debug)
		fprintf(stderr, "bothy: slirp: %s\n", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_backend *s = opaque;
	struct slirp_timer *t = calloc(1, sizeof(*t));

	if (!t)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = s->timers;
	s->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct slirp_backend *s = opaque;

	for (struct slirp_timer **p = &s->timers; *p; p = &(*p)->next)
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd, (void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque; /* one thread: the next poll round sees it */
}

static const SlirpCb callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_register_poll_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
};

static int slirp_send(struct net_backend *b, const uint8_t *frame, size_t len)
{
	struct slirp_backend *s = (struct slirp_backend *)b;

	slirp_input(s->slirp, frame, (int)len);
	return 0;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct slirp_backend *s = opaque;
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return net_pollset_add(s->ps, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct slirp_backend *s = opaque;
	short re;
	int ev = 0;

	if (idx < 0 || (unsigned)idx >= s->ps->n)
		return 0;
	re = s->ps->fds[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & (POLLERR | POLLNVAL))
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static void slirp_fill(struct net_backend *b, struct net_pollset *ps, int *timeout_ms,
                       int can_receive)
{
	struct slirp_backend *s = (struct slirp_backend *)b;
	uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
	int64_t now = now_ns() / 1000000;

	(void)can_receive; /* slirp cannot hold frames back: the device drops them */
	s->ps = ps;
	slirp_pollfds_fill(s->slirp, &t, cb_add_poll, s);
	for (struct slirp_timer *tm = s->timers; tm; tm = tm->next) {
		if (tm->expire_ms < 0)
			continue;
		int64_t left = tm->expire_ms - now;
		if (left < 0)
			left = 0;
		if ((uint64_t)left < t)
			t = (uint32_t)left;
	}
	*timeout_ms = t > INT_MAX ? -1 : (int)t;
}

static void slirp_poll(struct net_backend *b, struct net_pollset *ps, int r)
{
	struct slirp_backend *s = (struct slirp_backend *)b;
	int64_t now;
	int fired;

	s->ps = ps;
	slirp_pollfds_poll(s->slirp, r < 0, cb_get_revents, s);
	/* A timer handler may free or arm timers: rescan after each. */
	do {
		fired = 0;
		now = now_ns() / 1000000;
		for (struct slirp_timer *t = s->timers; t; t = t->next)
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
				fired = 1;
				break;
			}
	} while (fired);
}

static void slirp_free_backend(struct net_backend *b)
{
	struct slirp_backend *s = (struct slirp_backend *)b;

	slirp_cleanup(s->slirp);
	while (s->timers) {
		struct slirp_timer *t = s->timers;
		s->timers = t->next;
		free(t);
	}
	free(s);
}

static int cb_widen_backlog(int fd, int events, void *opaque)
{
	int on = 0;
	socklen_t len = sizeof(on);

	(void)events, (void)opaque;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		listen(fd, SOMAXCONN);
	return -1; /* slirp keeps no index from this pass */
}

/*
 * widen_backlogs: libslirp listens for a -p forward with a backlog of 1
 * (tcpx_listen), and accepts one connection per poll round. A client that
 * opens 50 connections at once (redis-benchmark) completes every handshake
 * inside its connect() calls on loopback, before the I/O thread runs: the
 * host kernel drops the final ACKs that find the queue full, and those
 * clients wait out exponential retransmissions, seconds each. listen(2) on
 * a listening socket only sets the new backlog, so each forward's socket,
 * found through slirp_pollfds_fill(), gets SOMAXCONN.
 */
static void widen_backlogs(struct slirp_backend *s)
{
	uint32_t t = UINT32_MAX;

	slirp_pollfds_fill(s->slirp, &t, cb_widen_backlog, s);
}

static struct in6_addr in6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

struct net_backend *net_slirp_new(const struct net_options *o, const struct bothy_net_config *c)
{
	struct slirp_backend *s = calloc(1, sizeof(*s));
	uint32_t mask = c->prefix4 ? htonl(~0u << (32 - c->prefix4)) : 0;
	uint32_t ip = c->ip4 ? c->ip4 : htonl(0x0a00020f); /* DHCP: 10.0.2.15 */
	SlirpConfig cfg = {
	    .version = 4,
	    .in_enabled = true,
	    .in6_enabled = true,
	    .vprefix_addr6 = in6("fec0::"),
	    .vprefix_len = 64,
	    .vhost6 = in6("fec0::2"),
	    .vnameserver6 = in6("fec0::3"),
	    .vhostname = "bothy",
	    .if_mtu = c->mtu ? c->mtu : 1500,
	    .if_mru = c->mtu ? c->mtu : 1500,
	};
	const char *dbg = getenv("BOTHY_NET_DEBUG");

	if (!s)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	if (!(c->flags & BOTHY_NET_STATIC))
		mask = htonl(0xffffff00);
	cfg.vnetwork.s_addr = ip & mask;
	cfg.vnetmask.s_addr = mask;
	cfg.vhost.s_addr = c->gateway4 ? c->gateway4 : htonl(ntohl(cfg.vnetwork.s_addr) + 2);
	cfg.vnameserver.s_addr = c->dns4 ? c->dns4 : htonl(ntohl(cfg.vnetwork.s_addr) + 3);
	cfg.vdhcp_start.s_addr = ip;
	s->b.send = slirp_send;
	s->b.csum_valid = 1;
	s->b.fill = slirp_fill;
	s->b.poll = slirp_poll;
	s->b.free = slirp_free_backend;
	s->b.debug = dbg && *dbg && strcmp(dbg, "0");
	s->slirp = slirp_new(&cfg, &callbacks, s);
	if (!s->slirp)
		die(BOTHY_EXIT_MONITOR, "--net slirp: libslirp refused the network configuration");
	for (unsigned i = 0; i < o->nfwd; i++) {
		const struct net_forward *f = &o->fwd[i];
		struct in_addr guest = {.s_addr = ip};
		char host[INET_ADDRSTRLEN];
		errno = 0;
		if (slirp_add_hostfwd(s->slirp, f->udp, f->host, f->host_port, guest,
		                      f->guest_port) < 0) {
			inet_ntop(AF_INET, &f->host, host, sizeof(host));
			die(BOTHY_EXIT_MONITOR, "-p %s: cannot listen on %s:%u/%s: %s", f->spec,
			    host, f->host_port, f->udp ? "udp" : "tcp",
			    errno ? strerror(errno) : "address in use or not this host's");
		}
	}
	widen_backlogs(s);
	return &s->b;
}
