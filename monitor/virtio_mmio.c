/*
 * The virtio-mmio transport (virtio 1.2 section 4.2.2, version 2 only) and
 * the split virtqueue (section 2.7) for the monitor's device models. See
 * virtio_mmio.h for the threads and the locking.
 *
 * Every guest address is checked through gpa_ptr() before it is touched:
 * the three ring areas on every virtq_pop(), each descriptor's buffer as
 * the chain is walked. Walks are bounded by the queue size, so a
 * descriptor loop ends as "a chain longer than the queue".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "virtio_mmio.h"

/* Register offsets (section 4.2.2, table "MMIO Device Register Layout"). */
enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_SHM_LEN_LOW = 0x0b0,
	REG_SHM_LEN_HIGH = 0x0b4,
	REG_SHM_BASE_LOW = 0x0b8,
	REG_SHM_BASE_HIGH = 0x0bc,
	REG_CONFIG_GENERATION = 0x0fc,
	REG_CONFIG = 0x100,
};

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_VENDOR     0x59485442u /* "BTHY" */

/* Split virtqueue layout (section 2.7). */
#define VIRTQ_DESC_F_NEXT          1
#define VIRTQ_DESC_F_WRITE         2
#define VIRTQ_DESC_F_INDIRECT      4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* num entries, then avail_event */
};

#define MSI_ADDRESS     0xfee00000u /* destination APIC ID 0 */
#define VIRTIO_GSI_BASE 24          /* above the IOAPIC's pins */

static int has_feature(const struct virtio_dev *d, unsigned bit)
{
	return (d->guest_features >> bit) & 1;
}

void virtio_raise(struct virtio_dev *d, uint32_t isr)
{
	struct kvm_msi msi = {.address_lo = MSI_ADDRESS, .data = BOTHY_VECTOR_VIRTIO + d->index};
	uint64_t one = 1;

	__atomic_fetch_or(&d->isr, isr, __ATOMIC_SEQ_CST);
	d->interrupts++;
	if (d->irqfd >= 0) {
		if (write(d->irqfd, &one, sizeof(one)) == sizeof(one))
			return;
	}
	if (ioctl(d->vm->fd, KVM_SIGNAL_MSI, &msi) < 0 && d->vm->log_level >= BOTHY_LOG_DEBUG)
		fprintf(stderr, "bothy: virtio %u: KVM_SIGNAL_MSI: %s\n", d->index,
		        strerror(errno));
}

void virtio_dev_fail(struct virtio_dev *d, const char *why)
{
	if (d->broken)
		return;
	d->broken = 1;
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	fprintf(stderr, "bothy: virtio device %u: %s: device needs reset\n", d->index, why);
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_raise(d, VIRTIO_ISR_CONFIG);
}

static int power_of_2(uint32_t n)
{
	return n && !(n & (n - 1));
}

/* The three ring areas of q, checked; 0 or -EINVAL (the device fails). */
static int virtq_rings(struct virtio_dev *d, struct virtq *vq, struct virtq_desc **desc,
                       struct virtq_avail **avail, struct virtq_used **used)
{
	uint64_t n = vq->num;

	if (!power_of_2(vq->num) || vq->num > VIRTQ_SIZE_MAX) {
		virtio_dev_fail(d, "queue size is not a power of 2 up to QueueNumMax");
		return -EINVAL;
	}
	if ((vq->desc & 15) || (vq->driver & 1) || (vq->device & 3)) {
		virtio_dev_fail(d, "misaligned virtqueue");
		return -EINVAL;
	}
	*desc = gpa_ptr(d->vm, vq->desc, 16 * n);
	*avail = gpa_ptr(d->vm, vq->driver, 6 + 2 * n);
	*used = gpa_ptr(d->vm, vq->device, 6 + 8 * n);
	if (!*desc || !*avail || !*used) {
		virtio_dev_fail(d, "virtqueue outside guest RAM");
		return -EINVAL;
	}
	return 0;
}

