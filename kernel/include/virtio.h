/*
 * Virtio 1.x (OASIS virtio 1.2, cs01): the device handshake, feature
 * negotiation and split virtqueues (kernel/drivers/virtio.c), over a
 * transport (virtio_mmio.c, virtio_pci.c) that drivers (virtio_net.c) do
 * not see.
 *
 * Memory the device reads or writes (rings, buffers) is named to it by
 * physical address: kernel memory from page_alloc() or kmalloc(), seen at
 * PHYS_TO_VIRT(pa). Everything runs under the kernel lock; interrupt
 * handlers run as irq.h says. Register accesses are VM exits (5-17 us
 * each under PVM): the hot paths (virtq_add, virtq_kick, virtq_get) touch
 * registers only for a notification the device asked for, and the
 * interrupt handler reads and acknowledges the interrupt status once.
 */
#ifndef BOTHY_VIRTIO_H
#define BOTHY_VIRTIO_H
#include <irq.h>
#include <kernel.h>

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED      128u

/* Device-independent feature bits (6). */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32
#define VIRTIO_F_ACCESS_PLATFORM    33

/* Device IDs (5). */
#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_VSOCK 19

/* Interrupt status bits (4.2.2 InterruptStatus, 4.1.4.5 ISR). */
#define VIRTIO_INT_USED   1u /* a used ring was updated */
#define VIRTIO_INT_CONFIG 2u /* the configuration changed */

struct virtio_dev;

/*
 * A transport: how to reach one device's registers. Every op is one or a
 * few register accesses; none sleeps.
 */
struct virtio_transport_ops {
	const char *name; /* "mmio", "pci" */
	uint8_t (*get_status)(struct virtio_dev *v);
	void (*set_status)(struct virtio_dev *v, uint8_t status); /* 0 resets */
	uint64_t (*get_features)(struct virtio_dev *v);           /* the device's 64 bits */
	void (*set_features)(struct virtio_dev *v, uint64_t f);   /* the driver's */
	/* read/write device configuration bytes [off, off+len), len 1, 2, 4 */
	uint32_t (*config_read)(struct virtio_dev *v, unsigned off, unsigned len);
	void (*config_write)(struct virtio_dev *v, unsigned off, unsigned len, uint32_t val);
	/* generation counter of the configuration (4.2.2 ConfigGeneration) */
	uint32_t (*config_generation)(struct virtio_dev *v);
	/* queue_max - the largest size queue q accepts, 0 if it does not exist */
	unsigned (*queue_max)(struct virtio_dev *v, unsigned q);
	/* queue_setup - give queue q its size and ring addresses and enable
	 * it. 0 or -errno. */
	int (*queue_setup)(struct virtio_dev *v, unsigned q, unsigned size, uint64_t desc_pa,
	                   uint64_t avail_pa, uint64_t used_pa);
	/* notify - tell the device queue q has new available buffers */
	void (*notify)(struct virtio_dev *v, unsigned q);
	/* irq_ack - read and acknowledge the interrupt status (VIRTIO_INT_*) */
	unsigned (*irq_ack)(struct virtio_dev *v);
};

/* One device, as a transport found it. */
struct virtio_dev {
	const struct virtio_transport_ops *ops;
	void *transport;    /* the transport's own */
	uint32_t device_id; /* VIRTIO_ID_* */
	uint32_t vendor_id;
	uint64_t features;     /* negotiated, after virtio_negotiate() */
	struct irq_source irq; /* its interrupt */
	char name[24];         /* for messages: "virtio-mmio@feb00e00" */
	void *driver;          /* the driver's own */
};

/* Split virtqueue layout (2.7). */
#define VIRTQ_DESC_F_NEXT          1u
#define VIRTQ_DESC_F_WRITE         2u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY     1u

struct virtq_desc {
	uint64_t addr; /* physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then used_event */
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain */
	uint32_t len; /* bytes the device wrote */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* then avail_event */
};

/* One segment of a buffer chain: physical address, length, and whether
 * the device writes it (else reads it). */
struct virtq_seg {
	uint64_t pa;
	uint32_t len;
	int device_writes;
};

struct virtq {
	struct virtio_dev *dev;
	unsigned index;
	uint16_t size;  /* entries, a power of 2 */
	uint16_t nfree; /* free descriptors */
	uint16_t free_head;
	uint16_t avail_idx;  /* our next avail slot (free running) */
	uint16_t last_used;  /* the next used entry to take (free running) */
	uint16_t kicked_idx; /* avail_idx when the device was last notified */
	int event_idx;       /* VIRTIO_F_RING_EVENT_IDX negotiated */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	void **cookie; /* per head descriptor: what virtq_get returns */
};

/*
 * virtio_negotiate - the driver-side initialization of 3.1.1 up to
 * FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, read the device's features,
 * accept (device & wanted) plus VIRTIO_F_VERSION_1 (required: a device
 * without it is refused) and VIRTIO_F_RING_EVENT_IDX if offered, set
 * FEATURES_OK and check the device kept it. v->features is the result.
 * 0, -ENODEV (no VERSION_1, or FEATURES_OK refused: the device is left
 * FAILED).
 */
