/*
 * signals: rt_sigaction(2) installs and reports handlers, flags and masks;
 * rt_sigprocmask(2) blocks and unblocks, silently ignoring SIGKILL and
 * SIGSTOP; invalid signals and sizes fail with EINVAL. No signal is
 * delivered here.
 */
// case: signals
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static void on_usr1(int sig)
{
	(void)sig;
}

static int install_and_read_back(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || sigaction(SIGUSR1, NULL, &old) != 0)
		return 0;
	return old.sa_handler == on_usr1 && (old.sa_flags & SA_RESTART) &&
	       sigismember(&old.sa_mask, SIGUSR2) && !sigismember(&old.sa_mask, SIGTERM);
}

static int ignore_pipe(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, &old) != 0 || old.sa_handler != SIG_DFL)
		return 0;
	return sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
}

static int block_cycle(void)
{
	sigset_t set, cur;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 || sigprocmask(SIG_BLOCK, NULL, &cur) != 0)
		return 0;
	if (!sigismember(&cur, SIGUSR1) || sigismember(&cur, SIGKILL) || sigismember(&cur, SIGSTOP))
		return 0;
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) != 0 || sigprocmask(SIG_BLOCK, NULL, &cur) != 0)
		return 0;
	return !sigismember(&cur, SIGUSR1);
}

int main(void)
{
	struct sigaction sa;
	sigset_t set;
	unsigned long raw = 0;
	int bad = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&set);
	bad += check("sigaction(SIGUSR1) installs and reads back", install_and_read_back());
	bad += check("SIGPIPE default, then ignored", ignore_pipe());
	bad += check("sigprocmask block/unblock, SIGKILL/SIGSTOP ignored", block_cycle());
	bad += check_fails("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL), EINVAL);
	bad += check_fails("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL), EINVAL);
	bad +=
	    check_fails("raw rt_sigaction(0)", syscall(SYS_rt_sigaction, 0, NULL, NULL, 8), EINVAL);
	bad += check_fails("raw rt_sigaction(65)", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8),
	                   EINVAL);
	bad += check_fails("raw rt_sigprocmask sigsetsize 4",
	                   syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &raw, 4), EINVAL);
	bad += check_fails("rt_sigprocmask how 99", sigprocmask(99, &set, NULL), EINVAL);
	return bad;
}
