/*
 * The virtio core (virtio.h): the device initialization of virtio 1.2
 * section 3.1.1 and split virtqueues (2.7), over any transport.
 */
#include <arch.h>
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <virtio.h>

/* A full barrier: orders our ring stores before our loads of the device's
 * flags and indexes (2.7.13.3.1, 2.7.7.2). `lock add` rather than mfence,
 * which the kernel does not rely on (SSE2; see docs/pvm.md). */
static inline void virtio_mb(void)
{
	asm volatile("lock addl $0, (%%rsp)" ::: "memory", "cc");
}

/* The compiler barrier enough on x86 (TSO) between stores to the ring and
 * the store of the index that publishes them, and between the load of an
 * index and the loads of the entries it covers. */
#define virtio_wmb() asm volatile("" ::: "memory")
#define virtio_rmb() asm volatile("" ::: "memory")

static inline uint16_t load16(const volatile uint16_t *p)
{
	return *p;
}

static inline void store16(volatile uint16_t *p, uint16_t v)
{
	*p = v;
}

void virtio_fail(struct virtio_dev *v)
{
	v->ops->set_status(v, v->ops->get_status(v) | VIRTIO_STATUS_FAILED);
}

void virtio_driver_ok(struct virtio_dev *v)
{
	v->ops->set_status(v, v->ops->get_status(v) | VIRTIO_STATUS_DRIVER_OK);
}

int virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
	const struct virtio_transport_ops *ops = v->ops;
	uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	uint64_t dev;

	ops->set_status(v, 0); /* reset; 4.2.3.1: wait until it reads back 0 */
	for (int i = 0; i < 1000 && ops->get_status(v); i++)
		arch_relax();
	ops->set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
	ops->set_status(v, s);
	dev = ops->get_features(v);
	if (!((dev >> VIRTIO_F_VERSION_1) & 1)) {
		printk("bothy: %s: no VIRTIO_F_VERSION_1 (a legacy device): ignored\n", v->name);
		virtio_fail(v);
		return -ENODEV;
	}
	wanted |= 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_RING_EVENT_IDX;
	v->features = dev & wanted;
	ops->set_features(v, v->features);
	s |= VIRTIO_STATUS_FEATURES_OK;
	ops->set_status(v, s);
	if (!(ops->get_status(v) & VIRTIO_STATUS_FEATURES_OK)) {
		printk("bothy: %s: the device refused features %lx\n", v->name,
		       (unsigned long)v->features);
		virtio_fail(v);
		return -ENODEV;
	}
	return 0;
}

int virtq_create(struct virtio_dev *v, struct virtq *q, unsigned index, unsigned max)
{
	unsigned dmax = v->ops->queue_max(v, index), size = 1;
	uint64_t desc, avail, used;
	int r;

	memset(q, 0, sizeof(*q));
	if (!dmax)
		return -ENOENT;
	max = MIN(MIN(max, dmax), 256u); /* the descriptor table fits one page */
	while (size * 2 <= max)
		size *= 2;
	desc = page_alloc();
	avail = page_alloc();
	used = page_alloc();
	q->cookie = kmalloc(size * sizeof(void *));
	if (!desc || !avail || !used || !q->cookie) {
		r = -ENOMEM;
		goto fail;
	}
	q->dev = v;
	q->index = index;
	q->size = (uint16_t)size;
	q->nfree = (uint16_t)size;
	q->desc = PHYS_TO_VIRT(desc);
	q->avail = PHYS_TO_VIRT(avail);
	q->used = PHYS_TO_VIRT(used);
	q->event_idx = virtio_has(v, VIRTIO_F_RING_EVENT_IDX);
	for (unsigned i = 0; i + 1 < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	r = v->ops->queue_setup(v, index, size, desc, avail, used);
	if (!r)
		return 0;
fail:
	if (desc)
		page_free(desc);
	if (avail)
		page_free(avail);
	if (used)
		page_free(used);
	kfree(q->cookie);
	memset(q, 0, sizeof(*q));
	return r;
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie)
{
	uint16_t head = q->free_head, i = head;

	if (!n || !cookie)
		return -EINVAL;
	for (unsigned k = 1; k < n; k++)
		if (segs[k - 1].device_writes && !segs[k].device_writes)
			return -EINVAL;
	if (n > q->nfree)
		return -ENOSPC;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];
		d->addr = segs[k].pa;
		d->len = segs[k].len;
		d->flags = (uint16_t)((segs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
		                      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = d->next;
	}
	q->free_head = i;
	q->nfree = (uint16_t)(q->nfree - n);
	q->cookie[head] = cookie;
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	virtio_wmb();
	q->avail_idx++;
	store16(&q->avail->idx, q->avail_idx);
	return 0;
}

void virtq_kick(struct virtq *q)
{
	uint16_t old = q->kicked_idx, now = q->avail_idx;
	int notify;

	if (old == now)
		return;
	virtio_mb(); /* the new idx is visible before we read the device's wishes */
	if (q->event_idx) {
		uint16_t ev = load16((volatile uint16_t *)&q->used->ring[q->size]);
		notify =
		    (uint16_t)(now - ev - 1) < (uint16_t)(now - old); /* 2.7.10 vring_need_event */
	} else
		notify = !(load16(&q->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
	q->kicked_idx = now;
	if (notify)
		q->dev->ops->notify(q->dev, q->index);
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
	struct virtq_used_elem e;
	uint16_t i, n = 1;
	void *cookie;

	if (load16(&q->used->idx) == q->last_used)
		return NULL;
	virtio_rmb();
	e = q->used->ring[q->last_used & (q->size - 1)];
	q->last_used++;
	if (q->event_idx) /* interrupt again for the next one */
		store16(&q->avail->ring[q->size], q->last_used);
	if (e.id >= q->size || !(cookie = q->cookie[e.id])) {
		printk("bothy: %s: queue %u: the device used descriptor %u, not ours\n",
		       q->dev->name, q->index, e.id);
		return NULL;
	}
	q->cookie[e.id] = NULL;
	for (i = (uint16_t)e.id; q->desc[i].flags & VIRTQ_DESC_F_NEXT; i = q->desc[i].next)
		n++;
	q->desc[i].next = q->free_head;
	q->free_head = (uint16_t)e.id;
	q->nfree = (uint16_t)(q->nfree + n);
	*len = e.len;
	return cookie;
}

void virtq_disable_cb(struct virtq *q)
{
	if (q->event_idx) /* an index far behind: no interrupt for a long while */
		store16(&q->avail->ring[q->size], (uint16_t)(q->last_used - 0x8000));
	else
		store16(&q->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

int virtq_enable_cb(struct virtq *q)
{
	if (q->event_idx)
		store16(&q->avail->ring[q->size], q->last_used);
	else
		store16(&q->avail->flags, 0);
	virtio_mb(); /* the wish is visible before we look at the ring again */
	return load16(&q->used->idx) != q->last_used;
}

int virtio_probe_device(struct virtio_dev *v)
{
	switch (v->device_id) {
	case VIRTIO_ID_NET:
		return virtio_net_probe(v);
	default:
		if (log_level >= BOTHY_LOG_DEBUG)
			printk("bothy: %s: virtio device type %u: no driver\n", v->name,
			       v->device_id);
		return -ENODEV;
	}
}

void virtio_init(void)
{
	virtio_mmio_init();
	virtio_pci_init();
}
