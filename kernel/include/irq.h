/*
 * Device interrupts and device registers: what a driver (kernel/drivers/)
 * needs from the architecture to take a device's interrupt and to reach its
 * memory-mapped registers.
 *
 * A device's interrupt source is one of:
 * - IRQ_VECTOR: a CPU interrupt vector the platform raises directly (the
 *   Bothy monitor's virtio-mmio device n raises BOTHY_VECTOR_VIRTIO + n on
 *   CPU 0 as an edge MSI; abi.h);
 * - IRQ_GSI: a global system interrupt, an input pin of an I/O APIC (QEMU
 *   microvm's virtio-mmio lines), which the architecture routes to a free
 *   vector on CPU 0;
 * - IRQ_LEGACY: a PC interrupt line 0-15 as a PCI device's Interrupt Line
 *   register names it (PCI INTx under QEMU pc/q35): the GSI and the
 *   trigger mode and polarity of the ACPI MADT's interrupt source override
 *   for it where there is one, else GSI = line with the given flags; then
 *   as IRQ_GSI.
 *
 * Handler contract: fn(arg) runs on CPU 0 with the kernel lock held and
 * interrupts off, from the interrupt's trap (the program or the idle loop
 * was interrupted; the kernel runs with interrupts off elsewhere). It must
 * acknowledge the interrupt at the device (for a level-triggered line,
 * deassert it) before it returns; the architecture signals the end of the
 * interrupt to the interrupt controller after fn returns, then returns to
 * the program through the scheduler (sched_user_return), so a thread that
 * fn woke runs. fn must not sleep.
 */
#ifndef BOTHY_IRQ_H
#define BOTHY_IRQ_H
#include <kernel.h>

#define IRQ_VECTOR 1 /* irq_source.num is a CPU vector */
#define IRQ_GSI    2 /* irq_source.num is a global system interrupt */
#define IRQ_LEGACY 3 /* irq_source.num is a PC interrupt line (0-15) */

/* irq_source.flags for IRQ_GSI and IRQ_LEGACY (the trigger mode and
 * polarity of the pin). */
#define IRQ_LEVEL      1u /* level-triggered (else edge) */
#define IRQ_ACTIVE_LOW 2u /* active low (else high) */

struct irq_source {
	unsigned kind;  /* IRQ_VECTOR or IRQ_GSI */
	uint32_t num;   /* the vector or the GSI */
	unsigned flags; /* IRQ_LEVEL, IRQ_ACTIVE_LOW (not IRQ_VECTOR) */
};

/*
 * arch_irq_request - call fn(arg) on every interrupt of `src` from now on
 * (see the handler contract above). For IRQ_GSI the pin is routed to a
 * free device vector on CPU 0 and unmasked before this returns. Returns
 * the vector used, or -EINVAL (a vector outside the device vectors, an
 * unknown kind, a legacy line above 15, no fn), -EBUSY (the vector or GSI has a handler already),
 * -ENOSPC (no free vector), -ENODEV (no interrupt controller serves that
 * GSI). Call with the kernel lock held.
 */
int arch_irq_request(const struct irq_source *src, void (*fn)(void *arg), void *arg);

/*
 * arch_mmio_map - a kernel address for the device registers at physical
 * [pa, pa+len) (any alignment; len > 0), mapped uncached and not
 * executable; NULL if out of memory or address space. Mappings are never
 * removed. Access the registers with volatile loads and stores of their
 * width (each is a VM exit under virtualization: keep them out of hot
 * paths).
 */
void *arch_mmio_map(uint64_t pa, uint64_t len);

#endif