int virtq_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c)
{
	struct virtq *vq = &d->vq[q < VIRTIO_QUEUES ? q : 0];
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t idx, i;
	unsigned count = 0;
	int writable = 0;

	if (q >= d->nqueues || !vq->ready || d->broken || !(d->status & VIRTIO_STATUS_DRIVER_OK))
		return 0;
	if (virtq_rings(d, vq, &desc, &avail, &used))
		return -EINVAL;
	idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
	if (idx == vq->last_avail)
		return 0;
	if ((uint16_t)(idx - vq->last_avail) > vq->num) {
		virtio_dev_fail(d, "available index ran ahead of the queue size");
		return -EINVAL;
	}
	i = avail->ring[vq->last_avail & (vq->num - 1)];
	c->head = i;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		struct virtq_desc dd;
		void *p;
		if (i >= vq->num) {
			virtio_dev_fail(d, "descriptor index out of range");
			return -EINVAL;
		}
		if (count >= vq->num) {
			virtio_dev_fail(d, "descriptor chain longer than the queue (a loop?)");
			return -EINVAL;
		}
		dd = desc[i];
		if (dd.flags & VIRTQ_DESC_F_INDIRECT) {
			virtio_dev_fail(d, "indirect descriptor (not negotiated)");
			return -EINVAL;
		}
		if (dd.len == 0) {
			virtio_dev_fail(d, "zero-length descriptor");
			return -EINVAL;
		}
		if (!(p = gpa_ptr(d->vm, dd.addr, dd.len))) {
			virtio_dev_fail(d, "descriptor buffer outside guest RAM");
			return -EINVAL;
		}
		if (dd.flags & VIRTQ_DESC_F_WRITE) {
			writable = 1;
			c->nin++;
			c->in_len += dd.len;
		} else if (writable) {
			virtio_dev_fail(d, "readable descriptor after a writable one");
			return -EINVAL;
		} else {
			c->nout++;
			c->out_len += dd.len;
		}
		c->iov[count].iov_base = p;
		c->iov[count].iov_len = dd.len;
		count++;
		if (!(dd.flags & VIRTQ_DESC_F_NEXT))
			break;
		i = dd.next;
	}
	vq->last_avail++;
	return 1;
}

void virtq_push(struct virtio_dev *d, unsigned q, uint16_t head, uint32_t len)
{
	struct virtq *vq = &d->vq[q < VIRTIO_QUEUES ? q : 0];
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;

	if (q >= d->nqueues || !vq->ready || d->broken || virtq_rings(d, vq, &desc, &avail, &used))
		return;
	used->ring[vq->used_idx & (vq->num - 1)] = (struct virtq_used_elem){head, len};
	vq->used_idx++;
	__atomic_store_n(&used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

int virtq_interrupt(struct virtio_dev *d, unsigned q)
{
	struct virtq *vq = &d->vq[q < VIRTIO_QUEUES ? q : 0];
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t old = vq->signalled_used, event;
	int valid = vq->signalled_valid;

	if (q >= d->nqueues || !vq->ready || d->broken || virtq_rings(d, vq, &desc, &avail, &used))
		return 0;
	/* The used idx store must be visible before the driver's word is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (has_feature(d, VIRTIO_F_EVENT_IDX)) {
		vq->signalled_used = vq->used_idx;
		vq->signalled_valid = 1;
		event = __atomic_load_n(&avail->ring[vq->num], __ATOMIC_ACQUIRE);
		/* section 2.7.10: interrupt when used idx passes used_event */
		if (valid && (uint16_t)(vq->used_idx - event - 1) >= (uint16_t)(vq->used_idx - old))
			return 0;
	} else if (__atomic_load_n(&avail->flags, __ATOMIC_ACQUIRE) & VIRTQ_AVAIL_F_NO_INTERRUPT) {
		return 0;
	}
	virtio_raise(d, VIRTIO_ISR_USED);
	return 1;
}

int virtq_enable_notify(struct virtio_dev *d, unsigned q)
{
	struct virtq *vq = &d->vq[q < VIRTIO_QUEUES ? q : 0];
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;

	if (q >= d->nqueues || !vq->ready || d->broken || virtq_rings(d, vq, &desc, &avail, &used))
		return 0;
	if (has_feature(d, VIRTIO_F_EVENT_IDX))
		__atomic_store_n((uint16_t *)&used->ring[vq->num], vq->last_avail,
		                 __ATOMIC_RELEASE);
	else
		__atomic_store_n(&used->flags, 0, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail;
}

size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, m;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		m = l - skip < len - done ? l - skip : len - done;
		memcpy((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + skip, m);
		done += m;
		skip = 0;
	}
	return done;
}

size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, m;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		m = l - skip < len - done ? l - skip : len - done;
		memcpy((uint8_t *)iov[i].iov_base + skip, (const uint8_t *)buf + done, m);
		done += m;
		skip = 0;
	}
	return done;
}

