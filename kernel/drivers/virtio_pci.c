/*
 * The virtio-pci transport, modern interface only (virtio 1.2, section
 * 4.1): the common, notify, ISR and device configuration structures that
 * the device's vendor-specific PCI capabilities locate in its memory BARs.
 *
 * Configuration space through the PC's configuration mechanism #1 (ports
 * 0xcf8/0xcfc; PCI Local Bus 3.0, 3.2.2.3.2), bus 0 only, as QEMU pc and
 * q35 present their devices; the firmware (SeaBIOS) has assigned the BARs
 * and the Interrupt Line. The interrupt is INTx through the I/O APIC
 * (irq.h IRQ_LEGACY) with the ISR status register (4.1.4.5); no MSI-X.
 * Under QEMU microvm and the Bothy monitor there is no PCI (virtio_pci_bus
 * is 0: the platform found no host bridge, or did not look).
 */
#include <arch/cpu.h>
#include <errno.h>
#include <mm.h>
#include <virtio.h>

#define PCI_ADDR         0xcf8
#define PCI_DATA         0xcfc
#define PCI_VENDOR_ID    0x00
#define PCI_DEVICE_ID    0x02
#define PCI_COMMAND      0x04
#define PCI_STATUS       0x06
#define PCI_HEADER_TYPE  0x0e
#define PCI_BAR0         0x10
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAP_PTR      0x34
#define PCI_INT_LINE     0x3c
#define PCI_CMD_MEM      (1u << 1)
#define PCI_CMD_MASTER   (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_STATUS_CAPS  (1u << 4)
#define PCI_CAP_VENDOR   0x09

#define VIRTIO_PCI_VENDOR     0x1af4
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

/* struct virtio_pci_common_cfg (4.1.4.3), byte offsets. */
#define COMMON_DFSELECT 0x00
#define COMMON_DF       0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF       0x0c
#define COMMON_STATUS   0x14
#define COMMON_CFGGEN   0x15
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE   0x18
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF   0x1e
#define COMMON_Q_DESC   0x20
#define COMMON_Q_DRIVER 0x28
#define COMMON_Q_DEVICE 0x30

#define PCI_QUEUES_MAX 8

struct vpci {
	struct virtio_dev dev;
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult, device_len, notify_len;
	uint16_t notify_off[PCI_QUEUES_MAX];
};

static uint32_t pci_read32(unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
	return inl(PCI_DATA);
}

static void pci_write32(unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
	outl(PCI_DATA, v);
}

static uint16_t pci_read16(unsigned dev, unsigned fn, unsigned off)
{
	return (uint16_t)(pci_read32(dev, fn, off) >> ((off & 2) * 8));
}

static uint8_t pci_read8(unsigned dev, unsigned fn, unsigned off)
{
	return (uint8_t)(pci_read32(dev, fn, off) >> ((off & 3) * 8));
}

static inline struct vpci *to_vpci(struct virtio_dev *v)
{
	return v->transport;
}

#define C8(v, off)  (*(volatile uint8_t *)(to_vpci(v)->common + (off)))
#define C16(v, off) (*(volatile uint16_t *)(to_vpci(v)->common + (off)))
#define C32(v, off) (*(volatile uint32_t *)(to_vpci(v)->common + (off)))

static uint8_t pci_get_status(struct virtio_dev *v)
{
	return C8(v, COMMON_STATUS);
}

static void pci_set_status(struct virtio_dev *v, uint8_t s)
{
	C8(v, COMMON_STATUS) = s;
}

static uint64_t pci_get_features(struct virtio_dev *v)
{
	uint64_t f;

	C32(v, COMMON_DFSELECT) = 1;
	f = (uint64_t)C32(v, COMMON_DF) << 32;
	C32(v, COMMON_DFSELECT) = 0;
	return f | C32(v, COMMON_DF);
}

static void pci_set_features(struct virtio_dev *v, uint64_t f)
{
	C32(v, COMMON_GFSELECT) = 1;
	C32(v, COMMON_GF) = (uint32_t)(f >> 32);
	C32(v, COMMON_GFSELECT) = 0;
	C32(v, COMMON_GF) = (uint32_t)f;
}

