/* x86_64 architecture definitions: selectors, MSRs, control registers. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

/* Linux's GDT layout: SYSCALL/SYSRET need it, and PVM requires it. */
#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_USER32_CS 0x23
#define GDT_USER_DS   0x2b
#define GDT_USER_CS   0x33
#define GDT_TSS       0x40

#define MSR_EFER    0xc0000080
#define MSR_STAR    0xc0000081
#define MSR_LSTAR   0xc0000082
#define MSR_SFMASK  0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE      0x1b
#define MSR_TSC_DEADLINE   0x6e0
#define MSR_X2APIC_BASE    0x800 /* + xAPIC register offset / 16 */

/* Interrupt vectors (BOTHY_VECTOR_EVENT, 0xec, is the monitor's). */
#define VEC_TIMER    0xef
/* Device interrupts (irq.h): the Bothy monitor's BOTHY_VECTOR_VIRTIO + n
 * from the bottom, I/O APIC pins from the top. */
#define VEC_DEVICE_FIRST 0xd0
#define VEC_DEVICE_LAST  0xdf
#define VEC_TLB      0xfc
#define VEC_RESCHED  0xfd
#define VEC_SPURIOUS 0xff
#define EFER_SCE    (1 << 0)
#define EFER_LME    (1 << 8)
#define EFER_LMA    (1 << 10)
#define EFER_NXE    (1 << 11)

#define CR0_PE         (1 << 0)
#define CR0_MP         (1 << 1)
#define CR0_ET         (1 << 4)
#define CR0_NE         (1 << 5)
#define CR0_WP         (1 << 16)
#define CR0_AM         (1 << 18)
#define CR0_PG         (1u << 31)
#define CR4_PAE        (1 << 5)
#define CR4_OSFXSR     (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)

/* The user page that SYSCALL lands on (LSTAR); see entry.S. */
#define USER_STUB_VA 0x00007ffffffff000ull

#define RFLAGS_IF (1 << 9)
/* Flags a program may set: CF PF AF ZF SF TF DF OF AC ID. */
#define RFLAGS_USER 0x240dd5ull

#endif
