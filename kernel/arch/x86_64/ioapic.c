/*
 * Device interrupts (irq.h): the device vectors VEC_DEVICE_FIRST ..
 * VEC_DEVICE_LAST and their handlers, and the I/O APIC (Intel 82093AA
 * I/O APIC data sheet; ACPI 6.5, 5.2.12.3) that routes a GSI to one of them
 * under QEMU.
 *
 * Under the Bothy monitor a device raises its vector itself (an MSI,
 * abi.h BOTHY_VECTOR_VIRTIO), so a source is just a vector. Under QEMU a
 * GSI belongs to the I/O APIC whose range holds it: those of the ACPI MADT
 * (smp_pvh.c), else the one at the standard address 0xfec00000 with GSI
 * base 0 (QEMU microvm without ACPI). Its redirection entry sends it, fixed
 * delivery in physical mode, to CPU 0's local APIC.
 */
#include <arch/cpu.h>
#include <errno.h>
#include <irq.h>
#include <sched.h>

#include "arch.h"
#include "smp_pvh.h"

#define IOAPIC_DEFAULT_PA 0xfec00000ull
#define IOREGSEL          0x00 /* register select (byte offset) */
#define IOWIN             0x10 /* register data */
#define IOAPICVER         0x01 /* bits 16-23: the highest redirection entry */
#define IOREDTBL          0x10 /* entry i: registers 0x10 + 2i (low), + 1 (high) */
#define RTE_ACTIVE_LOW    (1u << 13)
#define RTE_LEVEL         (1u << 15)
#define RTE_MASKED        (1u << 16)
#define NDEV_VECTORS      (VEC_DEVICE_LAST - VEC_DEVICE_FIRST + 1)

static struct {
	void (*fn)(void *arg);
	void *arg;
} handlers[NDEV_VECTORS];

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, pins;
};
static struct ioapic ioapics[PVH_IOAPICS_MAX];
static unsigned nioapics, ioapics_probed;
static uint8_t gsi_routed[256]; /* GSIs with a handler */

static uint32_t ioapic_read(struct ioapic *a, uint32_t reg)
{
	a->regs[IOREGSEL / 4] = reg;
	return a->regs[IOWIN / 4];
}

static void ioapic_write(struct ioapic *a, uint32_t reg, uint32_t v)
{
	a->regs[IOREGSEL / 4] = reg;
	a->regs[IOWIN / 4] = v;
}

/* Map the I/O APICs and mask every pin (firmware may have left some on). */
static void ioapics_probe(void)
{
	unsigned n = pvh_nioapics;

	ioapics_probed = 1;
	for (unsigned i = 0; i < (n ? n : 1); i++) {
		struct ioapic *a = &ioapics[nioapics];
		uint64_t pa = n ? pvh_ioapics[i].pa : IOAPIC_DEFAULT_PA;
		if (!(a->regs = arch_mmio_map(pa, 0x20)))
			continue;
		a->gsi_base = n ? pvh_ioapics[i].gsi_base : 0;
		a->pins = ((ioapic_read(a, IOAPICVER) >> 16) & 0xff) + 1;
		for (uint32_t p = 0; p < a->pins; p++)
			ioapic_write(a, IOREDTBL + 2 * p, RTE_MASKED);
		if (log_level >= BOTHY_LOG_DEBUG)
			printk("bothy: I/O APIC at %lx: GSIs %u-%u\n", (unsigned long)pa,
			       a->gsi_base, a->gsi_base + a->pins - 1);
		nioapics++;
	}
}

/* Route GSI `gsi` to `vector` on CPU 0 and unmask it. 0 or -ENODEV. */
static int ioapic_route(uint32_t gsi, unsigned flags, unsigned vector)
{
	uint32_t r[4], low = vector;

	if (!ioapics_probed)
		ioapics_probe();
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *a = &ioapics[i];
		if (gsi < a->gsi_base || gsi - a->gsi_base >= a->pins)
			continue;
		uint32_t pin = gsi - a->gsi_base;
		/* CPU 0 is the boot CPU, on which devices are set up. */
		assert(this_cpu()->id == 0);
		cpuid(1, 0, r);
		if (flags & IRQ_LEVEL)
			low |= RTE_LEVEL;
		if (flags & IRQ_ACTIVE_LOW)
			low |= RTE_ACTIVE_LOW;
		ioapic_write(a, IOREDTBL + 2 * pin + 1, (r[1] >> 24) << 24);
		ioapic_write(a, IOREDTBL + 2 * pin, low);
		return 0;
	}
	return -ENODEV;
}

/* Declared in irq.h. */
int arch_irq_request(const struct irq_source *src, void (*fn)(void *arg), void *arg)
{
	unsigned v;
	int r;

	if (!src || !fn)
		return -EINVAL;
	if (src->kind == IRQ_LEGACY) {
		struct irq_source g = {IRQ_GSI, src->num, src->flags};
		if (src->num > 15)
			return -EINVAL;
		for (unsigned i = 0; i < pvh_nirq_overrides; i++) {
			const struct pvh_irq_override *o = &pvh_irq_overrides[i];
			if (o->source != src->num)
				continue;
			g.num = o->gsi;
			if ((o->flags & 3) == 1 || (o->flags & 3) == 3) /* 0: as the bus says */
				g.flags = (g.flags & ~IRQ_ACTIVE_LOW) |
				          ((o->flags & 3) == 3 ? IRQ_ACTIVE_LOW : 0);
			if ((o->flags & 12) == 4 || (o->flags & 12) == 12)
				g.flags = (g.flags & ~IRQ_LEVEL) |
				          ((o->flags & 12) == 12 ? IRQ_LEVEL : 0);
		}
		return arch_irq_request(&g, fn, arg);
	}
	if (src->kind == IRQ_VECTOR) {
		if (src->num < VEC_DEVICE_FIRST || src->num > VEC_DEVICE_LAST)
			return -EINVAL;
		v = src->num;
		if (handlers[v - VEC_DEVICE_FIRST].fn)
			return -EBUSY;
	} else if (src->kind == IRQ_GSI) {
		if (src->num >= sizeof(gsi_routed) || gsi_routed[src->num])
			return src->num >= sizeof(gsi_routed) ? -ENODEV : -EBUSY;
		/* From the top down: the low ones are the monitor's vectors. */
		for (v = VEC_DEVICE_LAST; v >= VEC_DEVICE_FIRST; v--)
			if (!handlers[v - VEC_DEVICE_FIRST].fn)
				break;
		if (v < VEC_DEVICE_FIRST)
			return -ENOSPC;
	} else
		return -EINVAL;
	handlers[v - VEC_DEVICE_FIRST].arg = arg;
	handlers[v - VEC_DEVICE_FIRST].fn = fn;
	if (src->kind == IRQ_GSI) {
		if ((r = ioapic_route(src->num, src->flags, v))) {
			handlers[v - VEC_DEVICE_FIRST].fn = NULL;
			return r;
		}
		gsi_routed[src->num] = 1;
	}
	return (int)v;
}

/* Declared in arch.h. */
void irq_dispatch(unsigned vector)
{
	if (vector >= VEC_DEVICE_FIRST && vector <= VEC_DEVICE_LAST &&
	    handlers[vector - VEC_DEVICE_FIRST].fn)
		handlers[vector - VEC_DEVICE_FIRST].fn(handlers[vector - VEC_DEVICE_FIRST].arg);
	apic_eoi(); /* after the device deasserted a level-triggered line */
}