static uint32_t pci_config_read(struct virtio_dev *v, unsigned off, unsigned len)
{
	volatile uint8_t *p = to_vpci(v)->device + off;

	if (!to_vpci(v)->device || off + len > to_vpci(v)->device_len)
		return 0;
	return virtio_cfg_read(p, len);
}

static void pci_config_write(struct virtio_dev *v, unsigned off, unsigned len, uint32_t val)
{
	volatile uint8_t *p = to_vpci(v)->device + off;

	if (!to_vpci(v)->device || off + len > to_vpci(v)->device_len)
		return;
	virtio_cfg_write(p, len, val);
}

static uint32_t pci_config_generation(struct virtio_dev *v)
{
	return C8(v, COMMON_CFGGEN);
}

static unsigned pci_queue_max(struct virtio_dev *v, unsigned q)
{
	if (q >= PCI_QUEUES_MAX)
		return 0;
	C16(v, COMMON_Q_SELECT) = (uint16_t)q;
	if (C16(v, COMMON_Q_ENABLE))
		return 0;
	return C16(v, COMMON_Q_SIZE);
}

static int pci_queue_setup(struct virtio_dev *v, unsigned q, unsigned size, uint64_t desc,
                           uint64_t avail, uint64_t used)
{
	struct vpci *p = to_vpci(v);

	C16(v, COMMON_Q_SELECT) = (uint16_t)q;
	C16(v, COMMON_Q_SIZE) = (uint16_t)size;
	C32(v, COMMON_Q_DESC) = (uint32_t)desc;
	C32(v, COMMON_Q_DESC + 4) = (uint32_t)(desc >> 32);
	C32(v, COMMON_Q_DRIVER) = (uint32_t)avail;
	C32(v, COMMON_Q_DRIVER + 4) = (uint32_t)(avail >> 32);
	C32(v, COMMON_Q_DEVICE) = (uint32_t)used;
	C32(v, COMMON_Q_DEVICE + 4) = (uint32_t)(used >> 32);
	p->notify_off[q] = C16(v, COMMON_Q_NOFF);
	if ((uint64_t)p->notify_off[q] * p->notify_mult + 2 > p->notify_len)
		return -EIO;
	C16(v, COMMON_Q_ENABLE) = 1;
	return 0;
}

static void pci_notify(struct virtio_dev *v, unsigned q)
{
	struct vpci *p = to_vpci(v);

	*(volatile uint16_t *)(p->notify + (uint64_t)p->notify_off[q] * p->notify_mult) =
	    (uint16_t)q;
}

static unsigned pci_irq_ack(struct virtio_dev *v)
{
	return *to_vpci(v)->isr; /* reading clears it */
}

static const struct virtio_transport_ops pci_ops = {
    .name = "pci",
    .get_status = pci_get_status,
    .set_status = pci_set_status,
    .get_features = pci_get_features,
    .set_features = pci_set_features,
    .config_read = pci_config_read,
    .config_write = pci_config_write,
    .config_generation = pci_config_generation,
    .queue_max = pci_queue_max,
    .queue_setup = pci_queue_setup,
    .notify = pci_notify,
    .irq_ack = pci_irq_ack,
};

/* The physical address of memory BAR `bar` (0-5), 0 if it is not one. */
static uint64_t bar_address(unsigned dev, unsigned fn, unsigned bar)
{
	uint32_t lo = pci_read32(dev, fn, PCI_BAR0 + 4 * bar);

	if (lo & 1)
		return 0; /* I/O space */
	if (((lo >> 1) & 3) == 2)
		return bar < 5 ? (uint64_t)pci_read32(dev, fn, PCI_BAR0 + 4 * bar + 4) << 32 |
		                     (lo & ~0xfu)
		               : 0;
	return lo & ~0xfu;
}

/* Find the virtio capabilities of dev.fn and map their structures. 0, or
 * -ENODEV if the common, notify or ISR structure is missing. */
