/*
 * The virtio-net device (virtio 1.2 section 5.1) over virtio-mmio
 * (virtio_mmio.c): receive queue 0, transmit queue 1, the 12-byte
 * struct virtio_net_hdr of VIRTIO_F_VERSION_1, and the features MAC, MTU,
 * STATUS (the link is always up), CSUM (a partial checksum from the guest
 * is completed here before the frame goes to the backend), GUEST_CSUM
 * (offered; frames to the guest always carry whole checksums, and those
 * of a backend that builds them, slirp, are marked DATA_VALID) and
 * EVENT_IDX.
 *
 * One I/O thread per device polls the queue kicks and the backend's
 * descriptors (net.h) and moves frames. A frame for the guest with no
 * receive buffer to take it waits in a small queue here until the driver
 * adds buffers, and is dropped when that is full (TCP retransmits).
 * BOTHY_NET_DEBUG=1 in bothy's environment logs every frame on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "net.h"
#include "virtio_mmio.h"

#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_STATUS     16

#define VIRTIO_NET_S_LINK_UP        1
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE     0

#define RXQ 0
#define TXQ 1

/* struct virtio_net_hdr with VIRTIO_F_VERSION_1 (section 5.1.6). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");

#define FRAME_MAX 65550 /* no GSO: an MTU of at most 64K plus the Ethernet header */
#define PENDING   64    /* frames for the guest waiting for receive buffers */

struct vnet {
	struct virtio_dev dev;
	struct net_backend *be;
	pthread_t thread;
	int started;
	int stop_fd;
	struct {
		uint8_t *data;
		size_t len;
	} pending[PENDING]; /* a ring, under dev.lock */
	unsigned pend_head, pend_count;
	uint64_t rx, tx, rx_dropped, tx_dropped;
	uint8_t txbuf[sizeof(struct virtio_net_hdr) + FRAME_MAX];
	struct virtq_chain chain;
};

static struct vnet *vnets[BOTHY_VIRTIO_MAX];
static unsigned nvnets;

static void frame_log(const char *dir, const uint8_t *f, size_t len)
{
	if (len < 14) {
		fprintf(stderr, "bothy: net: %s %zu bytes (runt)\n", dir, len);
		return;
	}
	fprintf(stderr,
	        "bothy: net: %s %zu bytes %02x:%02x:%02x:%02x:%02x:%02x > "
	        "%02x:%02x:%02x:%02x:%02x:%02x type %02x%02x\n",
	        dir, len, f[6], f[7], f[8], f[9], f[10], f[11], f[0], f[1], f[2], f[3], f[4], f[5],
	        f[12], f[13]);
}

