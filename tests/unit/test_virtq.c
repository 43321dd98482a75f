/* clang-format off */
/* unit-test-sources: monitor/virtio_mmio.c monitor/gpa.c tests/unit/stubs_monitor.c */
/* clang-format on */
/*
 * Unit tests of the monitor's virtio-mmio transport and split virtqueue
 * walker (monitor/virtio_mmio.c), driven through the registers as a
 * driver would. A hostile guest's rings and descriptors (outside RAM, a
 * loop, an index out of range, a zero length, a queue size that is not a
 * power of 2) must be refused with DEVICE_NEEDS_RESET, never followed.
 * Guest RAM is a heap buffer of exactly RAM bytes, so AddressSanitizer
 * catches any access outside it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvm.h"
#include "test.h"
#include "virtio_mmio.h"

#define RAM   (64 * 1024)
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define BUF   0x4000
#define QSIZE 8

/* Register offsets used here (virtio 1.2 section 4.2.2). */
enum {
	MAGIC = 0x00,
	VERSION = 0x04,
	DEVICE_ID = 0x08,
	DEV_FEATURES = 0x10,
	DEV_FEATURES_SEL = 0x14,
	DRV_FEATURES = 0x20,
	DRV_FEATURES_SEL = 0x24,
	QUEUE_SEL = 0x30,
	QUEUE_NUM_MAX = 0x34,
	QUEUE_NUM = 0x38,
	QUEUE_READY = 0x44,
	INT_STATUS = 0x60,
	INT_ACK = 0x64,
	STATUS = 0x70,
	DESC_LO = 0x80,
	DRIVER_LO = 0x90,
	DEVICE_LO = 0xa0,
};

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static struct vm vm;
static struct virtio_dev dev;

static uint32_t rd(uint64_t off)
{
	uint32_t v;

	virtio_mmio_access(&dev, off, (uint8_t *)&v, 4, 0);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_access(&dev, off, (uint8_t *)&v, 4, 1);
}

static struct desc *desc(unsigned i)
{
	return (struct desc *)(vm.mem + DESC) + i;
}

static uint16_t *avail(void)
{
	return (uint16_t *)(vm.mem + AVAIL); /* flags, idx, ring[] */
}

static uint32_t *used(void)
{
	return (uint32_t *)(vm.mem + USED + 4); /* ring[] of {id, len} */
}

/* A fresh device with queue 0 of `num` entries set up as a driver would;
 * features: VERSION_1 (+ EVENT_IDX if event_idx). */
static void setup_num(uint32_t num, int event_idx)
{
	if (dev.vm)
		virtio_dev_destroy(&dev);
	free(vm.mem);
	memset(&vm, 0, sizeof(vm));
	vm.mem = calloc(1, RAM);
	vm.mem_size = RAM;
	vm.fd = -1;
	CHECK_EQ(virtio_dev_init(&dev, &vm, 0, 1, 2, 0), 0);
	dev.host_features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_EVENT_IDX;
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(DRV_FEATURES_SEL, 1);
	wr(DRV_FEATURES, 1);
	wr(DRV_FEATURES_SEL, 0);
	wr(DRV_FEATURES, event_idx ? 1u << VIRTIO_F_EVENT_IDX : 0);
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	wr(QUEUE_SEL, 0);
	wr(QUEUE_NUM, num);
	wr(DESC_LO, DESC);
	wr(DRIVER_LO, AVAIL);
	wr(DEVICE_LO, USED);
	wr(QUEUE_READY, 1);
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	               VIRTIO_STATUS_DRIVER_OK);
}

static void setup(void)
{
	setup_num(QSIZE, 0);
}

/* Make descriptor head available (the driver's side of section 2.7.13). */
static void offer(uint16_t head)
{
	uint16_t idx = avail()[1];

	avail()[2 + idx % QSIZE] = head;
	avail()[1] = (uint16_t)(idx + 1);
}