int virtio_negotiate(struct virtio_dev *v, uint64_t wanted);
/* virtio_has - was feature bit `bit` negotiated? */
/* virtio_cfg_read / virtio_cfg_write - one access of `len` bytes (1, 2
 * or 4; the field's own width, virtio 1.2 section 2.5.1) to device
 * configuration space at p, which the transport has bounds-checked. */
static inline uint32_t virtio_cfg_read(volatile uint8_t *p, unsigned len)
{
	if (len == 1)
		return *p;
	if (len == 2)
		return *(volatile uint16_t *)p;
	return *(volatile uint32_t *)p;
}

static inline void virtio_cfg_write(volatile uint8_t *p, unsigned len, uint32_t val)
{
	if (len == 1)
		*p = (uint8_t)val;
	else if (len == 2)
		*(volatile uint16_t *)p = (uint16_t)val;
	else
		*(volatile uint32_t *)p = val;
}

static inline int virtio_has(const struct virtio_dev *v, unsigned bit)
{
	return (v->features >> bit) & 1;
}
/* virtio_driver_ok - set DRIVER_OK: the device is live (3.1.1 step 8).
 * virtio_fail - set FAILED (a driver error, 3.1.1 step 7). */
void virtio_driver_ok(struct virtio_dev *v);
void virtio_fail(struct virtio_dev *v);

/*
 * virtq_create - set up queue `index` with at most `max` entries (and at
 * most what the device offers; a power of 2), rings from page_alloc, and
 * enable it. Call between virtio_negotiate() and virtio_driver_ok().
 * 0, -ENOENT (no such queue), -ENOMEM, or the transport's error.
 */
int virtq_create(struct virtio_dev *v, struct virtq *q, unsigned index, unsigned max);
/*
 * virtq_add - make the chain segs[0..n) (device-readable segments first,
 * then device-writable ones) available, remembering `cookie` (not NULL)
 * for virtq_get. The device is not told until virtq_kick(). 0, -ENOSPC
 * when fewer than n descriptors are free, -EINVAL for n == 0 or a
 * writable segment before a readable one.
 */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie);
/* virtq_kick - notify the device of the buffers added since the last
 * kick, unless it asked not to be (VIRTQ_USED_F_NO_NOTIFY, or its
 * avail_event with EVENT_IDX). At most one register write. */
void virtq_kick(struct virtq *q);
/* virtq_get - the next buffer chain the device is done with: its cookie
 * (its descriptors are free again) and the bytes it wrote in *len; NULL
 * if none. */
void *virtq_get(struct virtq *q, uint32_t *len);
/* virtq_disable_cb - ask the device not to interrupt for this queue
 * (a hint). virtq_enable_cb - ask it to again, for the next used buffer;
 * returns 1 if used buffers are pending already (the caller must drain
 * them: the device may not interrupt for them). */
void virtq_disable_cb(struct virtq *q);
int virtq_enable_cb(struct virtq *q);

/*
 * Transports hand each device they find to virtio_probe_device(), which
 * gives it to the driver for its device ID (0, or the driver's -errno;
 * -ENODEV for an ID with no driver, logged at debug level).
 */
int virtio_probe_device(struct virtio_dev *v);
/* Drivers (kernel/drivers/virtio_*.c): probe - a device of their ID. */
int virtio_net_probe(struct virtio_dev *v);
/* Transports: find and probe their devices. */
void virtio_mmio_init(void);
void virtio_pci_init(void);

/*
 * virtio-mmio devices the platform found outside boot_info (under PVH: the
 * kernel command line's virtio_mmio.device= words, kernel/lib/bootcmd.h);
 * the platform fills them before kmain. Those of boot_info (the Bothy
 * monitor) are read, and checked, by virtio_mmio_init itself.
 */
#define VIRTIO_MMIO_PLATFORM_MAX 32
struct virtio_mmio_slot {
	uint64_t pa;   /* registers */
	uint64_t size; /* bytes */
	struct irq_source irq;
	int guess; /* a slot that may hold a device: none there is no error */
};
extern struct virtio_mmio_slot virtio_mmio_platform[VIRTIO_MMIO_PLATFORM_MAX];
extern unsigned virtio_mmio_nplatform;
/* virtio_pci_bus - set by the platform when PCI bus 0 answers through
 * configuration mechanism #1 (ports 0xcf8/0xcfc: QEMU pc, q35). The
 * virtio-pci transport touches no port unless it is set: the Bothy
 * monitor ends the VM on any port access but its hypercalls. */
extern int virtio_pci_bus;

/*
 * virtio_init - find the virtio devices of every transport (virtio-mmio
 * from boot_info or the platform, virtio-pci on PCI bus 0 under QEMU) and
 * start their drivers; a device that fails is logged and left alone.
 * kmain calls it once, after net_init(), with the kernel lock held.
 */
void virtio_init(void);

#endif
