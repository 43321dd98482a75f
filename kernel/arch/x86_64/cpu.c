/*
 * CPU setup: the GDT (Linux's layout), the TSS with the kernel stack for
 * traps from ring 3 (rsp0, ist1) and a separate one for double faults
 * (ist2), the IDT, and the SYSCALL MSRs.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <kernel.h>
#include <mm.h>
#include <sched.h>
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

/* What each CPU has of its own: its TSS (kernel stack of the running
 * thread), the GDT holding that TSS, and a double-fault stack. */
struct x86_cpu {
	struct tss tss __attribute__((aligned(16)));
	uint64_t gdt[10] __attribute__((aligned(16)));
	uint64_t fs_base; /* what MSR_FS_BASE holds */
	uint8_t dfstack[4096] __attribute__((aligned(16)));
};

static struct x86_cpu bsp;
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t kstack[65536] __attribute__((aligned(16)));
extern const uint64_t trap_stubs[32];
extern const uint64_t irq_stubs[][2];
extern const char _user_stub[];

static const uint64_t gdt_template[10] = {
    [1] = 0x00cf9a000000ffff, /* 0x08: kernel code, 32-bit (unused) */
    [2] = 0x00af9a000000ffff, /* 0x10: kernel code */
    [3] = 0x00cf92000000ffff, /* 0x18: kernel data */
    [4] = 0x00cffa000000ffff, /* 0x23: user code, 32-bit */
    [5] = 0x00cff2000000ffff, /* 0x2b: user data */
    [6] = 0x00affa000000ffff, /* 0x33: user code */
};

static void gdt_load(struct x86_cpu *x)
{
	uint64_t base = (uint64_t)&x->tss;
	uint64_t *gdt = x->gdt;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = {sizeof(x->gdt) - 1, (uint64_t)gdt};

	memcpy(gdt, gdt_template, sizeof(gdt_template));
	gdt[8] = (sizeof(x->tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
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

static void idt_gate(int v, uint64_t a, uint8_t ist)
{
	idt[v] = (struct idt_gate){(uint16_t)a,         GDT_KERNEL_CS,       ist, 0x8e,
	                           (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
}

static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};

	if (!idt[0].type_attr) {
		/* #UD carries system calls (entry.S): IST1; #DF: IST2. */
		for (int v = 0; v < 32; v++)
			idt_gate(v, trap_stubs[v], v == 6 ? 1 : v == 8 ? 2 : 0);
		for (int i = 0; irq_stubs[i][1]; i++)
			idt_gate((int)irq_stubs[i][0], irq_stubs[i][1], 0);
	}
	asm volatile("lidt %0" : : "m"(idtr));
}

/* Descriptor tables, the per-CPU pointer (GS) and the system-call MSRs of
 * the CPU this runs on. */
static void cpu_setup(struct cpu *c, struct x86_cpu *x, uint64_t kstack_top)
{
	c->self = c;
	c->arch = x;
	x->tss.rsp[0] = kstack_top;
	x->tss.ist[0] = kstack_top;
	x->tss.ist[1] = (uint64_t)(x->dfstack + sizeof(x->dfstack));
	x->tss.iomap_base = sizeof(x->tss);
	gdt_load(x);
	idt_load();
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* the program's */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, (uint64_t)GDT_USER32_CS << 48 | (uint64_t)GDT_KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, USER_STUB_VA);
	/* Clear IF, TF, DF, AC (and IOPL, NT) on SYSCALL, as Linux does. */
	wrmsr(MSR_SFMASK, 0x47700);
}

void arch_cpu_init(void)
{
	cpu_setup(&cpus[0], &bsp, (uint64_t)(kstack + sizeof(kstack)));
}

/* An application processor's first C code (ap_start64 in boot.S). */
__noreturn void ap_main(struct cpu *c)
{
	struct x86_cpu *x = c->arch;

	cpu_setup(c, x, 0);
	apic_init_cpu();
	__atomic_store_n(&x->fs_base, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->online, 1, __ATOMIC_SEQ_CST);
	sched_cpu_main(c);
}

void arch_timers_init(void)
{
	apic_init();
}

void *arch_cpu_alloc(void)
{
	return kmalloc(sizeof(struct x86_cpu));
}

uint64_t arch_user_stub_phys(void)
{
	return VIRT_TO_PHYS(_user_stub);
}

void *arch_main_kstack(uint64_t *size)
{
	*size = sizeof(kstack);
	return kstack;
}

uint64_t arch_kstack_top(void)
{
	return current->kstack_top;
}

void arch_set_tls(uint64_t fs_base)
{
	struct x86_cpu *x = this_cpu()->arch;

	current->arch.fs_base = fs_base;
	x->fs_base = fs_base;
	wrmsr(MSR_FS_BASE, fs_base);
}

/* --- threads ---------------------------------------------------------------- */

extern void arch_switch_stack(uint64_t *save, uint64_t load);
extern __noreturn void arch_load_stack(uint64_t load);
extern char thread_user_start[], thread_kernel_start[];

struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp, ret;
};

void arch_thread_new_user(struct thread *t, uint64_t sp)
{
	struct trapframe *tf = (struct trapframe *)(t->kstack_top - sizeof(*tf));
	struct switch_frame *f = (struct switch_frame *)tf - 1;
	const struct trapframe *parent = current->syscall_regs;

	*tf = *parent;
	tf->rax = 0;
	sysret_frame(tf); /* as the system call returns */
	if (sp)
		tf->rsp = sp;
	memset(f, 0, sizeof(*f));
	f->ret = (uint64_t)thread_user_start;
	t->arch.ksp = (uint64_t)f;
	t->arch.fs_base = current->arch.fs_base;
	asm volatile("fxsave %0" : "=m"(t->arch.fpu)); /* the caller's live state */
	t->arch.fpu_cpu = -1;
}

void arch_thread_new_kernel(struct thread *t, void (*fn)(void *), void *arg)
{
	/* One spare word: %rsp is 16-byte aligned at the call in thread_kernel_start. */
	struct switch_frame *f = (struct switch_frame *)(t->kstack_top - 16) - 1;

	memset(f, 0, sizeof(*f));
	f->r12 = (uint64_t)fn;
	f->r13 = (uint64_t)arg;
	f->ret = (uint64_t)thread_kernel_start;
	t->arch.ksp = (uint64_t)f;
}

/* FPU state: saved when a program thread leaves a CPU; restored when one
 * arrives, unless the registers still hold exactly its state. */
static void switch_in(struct cpu *c, struct thread *next)
{
	struct x86_cpu *x = c->arch;

	if (next->idle)
		return;
	if (!(c->fpu_live == next->tid && next->arch.fpu_cpu == c->id))
		asm volatile("fxrstor %0" : : "m"(next->arch.fpu));
	c->fpu_live = next->tid;
	if (x->fs_base != next->arch.fs_base) {
		x->fs_base = next->arch.fs_base;
		wrmsr(MSR_FS_BASE, x->fs_base);
	}
	x->tss.rsp[0] = x->tss.ist[0] = next->kstack_top;
}

void arch_switch(struct thread *prev, struct thread *next)
{
	struct cpu *c = this_cpu();

	if (!prev->idle) {
		asm volatile("fxsave %0" : "=m"(prev->arch.fpu));
		prev->arch.fpu_cpu = c->id;
	}
	switch_in(c, next);
	arch_switch_stack(&prev->arch.ksp, next->arch.ksp);
}

void arch_switch_first(struct thread *next)
{
	switch_in(this_cpu(), next);
	arch_load_stack(next->arch.ksp);
}
