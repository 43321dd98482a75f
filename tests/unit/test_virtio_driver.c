/*
 * Unit tests of the kernel's virtio core and virtio-net driver
 * (kernel/drivers/virtio.c, kernel/drivers/virtio_net.c) against a device
 * played by the test: a fake transport records what the driver writes to
 * the registers, and the test reads the driver's rings and answers in them
 * as a virtio 1.2 device would (2.7 split virtqueues, 5.1 network device).
 * "Physical" addresses are host pointers minus BOTHY_KERNEL_VBASE, as
 * tests/unit/stubs_kernel.c hands out pages.
 */
/* clang-format off */
/* unit-test-sources: kernel/drivers/virtio.c kernel/drivers/virtio_net.c tests/unit/stubs_kernel.c */
/* unit-test-cflags: -idirafter kernel/include -idirafter kernel/arch/x86_64/include */
/* clang-format on */
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netdev.h>
#include <virtio.h>

#define F(bit)           (1ull << (bit))
#define NET_F_CSUM       0
#define NET_F_GUEST_CSUM 1
#define NET_F_MAC        5
#define NET_F_STATUS     16
#define NET_F_MTU        3
#define HDR              12

unsigned log_level = BOTHY_LOG_WARN;
static struct bothy_boot_info bi = {.mem_size = 1ull << 62};
struct bothy_boot_info *boot_info = &bi;

void arch_relax(void)
{
}

void virtio_mmio_init(void)
{
}

void virtio_pci_init(void)
{
}

/* --- the device ------------------------------------------------------- */

struct fq {
	unsigned size, ready;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx;
	unsigned notifies;
};

static struct fake {
	uint8_t status;
	int refuse_features_ok;
	uint64_t features, driver_features;
	unsigned qmax;
	struct fq q[2];
	unsigned isr;
	uint8_t config[16];
} dev;

static struct virtio_dev vdev;

static uint8_t f_get_status(struct virtio_dev *v)
{
	(void)v;
	return dev.status;
}

static void f_set_status(struct virtio_dev *v, uint8_t s)
{
	(void)v;
	if ((s & VIRTIO_STATUS_FEATURES_OK) && dev.refuse_features_ok)
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	dev.status = s;
	if (!s)
		memset(dev.q, 0, sizeof(dev.q));
}

static uint64_t f_get_features(struct virtio_dev *v)
{
	(void)v;
	return dev.features;
}

static void f_set_features(struct virtio_dev *v, uint64_t f)
{
	(void)v;
	dev.driver_features = f;
}

static uint32_t f_config_read(struct virtio_dev *v, unsigned off, unsigned len)
{
	uint32_t x = 0;

	(void)v;
	if (off + len <= sizeof(dev.config))
		memcpy(&x, dev.config + off, len);
	return x;
}

static void f_config_write(struct virtio_dev *v, unsigned off, unsigned len, uint32_t val)
{
	(void)v, (void)off, (void)len, (void)val;
}

static uint32_t f_config_generation(struct virtio_dev *v)
{
	(void)v;
	return 0;
}

static unsigned f_queue_max(struct virtio_dev *v, unsigned q)
{
	(void)v;
	return q < 2 ? dev.qmax : 0;
}

static int f_queue_setup(struct virtio_dev *v, unsigned q, unsigned size, uint64_t d, uint64_t a,
                         uint64_t u)
{
	(void)v;
	CHECK(q < 2 && size && !(size & (size - 1)) && size <= dev.qmax);
	dev.q[q] = (struct fq){size, 1, d, a, u, 0, 0, 0};
	return 0;
}

static void f_notify(struct virtio_dev *v, unsigned q)
{
	(void)v;
	CHECK(dev.status & VIRTIO_STATUS_DRIVER_OK); /* 3.1.1: not before DRIVER_OK */
	dev.q[q].notifies++;
}

static unsigned f_irq_ack(struct virtio_dev *v)
{
	unsigned s = dev.isr;

	(void)v;
	dev.isr = 0;
	return s;
}

static const struct virtio_transport_ops fake_ops = {
    "fake",         f_get_status,  f_set_status,   f_get_features,
    f_set_features, f_config_read, f_config_write, f_config_generation,
    f_queue_max,    f_queue_setup, f_notify,       f_irq_ack,
};

