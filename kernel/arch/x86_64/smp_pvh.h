/*
 * Starting the other CPUs under PVH boot (QEMU `-smp N`): smp_pvh.c finds
 * them in the ACPI MADT and starts them with INIT-SIPI-SIPI at the
 * real-mode trampoline of smp_trampoline.S.
 */
#ifndef X86_64_SMP_PVH_H
#define X86_64_SMP_PVH_H

/*
 * The physical page the other CPUs start at (STARTUP IPI vector 0x08: CS
 * 0x0800, IP 0). Conventional memory below 1 MiB: mm_setup() keeps all of
 * [0, kernel_end) out of page_alloc(), and under PVH nothing the kernel
 * keeps lives there (QEMU's start info, memory map and ACPI tables are
 * read in pvh_main(); the initrd is above the kernel).
 */
#define SMP_TRAMPOLINE_PA 0x8000

#ifndef __ASSEMBLER__
#include <bothy/abi.h>

#include "pvh.h"

/*
 * pvh_cpus_find - the usable CPUs (at most BOTHY_CPUS_MAX) from the ACPI
 * MADT that the PVH start info or the BIOS area (0xe0000-0xfffff) points
 * to, the boot CPU first; remembers their APIC IDs for pvh_cpu_on().
 * Returns 1 (and says why at `log_level` WARN or INFO) when the tables are
 * missing, malformed or out of reach. Runs in pvh_main(), before mm_init().
 */
unsigned pvh_cpus_find(const struct hvm_start_info *si, unsigned log_level);

/*
 * pvh_cpu_on - platform->cpu_on under PVH: start CPU on->cpu (1..cpus-1)
 * at on->rip (64-bit, kernel address) with %rsp = on->rsp, %rdi =
 * on->arg, interrupts off, on a page table that maps the kernel. Returns
 * (and stores in on->ret) 0 once the STARTUP IPIs are sent, -EINVAL for a
 * CPU out of range, -EBUSY if it was started already, -ENOMEM, or -EIO if
 * the local APIC did not take the IPIs. abi.h, struct bothy_hc_cpu_on.
 */
int pvh_cpu_on(struct bothy_hc_cpu_on *on);

/*
 * apic_send_init_sipi - (apic.c) start the CPU with local APIC ID apic_id
 * at real-mode address vector_page (4 KiB aligned, below 1 MiB): INIT,
 * 10 ms, STARTUP, 200 us, STARTUP, 200 us (Intel SDM vol. 3, 8.4.4.1;
 * MP spec 1.4, B.4). 0, -EINVAL for an APIC ID or page out of range, -EIO
 * if the interrupt command register stays busy.
 */
int apic_send_init_sipi(uint32_t apic_id, uint64_t vector_page);

/*
 * The I/O APICs and the ISA interrupt source overrides of the MADT, as
 * pvh_cpus_find() found them (none if it found no MADT), for ioapic.c.
 * override flags: MPS INTI flags (bits 0-1 polarity: 3 = active low;
 * bits 2-3 trigger mode: 3 = level).
 */
#define PVH_IOAPICS_MAX 4
#define PVH_ISO_MAX     16
struct pvh_ioapic {
	uint64_t pa;
	uint32_t gsi_base;
};
struct pvh_irq_override {
	uint8_t source; /* ISA IRQ */
	uint16_t flags;
	uint32_t gsi;
};
extern struct pvh_ioapic pvh_ioapics[PVH_IOAPICS_MAX];
extern unsigned pvh_nioapics;
extern struct pvh_irq_override pvh_irq_overrides[PVH_ISO_MAX];
extern unsigned pvh_nirq_overrides;
#endif

#endif
