/*
 * x86_64 signal frames, laid out as Linux lays them out (struct
 * rt_sigframe in arch/x86/kernel/signal.c; struct ucontext and struct
 * sigcontext of the UAPI headers), so that glibc's and musl's handlers,
 * their ucontext_t and their __restore_rt (rt_sigreturn) work unchanged:
 *
 *   frame ->  pretcode (sa_restorer)          <- rsp at the handler's entry
 *             struct ucontext (304 bytes)
 *             siginfo_t (128 bytes)
 *   ...       the FPU state, FXSAVE format (512 bytes, 64-byte aligned)
 *
 * The FPU state is saved with fxsave: xsave kills the VM on PVM
 * (../shared/reference/kvm-on-these-machines.md), and the kernel leaves
 * CR4.OSXSAVE clear, so there is no AVX state to save.
 */
#include <arch.h>
#include <arch/trapframe.h>
#include <arch/x86.h>
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <string.h>

struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct sigcontext_k) == 256, "struct sigcontext");

struct ucontext_k {
	uint64_t uc_flags, uc_link;
	struct sigaltstack_k uc_stack;
	struct sigcontext_k uc_mcontext;
	uint64_t uc_sigmask;
};
_Static_assert(sizeof(struct ucontext_k) == 304, "struct ucontext");

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext_k uc;
	struct siginfo_k info;
};

#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FXSAVE_SIZE          512
#define RED_ZONE             128
#define RFLAGS_DF            0x400ull
#define RFLAGS_TF            0x100ull

static uint8_t fpu_buf[FXSAVE_SIZE] __attribute__((aligned(16)));

/* MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK; 0 means 0xffbf):
 * fxrstor of any other bit would #GP in the kernel. */
static uint32_t mxcsr_mask(void)
{
	static uint32_t mask;

	if (!mask) {
		asm volatile("fxsave %0" : "=m"(fpu_buf));
		memcpy(&mask, fpu_buf + 28, 4);
		if (!mask)
			mask = 0xffbf;
	}
	return mask;
}

static int on_stack(const struct sigaltstack_k *alt, uint64_t sp)
{
	return alt && !(alt->flags & SS_DISABLE) && sp > alt->sp && sp - alt->sp <= alt->size;
}

int arch_signal_setup(void *regs, const struct siginfo_k *info, const struct kernel_sigaction *ka,
                      uint64_t saved_mask, const struct sigaltstack_k *alt)
{
	struct trapframe *tf = regs;
	struct rt_sigframe f;
	uint64_t sp = tf->rsp - RED_ZONE, fp;

	if (!(ka->flags & SA_RESTORER))
		return -EFAULT; /* x86_64 handlers return through sa_restorer */
	if ((ka->flags & SA_ONSTACK) && alt && !(alt->flags & SS_DISABLE) &&
	    !on_stack(alt, tf->rsp))
		sp = alt->sp + alt->size;
	fp = (sp - FXSAVE_SIZE) & ~63ull;
	mxcsr_mask();
	asm volatile("fxsave %0" : "=m"(fpu_buf));
	if (copy_to_user(fp, fpu_buf, FXSAVE_SIZE))
		return -EFAULT;
	sp = ((fp - sizeof(f)) & ~15ull) - 8; /* as after a call: (rsp + 8) % 16 == 0 */

	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (alt) {
		f.uc.uc_stack = *alt;
		if (on_stack(alt, tf->rsp))
			f.uc.uc_stack.flags = SS_ONSTACK;
	}
	f.uc.uc_mcontext = (struct sigcontext_k){
	    .r8 = tf->r8,
	    .r9 = tf->r9,
	    .r10 = tf->r10,
	    .r11 = tf->r11,
	    .r12 = tf->r12,
	    .r13 = tf->r13,
	    .r14 = tf->r14,
	    .r15 = tf->r15,
	    .rdi = tf->rdi,
	    .rsi = tf->rsi,
	    .rbp = tf->rbp,
	    .rbx = tf->rbx,
	    .rdx = tf->rdx,
	    .rax = tf->rax,
	    .rcx = tf->rcx,
	    .rsp = tf->rsp,
	    .rip = tf->rip,
	    .eflags = tf->rflags,
	    .cs = tf->cs,
	    .ss = tf->ss,
	    .err = tf->error,
	    .trapno = tf->vector,
	    .oldmask = saved_mask,
	    .cr2 = info->signo == 11 || info->signo == 7 ? info->addr : 0,
	    .fpstate = fp,
	};
	f.uc.uc_sigmask = saved_mask;
	f.info = *info;
	if (copy_to_user(sp, &f, sizeof(f)))
		return -EFAULT;

	tf->rip = ka->handler;
	tf->rsp = sp;
	tf->rdi = (uint64_t)info->signo;
	tf->rsi = sp + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = sp + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF);
	tf->cs = GDT_USER_CS;
	tf->ss = GDT_USER_DS;
	return 0;
}

/* A user address the CPU can return to: canonical and below the kernel. */
static int user_address(uint64_t a)
{
	return a < 0x0000800000000000ull;
}

int arch_signal_return(void *regs, uint64_t *mask, struct sigaltstack_k *alt)
{
	struct trapframe *tf = regs;
	struct ucontext_k uc;
	const struct sigcontext_k *m = &uc.uc_mcontext;
	uint32_t mxcsr;

	/* The handler's ret popped pretcode: the frame starts 8 bytes below. */
	if (copy_from_user(&uc, tf->rsp - 8 + __builtin_offsetof(struct rt_sigframe, uc),
	                   sizeof(uc)) ||
	    !user_address(m->rip) || !user_address(m->rsp))
		return -EFAULT;
	if (m->fpstate) {
		if (copy_from_user(fpu_buf, m->fpstate, FXSAVE_SIZE))
			return -EFAULT;
		memcpy(&mxcsr, fpu_buf + 24, 4);
		mxcsr &= mxcsr_mask();
		memcpy(fpu_buf + 24, &mxcsr, 4);
		asm volatile("fxrstor %0" : : "m"(fpu_buf));
	}
	tf->r8 = m->r8, tf->r9 = m->r9, tf->r10 = m->r10, tf->r11 = m->r11;
	tf->r12 = m->r12, tf->r13 = m->r13, tf->r14 = m->r14, tf->r15 = m->r15;
	tf->rdi = m->rdi, tf->rsi = m->rsi, tf->rbp = m->rbp, tf->rbx = m->rbx;
	tf->rdx = m->rdx, tf->rax = m->rax, tf->rcx = m->rcx, tf->rsp = m->rsp;
	tf->rip = m->rip;
	tf->rflags = (m->eflags & RFLAGS_USER) | RFLAGS_IF | 2; /* as a system call returns */
	tf->cs = GDT_USER_CS;
	tf->ss = GDT_USER_DS;
	*mask = uc.uc_sigmask;
	*alt = uc.uc_stack;
	return 0;
}