/* Status 0: back to the state after power-on (section 2.4). */
static void dev_reset(struct virtio_dev *d)
{
	d->status = 0;
	d->isr = 0;
	d->guest_features = 0;
	d->host_features_sel = d->guest_features_sel = 0;
	d->queue_sel = 0;
	d->broken = 0;
	for (unsigned q = 0; q < d->nqueues; q++) {
		struct virtq *vq = &d->vq[q < VIRTIO_QUEUES ? q : 0];
		vq->num = VIRTQ_SIZE_MAX;
		vq->ready = 0;
		vq->desc = vq->driver = vq->device = 0;
		vq->last_avail = vq->used_idx = vq->signalled_used = 0;
		vq->signalled_valid = 0;
	}
	if (d->ops && d->ops->reset)
		d->ops->reset(d);
}

static void status_write(struct virtio_dev *d, uint32_t v)
{
	if (v == 0) {
		dev_reset(d);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* Refuse features we did not offer, and legacy drivers. */
		if ((d->guest_features & ~d->host_features) || !has_feature(d, VIRTIO_F_VERSION_1))
			v &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	if (d->broken)
		v |= VIRTIO_STATUS_NEEDS_RESET;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(d->status & VIRTIO_STATUS_DRIVER_OK)) {
		d->status = v;
		if (d->ops && d->ops->driver_ok)
			d->ops->driver_ok(d);
		return;
	}
	d->status = v;
}

static void queue_ready_write(struct virtio_dev *d, struct virtq *vq, uint32_t v)
{
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;

	if (!v) {
		vq->ready = 0;
		return;
	}
	if (vq->ready)
		return;
	vq->ready = 1;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = 0;
	if (virtq_rings(d, vq, &desc, &avail, &used))
		vq->ready = 0;
}

static void set_low(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}
static void set_high(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static uint32_t reg_read(struct virtio_dev *d, uint64_t off)
{
	struct virtq *vq = d->queue_sel < d->nqueues ? &d->vq[d->queue_sel] : NULL;

	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return 2;
	case REG_DEVICE_ID:
		return d->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return d->host_features_sel < 2
		           ? (uint32_t)(d->host_features >> (32 * d->host_features_sel))
		           : 0;
	case REG_QUEUE_NUM_MAX:
		return vq ? VIRTQ_SIZE_MAX : 0;
	case REG_QUEUE_READY:
		return vq ? vq->ready : 0;
	case REG_INTERRUPT_STATUS:
		return __atomic_load_n(&d->isr, __ATOMIC_SEQ_CST);
	case REG_STATUS:
		return d->status;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
		return ~0u; /* no shared memory regions */
	case REG_CONFIG_GENERATION:
		return d->config_generation;
	default:
		return 0; /* write-only or reserved */
	}
}

static void reg_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	struct virtq *vq = d->queue_sel < d->nqueues ? &d->vq[d->queue_sel] : NULL;
	uint64_t one = 1;

	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		d->host_features_sel = v;
		return;
	case REG_DRIVER_FEATURES:
		if (d->guest_features_sel < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
			if (d->guest_features_sel)
				set_high(&d->guest_features, v);
			else
				set_low(&d->guest_features, v);
		}
		return;
	case REG_DRIVER_FEATURES_SEL:
		d->guest_features_sel = v;
		return;
	case REG_QUEUE_SEL:
		d->queue_sel = v;
		return;
	case REG_QUEUE_NOTIFY:
		/* Reached only when KVM's ioeventfd did not catch it. */
		if (v < d->nqueues && write(d->vq[v].kick, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "bothy: virtio %u: cannot kick queue %u\n", d->index, v);
		return;
	case REG_INTERRUPT_ACK:
		__atomic_fetch_and(&d->isr, ~v, __ATOMIC_SEQ_CST);
		return;
	case REG_STATUS:
		status_write(d, v);
		return;
	}
	if (!vq || vq->ready)
		return; /* the queue registers below only change while not ready */
	switch (off) {
	case REG_QUEUE_NUM:
		vq->num = v;
		break;
	case REG_QUEUE_DESC_LOW:
		set_low(&vq->desc, v);
		break;
	case REG_QUEUE_DESC_HIGH:
		set_high(&vq->desc, v);
		break;
	case REG_QUEUE_DRIVER_LOW:
		set_low(&vq->driver, v);
		break;
	case REG_QUEUE_DRIVER_HIGH:
		set_high(&vq->driver, v);
		break;
	case REG_QUEUE_DEVICE_LOW:
		set_low(&vq->device, v);
		break;
	case REG_QUEUE_DEVICE_HIGH:
		set_high(&vq->device, v);
		break;
	}
}

