/*
 * Signals for one program on one vCPU, before threads and timers arrive
 * (signal(7)): actions, the mask, pending signals and the alternate stack.
 * A signal the program sends itself (kill, tgkill, raise, SIGPIPE)
 * becomes pending and is delivered on the way back from that system call;
 * a fault goes to its handler at once. Delivery runs the handler on a
 * frame Linux's layout (kernel/arch/x86_64/signal.c), or takes the default
 * action: ignore, or end the program with 128 + N and one line.
 */
#include <arch.h>
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <string.h>
#include <sys.h>

static struct kernel_sigaction actions[NSIG];
static uint64_t blocked;

#define BIT(sig)    (1ull << ((sig)-1))
#define UNBLOCKABLE (BIT(9) | BIT(19))                            /* SIGKILL, SIGSTOP */
#define SYNCHRONOUS (BIT(4) | BIT(5) | BIT(7) | BIT(8) | BIT(11)) /* ILL TRAP BUS FPE SEGV */

static uint64_t pending;
static struct siginfo_k pending_info[NSIG];
static struct sigaltstack_k altstack = {.flags = SS_DISABLE};
/* rt_sigsuspend's caller's mask, restored after the delivery it waits for. */
static uint64_t saved_mask;
static int has_saved_mask;

static const char *const signal_names[32] = {
    [1] = "SIGHUP",     [2] = "SIGINT",   [3] = "SIGQUIT",   [4] = "SIGILL",   [5] = "SIGTRAP",
    [6] = "SIGABRT",    [7] = "SIGBUS",   [8] = "SIGFPE",    [9] = "SIGKILL",  [10] = "SIGUSR1",
    [11] = "SIGSEGV",   [12] = "SIGUSR2", [13] = "SIGPIPE",  [14] = "SIGALRM", [15] = "SIGTERM",
    [16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT",  [19] = "SIGSTOP", [20] = "SIGTSTP",
    [21] = "SIGTTIN",   [22] = "SIGTTOU", [23] = "SIGURG",   [24] = "SIGXCPU", [25] = "SIGXFSZ",
    [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO",   [30] = "SIGPWR",
    [31] = "SIGSYS",
};

void proc_exit(int status)
{
	if (fork_in_child())
		fork_child_exit((status & 0xff) << 8); /* WEXITSTATUS */
	platform->exit(status & 0xff);
}

/* What fork(2) keeps aside for the parent: the child inherits actions,
 * mask and alternate stack, and starts with nothing pending. */
struct signal_state {
	struct kernel_sigaction actions[NSIG];
	uint64_t blocked, pending;
	struct siginfo_k pending_info[NSIG];
	struct sigaltstack_k altstack;
};

void *signal_snapshot(void)
{
	struct signal_state *s = kmalloc(sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s->actions, actions, sizeof(actions));
	memcpy(s->pending_info, pending_info, sizeof(pending_info));
	s->blocked = blocked;
	s->pending = pending;
	s->altstack = altstack;
	pending = 0;
	return s;
}

void signal_restore(void *p)
{
	struct signal_state *s = p;

	memcpy(actions, s->actions, sizeof(actions));
	memcpy(pending_info, s->pending_info, sizeof(pending_info));
	blocked = s->blocked;
	pending = s->pending;
	altstack = s->altstack;
	kfree(s);
}

void proc_block_forever(const char *what)
{
	printk("bothy: %s: %s would wait forever: no other thread can make progress\n",
	       proc_exe_path, what);
	platform->exit(BOTHY_EXIT_KERNEL_FAULT);
}

void signal_fatal(int sig, uint64_t addr, uint64_t ip)
{
	const char *name = sig > 0 && sig < 32 ? signal_names[sig] : "SIGRT";

	if (fork_in_child())
		fork_child_exit(sig & 0x7f); /* WTERMSIG: the parent sees it in wait4(2) */

	if (addr || ip) /* a fault */
		printk("bothy: %s: killed by signal %d (%s) at address %p, ip %p\n", proc_exe_path,
		       sig, name, (void *)addr, (void *)ip);
	else /* a signal it was sent (kill, raise, abort, SIGPIPE) */
		printk("bothy: %s: killed by signal %d (%s)\n", proc_exe_path, sig, name);
	platform->exit(128 + sig);
}

/* The default action of sig is to ignore it (signal(7)). */
static int default_ignored(int sig)
{
	return sig == 17 || sig == 23 || sig == 28 || sig == 18; /* CHLD URG WINCH CONT */
}

static int ignored(int sig)
{
	uint64_t h = actions[sig - 1].handler;

	return sig != 9 && (h == SIG_IGN || (h == SIG_DFL && default_ignored(sig)));
}

long signal_raise(int sig, int code)
{
	if (sig == 0)
		return 0;
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	if (ignored(sig))
		return 0;
	if (!(pending & BIT(sig))) { /* standard signals do not queue */
		memset(&pending_info[sig - 1], 0, sizeof(pending_info[0]));
		pending_info[sig - 1].signo = sig;
		pending_info[sig - 1].code = code;
		pending_info[sig - 1].kill.pid = (int32_t)fork_pid();
	}
	pending |= BIT(sig);
	return 0;
}

/* Enter the handler of info->signo, with `saved` as the mask to restore;
 * a frame that cannot be written ends the program with SIGSEGV. */
static void enter_handler(void *regs, const struct siginfo_k *info, uint64_t saved)
{
	struct kernel_sigaction *ka = &actions[info->signo - 1];

	if (arch_signal_setup(regs, info, ka, saved, &altstack))
		signal_fatal(SIGSEGV, 0, 0);
	blocked |= ka->mask;
	if (!(ka->flags & SA_NODEFER))
		blocked |= BIT(info->signo);
	blocked &= ~UNBLOCKABLE;
	if (ka->flags & SA_RESETHAND) {
		ka->handler = SIG_DFL;
		ka->flags &= ~SA_SIGINFO;
	}
}

/* The lowest pending signal that is not blocked (synchronous ones first),
 * taken off the pending set; 0 if none. */
static int next_signal(uint64_t mask, struct siginfo_k *info)
{
	uint64_t ready = pending & ~mask;
	int sig;

	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS)
		ready &= SYNCHRONOUS;
	sig = __builtin_ctzll(ready) + 1;
	pending &= ~BIT(sig);
	*info = pending_info[sig - 1];
	return sig;
}

/* Deliver one signal that next_signal() gave: its handler, or its default
 * action. 1 if a handler frame was built. */
static int deliver(void *regs, const struct siginfo_k *info, uint64_t saved)
{
	uint64_t h = actions[info->signo - 1].handler;

	if (h == SIG_IGN || (h == SIG_DFL && default_ignored(info->signo)))
		return 0;
	if (h == SIG_DFL)
		signal_fatal(info->signo, 0, 0);
	enter_handler(regs, info, saved);
	return 1;
}

void signal_deliver(void *regs)
{
	struct siginfo_k info;
	int entered = 0;

	while (!entered && next_signal(blocked, &info))
		/* the next one when the handler returns (rt_sigreturn) */
		entered = deliver(regs, &info, has_saved_mask ? saved_mask : blocked);
	if (has_saved_mask && !entered)
		blocked = saved_mask; /* rt_sigsuspend's mask ends here */
	has_saved_mask = 0;
}

void signal_fault(void *regs, const struct siginfo_k *info, uint64_t addr)
{
	uint64_t h = actions[info->signo - 1].handler;

	/* As Linux's force_sig_fault: a blocked or ignored fault kills. */
	if (h == SIG_DFL || h == SIG_IGN || (blocked & BIT(info->signo)))
		signal_fatal(info->signo, addr, info->addr);
	enter_handler(regs, info, blocked);
}

long sys_rt_sigreturn(void)
{
	void *regs = arch_syscall_regs();
	uint64_t mask;
	struct sigaltstack_k alt;

	if (!regs || arch_signal_return(regs, &mask, &alt))
		signal_fatal(SIGSEGV, 0, 0); /* a corrupt frame, as Linux */
	arch_syscall_regs_replaced();
	blocked = mask & ~UNBLOCKABLE;
	if (!(alt.flags & SS_ONSTACK)) /* restore_altstack(); errors are ignored */
		altstack =
		    alt.flags & SS_DISABLE ? (struct sigaltstack_k){.flags = SS_DISABLE} : alt;
	return 0;
}

long sys_rt_sigaction(long sig, long uact, long uold, long size)
{
	struct kernel_sigaction a;

	if (size != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (uact && (sig == 9 || sig == 19))
		return -EINVAL;
	if (uold && copy_to_user(uold, &actions[sig - 1], sizeof(a)))
		return -EFAULT;
	if (uact) {
		if (copy_from_user(&a, uact, sizeof(a)))
			return -EFAULT;
		actions[sig - 1] = a;
		if (ignored(sig)) /* setting SIG_IGN discards what is pending */
			pending &= ~BIT(sig);
	}
	return 0;
}

long sys_rt_sigprocmask(long how, long uset, long uold, long size)
{
	uint64_t set;

	if (size != 8)
		return -EINVAL;
	if (uold && copy_to_user(uold, &blocked, 8))
		return -EFAULT;
	if (!uset)
		return 0;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	switch (how) {
	case SIG_BLOCK:
		blocked |= set;
		return 0;
	case SIG_UNBLOCK:
		blocked &= ~set; /* what was pending is delivered on the way back */
		return 0;
	case SIG_SETMASK:
		blocked = set;
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_rt_sigpending(long uset, long size)
{
	uint64_t set = pending & blocked;

	if (size != 8)
		return -EINVAL;
	return copy_to_user(uset, &set, 8);
}

/* The program's sigset_t at uset (size bytes: 8) without SIGKILL and
 * SIGSTOP, which no mask or wait set can hold. 0, -EINVAL or -EFAULT. */
static long user_sigset(long uset, long size, uint64_t *set)
{
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(set, uset, 8))
		return -EFAULT;
	*set &= ~UNBLOCKABLE;
	return 0;
}

/* With one thread nothing else can send a signal while the program waits:
 * a wait that no pending signal ends would never end. */
long sys_rt_sigsuspend(long umask, long size)
{
	uint64_t mask;
	long r;

	if ((r = user_sigset(umask, size, &mask)))
		return r;
	if (!(pending & ~mask))
		proc_block_forever("rt_sigsuspend");
	/* Deliver under `mask` on the way back; the handler's frame keeps the
	 * mask to restore (Linux's saved_sigmask). */
	saved_mask = blocked;
	has_saved_mask = 1;
	blocked = mask;
	return -EINTR;
}

long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size)
{
	uint64_t set;
	struct siginfo_k info;
	int sig;
	long r;

	if ((r = user_sigset(uset, size, &set)))
		return r;
	if ((sig = next_signal(~set, &info))) {
		if (uinfo && copy_to_user(uinfo, &info, sizeof(info))) {
			pending |= BIT(sig);
			return -EFAULT;
		}
		return sig;
	}
	if (!uts)
		proc_block_forever("rt_sigtimedwait without a timeout");
	r = sys_nanosleep(uts, 0); /* nothing can arrive meanwhile */
	return r ? r : -EAGAIN;
}

long sys_sigaltstack(long uss, long uold)
{
	struct sigaltstack_k ss, old = altstack;
	uint64_t sp = arch_user_sp();

	if (altstack.flags != SS_DISABLE && sp > altstack.sp && sp - altstack.sp <= altstack.size)
		old.flags = SS_ONSTACK;
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (old.flags == SS_ONSTACK)
			return -EPERM;
		if (ss.flags & ~(SS_DISABLE | SS_ONSTACK | (int32_t)SS_AUTODISARM))
			return -EINVAL;
		if (ss.flags & SS_DISABLE)
			ss = (struct sigaltstack_k){.flags = SS_DISABLE};
		else if (ss.size < MINSIGSTKSZ)
			return -ENOMEM;
		else
			ss.flags = 0;
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	if (uss)
		altstack = ss;
	return 0;
}

/* pid_t arguments are ints: the upper half of the register is not ours. */
long sys_kill(long pid, long sig)
{
	int p = (int)pid;

	if (p != fork_pid() && p != 0 && p != -1)
		return -ESRCH; /* a forked child's parent is waiting: it cannot be signalled */
	return signal_raise((int)sig, SI_USER);
}

long sys_tgkill(long tgid, long tid, long sig)
{
	if ((int)tgid != fork_pid() || (int)tid != fork_pid())
		return -ESRCH;
	return signal_raise((int)sig, SI_TKILL);
}

long sys_tkill(long tid, long sig)
{
	return sys_tgkill(fork_pid(), tid, sig);
}
