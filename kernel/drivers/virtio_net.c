/*
 * The virtio network device (virtio 1.2, section 5.1) behind netdev.h.
 *
 * Queues: receiveq1 (0) and transmitq1 (1); no control queue, no
 * multiqueue, no mergeable receive buffers (every buffer holds a whole
 * frame), no offloads beyond checksums (CSUM, GUEST_CSUM).
 *
 * Receive: the ring is kept full of buffers, each the 12-byte struct
 * virtio_net_hdr then a whole frame: 2 KiB (two per page) for an MTU of
 * 1500, 8 KiB (two pages) when the device offers a bigger one (F_MTU, up
 * to RX_MTU_MAX: the monitor's slirp offers 8000, so a 5 KiB response is
 * one frame, not four); a used buffer goes to the stack as it is (struct
 * netdev_rxbuf pointing into it, no copy) and back to the ring when the
 * stack calls rx_done_driver.
 *
 * Transmit: one chain per frame: the header, from a page of headers
 * indexed by the chain's head descriptor (unique while the chain is in
 * flight), then the stack's segments in place (no copy). Completed chains
 * are reclaimed in the interrupt handler and before each xmit, and the
 * stack is told with tx_done. The device is kicked once per xmit (with
 * EVENT_IDX or NO_NOTIFY that is often no register access at all); a
 * batching kick (one per burst of frames from the stack) would save exits
 * where the device wants every notification.
 *
 * Costs under PVM: the interrupt handler makes one register read and one
 * write (InterruptStatus, InterruptACK); nothing else in the data path
 * touches registers but a notification the device asked for.
 */
#include <errno.h>
#include <mm.h>
#include <netdev.h>
#include <string.h>
#include <virtio.h>

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_STATUS     16

/* Configuration layout (5.1.4). */
#define VNET_CFG_MAC         0
#define VNET_CFG_STATUS      6
#define VNET_CFG_MTU         10
#define VIRTIO_NET_S_LINK_UP 1u

/* struct virtio_net_hdr (5.1.6), 12 bytes with VIRTIO_F_VERSION_1. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr size");
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u

#define RXQ         0
#define TXQ         1
#define RX_BUFS     128                         /* receive buffers (and most entries in receiveq) */
#define RX_BUF_SIZE 2048                        /* header + a 1514-byte frame, two per page */
#define RX_BIG_SIZE 8192                        /* header + a frame of an MTU up to RX_MTU_MAX */
#define RX_MTU_MAX  (RX_BIG_SIZE - 12 - 14 - 4) /* header, Ethernet, a VLAN tag */
#define TX_ENTRIES  256
#define SEGS_MAX    64 /* netdev.h: at most 64 segments per frame */
#define ETH_HLEN    14

struct vnet_rxbuf {
	struct netdev_rxbuf nb; /* nb.driver = this */
	uint8_t *mem;           /* vnet.rx_size bytes: header, then the frame */
	int queued;             /* in the ring (else the stack has it) */
};

struct vnet_txslot {
	void *cookie; /* the stack's */
};

struct vnet {
	struct netdev nd;
	struct virtio_dev *v;
	struct virtq rx, tx;
	struct vnet_rxbuf rxbufs[RX_BUFS];
	uint32_t rx_size;             /* RX_BUF_SIZE or RX_BIG_SIZE */
	struct virtio_net_hdr *txhdr; /* [tx.size], one page */
	struct vnet_txslot txslot[TX_ENTRIES];
	int live; /* registered with the stack */
};

static int nvnet;

static void rx_queue(struct vnet *n, struct vnet_rxbuf *b)
{
	struct virtq_seg seg = {VIRT_TO_PHYS(b->mem), n->rx_size, 1};

	if (virtq_add(&n->rx, &seg, 1, b) == 0)
		b->queued = 1;
}

/* netdev rx_done_driver: the stack gives a receive buffer back. */
static void vnet_rx_done(struct netdev *d, struct netdev_rxbuf *nb)
{
	struct vnet *n = d->priv;
	struct vnet_rxbuf *b = nb->driver;

	if (b < n->rxbufs || b >= n->rxbufs + RX_BUFS || b->queued)
		panic("virtio-net: rx_done with a buffer that is not the stack's");
	rx_queue(n, b);
	virtq_kick(&n->rx);
}

/* Give the stack what the device has finished transmitting. */
static void tx_reclaim(struct vnet *n)
{
	struct vnet_txslot *s;
	uint32_t len;

	while ((s = virtq_get(&n->tx, &len))) {
		void *cookie = s->cookie;
		s->cookie = NULL;
		if (n->live && n->nd.tx_done)
			n->nd.tx_done(&n->nd, cookie);
	}
}

