/*
 * Signals (signal(7)): actions shared by all threads, a mask, pending set
 * and alternate stack per thread, and the process's own pending set. A
 * signal becomes pending, wakes a thread that can take it from an
 * interruptible wait (or interrupts its CPU), and is delivered on that
 * thread's way back to the program; a fault goes to its handler at once.
 * Delivery runs the handler on a frame in Linux's layout
 * (kernel/arch/x86_64/signal.c), or takes the default action: ignore, or
 * end the program with 128 + N and one line. A system call a signal
 * interrupted is restarted (-ERESTARTSYS under SA_RESTART, or when no
 * handler ran) or fails with EINTR, as Linux does.
 */
#include <arch.h>
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <sched.h>
#include <string.h>
#include <sys.h>

static struct kernel_sigaction actions[NSIG];

#define BIT(sig)    (1ull << ((sig)-1))
#define UNBLOCKABLE (BIT(9) | BIT(19))                            /* SIGKILL, SIGSTOP */
#define SYNCHRONOUS (BIT(4) | BIT(5) | BIT(7) | BIT(8) | BIT(11)) /* ILL TRAP BUS FPE SEGV */

/* Signals sent to the process (kill(2), the host, timers), taken by
 * whichever thread does not block them; each thread also has its own
 * (tgkill(2), SIGPIPE, faults) in struct thread. Neither queues: a signal
 * already pending is not sent twice (standard and real-time alike). */
static uint64_t shared_pending;
static struct siginfo_k shared_info[NSIG];

/* Real-time signals (32 and up) sent to the process queue, each with its
 * own siginfo, in the order sent (signal(7) "Real-time signals"); at most
 * RLIMIT_SIGPENDING of them. shared_info holds the first. */
struct sigq {
	struct siginfo_k info;
	struct sigq *next;
};
static struct sigq *rt_queue[NSIG];
static unsigned rt_queued; /* queued behind a pending one, process and threads */
#define SIGQUEUE_MAX 1024

/* RLIMIT_SIGPENDING: real-time signals pending for t (NULL: the process),
 * the first of each number and those queued behind it, as Linux counts. */
static int queue_full(struct thread *t)
{
	uint64_t rt = (t ? t->pending : shared_pending) >> 31;
	unsigned n = rt_queued;

	for (; rt; rt >>= 1)
		n += rt & 1;
	return n >= SIGQUEUE_MAX;
}

/* Queue a real-time signal behind the one of its number pending for t
 * (NULL: the process), at the end of list *p. 0, or -EAGAIN at the limit. */
static int sigq_append(struct thread *t, struct sigq **p, const struct siginfo_k *info)
{
	struct sigq *q;

	if (queue_full(t) || !(q = kmalloc(sizeof(*q))))
		return -EAGAIN;
	q->info = *info;
	q->next = NULL;
	while (*p)
		p = &(*p)->next;
	*p = q;
	rt_queued++;
	return 0;
}

/* Free the queued real-time signals `sig` (0: all) of list *p. */
static void sigq_drop(struct sigq **p, int sig)
{
	while (*p) {
		struct sigq *q = *p;
		if (sig && q->info.signo != sig) {
			p = &q->next;
			continue;
		}
		*p = q->next;
		kfree(q);
		rt_queued--;
	}
}

static void rt_drop(int sig)
{
	sigq_drop(&rt_queue[sig - 1], 0);
	for (struct thread *t = sched_first(); t; t = t->all_next)
		sigq_drop(&t->rt_queued, sig);
}

void signal_thread_free(struct thread *t)
{
	sigq_drop(&t->rt_queued, 0);
	kfree(t->pending_info);
}

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
	uint64_t blocked, pending, shared;
	struct sigaltstack_k altstack;
};