static struct virtq_desc *q_desc(int q)
{
	return PHYS_TO_VIRT(dev.q[q].desc);
}

static struct virtq_avail *q_avail(int q)
{
	return PHYS_TO_VIRT(dev.q[q].avail);
}

static struct virtq_used *q_used(int q)
{
	return PHYS_TO_VIRT(dev.q[q].used);
}

/* The device's avail_event: after the used ring's entries (2.7.10). */
static uint16_t *avail_event(int q)
{
	return (uint16_t *)&q_used(q)->ring[dev.q[q].size];
}

/* The next available chain of queue q: its head, or -1 if none. */
static int dev_pop(int q)
{
	struct fq *f = &dev.q[q];

	if (q_avail(q)->idx == f->last_avail)
		return -1;
	return q_avail(q)->ring[f->last_avail++ % f->size];
}

/* The descriptors of the chain at head into d[] (at most max); count. */
static unsigned dev_chain(int q, unsigned head, struct virtq_desc *d, unsigned max)
{
	unsigned n = 0, i = head;

	for (;;) {
		CHECK(i < dev.q[q].size);
		if (n == max || i >= dev.q[q].size)
			return n;
		d[n] = q_desc(q)[i];
		if (!(d[n++].flags & VIRTQ_DESC_F_NEXT))
			return n;
		i = d[n - 1].next;
	}
}

/* Put a used element; the interrupt the driver asked for (2.7.10): with
 * EVENT_IDX when used_event is passed, else unless NO_INTERRUPT. */
static int dev_push(int q, unsigned id, unsigned len)
{
	struct fq *f = &dev.q[q];
	uint16_t old = f->used_idx, ev;

	q_used(q)->ring[f->used_idx % f->size] = (struct virtq_used_elem){id, len};
	q_used(q)->idx = ++f->used_idx;
	if (dev.driver_features & F(VIRTIO_F_RING_EVENT_IDX)) {
		ev = q_avail(q)->ring[f->size];
		return (uint16_t)(f->used_idx - ev - 1) < (uint16_t)(f->used_idx - old);
	}
	return !(q_avail(q)->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* --- what the driver hands the stack ------------------------------------ */

static void (*irq_fn)(void *);
static void *irq_arg;
static struct netdev *nd;
static struct netdev_rxbuf *rx_got[512];
static unsigned nrx, ntx_done, keep_rx;
static void *tx_cookies[512];

int arch_irq_request(const struct irq_source *src, void (*fn)(void *arg), void *arg)
{
	CHECK(src->kind == IRQ_VECTOR && src->num == BOTHY_VECTOR_VIRTIO);
	irq_fn = fn, irq_arg = arg;
	return (int)src->num;
}

static void stack_rx(struct netdev *d, struct netdev_rxbuf *b)
{
	CHECK(d == nd);
	if (nrx < 512)
		rx_got[nrx] = b;
	nrx++;
	if (!keep_rx)
		netdev_rx_done(d, b);
}

static void stack_tx_done(struct netdev *d, void *cookie)
{
	CHECK(d == nd);
	if (ntx_done < 512)
		tx_cookies[ntx_done] = cookie;
	ntx_done++;
}

/* Every device ever registered: drivers never free theirs, and this
 * keeps them reachable for LeakSanitizer. */
static struct netdev *registered[64];
static unsigned nregistered;

int netdev_register(struct netdev *d)
{
	CHECK(dev.status & VIRTIO_STATUS_DRIVER_OK);
	if (nregistered < 64)
		registered[nregistered++] = d;
	nd = d;
	d->rx = stack_rx;
	d->tx_done = stack_tx_done;
	return 0;
}

static void interrupt(void)
{
	dev.isr |= VIRTIO_INT_USED;
	irq_fn(irq_arg);
}

static uint16_t start_mtu; /* the MTU in the configuration (F_MTU) */

/* A fresh device offering `features`; 0 or the probe's error. */
static int start(uint64_t features, unsigned qmax)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 7};

	memset(&dev, 0, sizeof(dev));
	dev.features = features;
	dev.qmax = qmax;
	memcpy(dev.config, mac, 6);
	dev.config[6] = 1; /* link up */
	memcpy(dev.config + 10, &start_mtu, 2);
	vdev = (struct virtio_dev){.ops = &fake_ops, .device_id = VIRTIO_ID_NET};
	vdev.irq = (struct irq_source){IRQ_VECTOR, BOTHY_VECTOR_VIRTIO, 0};
	strcpy(vdev.name, "fake");
	nd = NULL, irq_fn = NULL, nrx = ntx_done = keep_rx = 0;
	return virtio_probe_device(&vdev);
}