static int needs_reset(void)
{
	return (rd(STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static void registers_identify_the_device(void)
{
	setup();
	CHECK_EQ(rd(MAGIC), 0x74726976);
	CHECK_EQ(rd(VERSION), 2);
	CHECK_EQ(rd(DEVICE_ID), 1);
	CHECK_EQ(rd(QUEUE_NUM_MAX), VIRTQ_SIZE_MAX);
	wr(DEV_FEATURES_SEL, 1);
	CHECK_EQ(rd(DEV_FEATURES), 1); /* VERSION_1 is bit 32 */
	CHECK(rd(STATUS) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_EQ(rd(QUEUE_READY), 1);
	/* a register read of the wrong width reads 0 and does not crash */
	uint8_t b = 0xff;
	virtio_mmio_access(&dev, MAGIC, &b, 1, 0);
	CHECK_EQ(b, 0);
	/* virtio_mmio_exit: only the devices' pages */
	struct virtio_dev *devs[1] = {&dev};
	uint32_t v = 0;
	vm.virtio[0] = devs[0];
	vm.nvirtio = 1;
	CHECK_EQ(virtio_mmio_exit(&vm, BOTHY_GPA_VIRTIO, (uint8_t *)&v, 4, 0), 1);
	CHECK_EQ(v, 0x74726976);
	CHECK_EQ(virtio_mmio_exit(&vm, BOTHY_GPA_VIRTIO + BOTHY_VIRTIO_STRIDE, (uint8_t *)&v, 4, 0),
	         0);
	CHECK_EQ(virtio_mmio_exit(&vm, BOTHY_GPA_VIRTIO - 4, (uint8_t *)&v, 4, 0), 0);
}

static void features_without_version_1_are_refused(void)
{
	setup();
	wr(STATUS, 0);
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(DRV_FEATURES_SEL, 0);
	wr(DRV_FEATURES, 0);
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK(!(rd(STATUS) & VIRTIO_STATUS_FEATURES_OK));
	/* a feature the device did not offer */
	wr(STATUS, 0);
	wr(DRV_FEATURES_SEL, 1);
	wr(DRV_FEATURES, 1 | 2);
	wr(STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CHECK(!(rd(STATUS) & VIRTIO_STATUS_FEATURES_OK));
}

static void a_good_chain_is_taken_and_given_back(void)
{
	struct virtq_chain c;

	setup();
	*desc(3) = (struct desc){BUF, 100, 1, 5};         /* readable, NEXT */
	*desc(5) = (struct desc){BUF + 0x100, 200, 2, 0}; /* writable */
	memcpy(vm.mem + BUF, "frame", 5);
	offer(3);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	CHECK_EQ(c.head, 3);
	CHECK_EQ(c.nout, 1);
	CHECK_EQ(c.nin, 1);
	CHECK_EQ(c.out_len, 100);
	CHECK_EQ(c.in_len, 200);
	CHECK(c.iov[0].iov_base == vm.mem + BUF);
	CHECK(c.iov[1].iov_base == vm.mem + BUF + 0x100);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 0); /* nothing more */
	virtq_push(&dev, 0, c.head, 42);
	CHECK_EQ(((uint16_t *)(vm.mem + USED))[1], 1);
	CHECK_EQ(used()[0], 3);
	CHECK_EQ(used()[1], 42);
	/* interrupt: ISR bit 0, cleared by InterruptACK */
	CHECK_EQ(virtq_interrupt(&dev, 0), 1);
	CHECK_EQ(rd(INT_STATUS), VIRTIO_ISR_USED);
	wr(INT_ACK, VIRTIO_ISR_USED);
	CHECK_EQ(rd(INT_STATUS), 0);
	/* VIRTQ_AVAIL_F_NO_INTERRUPT */
	avail()[0] = 1;
	CHECK_EQ(virtq_interrupt(&dev, 0), 0);
	CHECK_EQ(rd(INT_STATUS), 0);
	CHECK(!needs_reset());
}

static void a_buffer_outside_ram_is_refused(void)
{
	static const struct desc bad[] = {
	    {RAM, 1, 0, 0},         /* starts at the end */
	    {RAM - 10, 100, 0, 0},  /* runs past the end */
	    {~0ull - 3, 8, 0, 0},   /* wraps around */
	    {0x1000, ~0u, 0, 0},    /* huge length */
	    {0xd0000000, 16, 0, 0}, /* the device's own registers */
	};
	struct virtq_chain c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		*desc(0) = bad[i];
		offer(0);
		CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
		CHECK(needs_reset());
		/* a broken device ignores the queue until reset */
		*desc(1) = (struct desc){BUF, 10, 0, 0};
		offer(1);
		CHECK_EQ(virtq_pop(&dev, 0, &c), 0);
	}
}

static void a_descriptor_loop_is_refused(void)
{
	struct virtq_chain c;

	setup();
	*desc(0) = (struct desc){BUF, 10, 1, 1};
	*desc(1) = (struct desc){BUF + 16, 10, 1, 0}; /* back to 0 */
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
	setup();
	*desc(2) = (struct desc){BUF, 10, 1, 2}; /* itself */
	offer(2);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
}

static void a_chain_longer_than_the_queue_is_refused(void)
{
	struct virtq_chain c;

	/* Every descriptor chained to the next, the last to the first: the
	 * walk must stop after QSIZE steps. */
	setup();
	for (unsigned i = 0; i < QSIZE; i++)
		*desc(i) = (struct desc){BUF + 16 * i, 16, 1, (uint16_t)((i + 1) % QSIZE)};
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
	/* A next index beyond the queue. */
	setup();
	*desc(0) = (struct desc){BUF, 16, 1, QSIZE};
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	/* A head index beyond the queue. */
	setup();
	offer(QSIZE + 3);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	/* An available index more than a queue ahead. */
	setup();
	avail()[1] = QSIZE + 1;
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
}

static void a_zero_length_buffer_is_refused(void)
{
	struct virtq_chain c;

	setup();
	*desc(0) = (struct desc){BUF, 0, 0, 0};
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
}

static void misordered_and_indirect_descriptors_are_refused(void)
{
	struct virtq_chain c;

	setup();
	*desc(0) = (struct desc){BUF, 10, 2 | 1, 1};  /* writable, NEXT */
	*desc(1) = (struct desc){BUF + 16, 10, 0, 0}; /* then readable */
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	setup();
	*desc(0) = (struct desc){BUF, 16, 4, 0}; /* INDIRECT, not negotiated */
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), -EINVAL);
	CHECK(needs_reset());
}

static void bad_queue_setup_is_refused(void)
{
	struct virtq_chain c;

	setup_num(6, 0); /* not a power of 2 */
	CHECK(needs_reset());
	CHECK_EQ(rd(QUEUE_READY), 0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 0);
	setup_num(512, 0); /* above QueueNumMax */
	CHECK(needs_reset());
	setup_num(0, 0);
	CHECK(needs_reset());
	/* rings outside RAM */
	setup();
	wr(STATUS, 0);
	wr(QUEUE_SEL, 0);
	wr(QUEUE_NUM, QSIZE);
	wr(DESC_LO, RAM - 16);
	wr(DRIVER_LO, AVAIL);
	wr(DEVICE_LO, USED);
	wr(QUEUE_READY, 1);
	CHECK(needs_reset());
	CHECK_EQ(rd(QUEUE_READY), 0);
	/* a reset makes the device usable again */
	wr(STATUS, 0);
	CHECK_EQ(rd(STATUS), 0);
	setup();
	*desc(0) = (struct desc){BUF, 10, 0, 0};
	offer(0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	/* a queue that does not exist */
	CHECK_EQ(virtq_pop(&dev, 5, &c), 0);
	wr(QUEUE_SEL, 7);
	CHECK_EQ(rd(QUEUE_NUM_MAX), 0);
}

static void event_idx_suppresses_interrupts(void)
{
	struct virtq_chain c;
	uint16_t *used_event = &avail()[2 + QSIZE];

	setup_num(QSIZE, 1);
	used_event = &avail()[2 + QSIZE];
	for (unsigned i = 0; i < 4; i++) {
		*desc(i) = (struct desc){BUF + 16 * i, 16, 2, 0};
		offer((uint16_t)i);
	}
	/* The first interrupt always goes; then only when used idx passes
	 * used_event (2 here: after the third entry). */
	*used_event = 2;
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	virtq_push(&dev, 0, c.head, 16);
	CHECK_EQ(virtq_interrupt(&dev, 0), 1);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	virtq_push(&dev, 0, c.head, 16);
	CHECK_EQ(virtq_interrupt(&dev, 0), 0);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	virtq_push(&dev, 0, c.head, 16);
	CHECK_EQ(virtq_interrupt(&dev, 0), 1);
	/* avail_event follows last_avail when the device wants kicks */
	CHECK_EQ(virtq_enable_notify(&dev, 0), 1); /* one entry still there */
	CHECK_EQ(*(uint16_t *)(vm.mem + USED + 4 + 8 * QSIZE), 3);
	CHECK_EQ(virtq_pop(&dev, 0, &c), 1);
	CHECK_EQ(virtq_enable_notify(&dev, 0), 0);
	CHECK_EQ(*(uint16_t *)(vm.mem + USED + 4 + 8 * QSIZE), 4);
}

static void iov_copies_stay_in_bounds(void)
{
	uint8_t a[3], b[5], out[8];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	CHECK_EQ(iov_from_buf(iov, 2, 2, "abcdefghij", 10), 6);
	CHECK_EQ(a[2], 'a');
	CHECK_EQ(b[4], 'f');
	CHECK_EQ(iov_to_buf(iov, 2, 2, out, sizeof(out)), 6);
	CHECK(!memcmp(out, "abcdef", 6));
	CHECK_EQ(iov_to_buf(iov, 2, 100, out, sizeof(out)), 0);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(registers_identify_the_device);
	TEST_RUN(features_without_version_1_are_refused);
	TEST_RUN(a_good_chain_is_taken_and_given_back);
	TEST_RUN(a_buffer_outside_ram_is_refused);
	TEST_RUN(a_descriptor_loop_is_refused);
	TEST_RUN(a_chain_longer_than_the_queue_is_refused);
	TEST_RUN(a_zero_length_buffer_is_refused);
	TEST_RUN(misordered_and_indirect_descriptors_are_refused);
	TEST_RUN(bad_queue_setup_is_refused);
	TEST_RUN(event_idx_suppresses_interrupts);
	TEST_RUN(iov_copies_stay_in_bounds);
	virtio_dev_destroy(&dev);
	free(vm.mem);
	return test_summary("virtq");
}