/* Hand every received frame to the stack. */
static void rx_drain(struct vnet *n)
{
	struct vnet_rxbuf *b;
	uint32_t len;

	while ((b = virtq_get(&n->rx, &len))) {
		const struct virtio_net_hdr *h = (const void *)b->mem;
		b->queued = 0;
		if (!n->live || !n->nd.rx || len < sizeof(*h) + ETH_HLEN || len > n->rx_size) {
			rx_queue(n, b); /* nobody to take it, or a runt: drop */
			continue;
		}
		b->nb.data = b->mem + sizeof(*h);
		b->nb.len = len - (uint32_t)sizeof(*h);
		/* DATA_VALID: the device checked it; NEEDS_CSUM (with GUEST_CSUM):
		 * a local sender left it to be filled in, the data is as sent
		 * (5.1.6.4.1; Linux's CHECKSUM_PARTIAL). */
		b->nb.flags = h->flags & (VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_NEEDS_CSUM)
		                  ? NETDEV_RX_CSUM_OK
		                  : 0;
		n->nd.rx(&n->nd, &b->nb);
	}
	virtq_kick(&n->rx); /* buffers given back meanwhile */
}

static void vnet_link(struct vnet *n)
{
	if (virtio_has(n->v, VIRTIO_NET_F_STATUS))
		n->nd.link_up =
		    !!(n->v->ops->config_read(n->v, VNET_CFG_STATUS, 2) & VIRTIO_NET_S_LINK_UP);
	else
		n->nd.link_up = 1;
}

/* The device's interrupt (irq.h): acknowledge it, then drain both used
 * rings; re-arm and look again, since a buffer used between the last look
 * and the re-arm raises no interrupt. */
static void vnet_irq(void *arg)
{
	struct vnet *n = arg;
	unsigned isr = n->v->ops->irq_ack(n->v);

	if (isr & VIRTIO_INT_CONFIG)
		vnet_link(n);
	do {
		tx_reclaim(n);
		rx_drain(n);
	} while (virtq_enable_cb(&n->rx) | virtq_enable_cb(&n->tx));
}

/* netdev xmit (netdev.h). */
static int vnet_xmit(struct netdev *d, const struct netdev_seg *segs, unsigned nseg,
                     uint16_t csum_start, uint16_t csum_offset, void *cookie)
{
	struct vnet *n = d->priv;
	struct virtq_seg vs[SEGS_MAX + 1];
	struct virtio_net_hdr *h;
	uint64_t total = 0;
	uint16_t head;
	int r;

	if (!nseg || nseg > SEGS_MAX || nseg + 1 > n->tx.size)
		return -EINVAL;
	for (unsigned i = 0; i < nseg; i++) {
		/* The device sees RAM only: kernel addresses VIRT_TO_PHYS maps into
		 * [0, mem_size) (a program's address maps above BOTHY_MEM_MAX). */
		uint64_t pa = VIRT_TO_PHYS(segs[i].addr);
		if (!segs[i].len || segs[i].len > boot_info->mem_size ||
		    pa > boot_info->mem_size - segs[i].len)
			return -EINVAL;
		vs[i + 1] = (struct virtq_seg){pa, segs[i].len, 0};
		total += segs[i].len;
	}
	if (total < ETH_HLEN || total > (uint64_t)d->mtu + ETH_HLEN + 4 /* a VLAN tag */)
		return -EINVAL;
	if (csum_start &&
	    (!(d->features & NETDEV_F_TX_CSUM) || csum_start + csum_offset + 2u > total))
		return -EINVAL;
	if (n->tx.nfree < nseg + 1)
		tx_reclaim(n);
	if (n->tx.nfree < nseg + 1) {
		/* Full, and the stack will wait for tx_done: make sure an
		 * interrupt comes. virtq_get moved used_event along, but with
		 * no barrier before its last look at the used ring: a
		 * completion in between would be neither seen nor signalled.
		 * virtq_enable_cb stores, fences and looks again (2.7.10). */
		if (virtq_enable_cb(&n->tx))
			tx_reclaim(n);
		if (n->tx.nfree < nseg + 1)
			return -EAGAIN;
	}
	head = n->tx.free_head; /* the chain's head: its header slot (see the top) */
	h = &n->txhdr[head];
	memset(h, 0, sizeof(*h));
	if (csum_start) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = csum_start;
		h->csum_offset = csum_offset;
	}
	vs[0] = (struct virtq_seg){VIRT_TO_PHYS(h), sizeof(*h), 0};
	n->txslot[head].cookie = cookie;
	if ((r = virtq_add(&n->tx, vs, nseg + 1, &n->txslot[head])))
		return r == -ENOSPC ? -EAGAIN : r;
	virtq_kick(&n->tx);
	return 0;
}

