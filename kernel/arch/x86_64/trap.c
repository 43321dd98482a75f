/*
 * Exceptions: system calls arriving through the #UD of the SYSCALL stub
 * (entry.S), page faults that populate memory, faults of the program that
 * become signals, and faults of the kernel that end the VM with a report.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <linux_abi.h>
#include <mm.h>
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

/* The frame of the system call in progress (one CPU, one thread), and
 * whether rt_sigreturn(2) replaced it whole. */
static struct trapframe *syscall_tf;
static int syscall_tf_replaced;

void *arch_syscall_regs(void)
{
	return syscall_tf;
}

void arch_syscall_regs_replaced(void)
{
	syscall_tf_replaced = 1;
}

uint64_t arch_user_sp(void)
{
	return syscall_tf ? syscall_tf->rsp : 0;
}

struct user_context {
	struct trapframe tf;
	uint64_t fs_base;
};

void *arch_user_context_save(void)
{
	struct user_context *c = kmalloc(sizeof(*c));

	if (!c || !syscall_tf) {
		kfree(c);
		return NULL;
	}
	c->tf = *syscall_tf;
	c->tf.rip = c->tf.rcx; /* as do_syscall() will return */
	c->tf.rflags = (c->tf.r11 & RFLAGS_USER) | 2;
	c->tf.cs = GDT_USER_CS;
	c->tf.ss = GDT_USER_DS;
	c->fs_base = rdmsr(MSR_FS_BASE);
	return c;
}

void arch_user_set_sp(uint64_t sp)
{
	if (syscall_tf)
		syscall_tf->rsp = sp;
}

extern char trap_return[];

void arch_user_context_resume(void *ctx, long ret)
{
	struct user_context *c = ctx;
	struct trapframe *top = (struct trapframe *)(arch_kstack_top() - sizeof(*top));

	*top = c->tf;
	top->rax = (uint64_t)ret;
	wrmsr(MSR_FS_BASE, c->fs_base);
	kfree(c);
	asm volatile("mov %0, %%rsp\n\tjmp trap_return" : : "r"(top) : "memory");
	__builtin_unreachable();
}

static void do_syscall(struct trapframe *tf)
{
	const long args[6] = {(long)tf->rdi, (long)tf->rsi, (long)tf->rdx,
	                      (long)tf->r10, (long)tf->r8,  (long)tf->r9};

	long r;

	syscall_tf = tf;
	syscall_tf_replaced = 0;
	r = syscall_dispatch(tf->rax, args);
	if (!syscall_tf_replaced) {
		/* Return as SYSRET would: to %rcx with the flags SYSCALL saved in %r11. */
		tf->rax = (uint64_t)r;
		tf->rip = tf->rcx;
		tf->rflags = (tf->r11 & RFLAGS_USER) | 2;
		tf->cs = GDT_USER_CS;
		tf->ss = GDT_USER_DS;
	}
	signal_deliver(tf);
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

void trap_handler(struct trapframe *tf)
{
	int from_user = (tf->cs & 3) == 3;
	uint64_t addr = tf->vector == 14 ? read_cr2() : 0;

	if (tf->vector == 6 && tf->rip == USER_STUB_VA) {
		do_syscall(tf);
		return;
	}
	if (tf->vector == 14 && addr < 0x0000800000000000ull && !(tf->error & 1) &&
	    vm_fault(addr, pf_access(tf->error)) == 0)
		return;
	if (from_user) {
		struct siginfo_k info;
		user_signal(tf, addr, &info);
		signal_fault(tf, &info, addr); /* to its handler, or the end */
		return;
	}
	fault_report(tf, tf->vector < 32 && vector_names[tf->vector] ? vector_names[tf->vector]
	                                                             : "exception");
}

void arch_panic(void)
{
	fault_report(NULL, "panic");
}