void *signal_snapshot(void)
{
	struct signal_state *s = kmalloc(sizeof(*s));
	struct thread *t = current;

	if (!s)
		return NULL;
	memcpy(s->actions, actions, sizeof(actions));
	s->blocked = t->blocked;
	s->pending = t->pending;
	s->shared = shared_pending;
	s->altstack = t->altstack;
	t->pending = shared_pending = 0;
	return s;
}

void signal_restore(void *p)
{
	struct signal_state *s = p;
	struct thread *t = current;

	memcpy(actions, s->actions, sizeof(actions));
	t->blocked = s->blocked;
	t->pending = s->pending;
	shared_pending = s->shared;
	t->altstack = s->altstack;
	kfree(s);
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

int signal_ignored(int sig)
{
	return ignored(sig);
}

/* Does some thread of the process block sig? */
static int blocked_by_any(int sig)
{
	for (struct thread *t = sched_first(); t; t = t->all_next)
		if (t->blocked & BIT(sig))
			return 1;
	return 0;
}

int signal_is_pending(struct thread *t, int sig)
{
	return ((t ? t->pending : shared_pending) & BIT(sig)) != 0;
}

int signal_pending_for(struct thread *t)
{
	return ((t->pending | shared_pending) & ~t->blocked) != 0;
}

/* Make t notice a signal it can take: end its interruptible wait, or
 * interrupt its CPU if it runs the program there. */
static void signal_wake(struct thread *t)
{
	if (t->state == THREAD_BLOCKED && t->interruptible)
		wake_thread(t, -EINTR);
	else
		sched_kick(t);
}

/*
 * signal_send - make `info->signo` pending for thread t, or for the
 * process if t is NULL (then a thread that does not block it is woken:
 * the caller if it can, else the first such thread). An ignored signal is
 * dropped; one already pending stays as it was. 0, -EINVAL, -EAGAIN.
 */
long signal_send(struct thread *t, const struct siginfo_k *info)
{
	int sig = info->signo;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	/* An ignored signal is dropped, unless blocked: its action may change
	 * before it is unblocked (Linux's sig_ignored()). */
	if (ignored(sig) && !(t ? (t->blocked & BIT(sig)) != 0 : blocked_by_any(sig)))
		return 0;
	if (t) {
		if (!t->pending_info && !(t->pending_info = kmalloc(NSIG * sizeof(*info))))
			return -EAGAIN;
		if (!(t->pending & BIT(sig)))
			t->pending_info[sig - 1] = *info;
		else if (sig >= 32 && sigq_append(t, &t->rt_queued, info))
			return -EAGAIN;
		t->pending |= BIT(sig);
		if (!(t->blocked & BIT(sig)))
			signal_wake(t);
		return 0;
	}
	if (!(shared_pending & BIT(sig)))
		shared_info[sig - 1] = *info;
	else if (sig >= 32 && sigq_append(NULL, &rt_queue[sig - 1], info))
		return -EAGAIN;
	shared_pending |= BIT(sig);
	t = current;
	if (t->idle || (t->blocked & BIT(sig)))
		for (t = sched_first(); t && (t->blocked & BIT(sig)); t = t->all_next)
			;
	if (t && !t->idle)
		signal_wake(t);
	return 0;
}

/* siginfo for a signal sent with kill(2)/tgkill(2) from this process. */
static struct siginfo_k user_info(int sig, int code)
{
	struct siginfo_k info;

	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	info.kill.pid = (int32_t)fork_pid();
	return info;
}

long signal_raise(int sig, int code)
{
	struct siginfo_k info = user_info(sig, code);

	if (sig == 0)
		return 0;
	return signal_send(current, &info);
}

/* Enter the handler of info->signo, with `saved` as the mask to restore;
 * a frame that cannot be written ends the program with SIGSEGV. */
static void enter_handler(void *regs, const struct siginfo_k *info, uint64_t saved)
{
	struct kernel_sigaction *ka = &actions[info->signo - 1];
	struct thread *t = current;

	if (arch_signal_setup(regs, info, ka, saved, &t->altstack))
		signal_fatal(SIGSEGV, 0, 0);
	t->blocked |= ka->mask;
	if (!(ka->flags & SA_NODEFER))
		t->blocked |= BIT(info->signo);
	t->blocked &= ~UNBLOCKABLE;
	if (ka->flags & SA_RESETHAND) {
		ka->handler = SIG_DFL;
		ka->flags &= ~SA_SIGINFO;
	}
}

/* The lowest pending signal of thread t (its own, then the process's)
 * that `mask` does not block, synchronous ones first, taken off its
 * pending set; 0 if none. */
static int next_signal(struct thread *t, uint64_t mask, struct siginfo_k *info)
{
	uint64_t ready = (t->pending | shared_pending) & ~mask;
	int sig;

	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS)
		ready &= SYNCHRONOUS;
	sig = __builtin_ctzll(ready) + 1;
	if (t->pending & BIT(sig)) {
		struct sigq **p = &t->rt_queued, *q;
		*info = t->pending_info[sig - 1];
		while (*p && (*p)->info.signo != sig)
			p = &(*p)->next;
		if ((q = *p)) { /* the next queued one becomes pending */
			t->pending_info[sig - 1] = q->info;
			*p = q->next;
			kfree(q);
			rt_queued--;
		} else
			t->pending &= ~BIT(sig);
	} else {
		struct sigq *q = rt_queue[sig - 1];
		*info = shared_info[sig - 1];
		if (q) { /* the next queued one becomes pending */
			shared_info[sig - 1] = q->info;
			rt_queue[sig - 1] = q->next;
			kfree(q);
			rt_queued--;
		} else
			shared_pending &= ~BIT(sig);
	}
	if (info->code == SI_TIMER)
		timer_signal_taken(info);
	return sig;
}