int net_csum_complete(uint8_t *frame, size_t len, size_t start, size_t offset)
{
	uint32_t sum = 0;

	if (start > len || offset > len - start || len - start - offset < 2)
		return -EINVAL;
	for (size_t i = start; i + 1 < len; i += 2)
		sum += (uint32_t)frame[i] << 8 | frame[i + 1];
	if ((len - start) & 1)
		sum += (uint32_t)frame[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	frame[start + offset] = (uint8_t)(sum >> 8);
	frame[start + offset + 1] = (uint8_t)sum;
	return 0;
}

/* Put one frame into the next receive buffer. 1 if it went (or was
 * dropped for a buffer too small), 0 if there is no buffer, -1 if the
 * device failed. With dev.lock held. */
static int rx_one(struct vnet *n, const uint8_t *frame, size_t len)
{
	struct virtio_dev *d = &n->dev;
	struct virtq_chain *c = &n->chain;
	struct virtio_net_hdr h = {.num_buffers = 1};
	int r = virtq_pop(d, RXQ, c);

	if (r == 0 && virtq_enable_notify(d, RXQ))
		r = virtq_pop(d, RXQ, c);
	if (r <= 0)
		return r < 0 ? -1 : 0;
	if (c->in_len < sizeof(h) + len) {
		n->rx_dropped++;
		virtq_push(d, RXQ, c->head, 0);
		return 1;
	}
	if (n->be->csum_valid && (d->guest_features & 1ull << VIRTIO_NET_F_GUEST_CSUM))
		h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	iov_from_buf(c->iov + c->nout, c->nin, 0, &h, sizeof(h));
	iov_from_buf(c->iov + c->nout, c->nin, sizeof(h), frame, len);
	virtq_push(d, RXQ, c->head, (uint32_t)(sizeof(h) + len));
	n->rx++;
	return 1;
}

/* Deliver waiting frames while there are buffers. With dev.lock held. */
static void rx_flush(struct vnet *n)
{
	int pushed = 0;

	while (n->pend_count) {
		unsigned i = n->pend_head;
		if (rx_one(n, n->pending[i].data, n->pending[i].len) <= 0)
			break;
		free(n->pending[i].data);
		n->pending[i].data = NULL;
		n->pend_head = (i + 1) % PENDING;
		n->pend_count--;
		pushed = 1;
	}
	if (pushed)
		virtq_interrupt(&n->dev, RXQ);
}

static void pending_drop(struct vnet *n)
{
	while (n->pend_count) {
		free(n->pending[n->pend_head].data);
		n->pending[n->pend_head].data = NULL;
		n->pend_head = (n->pend_head + 1) % PENDING;
		n->pend_count--;
	}
}

/* The backend's receive(): a frame for the guest (I/O thread). */
static void rx_frame(void *opaque, const uint8_t *frame, size_t len)
{
	struct vnet *n = opaque;
	uint8_t *copy;
	int r = 0;

	if (n->be->debug)
		frame_log("to guest", frame, len);
	pthread_mutex_lock(&n->dev.lock);
	if (n->pend_count)
		rx_flush(n); /* keep the order: older frames first */
	if (!n->pend_count && (r = rx_one(n, frame, len)) == 1) {
		virtq_interrupt(&n->dev, RXQ);
	} else if (r == 0 && n->pend_count < PENDING && (copy = malloc(len))) {
		memcpy(copy, frame, len);
		n->pending[(n->pend_head + n->pend_count) % PENDING].data = copy;
		n->pending[(n->pend_head + n->pend_count) % PENDING].len = len;
		n->pend_count++;
	} else {
		n->rx_dropped++;
	}
	pthread_mutex_unlock(&n->dev.lock);
}

/* Send every frame the guest queued for transmission (I/O thread). */
static void tx_run(struct vnet *n)
{
	struct virtio_dev *d = &n->dev;
	struct virtq_chain *c = &n->chain;
	struct virtio_net_hdr h;
	size_t len;
	int r;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		r = virtq_pop(d, TXQ, c);
		if (r == 0 && virtq_enable_notify(d, TXQ))
			r = virtq_pop(d, TXQ, c);
		if (r <= 0) {
			virtq_interrupt(d, TXQ);
			pthread_mutex_unlock(&d->lock);
			return;
		}
		len = iov_to_buf(c->iov, c->nout, 0, n->txbuf, sizeof(n->txbuf));
		virtq_push(d, TXQ, c->head, 0);
		if (c->out_len > sizeof(n->txbuf))
			len = 0; /* too long without GSO: dropped */
		pthread_mutex_unlock(&d->lock);
		if (len < sizeof(h) + 14) {
			n->tx_dropped++;
			continue;
		}
		memcpy(&h, n->txbuf, sizeof(h));
		len -= sizeof(h);
		if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
		    ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		     net_csum_complete(n->txbuf + sizeof(h), len, h.csum_start, h.csum_offset))) {
			n->tx_dropped++;
			continue;
		}
		if (n->be->debug)
			frame_log("from guest", n->txbuf + sizeof(h), len);
		if (n->be->send(n->be, n->txbuf + sizeof(h), len) < 0)
			n->tx_dropped++;
		else
			n->tx++;
	}
}

static void vnet_reset(struct virtio_dev *d)
{
	pending_drop(d->priv);
}

/* DRIVER_OK: look at both queues once (kicks before it were ignored). */
static void vnet_driver_ok(struct virtio_dev *d)
{
	uint64_t one = 1;

	for (unsigned q = 0; q < d->nqueues; q++)
		if (write(d->vq[q].kick, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "bothy: virtio %u: cannot kick queue %u\n", d->index, q);
}

static const struct virtio_ops vnet_ops = {.reset = vnet_reset, .driver_ok = vnet_driver_ok};

int net_pollset_add(struct net_pollset *ps, int fd, short events)
{
	if (ps->n == ps->cap) {
		unsigned cap = ps->cap ? ps->cap * 2 : 16;
		struct pollfd *p = realloc(ps->fds, cap * sizeof(*p));
		if (!p)
			die(BOTHY_EXIT_MONITOR, "out of memory");
		ps->fds = p;
		ps->cap = cap;
	}
	ps->fds[ps->n] = (struct pollfd){.fd = fd, .events = events};
	return (int)ps->n++;
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static void *vnet_thread(void *arg)
{
	struct vnet *n = arg;
	struct net_pollset ps = {0};
	enum { STOP, KICK_RX, KICK_TX };

	for (;;) {
		int timeout = -1, r, room;
		ps.n = 0;
		net_pollset_add(&ps, n->stop_fd, POLLIN);
		net_pollset_add(&ps, n->dev.vq[RXQ].kick, POLLIN);
		net_pollset_add(&ps, n->dev.vq[TXQ].kick, POLLIN);
		pthread_mutex_lock(&n->dev.lock);
		room = n->pend_count < PENDING;
		pthread_mutex_unlock(&n->dev.lock);
		n->be->fill(n->be, &ps, &timeout, room);
		r = poll(ps.fds, ps.n, timeout);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "bothy: net: poll: %s\n", strerror(errno));
			break;
		}
		if (r > 0 && ps.fds[STOP].revents)
			break;
		if (r > 0 && ps.fds[KICK_TX].revents) {
			drain(n->dev.vq[TXQ].kick);
			tx_run(n);
		}
		if (r > 0 && ps.fds[KICK_RX].revents) {
			drain(n->dev.vq[RXQ].kick);
			pthread_mutex_lock(&n->dev.lock);
			rx_flush(n);
			pthread_mutex_unlock(&n->dev.lock);
		}
		n->be->poll(n->be, &ps, r);
	}
	free(ps.fds);
	return NULL;
}

