/*
 * CPU setup: the GDT (Linux's layout), the TSS with the kernel stack for
 * traps from ring 3 (rsp0, ist1) and a separate one for double faults
 * (ist2), the IDT, and the SYSCALL MSRs.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <kernel.h>
#include <string.h>

#include "arch.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type_attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[32] __attribute__((aligned(16)));
static uint8_t kstack[65536] __attribute__((aligned(16)));
static uint8_t dfstack[4096] __attribute__((aligned(16)));
extern const uint64_t trap_stubs[32];
extern const char _user_stub[];

static uint64_t gdt[10] __attribute__((aligned(16))) = {
    [1] = 0x00cf9a000000ffff, /* 0x08: kernel code, 32-bit (unused) */
    [2] = 0x00af9a000000ffff, /* 0x10: kernel code */
    [3] = 0x00cf92000000ffff, /* 0x18: kernel data */
    [4] = 0x00cffa000000ffff, /* 0x23: user code, 32-bit */
    [5] = 0x00cff2000000ffff, /* 0x2b: user data */
    [6] = 0x00affa000000ffff, /* 0x33: user code */
};

static void gdt_load(void)
{
	uint64_t base = (uint64_t)&tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = {sizeof(gdt) - 1, (uint64_t)gdt};

	gdt[8] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
	         ((base >> 24) & 0xff) << 56;
	gdt[9] = base >> 32;
	asm volatile("lgdt %0\n\t"
	             "pushq %1\n\t"
	             "lea 1f(%%rip), %%rax\n\t"
	             "pushq %%rax\n\t"
	             "lretq\n"
	             "1:\n\t"
	             "mov %2, %%eax\n\t"
	             "mov %%eax, %%ss\n\t"
	             "mov %%eax, %%ds\n\t"
	             "mov %%eax, %%es\n\t"
	             "ltr %w3"
	             :
	             : "m"(gdtr), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "r"(GDT_TSS)
	             : "rax", "memory");
}

static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < 32; v++) {
		uint64_t a = trap_stubs[v];
		/* #UD carries system calls (entry.S): IST1; #DF: IST2. */
		uint8_t ist = v == 6 ? 1 : v == 8 ? 2 : 0;
		idt[v] = (struct idt_gate){(uint16_t)a,         GDT_KERNEL_CS,       ist, 0x8e,
		                           (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
	}
	asm volatile("lidt %0" : : "m"(idtr));
}

void arch_cpu_init(void)
{
	tss.rsp[0] = (uint64_t)(kstack + sizeof(kstack));
	tss.ist[0] = tss.rsp[0];
	tss.ist[1] = (uint64_t)(dfstack + sizeof(dfstack));
	tss.iomap_base = sizeof(tss);
	gdt_load();
	idt_load();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, (uint64_t)GDT_USER32_CS << 48 | (uint64_t)GDT_KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, USER_STUB_VA);
	/* Clear IF, TF, DF, AC (and IOPL, NT) on SYSCALL, as Linux does. */
	wrmsr(MSR_SFMASK, 0x47700);
}

uint64_t arch_user_stub_phys(void)
{
	return VIRT_TO_PHYS(_user_stub);
}

uint64_t arch_kstack_top(void)
{
	return (uint64_t)(kstack + sizeof(kstack));
}

void arch_set_tls(uint64_t fs_base)
{
	wrmsr(MSR_FS_BASE, fs_base);
}
