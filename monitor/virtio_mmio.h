/*
 * virtio-mmio devices of the KVM monitor (virtio 1.2, section 4.2.2: the
 * "version 2" register layout only, no legacy) and the split virtqueue
 * (section 2.7) that device models use.
 *
 * Device n's registers are the page at BOTHY_GPA_VIRTIO + n *
 * BOTHY_VIRTIO_STRIDE (include/bothy/abi.h). A vCPU thread that exits on
 * an access there calls virtio_mmio_access(); QueueNotify writes are
 * caught in KVM by an ioeventfd per queue where KVM allows it, and
 * otherwise turned into a write to the same eventfd, so a device's I/O
 * thread always waits on virtq.kick. Interrupts are an MSI of vector
 * BOTHY_VECTOR_VIRTIO + n to APIC ID 0: an irqfd routed to it, or
 * KVM_SIGNAL_MSI.
 *
 * Locking: struct virtio_dev.lock guards the registers and the queues.
 * The vCPU threads take it for every register access; the device's I/O
 * thread takes it around each virtq_pop() ... virtq_push() and
 * virtq_interrupt(). A guest that breaks the rules (an address outside
 * RAM, a descriptor loop, a chain longer than the queue, a queue size that
 * is not a power of 2) puts the device in DEVICE_NEEDS_RESET with one line
 * on stderr; the device then ignores its queues until the driver resets
 * it.
 */
#ifndef BOTHY_VIRTIO_MMIO_H
#define BOTHY_VIRTIO_MMIO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vm;

/* Feature bits (virtio 1.2 section 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* Device status bits (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED      0x80u

/* InterruptStatus bits (section 4.2.2). */
#define VIRTIO_ISR_USED   1u
#define VIRTIO_ISR_CONFIG 2u

#define VIRTQ_SIZE_MAX    256 /* QueueNumMax of every queue */
#define VIRTIO_QUEUES     2   /* queues per device (virtio-net: RX, TX) */
#define VIRTIO_CONFIG_MAX 64

/* One split virtqueue as the driver set it up. */
struct virtq {
	uint32_t num;                  /* QueueNum: entries, a power of 2 <= VIRTQ_SIZE_MAX */
	uint32_t ready;                /* QueueReady */
	uint64_t desc, driver, device; /* guest-physical: descriptor table, avail, used */
	uint16_t last_avail;           /* next avail ring entry the device takes */
	uint16_t used_idx;             /* the used ring's idx as the device last wrote it */
	uint16_t signalled_used;       /* used_idx at the last interrupt (EVENT_IDX) */
	int signalled_valid;           /* signalled_used is meaningful */
	int kick;                      /* eventfd: the driver notified this queue */
	int ioeventfd;                 /* kick is registered with KVM_IOEVENTFD */
};

/* A descriptor chain taken from a queue: the device-readable buffers
 * first (out), then the device-writable ones (in), each range checked to
 * lie in guest RAM. */
struct virtq_chain {
	uint16_t head;          /* descriptor index to give back with virtq_push() */
	unsigned nout, nin;     /* iov[0..nout) readable, iov[nout..nout+nin) writable */
	size_t out_len, in_len; /* bytes in each part */
	struct iovec iov[VIRTQ_SIZE_MAX];
};

struct virtio_dev;

/* What a device model adds to the transport. Called with dev->lock held. */
struct virtio_ops {
	/* the driver wrote Status 0: forget per-device state */
	void (*reset)(struct virtio_dev *d);
	/* the driver set DRIVER_OK */
	void (*driver_ok)(struct virtio_dev *d);
};