#define ALL                                                                                        \
	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_EVENT_IDX) | F(NET_F_MAC) | F(NET_F_STATUS) |     \
	 F(NET_F_CSUM) | F(NET_F_GUEST_CSUM))

/* --- cases ----------------------------------------------------------- */

static void negotiation(void)
{
	CHECK_EQ(start(ALL | F(40) | F(VIRTIO_F_RING_INDIRECT_DESC), 256), 0);
	CHECK_EQ(dev.driver_features, ALL); /* nothing it did not ask for */
	CHECK_EQ(dev.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                         VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	CHECK(nd != NULL && irq_fn != NULL);
	CHECK(!memcmp(nd->mac, "\2\0\0\0\0\7", 6));
	CHECK_EQ(nd->features, NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM);
	CHECK_EQ(nd->link_up, 1);
	CHECK_EQ(nd->mtu, 1500);
	CHECK(dev.q[0].ready && dev.q[1].ready);

	/* A legacy-only device, or one refusing FEATURES_OK: FAILED. */
	CHECK_EQ(start(ALL & ~F(VIRTIO_F_VERSION_1), 256), -ENODEV);
	CHECK(dev.status & VIRTIO_STATUS_FAILED);
	CHECK(nd == NULL);
	memset(&dev, 0, sizeof(dev));
	dev.refuse_features_ok = 1;
	dev.features = ALL;
	dev.qmax = 256;
	vdev = (struct virtio_dev){.ops = &fake_ops, .device_id = VIRTIO_ID_NET};
	CHECK_EQ(virtio_probe_device(&vdev), -ENODEV);
	CHECK(dev.status & VIRTIO_STATUS_FAILED);
	CHECK(!(dev.status & VIRTIO_STATUS_DRIVER_OK));

	/* No MAC feature: a locally administered address; no CSUM: none. */
	CHECK_EQ(start(F(VIRTIO_F_VERSION_1), 64), 0);
	CHECK_EQ(nd->mac[0] & 3, 2);
	CHECK_EQ(nd->features, 0);
	CHECK_EQ(dev.q[0].size, 64);

	/* An unknown device type: no driver, device untouched. */
	memset(&dev, 0, sizeof(dev));
	vdev = (struct virtio_dev){.ops = &fake_ops, .device_id = 42};
	CHECK_EQ(virtio_probe_device(&vdev), -ENODEV);
	CHECK_EQ(dev.status, 0);
}

/* F_MTU: the device's MTU up to what 8 KiB buffers hold (8162), with
 * buffers sized to match; 1500 and 2 KiB buffers without it. */
static void mtu(void)
{
	static const struct {
		uint16_t offered, want;
		uint32_t buf;
	} c[] = {{8000, 8000, 8192}, {1400, 1400, 2048}, {60000, 8162, 8192}, {1500, 1500, 2048}};

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct virtq_desc d[2];
		int head;
		start_mtu = c[i].offered;
		CHECK_EQ(start(ALL | F(NET_F_MTU), 256), 0);
		start_mtu = 0;
		CHECK_EQ(nd->mtu, c[i].want);
		CHECK((head = dev_pop(0)) >= 0);
		if (head < 0)
			continue;
		CHECK_EQ(dev_chain(0, (unsigned)head, d, 2), 1);
		CHECK_EQ(d[0].len, c[i].buf);
	}
}

