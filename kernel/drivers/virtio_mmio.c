/*
 * The virtio-mmio transport (virtio 1.2, section 4.2), version 2 only (the
 * legacy version 1 layout of 4.2.4 is refused).
 *
 * Where devices are: under the Bothy monitor, boot_info->virtio[] (one
 * register page each at BOTHY_GPA_VIRTIO + n * BOTHY_VIRTIO_STRIDE,
 * interrupt vector BOTHY_VECTOR_VIRTIO + n; abi.h), checked before use;
 * under QEMU microvm, what the platform found on the kernel command line
 * (virtio_mmio_platform[], I/O APIC lines).
 */
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <virtio.h>

#define MMIO_MAGIC             0x000 /* "virt" */
#define MMIO_VERSION           0x004
#define MMIO_DEVICE_ID         0x008
#define MMIO_VENDOR_ID         0x00c
#define MMIO_DEVICE_FEATURES   0x010
#define MMIO_DEVICE_FEATURES_S 0x014
#define MMIO_DRIVER_FEATURES   0x020
#define MMIO_DRIVER_FEATURES_S 0x024
#define MMIO_QUEUE_SEL         0x030
#define MMIO_QUEUE_NUM_MAX     0x034
#define MMIO_QUEUE_NUM         0x038
#define MMIO_QUEUE_READY       0x044
#define MMIO_QUEUE_NOTIFY      0x050
#define MMIO_INTERRUPT_STATUS  0x060
#define MMIO_INTERRUPT_ACK     0x064
#define MMIO_STATUS            0x070
#define MMIO_QUEUE_DESC        0x080 /* low, then high at + 4 */
#define MMIO_QUEUE_DRIVER      0x090
#define MMIO_QUEUE_DEVICE      0x0a0
#define MMIO_CONFIG_GENERATION 0x0fc
#define MMIO_CONFIG            0x100
#define MMIO_MAGIC_VALUE       0x74726976u
#define MMIO_SIZE_MIN          0x100 /* the registers before the configuration */

struct virtio_mmio_slot virtio_mmio_platform[VIRTIO_MMIO_PLATFORM_MAX];
unsigned virtio_mmio_nplatform;

struct mmio {
	struct virtio_dev dev;
	volatile uint8_t *regs;
	uint64_t size;
};

static inline struct mmio *to_mmio(struct virtio_dev *v)
{
	return v->transport;
}

static uint32_t rd(struct virtio_dev *v, unsigned off)
{
	return *(volatile uint32_t *)(to_mmio(v)->regs + off);
}

static void wr(struct virtio_dev *v, unsigned off, uint32_t val)
{
	*(volatile uint32_t *)(to_mmio(v)->regs + off) = val;
}

static uint8_t mmio_get_status(struct virtio_dev *v)
{
	return (uint8_t)rd(v, MMIO_STATUS);
}

static void mmio_set_status(struct virtio_dev *v, uint8_t s)
{
	wr(v, MMIO_STATUS, s);
}

static uint64_t mmio_get_features(struct virtio_dev *v)
{
	uint64_t f;

	wr(v, MMIO_DEVICE_FEATURES_S, 1);
	f = (uint64_t)rd(v, MMIO_DEVICE_FEATURES) << 32;
	wr(v, MMIO_DEVICE_FEATURES_S, 0);
	return f | rd(v, MMIO_DEVICE_FEATURES);
}