static int map_caps(struct vpci *p, unsigned dev, unsigned fn)
{
	unsigned ptr, guard = 0;

	if (!(pci_read16(dev, fn, PCI_STATUS) & PCI_STATUS_CAPS))
		return -ENODEV;
	for (ptr = pci_read8(dev, fn, PCI_CAP_PTR) & 0xfc; ptr >= 0x40 && guard < 48;
	     ptr = pci_read8(dev, fn, ptr + 1) & 0xfc, guard++) {
		unsigned type = pci_read8(dev, fn, ptr + 3), bar = pci_read8(dev, fn, ptr + 4);
		uint32_t off = pci_read32(dev, fn, ptr + 8), len = pci_read32(dev, fn, ptr + 12);
		volatile uint8_t **slot = NULL;
		uint64_t base;

		if (pci_read8(dev, fn, ptr) != PCI_CAP_VENDOR || bar > 5 || !len)
			continue;
		if (type == VIRTIO_PCI_CAP_COMMON)
			slot = &p->common;
		else if (type == VIRTIO_PCI_CAP_NOTIFY)
			slot = &p->notify;
		else if (type == VIRTIO_PCI_CAP_ISR)
			slot = &p->isr;
		else if (type == VIRTIO_PCI_CAP_DEVICE)
			slot = &p->device;
		if (!slot || *slot || !(base = bar_address(dev, fn, bar)))
			continue; /* the first of each kind that we can use (4.1.4) */
		if (type == VIRTIO_PCI_CAP_COMMON && len < 0x38)
			continue;
		if (!(*slot = arch_mmio_map(base + off, len)))
			return -ENOMEM;
		if (type == VIRTIO_PCI_CAP_NOTIFY) {
			p->notify_mult = pci_read32(dev, fn, ptr + 16);
			p->notify_len = len;
		} else if (type == VIRTIO_PCI_CAP_DEVICE)
			p->device_len = len;
	}
	return p->common && p->notify && p->isr ? 0 : -ENODEV;
}

static void pci_probe(unsigned dev, unsigned fn, uint16_t device_id)
{
	struct vpci *p = kmalloc(sizeof(*p));
	struct virtio_dev *v;
	uint32_t cmd;
	int r;

	if (!p)
		return;
	v = &p->dev;
	v->ops = &pci_ops;
	v->transport = p;
	v->vendor_id = VIRTIO_PCI_VENDOR;
	/* 4.1.2: modern IDs are 0x1040 + type; transitional ones (0x1000 -
	 * 0x103f) carry the type in the subsystem ID. */
	v->device_id =
	    device_id >= 0x1040 ? device_id - 0x1040u : pci_read16(dev, fn, PCI_SUBSYSTEM_ID);
	snprintf(v->name, sizeof(v->name), "virtio-pci@00:%02x.%x", dev, fn);
	cmd = pci_read32(dev, fn, PCI_COMMAND) & 0xffff;
	pci_write32(dev, fn, PCI_COMMAND,
	            (cmd | PCI_CMD_MEM | PCI_CMD_MASTER) & ~(uint32_t)PCI_CMD_INTX_OFF);
	if ((r = map_caps(p, dev, fn))) {
		printk("bothy: %s: no usable virtio 1.0 capabilities (a legacy-only device?): "
		       "ignored\n",
		       v->name);
		kfree(p);
		return;
	}
	v->irq = (struct irq_source){IRQ_LEGACY, pci_read8(dev, fn, PCI_INT_LINE), IRQ_LEVEL};
	if (log_level >= BOTHY_LOG_DEBUG)
		printk("bothy: %s: device type %u, interrupt line %u\n", v->name, v->device_id,
		       v->irq.num);
	if (v->irq.num > 15 || pci_read8(dev, fn, PCI_INT_LINE + 1) == 0) {
		printk("bothy: %s: no INTx interrupt line: ignored\n", v->name);
		kfree(p);
		return;
	}
	if (virtio_probe_device(v))
		kfree(p);
}

int virtio_pci_bus;

void virtio_pci_init(void)
{
	if (!virtio_pci_bus)
		return; /* no PCI here (and no port to touch under the monitor) */
	for (unsigned dev = 0; dev < 32; dev++) {
		unsigned nfn = pci_read8(dev, 0, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			uint32_t id = pci_read32(dev, fn, PCI_VENDOR_ID);
			uint16_t vendor = (uint16_t)id, device = (uint16_t)(id >> 16);
			if (vendor == VIRTIO_PCI_VENDOR && device >= 0x1000 && device <= 0x107f)
				pci_probe(dev, fn, device);
		}
	}
}
