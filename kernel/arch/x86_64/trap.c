/*
 * Exceptions: system calls arriving through the #UD of the SYSCALL stub
 * (entry.S), page faults that populate memory, faults of the program that
 * become signals, and faults of the kernel that end the VM with a report.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <linux_abi.h>
#include <mm.h>
#include <sched.h>
#include <string.h>
#include <syscall.h>

#include "arch.h"

#define PF_WRITE (1u << 1)
#define PF_USER  (1u << 2)
#define PF_INSTR (1u << 4)

static const char *const vector_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
};

void *arch_syscall_regs(void)
{
	return current->syscall_regs;
}

void arch_syscall_regs_replaced(void)
{
	current->syscall_replaced = 1;
}

uint64_t arch_user_sp(void)
{
	struct trapframe *tf = current->syscall_regs;

	return tf ? tf->rsp : 0;
}

long arch_syscall_result(void *regs)
{
	return (long)((struct trapframe *)regs)->rax;
}

void arch_syscall_set_result(void *regs, long v)
{
	((struct trapframe *)regs)->rax = (uint64_t)v;
}

void arch_syscall_restart(void *regs, long nr)
{
	struct trapframe *tf = regs;

	tf->rax = (uint64_t)nr;
	tf->rip -= 2; /* back onto the 2-byte SYSCALL instruction */
}

struct user_context {
	struct trapframe tf;
	uint64_t fs_base;
};

void *arch_user_context_save(void)
{
	struct user_context *c = kmalloc(sizeof(*c));
	struct trapframe *tf = current->syscall_regs;

	if (!c || !tf) {
		kfree(c);
		return NULL;
	}
	c->tf = *tf;
	sysret_frame(&c->tf); /* as do_syscall() will return */
	c->fs_base = current->arch.fs_base;
	return c;
}

void arch_user_set_sp(uint64_t sp)
{
	struct trapframe *tf = current->syscall_regs;

	if (tf)
		tf->rsp = sp;
}

extern char trap_return[];

void arch_user_context_resume(void *ctx, long ret)
{
	struct user_context *c = ctx;
	struct trapframe *top = (struct trapframe *)(arch_kstack_top() - sizeof(*top));

	*top = c->tf;
	top->rax = (uint64_t)ret;
	arch_set_tls(c->fs_base);
	kfree(c);
	current->syscall_regs = NULL;
	sched_user_return(top);
	asm volatile("mov %0, %%rsp\n\tjmp trap_return" : : "r"(top) : "memory");
	__builtin_unreachable();
}

static void do_syscall(struct trapframe *tf)
{
	const long args[6] = {(long)tf->rdi, (long)tf->rsi, (long)tf->rdx,
	                      (long)tf->r10, (long)tf->r8,  (long)tf->r9};
	struct thread *t = current;
	long r;

	t->syscall_regs = tf;
	t->syscall_replaced = 0;
	t->syscall_nr = (long)tf->rax;
	r = syscall_dispatch(tf->rax, args);
	if (!t->syscall_replaced) {
		tf->rax = (uint64_t)r;
		sysret_frame(tf);
	} else
		t->syscall_nr = -1; /* the frame is the signal's: nothing to restart */
}

/* The signal and siginfo of a fault of the program (Linux's do_trap and
 * do_page_fault give the same). */
static void user_signal(const struct trapframe *tf, uint64_t addr, struct siginfo_k *info)
{
	memset(info, 0, sizeof(*info));
	info->addr = tf->rip;
	switch (tf->vector) {
	case 0:
		info->signo = SIGFPE, info->code = FPE_INTDIV;
		break;
	case 16:
	case 19:
		info->signo = SIGFPE;
		break;
	case 1:
	case 3:
		info->signo = SIGTRAP, info->code = SI_KERNEL, info->addr = 0;
		break;
	case 6:
		info->signo = SIGILL, info->code = ILL_ILLOPN;
		break;
	case 17:
		info->signo = SIGBUS, info->code = BUS_ADRERR;
		break;
	case 14:
		info->signo = SIGSEGV, info->addr = addr;
		info->code = vm_mapped(addr) ? SEGV_ACCERR : SEGV_MAPERR;
		break;
	default: /* #GP and the rest */
		info->signo = SIGSEGV, info->code = SI_KERNEL, info->addr = 0;
	}
}