struct virtio_dev {
	struct vm *vm;
	unsigned index;     /* n: registers at BOTHY_GPA_VIRTIO + n * stride */
	uint32_t device_id; /* 1: network card */
	uint64_t host_features;
	uint64_t guest_features; /* DriverFeatures as written */
	uint32_t host_features_sel, guest_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	uint32_t isr;
	uint32_t config_generation;
	uint8_t config[VIRTIO_CONFIG_MAX];
	uint32_t config_len;
	unsigned nqueues;
	struct virtq vq[VIRTIO_QUEUES];
	int broken;          /* DEVICE_NEEDS_RESET was set: queues are ignored */
	int irqfd;           /* eventfd routed to the MSI, or -1 (KVM_SIGNAL_MSI) */
	uint64_t interrupts; /* raised, for --log debug */
	pthread_mutex_t lock;
	const struct virtio_ops *ops;
	void *priv; /* the device model's */
};

/*
 * virtio_dev_init - set up d as device `index` of vm with `nqueues`
 * queues (<= VIRTIO_QUEUES): the kick eventfds, and if `use_kvm`, an
 * ioeventfd per queue and an irqfd for its MSI (each falls back to the
 * plain path if KVM refuses). Returns 0 or -errno of eventfd(2).
 * virtio_dev_destroy - close what virtio_dev_init() opened.
 */
int virtio_dev_init(struct virtio_dev *d, struct vm *vm, unsigned index, uint32_t device_id,
                    unsigned nqueues, int use_kvm);
void virtio_dev_destroy(struct virtio_dev *d);

/*
 * virtio_mmio_access - serve a guest access of `len` bytes (1, 2, 4 or 8)
 * at offset `off` of d's register page: a write takes data[0..len), a
 * read fills it (little-endian). Registers are 32-bit; other widths
 * outside the config space read as 0 and are ignored on write.
 */
void virtio_mmio_access(struct virtio_dev *d, uint64_t off, uint8_t *data, unsigned len,
                        int is_write);

/*
 * virtio_mmio_exit - a KVM_EXIT_MMIO at guest-physical `gpa`: served by
 * the device whose page holds it (returns 1), or 0 if no device does.
 */
int virtio_mmio_exit(struct vm *vm, uint64_t gpa, uint8_t *data, unsigned len, int is_write);

/*
 * virtq_pop - take the next available chain of queue q into *c. Returns
 * 1 with *c filled, 0 if the queue has none (or is not ready, or the
 * device is broken), -EINVAL if the guest broke the rules (the device is
 * then in DEVICE_NEEDS_RESET, said once on stderr). With dev->lock held.
 */
int virtq_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c);

/*
 * virtq_push - give chain `head` back on queue q's used ring with `len`
 * bytes written into its writable part. Does not interrupt: call
 * virtq_interrupt() after a batch. With dev->lock held.
 */
void virtq_push(struct virtio_dev *d, unsigned q, uint16_t head, uint32_t len);

/*
 * virtq_interrupt - if the driver wants to hear of the used entries
 * pushed since the last interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT clear, or
 * with VIRTIO_F_EVENT_IDX the used_event rule of section 2.7.10), set
 * InterruptStatus bit 0 and raise the device's MSI. Returns 1 if it did.
 * With dev->lock held.
 */
int virtq_interrupt(struct virtio_dev *d, unsigned q);

/*
 * virtq_enable_notify - before the device sleeps on queue q: ask the driver
 * to notify it of new available entries (VIRTQ_USED_F_NO_NOTIFY clear, or
 * avail_event = last_avail with EVENT_IDX). Returns 1 if entries became
 * available meanwhile (pop again), else 0. With dev->lock held.
 */
int virtq_enable_notify(struct virtio_dev *d, unsigned q);

/*
 * virtio_dev_fail - the guest broke the rules: set DEVICE_NEEDS_RESET,
 * tell the driver (a configuration change interrupt), and print `why`
 * once. With dev->lock held.
 */
void virtio_dev_fail(struct virtio_dev *d, const char *why);

/* virtio_raise - set InterruptStatus bits `isr` and send d's MSI. */
void virtio_raise(struct virtio_dev *d, uint32_t isr);

/* iov_from_buf / iov_to_buf - copy between a flat buffer and iov[0..n),
 * skipping `skip` bytes of the iovec; return bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf, size_t len);

#endif