static __attribute__((noinline)) void deliver_pending(struct thread *t, void *regs)
{
	struct siginfo_k info;
	int entered = 0, restart = 0;
	long ret = 0;

	if (t->syscall_regs == regs && t->syscall_nr >= 0) { /* back from a system call */
		ret = arch_syscall_result(regs);
		restart = ret == -ERESTARTSYS || ret == -ERESTARTNOHAND || ret == -ERESTARTNOINTR;
	}
	while (!entered && next_signal(t, t->blocked, &info)) {
		const struct kernel_sigaction *ka = &actions[info.signo - 1];
		if (ka->handler == SIG_IGN ||
		    (ka->handler == SIG_DFL && default_ignored(info.signo)))
			continue;
		if (ka->handler == SIG_DFL)
			signal_fatal(info.signo, 0, 0);
		if (restart) { /* the call ends before the handler runs, or is redone after */
			if (ret == -ERESTARTNOHAND ||
			    (ret == -ERESTARTSYS && !(ka->flags & SA_RESTART)))
				arch_syscall_set_result(regs, -EINTR);
			else
				arch_syscall_restart(regs, t->syscall_nr);
			restart = 0;
		}
		/* the next one when the handler returns (rt_sigreturn) */
		enter_handler(regs, &info, t->has_saved_mask ? t->saved_mask : t->blocked);
		entered = 1;
	}
	if (restart) /* no handler ran: the call goes on */
		arch_syscall_restart(regs, t->syscall_nr);
	if (t->has_saved_mask && !entered)
		t->blocked = t->saved_mask; /* rt_sigsuspend's mask ends here */
	t->has_saved_mask = 0;
}

void signal_deliver(void *regs)
{
	struct thread *t = current;
	long ret;

	if (((t->pending | shared_pending) & ~t->blocked) || t->has_saved_mask) {
		deliver_pending(t, regs);
		return;
	}
	/* Nothing to deliver (the common case): an interrupted call whose
	 * signal another thread took goes on. */
	if (t->syscall_regs == regs && t->syscall_nr >= 0) {
		ret = arch_syscall_result(regs);
		if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND || ret == -ERESTARTNOINTR)
			arch_syscall_restart(regs, t->syscall_nr);
	}
}