static unsigned pf_access(uint64_t error)
{
	if (error & PF_INSTR)
		return PROT_EXEC;
	return error & PF_WRITE ? PROT_WRITE : PROT_READ;
}

void fault_report(struct trapframe *tf, const char *what)
{
	struct bothy_hc_panic p = {
	    .vector = tf ? tf->vector : ~0ull,
	    .error = tf ? tf->error : 0,
	    .cr2 = read_cr2(),
	};
	uint64_t fp;

	asm volatile("mov %%rbp, %0" : "=r"(fp));
	if (tf) {
		p.rip = tf->rip, p.rsp = tf->rsp, p.rbp = tf->rbp, p.rflags = tf->rflags;
		fp = tf->rbp;
		printk("bothy kernel: %s at rip %lx (error %lx, address %lx)\n", what,
		       (unsigned long)tf->rip, (unsigned long)tf->error, (unsigned long)p.cr2);
		printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		       tf->rdx);
		printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		       tf->rsp);
		printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10,
		       tf->r11);
		printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14,
		       tf->r15);
		printk("  cs %lx ss %lx rflags %lx\n", tf->cs, tf->ss, tf->rflags);
	}
	p.nframes = arch_backtrace(fp, p.frames, BOTHY_PANIC_FRAMES);
	platform->fault(&p);
}

/* An interrupt: the timer, the monitor's event, another CPU's request, a
 * device. It comes from the program or from the idle loop (the kernel
 * runs with interrupts off elsewhere). */
static void interrupt(struct trapframe *tf, int from_user)
{
	struct cpu *c;

	if (tf->vector == VEC_SPURIOUS)
		return;
	if (tf->vector == VEC_TLB) { /* no lock: the sender holds it, waiting */
		c = this_cpu();
		mmu_flush_local();
		__atomic_store_n(&c->tlb_seen, tlb_gen, __ATOMIC_SEQ_CST);
		apic_eoi();
		return;
	}
	if (tf->vector >= VEC_DEVICE_FIRST && tf->vector <= VEC_DEVICE_LAST) {
		/* A device's (irq.h): the end of interrupt after the handler,
		 * which deasserts a level-triggered line. */
		kernel_lock();
		irq_dispatch((unsigned)tf->vector);
	} else {
		apic_eoi();
		kernel_lock();
		if (tf->vector == VEC_TIMER)
			sched_timer_irq();
		else if (tf->vector == BOTHY_VECTOR_EVENT)
			sched_event_irq();
	}
	/* VEC_RESCHED: the way out looks at the run queue and the signals */
	if (from_user)
		sched_user_return(tf);
	else {
		c = this_cpu();
		__atomic_store_n(&c->where, CPU_IDLE, __ATOMIC_SEQ_CST);
		kernel_unlock();
	}
}

void trap_handler(struct trapframe *tf)
{
	int syscall = tf->vector == 6 && tf->rip == USER_STUB_VA;
	int from_user = (tf->cs & 3) == 3 || syscall;
	uint64_t addr = tf->vector == 14 ? read_cr2() : 0;

	if (tf->vector >= 32) {
		interrupt(tf, from_user);
		return;
	}
	if (from_user)
		kernel_lock();
	if (syscall) {
		do_syscall(tf);
		sched_user_return(tf);
		return;
	}
	if (tf->vector == 14 && addr < 0x0000800000000000ull &&
	    vm_fault(addr, pf_access(tf->error)) == 0) {
		if (from_user)
			sched_user_return(tf);
		return;
	}
	if (from_user) {
		struct siginfo_k info;
		user_signal(tf, addr, &info);
		signal_fault(tf, &info, addr); /* to its handler, or the end */
		sched_user_return(tf);
		return;
	}
	fault_report(tf, tf->vector < 32 && vector_names[tf->vector] ? vector_names[tf->vector]
	                                                             : "exception");
}

void arch_panic(void)
{
	fault_report(NULL, "panic");
}
