/*
 * Signals, as far as one program on one vCPU needs them before threads
 * arrive: actions and the mask are recorded (rt_sigaction(2),
 * rt_sigprocmask(2)); a signal the program raises against itself or a
 * fault takes the default action (signal(7)). Handlers are not run yet: a
 * signal with a handler installed takes the default action too, and that
 * is logged.
 */
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <string.h>
#include <sys.h>

static struct kernel_sigaction actions[NSIG];
static uint64_t blocked;

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

void *signal_snapshot(void)
{
	void *p = kmalloc(sizeof(actions));

	if (p)
		memcpy(p, actions, sizeof(actions));
	return p;
}

void signal_restore(void *p)
{
	memcpy(actions, p, sizeof(actions));
	kfree(p);
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

	printk("bothy: %s: killed by signal %d (%s) at address %p, ip %p\n", proc_exe_path, sig,
	       name, (void *)addr, (void *)ip);
	platform->exit(128 + sig);
}

/* The default action of sig is to ignore it (signal(7)). */
static int default_ignored(int sig)
{
	return sig == 17 || sig == 23 || sig == 28 || sig == 18; /* CHLD URG WINCH CONT */
}

long signal_raise(int sig)
{
	uint64_t h;

	if (sig == 0)
		return 0;
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	h = actions[sig - 1].handler;
	if (sig != 9 && (h == SIG_IGN || (h == SIG_DFL && default_ignored(sig))))
		return 0;
	if (h != SIG_DFL && h != SIG_IGN)
		printk("bothy: signal handlers are not supported yet; signal %d takes its "
		       "default action\n",
		       sig);
	if (sig != 9 && default_ignored(sig))
		return 0;
	signal_fatal(sig, 0, 0);
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
	set &= ~((1ull << 8) | (1ull << 18)); /* SIGKILL and SIGSTOP cannot be blocked */
	switch (how) {
	case SIG_BLOCK:
		blocked |= set;
		return 0;
	case SIG_UNBLOCK:
		blocked &= ~set;
		return 0;
	case SIG_SETMASK:
		blocked = set;
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_sigaltstack(long uss, long uold)
{
	uint8_t old[24] = {0};

	old[8] = 2; /* ss_flags = SS_DISABLE */
	if (uold && copy_to_user(uold, old, sizeof(old)))
		return -EFAULT;
	(void)uss;
	return 0;
}

/* pid_t arguments are ints: the upper half of the register is not ours. */
long sys_kill(long pid, long sig)
{
	int p = (int)pid;

	if (p != fork_pid() && p != 0 && p != -1)
		return -ESRCH; /* a forked child's parent is waiting: it cannot be signalled */
	return signal_raise((int)sig);
}

long sys_tgkill(long tgid, long tid, long sig)
{
	if ((int)tgid != fork_pid() || (int)tid != fork_pid())
		return -ESRCH;
	return signal_raise((int)sig);
}

long sys_tkill(long tid, long sig)
{
	return sys_tgkill(fork_pid(), tid, sig);
}