/* Receive n frames through the ring; each must reach the stack whole. */
static void receive(unsigned n, int event_idx)
{
	CHECK_EQ(start(ALL & ~(event_idx ? 0 : F(VIRTIO_F_RING_EVENT_IDX)), 256), 0);
	CHECK_EQ(q_avail(0)->idx, 128); /* the ring full of buffers */
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc d[4];
		int head = dev_pop(0);
		unsigned len = 60 + k % 1400;
		uint8_t *buf;

		CHECK(head >= 0);
		if (head < 0)
			return;
		CHECK_EQ(dev_chain(0, (unsigned)head, d, 4), 1);
		CHECK_EQ(d[0].flags, VIRTQ_DESC_F_WRITE);
		CHECK(d[0].len >= HDR + 1514);
		buf = PHYS_TO_VIRT(d[0].addr);
		memset(buf, 0, HDR);
		buf[0] = k & 1 ? 2 : 0; /* DATA_VALID on odd frames */
		for (unsigned i = 0; i < len; i++)
			buf[HDR + i] = (uint8_t)(k + i);
		nrx = 0;
		int want_irq = dev_push(0, (unsigned)head, HDR + len);
		CHECK(want_irq);
		interrupt();
		CHECK_EQ(nrx, 1);
		CHECK_EQ(rx_got[0]->len, len);
		CHECK(rx_got[0]->data == buf + HDR);
		CHECK_EQ(rx_got[0]->flags, k & 1 ? NETDEV_RX_CSUM_OK : 0);
		CHECK_EQ(((uint8_t *)rx_got[0]->data)[len - 1], (uint8_t)(k + len - 1));
		CHECK_EQ((uint16_t)(q_avail(0)->idx - dev.q[0].last_avail), 128); /* given back */
	}
}

static void receive_wraps(void)
{
	receive(70000, 1); /* past 2^16 indexes */
}

static void receive_no_event_idx(void)
{
	receive(1000, 0);
}

/* Frames the stack keeps are not reused; a batch in one interrupt. */
static void receive_batch_and_hold(void)
{
	int heads[10];

	CHECK_EQ(start(ALL, 256), 0);
	keep_rx = 1;
	for (int k = 0; k < 10; k++) {
		heads[k] = dev_pop(0);
		dev_push(0, (unsigned)heads[k], HDR + 60);
	}
	interrupt();
	CHECK_EQ(nrx, 10);
	CHECK_EQ(q_avail(0)->idx, 128); /* none given back yet */
	for (int k = 0; k < 10; k++)
		netdev_rx_done(nd, rx_got[k]);
	CHECK_EQ(q_avail(0)->idx, 138);
	/* runts and oversized lengths are dropped and requeued */
	nrx = 0;
	dev_push(0, (unsigned)dev_pop(0), HDR + 13);
	dev_push(0, (unsigned)dev_pop(0), 4096);
	interrupt();
	CHECK_EQ(nrx, 0);
	CHECK_EQ(q_avail(0)->idx, 140);
	/* a used id that is no chain of ours is refused, not followed */
	dev_push(0, 9999, 100);
	interrupt();
	CHECK_EQ(nrx, 0);
}