void net_devices_setup(struct vm *vm, const struct net_options *o, struct bothy_boot_info *bi)
{
	struct bothy_net_config cfg;
	uint8_t mac[6];
	char err[160];
	struct vnet *n;
	unsigned index = vm->nvirtio;
	uint16_t v16;
	int r;

	if (net_config(o, &cfg, mac, err, sizeof(err)))
		die(BOTHY_EXIT_MONITOR, "%s", err);
	bi->net = cfg;
	if (o->mode == NET_NONE)
		return;
	if (index >= BOTHY_VIRTIO_MAX)
		die(BOTHY_EXIT_MONITOR, "too many virtio devices");
	if (!(n = calloc(1, sizeof(*n))))
		die(BOTHY_EXIT_MONITOR, "out of memory");
	n->be = o->mode == NET_TAP ? net_tap_new(o->tap) : net_slirp_new(o, &cfg);
	n->be->receive = rx_frame;
	n->be->opaque = n;
	if ((r = virtio_dev_init(&n->dev, vm, index, VIRTIO_ID_NET, 2,
	                         !getenv("BOTHY_VIRTIO_NO_EVENTFD"))) < 0)
		die(BOTHY_EXIT_MONITOR, "cannot make the network device: %s", strerror(-r));
	n->dev.ops = &vnet_ops;
	n->dev.priv = n;
	n->dev.host_features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_EVENT_IDX |
	                       1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |
	                       1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC |
	                       1ull << VIRTIO_NET_F_STATUS;
	/* struct virtio_net_config: mac, status, max_virtqueue_pairs, mtu */
	memcpy(n->dev.config, mac, 6);
	v16 = VIRTIO_NET_S_LINK_UP;
	memcpy(n->dev.config + 6, &v16, 2);
	v16 = 1;
	memcpy(n->dev.config + 8, &v16, 2);
	v16 = (uint16_t)cfg.mtu;
	memcpy(n->dev.config + 10, &v16, 2);
	n->dev.config_len = 12;
	n->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (n->stop_fd < 0)
		die(BOTHY_EXIT_MONITOR, "eventfd: %s", strerror(errno));
	vm->virtio[index] = &n->dev;
	vm->nvirtio = index + 1;
	bi->nvirtio = vm->nvirtio;
	bi->virtio[index].gpa = BOTHY_GPA_VIRTIO + index * BOTHY_VIRTIO_STRIDE;
	bi->virtio[index].size = BOTHY_VIRTIO_STRIDE;
	bi->virtio[index].vector = BOTHY_VECTOR_VIRTIO + index;
	vnets[nvnets++] = n;
}

void net_devices_start(struct vm *vm)
{
	(void)vm;
	for (unsigned i = 0; i < nvnets; i++) {
		int r = pthread_create(&vnets[i]->thread, NULL, vnet_thread, vnets[i]);
		if (r)
			die(BOTHY_EXIT_MONITOR, "cannot start the network thread: %s", strerror(r));
		vnets[i]->started = 1;
	}
}

void net_devices_stop(struct vm *vm)
{
	uint64_t one = 1;

	for (unsigned i = 0; i < nvnets; i++) {
		struct vnet *n = vnets[i];
		if (n->started) {
			if (write(n->stop_fd, &one, sizeof(one)) != sizeof(one))
				continue; /* cannot happen; the thread ends with bothy */
			pthread_join(n->thread, NULL);
			n->started = 0;
		}
		if (vm->log_level >= BOTHY_LOG_DEBUG)
			fprintf(
			    stderr,
			    "bothy: net %u: %llu frames to the guest (%llu dropped), %llu from it "
			    "(%llu dropped), %llu interrupts\n",
			    n->dev.index, (unsigned long long)n->rx,
			    (unsigned long long)n->rx_dropped, (unsigned long long)n->tx,
			    (unsigned long long)n->tx_dropped,
			    (unsigned long long)n->dev.interrupts);
		n->be->free(n->be);
		pending_drop(n);
	}
}