void signal_fault(void *regs, const struct siginfo_k *info, uint64_t addr)
{
	uint64_t h = actions[info->signo - 1].handler;

	/* As Linux's force_sig_fault: a blocked or ignored fault kills. */
	if (h == SIG_DFL || h == SIG_IGN || (current->blocked & BIT(info->signo)))
		signal_fatal(info->signo, addr, info->addr);
	enter_handler(regs, info, current->blocked);
}

long sys_rt_sigreturn(void)
{
	void *regs = arch_syscall_regs();
	struct thread *t = current;
	uint64_t mask;
	struct sigaltstack_k alt;

	if (!regs || arch_signal_return(regs, &mask, &alt))
		signal_fatal(SIGSEGV, 0, 0); /* a corrupt frame, as Linux */
	arch_syscall_regs_replaced();
	t->blocked = mask & ~UNBLOCKABLE;
	if (!(alt.flags & SS_ONSTACK)) /* restore_altstack(); errors are ignored */
		t->altstack =
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
		if (ignored(sig)) { /* setting SIG_IGN discards what is pending */
			timer_signal_dropped(sig);
			rt_drop(sig);
			shared_pending &= ~BIT(sig);
			for (struct thread *t = sched_first(); t; t = t->all_next)
				t->pending &= ~BIT(sig);
		}
	}
	return 0;
}

