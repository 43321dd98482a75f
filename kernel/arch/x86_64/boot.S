/*
 * Entry points.
 *
 * _start64: from the Bothy monitor, already in 64-bit mode at CPL 0, with
 *   paging on (the monitor's map of RAM at KERNEL_VBASE), %rdi = virtual
 *   address of struct bothy_boot_info.
 * pvh_start32: from QEMU's PVH loader (Xen PVH boot ABI: 32-bit protected
 *   mode, paging off, %ebx = physical address of struct hvm_start_info).
 *
 * Both switch to boot_pml4, which maps physical [0, 2 GiB) at KERNEL_VBASE
 * with 2 MiB pages (and, until arch_boot_done, at 0 for the PVH switch).
 */
#include <arch/x86.h>
#include <bothy/abi.h>
#define KERNEL_VBASE 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VBASE)

	.section .note.Xen, "a"
	.p2align 2
	.long 4f - 3f		/* namesz */
	.long 6f - 5f		/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
3:	.asciz "Xen"
4:	.p2align 2
5:	.long PHYS(pvh_start32)
6:	.p2align 2

	.section .note.bothy, "a"
	.p2align 2
	.long 6			/* strlen("Bothy") + 1 */
	.long 4
	.long BOTHY_NOTE_ABI
	.asciz "Bothy"
	.p2align 2
	.long BOTHY_ABI_VERSION

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov %ebx, %esi			/* hvm_start_info, kept for later */
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_SCE | EFER_NXE), %eax
	wrmsr
	mov $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	lgdt PHYS(boot_gdtr32)
	ljmp $GDT_KERNEL_CS, $PHYS(1f)
	.code64
1:	movabs $2f, %rax
	jmp *%rax
2:	mov $GDT_KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	lea boot_stack_top(%rip), %rsp
	mov %esi, %edi
	call pvh_main			/* fills boot_info from hvm_start_info */
	jmp 3f

	.globl _start64
_start64:
	cld
	lea boot_stack_top(%rip), %rsp
	mov $PHYS(boot_pml4), %eax
	mov %rax, %cr3
	call bothy_main			/* checks the monitor's boot_info */
3:	call kmain
	ud2

/*
 * ap_start64: another CPU, started by the monitor (BOTHY_HC_CPU_ON) in
 * 64-bit mode on the monitor's page tables, %rsp = a boot stack, %rdi =
 * its struct cpu. It moves to the kernel's page tables and goes to C.
 */
	.globl ap_start64
ap_start64:
	cld
	mov $PHYS(boot_pml4), %eax
	mov %rax, %cr3
	call ap_main
	ud2

	/* The boot page tables. PDs map 2 MiB pages, P|RW|A|D|PS. */
	.section .data.pagetables, "aw"
	.p2align 12
	.globl boot_pml4
boot_pml4:
	.quad PHYS(boot_pdpt_low) + 3
	.fill 510, 8, 0
	.quad PHYS(boot_pdpt_high) + 3
boot_pdpt_low:
	.quad PHYS(boot_pd) + 3
	.quad PHYS(boot_pd) + 0x1000 + 3
	.fill 510, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad PHYS(boot_pd) + 3
	.quad PHYS(boot_pd) + 0x1000 + 3
boot_pd:
	i = 0
	.rept 1024
	.quad (i << 21) | 0xe3
	i = i + 1
	.endr

	/* A GDT good enough to reach 64-bit code; cpu.c loads the real one. */
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 */
	.quad 0x00af9a000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x18: data */
boot_gdtr32:
	.word 4 * 8 - 1
	.long PHYS(boot_gdt)

	.section .bss
	.p2align 12
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
