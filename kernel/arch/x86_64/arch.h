/* x86_64-private declarations shared by the files of kernel/arch/x86_64. */
#ifndef X86_64_ARCH_PRIV_H
#define X86_64_ARCH_PRIV_H
#include <arch.h>
#include <arch/trapframe.h>
#include <arch/x86.h>

extern uint64_t boot_pml4[512];

/* sysret_frame - make the system call's frame tf return as SYSRET would:
 * to %rcx, with the flags SYSCALL saved in %r11 (and interrupts on), in
 * the program's segments; %rax is the caller's to set. */
static inline void sysret_frame(struct trapframe *tf)
{
	tf->rip = tf->rcx;
	tf->rflags = (tf->r11 & RFLAGS_USER) | RFLAGS_IF | 2;
	tf->cs = GDT_USER_CS;
	tf->ss = GDT_USER_DS;
}
/* hc_call - a hypercall of the Bothy monitor: arg is the call's struct. */
void hc_call(unsigned nr, void *arg);
/* arch_kstack_top - the top of the kernel stack that traps from the
 * program land on (TSS rsp0 and IST1). */
uint64_t arch_kstack_top(void);
/* The local APIC (apic.c): apic_init - on the boot CPU, after the clock;
 * apic_init_cpu - each CPU's own; apic_eoi - end of an interrupt. */
void apic_init(void);
void apic_init_cpu(void);
void apic_eoi(void);
/* irq_dispatch - (ioapic.c) run the handler of device vector `vector`
 * (irq.h), then signal the end of the interrupt. Kernel lock held. */
void irq_dispatch(unsigned vector);
/* arch_cpu_alloc - a CPU's descriptor tables and stacks (cpu.c). */
void *arch_cpu_alloc(void);
/* mmu_map_mmio - a kernel address for the device page at physical pa
 * (uncached); NULL if out of memory. */
void *mmu_map_mmio(uint64_t pa);
/* fault_report - print the registers of a kernel fault and end the VM. */
__noreturn void fault_report(struct trapframe *tf, const char *what);

#endif
