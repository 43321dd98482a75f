/*
 * The real-mode trampoline of the other CPUs under PVH boot (smp_pvh.c
 * copies it to SMP_TRAMPOLINE_PA and fills smp_trampoline_data, then sends
 * INIT-SIPI-SIPI).
 *
 * A STARTUP IPI with vector SMP_TRAMPOLINE_PA >> 12 starts the CPU here in
 * real mode (CS = SMP_TRAMPOLINE_PA >> 4, IP = 0, interrupts off). It
 * goes to 32-bit protected mode with its own GDT (the layout of boot.S's),
 * enables PAE, long mode and paging on the trampoline page table (the low
 * 2 MiB identity-mapped, the kernel at KERNEL_VBASE) as pvh_start32 does,
 * then in 64-bit mode loads %rsp and %rdi and jumps to the 64-bit entry
 * point (ap_start64, which switches to the kernel's page table).
 *
 * Code and data are addressed absolutely (TRAMP()), as the copy runs at
 * SMP_TRAMPOLINE_PA; the bytes here are never executed in place.
 */
#include <arch/x86.h>

#include "smp_pvh.h"

#define TRAMP(x) (SMP_TRAMPOLINE_PA + ((x) - smp_trampoline))

	.section .rodata.smp_trampoline, "a"
	.p2align 4
	.globl smp_trampoline
	.code16
smp_trampoline:
	cli
	cld
	lgdtl %cs:(tr_gdtr - smp_trampoline)
	mov $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $0x08, $TRAMP(1f)		/* 32-bit code */

	.code32
1:	mov $GDT_KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov %eax, %cr4
	mov TRAMP(tr_cr3), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_SCE | EFER_NXE), %eax
	wrmsr
	mov $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	ljmp $GDT_KERNEL_CS, $TRAMP(2f)

	.code64
2:	mov TRAMP(tr_rsp), %rsp
	mov TRAMP(tr_arg), %rdi
	jmp *TRAMP(tr_rip)

	.p2align 3
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00af9a000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x18: data */
tr_gdtr:
	.word 4 * 8 - 1
	.long TRAMP(tr_gdt)

	/* struct smp_trampoline_data (smp_pvh.c), filled for each CPU. */
	.p2align 3
	.globl smp_trampoline_data
smp_trampoline_data:
tr_cr3:	.quad 0		/* the trampoline page table, below 4 GiB */
tr_rip:	.quad 0
tr_rsp:	.quad 0
tr_arg:	.quad 0
	.globl smp_trampoline_end
smp_trampoline_end:

	.section .note.GNU-stack, "", @progbits