long sys_rt_sigprocmask(long how, long uset, long uold, long size)
{
	struct thread *t = current;
	uint64_t set;

	if (size != 8)
		return -EINVAL;
	if (uold && copy_to_user(uold, &t->blocked, 8))
		return -EFAULT;
	if (!uset)
		return 0;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	switch (how) {
	case SIG_BLOCK:
		t->blocked |= set;
		return 0;
	case SIG_UNBLOCK:
		t->blocked &= ~set; /* what was pending is delivered on the way back */
		return 0;
	case SIG_SETMASK:
		t->blocked = set;
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_rt_sigpending(long uset, long size)
{
	struct thread *t = current;
	uint64_t set = (t->pending | shared_pending) & t->blocked;

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

/* Wait until a signal that the current mask lets through is pending. A
 * signal from the host (Ctrl-C, kill of bothy) may end it: the wait counts
 * as one from outside when the platform forwards them. */
static void wait_for_signal(const char *what)
{
	struct thread *t = current;

	if (platform->events)
		sched_external_waits++;
	while (!signal_pending_for(t))
		wait_event(NULL, 0, 1, what);
	if (platform->events)
		sched_external_waits--;
}

long signal_mask_for_call(long uset, long size)
{
	struct thread *t = current;
	uint64_t mask;
	long r;

	if ((r = user_sigset(uset, size, &mask)))
		return r;
	/* Delivery on the way back happens under `mask`; the handler's frame
	 * keeps the mask to restore (Linux's saved_sigmask). */
	t->saved_mask = t->blocked;
	t->has_saved_mask = 1;
	t->blocked = mask;
	return 0;
}

long sys_rt_sigsuspend(long umask, long size)
{
	long r;

	if ((r = signal_mask_for_call(umask, size)))
		return r;
	wait_for_signal("rt_sigsuspend");
	return -ERESTARTNOHAND;
}

long sys_pause(void)
{
	wait_for_signal("pause");
	return -ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size)
{
	struct thread *t = current;
	struct kernel_timespec ts;
	uint64_t set, saved, deadline = 0;
	struct siginfo_k info;
	int sig;
	long r;

	if ((r = user_sigset(uset, size, &set)))
		return r;
	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = time_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	sig = next_signal(t, ~set, &info);
	if (!sig && (!uts || ts.tv_sec || ts.tv_nsec)) {
		/* Wait with the set unblocked, so that its signals wake us. */
		saved = t->blocked;
		t->blocked &= ~set;
		if (platform->events)
			sched_external_waits++;
		r = 0;
		while (!signal_pending_for(t) && r != -ETIMEDOUT)
			r = wait_event(NULL, deadline, 1, "rt_sigtimedwait");
		if (platform->events)
			sched_external_waits--;
		t->blocked = saved;
		sig = next_signal(t, ~set, &info);
		if (!sig)
			return r == -ETIMEDOUT ? -EAGAIN : -EINTR;
	} else if (!sig)
		return -EAGAIN;
	if (uinfo && copy_to_user(uinfo, &info, sizeof(info))) {
		signal_send(t, &info); /* put back */
		return -EFAULT;
	}
	return sig;
}

long sys_sigaltstack(long uss, long uold)
{
	struct thread *t = current;
	struct sigaltstack_k ss, old = t->altstack;
	uint64_t sp = arch_user_sp();

	if (old.flags != SS_DISABLE && sp > old.sp && sp - old.sp <= old.size)
		old.flags = SS_ONSTACK;
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (old.flags == SS_ONSTACK)
			return -EPERM;
		int32_t mode = ss.flags & ~(int32_t)SS_AUTODISARM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
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
		t->altstack = ss;
	return 0;
}

/* pid_t arguments are ints: the upper half of the register is not ours. */
long sys_kill(long pid, long sig)
{
	int p = (int)pid;
	struct siginfo_k info = user_info((int)sig, SI_USER);

	if (p != fork_pid() && p != 0 && p != -1)
		return -ESRCH; /* a forked child's parent is waiting: it cannot be signalled */
	if (sig == 0)
		return 0;
	return signal_send(NULL, &info);
}

long sys_tgkill(long tgid, long tid, long sig)
{
	struct siginfo_k info = user_info((int)sig, SI_TKILL);
	struct thread *t;

	if ((int)tgid != fork_pid() && (int)tgid != -1)
		return -ESRCH;
	if (fork_in_child())
		t = (int)tid == fork_pid() ? current : NULL;
	else
		t = sched_find((int)tid);
	if (!t)
		return (int)tid <= 0 ? -EINVAL : -ESRCH;
	if (sig == 0)
		return 0;
	return signal_send(t, &info);
}

long sys_tkill(long tid, long sig)
{
	return sys_tgkill(-1, tid, sig);
}

/*
 * rt_sigqueueinfo(2), rt_tgsigqueueinfo(2): send sig with the program's
 * own siginfo (sigqueue(3) puts its value there). Only the process itself
 * can be named here, and it may send itself any si_code, as Linux allows
 * a process to do to itself.
 */
long sys_rt_tgsigqueueinfo(long tgid, long tid, long sig, long uinfo)
{
	struct siginfo_k info;
	struct thread *t = NULL;

	if ((int)tgid != fork_pid() || (sig = (int)sig) < 0 || sig > NSIG)
		return (int)tgid != fork_pid() ? -ESRCH : -EINVAL;
	if ((int)tid != -1 && !(t = fork_in_child() ? ((int)tid == fork_pid() ? current : NULL)
	                                            : sched_find((int)tid)))
		return -ESRCH;
	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (!sig)
		return 0;
	info.signo = (int32_t)sig;
	return signal_send(t, &info);
}

long sys_rt_sigqueueinfo(long tgid, long sig, long uinfo)
{
	return sys_rt_tgsigqueueinfo(tgid, -1, sig, uinfo);
}

/* Signals from the host (the monitor's event): to the process. */
void signal_from_host(uint64_t sigs)
{
	for (int sig = 1; sig <= NSIG; sig++)
		if (sigs & BIT(sig)) {
			struct siginfo_k info = user_info(sig, SI_USER);
			info.kill.pid = 0; /* from outside the machine */
			signal_send(NULL, &info);
		}
}