static void mmio_set_features(struct virtio_dev *v, uint64_t f)
{
	wr(v, MMIO_DRIVER_FEATURES_S, 1);
	wr(v, MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(v, MMIO_DRIVER_FEATURES_S, 0);
	wr(v, MMIO_DRIVER_FEATURES, (uint32_t)f);
}

static uint32_t mmio_config_read(struct virtio_dev *v, unsigned off, unsigned len)
{
	volatile uint8_t *p = to_mmio(v)->regs + MMIO_CONFIG + off;

	if (MMIO_CONFIG + off + len > to_mmio(v)->size)
		return 0;
	return virtio_cfg_read(p, len);
}

static void mmio_config_write(struct virtio_dev *v, unsigned off, unsigned len, uint32_t val)
{
	volatile uint8_t *p = to_mmio(v)->regs + MMIO_CONFIG + off;

	if (MMIO_CONFIG + off + len > to_mmio(v)->size)
		return;
	virtio_cfg_write(p, len, val);
}

static uint32_t mmio_config_generation(struct virtio_dev *v)
{
	return rd(v, MMIO_CONFIG_GENERATION);
}

static unsigned mmio_queue_max(struct virtio_dev *v, unsigned q)
{
	wr(v, MMIO_QUEUE_SEL, q);
	if (rd(v, MMIO_QUEUE_READY))
		return 0; /* in use already: not ours to set up */
	return rd(v, MMIO_QUEUE_NUM_MAX);
}

static int mmio_queue_setup(struct virtio_dev *v, unsigned q, unsigned size, uint64_t desc,
                            uint64_t avail, uint64_t used)
{
	wr(v, MMIO_QUEUE_SEL, q);
	wr(v, MMIO_QUEUE_NUM, size);
	wr(v, MMIO_QUEUE_DESC, (uint32_t)desc);
	wr(v, MMIO_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	wr(v, MMIO_QUEUE_DRIVER, (uint32_t)avail);
	wr(v, MMIO_QUEUE_DRIVER + 4, (uint32_t)(avail >> 32));
	wr(v, MMIO_QUEUE_DEVICE, (uint32_t)used);
	wr(v, MMIO_QUEUE_DEVICE + 4, (uint32_t)(used >> 32));
	wr(v, MMIO_QUEUE_READY, 1);
	return rd(v, MMIO_QUEUE_READY) == 1 ? 0 : -EIO;
}

static void mmio_notify(struct virtio_dev *v, unsigned q)
{
	wr(v, MMIO_QUEUE_NOTIFY, q);
}

static unsigned mmio_irq_ack(struct virtio_dev *v)
{
	uint32_t s = rd(v, MMIO_INTERRUPT_STATUS);

	if (s)
		wr(v, MMIO_INTERRUPT_ACK, s);
	return s;
}

static const struct virtio_transport_ops mmio_ops = {
    .name = "mmio",
    .get_status = mmio_get_status,
    .set_status = mmio_set_status,
    .get_features = mmio_get_features,
    .set_features = mmio_set_features,
    .config_read = mmio_config_read,
    .config_write = mmio_config_write,
    .config_generation = mmio_config_generation,
    .queue_max = mmio_queue_max,
    .queue_setup = mmio_queue_setup,
    .notify = mmio_notify,
    .irq_ack = mmio_irq_ack,
};

/* A kernel address for registers [pa, pa+size) (size at most a page):
 * pages mapped once, however many devices share them (QEMU microvm puts
 * eight in one). */
static volatile uint8_t *mmio_map(uint64_t pa, uint64_t size)
{
	static struct {
		uint64_t pa;
		uint8_t *va;
	} pages[16];
	static unsigned npages;
	uint64_t page = ALIGN_DOWN(pa, PAGE_SIZE);
	uint8_t *va;

	if (ALIGN_DOWN(pa + size - 1, PAGE_SIZE) != page)
		return arch_mmio_map(pa, size);
	for (unsigned i = 0; i < npages; i++)
		if (pages[i].pa == page)
			return pages[i].va + (pa - page);
	if (!(va = arch_mmio_map(page, PAGE_SIZE)))
		return NULL;
	if (npages < ARRAY_SIZE(pages))
		pages[npages].pa = page, pages[npages++].va = va;
	return va + (pa - page);
}

/* Look at the registers at physical [pa, pa+size) and hand a device there
 * to its driver. */
static void mmio_probe(uint64_t pa, uint64_t size, const struct irq_source *irq, int guess)
{
	struct mmio *m = kmalloc(sizeof(*m));
	struct virtio_dev *v;
	uint32_t version;

	if (!m || !(m->regs = mmio_map(pa, size))) {
		printk("bothy: virtio-mmio@%lx: out of memory\n", (unsigned long)pa);
		kfree(m);
		return;
	}
	m->size = size;
	v = &m->dev;
	v->ops = &mmio_ops;
	v->transport = m;
	v->irq = *irq;
	snprintf(v->name, sizeof(v->name), "virtio-mmio@%lx", (unsigned long)pa);
	if (rd(v, MMIO_MAGIC) != MMIO_MAGIC_VALUE) {
		if (!guess)
			printk("bothy: %s: no virtio-mmio device there\n", v->name);
		kfree(m);
		return;
	}
	version = rd(v, MMIO_VERSION);
	v->device_id = rd(v, MMIO_DEVICE_ID);
	v->vendor_id = rd(v, MMIO_VENDOR_ID);
	if (!v->device_id) { /* an empty slot (4.2.3.1.1) */
		kfree(m);
		return;
	}
	if (version != 2) {
		printk("bothy: %s: virtio-mmio version %u (legacy) is not supported: ignored\n",
		       v->name, version);
		kfree(m);
		return;
	}
	if (log_level >= BOTHY_LOG_DEBUG)
		printk("bothy: %s: device type %u, vendor %x, %s %u\n", v->name, v->device_id,
		       v->vendor_id, irq->kind == IRQ_VECTOR ? "vector" : "GSI", irq->num);
	if (virtio_probe_device(v))
		kfree(m); /* the driver logged why and left the device reset or FAILED */
}

void virtio_mmio_init(void)
{
	const uint64_t window = BOTHY_VIRTIO_MAX * BOTHY_VIRTIO_STRIDE;
	const struct bothy_boot_info *bi = boot_info;
	unsigned n = bi->nvirtio;

	if (n > BOTHY_VIRTIO_MAX) {
		printk("bothy: boot info lists %u virtio devices (at most %u): using none\n", n,
		       BOTHY_VIRTIO_MAX);
		n = 0;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct bothy_virtio_dev *d = &bi->virtio[i];
		struct irq_source irq = {IRQ_VECTOR, d->vector, 0};
		if (d->gpa < BOTHY_GPA_VIRTIO || d->gpa - BOTHY_GPA_VIRTIO >= window ||
		    (d->gpa & 3) || d->size < MMIO_SIZE_MIN || d->size > BOTHY_VIRTIO_STRIDE ||
		    d->size > window - (d->gpa - BOTHY_GPA_VIRTIO) ||
		    d->vector != BOTHY_VECTOR_VIRTIO + i) {
			printk("bothy: boot info: virtio device %u (%lx, %u bytes, vector %x) is "
			       "malformed: ignored\n",
			       i, (unsigned long)d->gpa, d->size, d->vector);
			continue;
		}
		mmio_probe(d->gpa, d->size, &irq, 0);
	}
	for (unsigned i = 0; i < virtio_mmio_nplatform && i < VIRTIO_MMIO_PLATFORM_MAX; i++) {
		const struct virtio_mmio_slot *s = &virtio_mmio_platform[i];
		if (s->pa < bi->mem_size || (s->pa & 3) || s->size < MMIO_SIZE_MIN ||
		    s->size > PAGE_SIZE) {
			printk(
			    "bothy: virtio-mmio device at %lx (%lu bytes) is malformed: ignored\n",
			    (unsigned long)s->pa, (unsigned long)s->size);
			continue;
		}
		mmio_probe(s->pa, s->size, &s->irq, s->guess);
	}
}