static void transmit(void)
{
	static uint8_t a[14], b[100], c[200];
	struct netdev_seg segs[3] = {{a, 14}, {b, 100}, {c, 200}};
	struct virtq_desc d[8];
	const struct virtio_net_hdr_view {
		uint8_t flags, gso_type;
		uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
	} * h;
	int head;

	CHECK_EQ(start(ALL, 256), 0);
	CHECK_EQ(nd->xmit(nd, segs, 3, 34, 16, (void *)0x1234), 0);
	head = dev_pop(1);
	CHECK(head >= 0);
	CHECK_EQ(dev_chain(1, (unsigned)head, d, 8), 4);
	CHECK_EQ(d[0].len, HDR);
	h = PHYS_TO_VIRT(d[0].addr);
	CHECK_EQ(h->flags, 1); /* NEEDS_CSUM */
	CHECK_EQ(h->csum_start, 34);
	CHECK_EQ(h->csum_offset, 16);
	CHECK_EQ(h->gso_type, 0);
	for (int i = 0; i < 3; i++) {
		CHECK(PHYS_TO_VIRT(d[i + 1].addr) == segs[i].addr);
		CHECK_EQ(d[i + 1].len, segs[i].len);
		CHECK(!(d[i + 1].flags & VIRTQ_DESC_F_WRITE));
	}
	CHECK_EQ(dev.q[1].notifies, 1); /* avail_event 0: the first one notifies */
	CHECK(dev_push(1, (unsigned)head, 0));
	interrupt();
	CHECK_EQ(ntx_done, 1);
	CHECK(tx_cookies[0] == (void *)0x1234);

	/* Without csum_start: no NEEDS_CSUM. Device does not want a kick. */
	*avail_event(1) = (uint16_t)(dev.q[1].last_avail + 100);
	CHECK_EQ(nd->xmit(nd, segs, 2, 0, 0, (void *)0x5678), 0);
	CHECK_EQ(dev.q[1].notifies, 1);
	head = dev_pop(1);
	CHECK_EQ(dev_chain(1, (unsigned)head, d, 8), 3);
	h = PHYS_TO_VIRT(d[0].addr);
	CHECK_EQ(h->flags, 0);
	/* avail_event at the next index: a kick. */
	*avail_event(1) = dev.q[1].last_avail;
	CHECK_EQ(nd->xmit(nd, segs, 1, 0, 0, (void *)0x9abc), 0);
	CHECK_EQ(dev.q[1].notifies, 2);

	/* Bad frames. */
	CHECK_EQ(nd->xmit(nd, segs, 0, 0, 0, NULL), -EINVAL);
	CHECK_EQ(nd->xmit(nd, segs, 65, 0, 0, NULL), -EINVAL);
	struct netdev_seg big = {malloc(1600), 1600}, tiny = {a, 10}, zero[2] = {{a, 14}, {b, 0}};
	CHECK_EQ(nd->xmit(nd, &big, 1, 0, 0, NULL), -EINVAL);
	CHECK_EQ(nd->xmit(nd, &tiny, 1, 0, 0, NULL), -EINVAL);
	CHECK_EQ(nd->xmit(nd, zero, 2, 0, 0, NULL), -EINVAL);
	CHECK_EQ(nd->xmit(nd, segs, 3, 300, 16, NULL), -EINVAL); /* checksum past the end */
	free((void *)big.addr);
}

/* A full ring: -EAGAIN; the device finishing one frees room again. */
static void transmit_full(void)
{
	static uint8_t a[60];
	struct netdev_seg seg = {a, 60};
	unsigned sent = 0;
	int head, r;

	CHECK_EQ(start(ALL, 256), 0);
	while ((r = nd->xmit(nd, &seg, 1, 0, 0, a)) == 0)
		sent++;
	CHECK_EQ(r, -EAGAIN);
	CHECK_EQ(sent, 128); /* two descriptors each */
	head = dev_pop(1);
	dev_push(1, (unsigned)head, 0);
	CHECK_EQ(nd->xmit(nd, &seg, 1, 0, 0, a), 0); /* reclaimed in xmit */
	CHECK_EQ(ntx_done, 1);
	CHECK_EQ(nd->xmit(nd, &seg, 1, 0, 0, a), -EAGAIN);
	/* The stack now waits for tx_done: the next completion must
	 * interrupt, although xmit took an entry since the last interrupt. */
	head = dev_pop(1);
	CHECK_EQ(dev_push(1, (unsigned)head, 0), 1);
	while ((head = dev_pop(1)) >= 0)
		dev_push(1, (unsigned)head, 0);
	interrupt();
	CHECK_EQ(ntx_done, 129);
	for (unsigned i = 0; i < 300; i++) { /* and round the ring again */
		CHECK_EQ(nd->xmit(nd, &seg, 1, 0, 0, a), 0);
		head = dev_pop(1);
		dev_push(1, (unsigned)head, 0);
		interrupt();
	}
	CHECK_EQ(ntx_done, 429);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(negotiation);
	TEST_RUN(mtu);
	TEST_RUN(receive_wraps);
	TEST_RUN(receive_no_event_idx);
	TEST_RUN(receive_batch_and_hold);
	TEST_RUN(transmit);
	TEST_RUN(transmit_full);
	return test_summary("virtio_driver");
}