int virtio_net_probe(struct virtio_dev *v)
{
	const uint64_t want = 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |
	                      1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC |
	                      1ull << VIRTIO_NET_F_STATUS;
	struct vnet *n;
	uint64_t hdrpage = 0, page = 0;
	uint32_t gen;
	int r;

	if ((r = virtio_negotiate(v, want)))
		return r;
	if (!(n = kmalloc(sizeof(*n)))) {
		r = -ENOMEM;
		goto fail;
	}
	n->v = v;
	v->driver = n;
	if ((r = virtq_create(v, &n->rx, RXQ, RX_BUFS)) ||
	    (r = virtq_create(v, &n->tx, TXQ, TX_ENTRIES)))
		goto fail;
	if (!(hdrpage = page_alloc())) {
		r = -ENOMEM;
		goto fail;
	}
	n->txhdr = PHYS_TO_VIRT(hdrpage);

	snprintf(n->nd.name, sizeof(n->nd.name), "eth%d", nvnet);
	do { /* 4.2.2: read the configuration until its generation holds */
		gen = v->ops->config_generation(v);
		for (unsigned i = 0; i < 6; i++)
			n->nd.mac[i] = virtio_has(v, VIRTIO_NET_F_MAC)
			                   ? (uint8_t)v->ops->config_read(v, VNET_CFG_MAC + i, 1)
			                   : 0;
		n->nd.mtu = 1500;
		if (virtio_has(v, VIRTIO_NET_F_MTU)) {
			/* 5.1.4.2: the device's maximum; beyond what the buffers
			 * hold, the driver keeps to RX_MTU_MAX. */
			uint32_t mtu = v->ops->config_read(v, VNET_CFG_MTU, 2);
			if (mtu >= 68)
				n->nd.mtu = (uint16_t)MIN(mtu, RX_MTU_MAX);
		}
	} while (gen != v->ops->config_generation(v));
	/* Big buffers only while they are a small part of memory (1 MiB of
	 * at least 32 MiB); else frames stay at 1500 bytes. */
	n->rx_size = RX_BUF_SIZE;
	if (n->nd.mtu > 1500) {
		if (mm_total_bytes() >= 32 * (uint64_t)RX_BUFS * RX_BIG_SIZE)
			n->rx_size = RX_BIG_SIZE;
		else
			n->nd.mtu = 1500;
	}
	for (unsigned i = 0; i < RX_BUFS && i < n->rx.size; i++) {
		unsigned per = PAGE_SIZE / n->rx_size; /* buffers per page, or 0 */
		if (per ? i % per == 0 && !(page = page_alloc())
		        : !(page = pages_alloc_run(n->rx_size / PAGE_SIZE))) {
			r = -ENOMEM;
			goto fail;
		}
		n->rxbufs[i].mem = (uint8_t *)PHYS_TO_VIRT(page) + (per ? i % per : 0) * n->rx_size;
		n->rxbufs[i].nb.driver = &n->rxbufs[i];
		rx_queue(n, &n->rxbufs[i]);
	}
	if (!virtio_has(v, VIRTIO_NET_F_MAC)) { /* a locally administered one */
		uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + nvnet)};
		memcpy(n->nd.mac, mac, 6);
	}
	if (virtio_has(v, VIRTIO_NET_F_CSUM))
		n->nd.features |= NETDEV_F_TX_CSUM;
	if (virtio_has(v, VIRTIO_NET_F_GUEST_CSUM))
		n->nd.features |= NETDEV_F_RX_CSUM;
	vnet_link(n);
	n->nd.xmit = vnet_xmit;
	n->nd.rx_done_driver = vnet_rx_done;
	n->nd.priv = n;

	/* Interrupts are taken only in the idle loop and in the program: none
	 * reaches vnet_irq before netdev_register below has set rx. */
	if ((r = arch_irq_request(&v->irq, vnet_irq, n)) < 0) {
		printk("bothy: %s: cannot take its interrupt (%s %u): error %d\n", v->name,
		       v->irq.kind == IRQ_VECTOR ? "vector" : "GSI", v->irq.num, r);
		goto fail;
	}
	virtio_driver_ok(v);
	virtq_kick(&n->rx);
	if (log_level >= BOTHY_LOG_DEBUG)
		printk("bothy: %s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, "
		       "features %lx\n",
		       v->name, n->nd.name, n->nd.mac[0], n->nd.mac[1], n->nd.mac[2], n->nd.mac[3],
		       n->nd.mac[4], n->nd.mac[5], n->nd.mtu, n->nd.link_up ? "up" : "down",
		       (unsigned long)v->features);
	n->live = 1;
	if ((r = netdev_register(&n->nd))) {
		/* The interrupt stays ours (irq.h has no release): keep n, quiet. */
		printk("bothy: %s: the network stack refused %s: error %d\n", v->name, n->nd.name,
		       r);
		n->live = 0;
		v->ops->set_status(v, 0);
		return 0;
	}
	nvnet++;
	return 0;
fail:
	printk("bothy: %s: virtio-net setup failed: error %d\n", v->name, r);
	virtio_fail(v);
	/* Pages and rings given to the device stay with it (it is FAILED, not
	 * reset, and may still hold their addresses). */
	return r;
}
