/*
 * The tap backend (net.h): `--net tap:NAME` sends the guest's frames to
 * the host's tap interface NAME (Documentation/networking/tuntap.rst:
 * /dev/net/tun, TUNSETIFF with IFF_TAP | IFF_NO_PI; one frame per read(2)
 * and write(2), no virtio header). The interface is made if it does not
 * exist and bothy may (CAP_NET_ADMIN); it is usually made beforehand with
 * `ip tuntap add NAME mode tap user USER`.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "monitor.h"
#include "net.h"

#define TAP_FRAME_MAX 65536

struct tap_backend {
	struct net_backend b;
	int fd;
	int idx; /* in the pollset, or -1 */
	uint8_t buf[TAP_FRAME_MAX];
};

static int tap_send(struct net_backend *b, const uint8_t *frame, size_t len)
{
	struct tap_backend *t = (struct tap_backend *)b;
	ssize_t w;

	while ((w = write(t->fd, frame, len)) < 0 && errno == EINTR)
		;
	return w < 0 ? -errno : 0; /* EAGAIN: the interface is full or down, dropped */
}

static void tap_fill(struct net_backend *b, struct net_pollset *ps, int *timeout_ms,
                     int can_receive)
{
	struct tap_backend *t = (struct tap_backend *)b;

	(void)timeout_ms;
	t->idx = can_receive ? net_pollset_add(ps, t->fd, POLLIN) : -1;
}

static void tap_poll(struct net_backend *b, struct net_pollset *ps, int r)
{
	struct tap_backend *t = (struct tap_backend *)b;

	if (r <= 0 || t->idx < 0 || !ps->fds[t->idx].revents)
		return;
	/* A bounded batch; the rest waits for the next round. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(t->fd, t->buf, sizeof(t->buf));
		if (n <= 0)
			return;
		b->receive(b->opaque, t->buf, (size_t)n);
	}
}

static void tap_free(struct net_backend *b)
{
	struct tap_backend *t = (struct tap_backend *)b;

	close(t->fd);
	free(t);
}

struct net_backend *net_tap_new(const char *name)
{
	struct tap_backend *t = calloc(1, sizeof(*t));
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	const char *dbg = getenv("BOTHY_NET_DEBUG");

	if (!t)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		die(BOTHY_EXIT_MONITOR, "--net tap:%s: cannot open /dev/net/tun: %s", name,
		    strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0)
		die(BOTHY_EXIT_MONITOR, "--net tap:%s: %s%s", name, strerror(errno),
		    errno == EPERM ? " (make it first: ip tuntap add NAME mode tap user $USER)"
		                   : "");
	t->b.send = tap_send;
	t->b.fill = tap_fill;
	t->b.poll = tap_poll;
	t->b.free = tap_free;
	t->b.debug = dbg && *dbg && strcmp(dbg, "0");
	t->idx = -1;
	return &t->b;
}