void virtio_mmio_access(struct virtio_dev *d, uint64_t off, uint8_t *data, unsigned len,
                        int is_write)
{
	uint32_t v = 0;

	pthread_mutex_lock(&d->lock);
	if (off >= REG_CONFIG) {
		uint64_t c = off - REG_CONFIG;
		if (is_write) {
			/* virtio-net's config space is read-only */
		} else {
			memset(data, 0, len);
			for (unsigned i = 0; i < len; i++)
				if (c + i < d->config_len)
					data[i] = d->config[c + i];
		}
	} else if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len);
	} else if (off == REG_QUEUE_READY && is_write) {
		memcpy(&v, data, 4);
		if (d->queue_sel < d->nqueues)
			queue_ready_write(d, &d->vq[d->queue_sel], v);
	} else if (is_write) {
		memcpy(&v, data, 4);
		reg_write(d, off, v);
	} else {
		v = reg_read(d, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&d->lock);
}

int virtio_mmio_exit(struct vm *vm, uint64_t gpa, uint8_t *data, unsigned len, int is_write)
{
	uint64_t n;

	if (gpa < BOTHY_GPA_VIRTIO || len == 0 || len > 8)
		return 0;
	n = (gpa - BOTHY_GPA_VIRTIO) / BOTHY_VIRTIO_STRIDE;
	if (n >= vm->nvirtio || !vm->virtio[n])
		return 0;
	virtio_mmio_access(vm->virtio[n], gpa - BOTHY_GPA_VIRTIO - n * BOTHY_VIRTIO_STRIDE, data,
	                   len, is_write);
	return 1;
}

/* The MSI routes of every device so far (KVM_SET_GSI_ROUTING replaces
 * the whole table); 0 or -errno. */
static int route_msi(struct vm *vm, unsigned index)
{
	static struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[BOTHY_VIRTIO_MAX];
	} table;
	static unsigned routed;

	if (index >= BOTHY_VIRTIO_MAX)
		return -EINVAL;
	for (unsigned i = routed; i <= index; i++)
		table.e[i] = (struct kvm_irq_routing_entry){
		    .gsi = VIRTIO_GSI_BASE + i,
		    .type = KVM_IRQ_ROUTING_MSI,
		    .u.msi = {.address_lo = MSI_ADDRESS, .data = BOTHY_VECTOR_VIRTIO + i}};
	if (index + 1 > routed)
		routed = index + 1;
	table.r.nr = routed;
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &table) < 0 ? -errno : 0;
}

int virtio_dev_init(struct virtio_dev *d, struct vm *vm, unsigned index, uint32_t device_id,
                    unsigned nqueues, int use_kvm)
{
	uint64_t notify = BOTHY_GPA_VIRTIO + index * BOTHY_VIRTIO_STRIDE + REG_QUEUE_NOTIFY;
	int debug = vm->log_level >= BOTHY_LOG_DEBUG;

	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->index = index;
	d->device_id = device_id;
	d->nqueues = nqueues > VIRTIO_QUEUES ? VIRTIO_QUEUES : nqueues;
	d->irqfd = -1;
	pthread_mutex_init(&d->lock, NULL);
	for (unsigned q = 0; q < d->nqueues; q++) {
		d->vq[q].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->vq[q].kick < 0)
			return -errno;
	}
	dev_reset(d);
	if (!use_kvm)
		return 0;
	for (unsigned q = 0; q < d->nqueues; q++) {
		struct kvm_ioeventfd io = {.datamatch = q,
		                           .addr = notify,
		                           .len = 4,
		                           .fd = d->vq[q].kick,
		                           .flags = KVM_IOEVENTFD_FLAG_DATAMATCH};
		if (ioctl(vm->fd, KVM_IOEVENTFD, &io) == 0)
			d->vq[q].ioeventfd = 1;
		else if (debug)
			fprintf(stderr, "bothy: virtio %u: no ioeventfd (%s): notifications exit\n",
			        index, strerror(errno));
	}
	if (route_msi(vm, index) == 0) {
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		struct kvm_irqfd irq = {.fd = (uint32_t)efd, .gsi = VIRTIO_GSI_BASE + index};
		if (efd >= 0 && ioctl(vm->fd, KVM_IRQFD, &irq) == 0) {
			d->irqfd = efd;
		} else {
			if (debug)
				fprintf(stderr, "bothy: virtio %u: no irqfd: KVM_SIGNAL_MSI\n",
				        index);
			if (efd >= 0)
				close(efd);
		}
	}
	return 0;
}

void virtio_dev_destroy(struct virtio_dev *d)
{
	for (unsigned q = 0; q < d->nqueues; q++)
		if (d->vq[q].kick >= 0)
			close(d->vq[q].kick);
	if (d->irqfd >= 0)
		close(d->irqfd);
	pthread_mutex_destroy(&d->lock);
}
