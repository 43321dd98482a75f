/*
 * poll(2), ppoll(2), select(2) and pselect6(2) over the files the kernel
 * has (pipes, eventfds, timerfds, the console, regular files). A file
 * says what it is ready for through file_ops.poll (none: always ready to
 * read and write, as a regular file is); a waiting poll sleeps on one
 * wait queue that every change of a pollable file wakes (poll_notify()),
 * and looks again (pollhead_notify(), net.h, wakes it too, for the files
 * epoll watches through pollheads). A signal ends the wait with EINTR; poll is never
 * restarted (SA_RESTART or not), as on Linux.
 */
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <sched.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>

#include "synth.h"

#define POLL_MAX     4096 /* descriptors in one call (RLIMIT_NOFILE is 1024) */
#define FD_SETSIZE_K 1024

static struct waitq poll_waiters;

void poll_notify(void)
{
	wake_up(&poll_waiters, -1);
}

struct waitq *poll_waitq(void)
{
	return &poll_waiters;
}

struct pollfd_k {
	int32_t fd;
	int16_t events, revents;
};

/* What descriptor fd is ready for, of `events` (plus POLLERR, POLLHUP
 * and POLLNVAL, which are always reported). *external is set when fd is
 * the console, whose readiness comes from outside the VM. */
static unsigned fd_ready(int fd, unsigned events, int *external)
{
	struct file *f;
	unsigned m;

	if (fd < 0)
		return 0;
	if (!(f = fget(fd)))
		return POLLNVAL;
	if (f->fop == &console_fops)
		*external = 1;
	m = f->fop && f->fop->poll ? f->fop->poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	fput(f);
	return m & (events | POLLERR | POLLHUP | POLLNVAL);
}

/* The deadline of a timeout of `ns` from now; 0 = none (wait forever),
 * 1 = do not wait. */
static uint64_t deadline_after(int64_t ns)
{
	if (ns < 0)
		return 0;
	if (ns == 0)
		return 1;
	return time_monotonic_ns() + (uint64_t)ns;
}

/* Wait for a change until `deadline` (as above). 0, -ETIMEDOUT, -EINTR.
 * An `external` wait (on stdin) may be ended from outside: no deadlock. */
static int poll_wait(uint64_t deadline, int external)
{
	int r;

	if (deadline == 1 || (deadline && deadline <= time_monotonic_ns()))
		return -ETIMEDOUT;
	external = external && !deadline;
	sched_external_waits += (unsigned)external;
	r = wait_event(&poll_waiters, deadline, 1, "poll");
	sched_external_waits -= (unsigned)external;
	return r;
}

static long do_poll(long ufds, unsigned long nfds, uint64_t deadline)
{
	struct pollfd_k *p;
	long n = 0, r = 0;
	size_t bytes = nfds * sizeof(*p);

	if (nfds > POLL_MAX)
		return -EINVAL;
	if (!(p = kmalloc(bytes ? bytes : 1)))
		return -ENOMEM;
	if (bytes && copy_from_user(p, ufds, bytes)) {
		kfree(p);
		return -EFAULT;
	}
	for (;;) {
		int ext = 0;
		n = 0;
		for (unsigned long i = 0; i < nfds; i++) {
			p[i].revents = (int16_t)fd_ready(p[i].fd, (uint16_t)p[i].events, &ext);
			n += p[i].revents != 0;
		}
		if (n || (r = poll_wait(deadline, ext)))
			break;
	}
	if (r == -ETIMEDOUT)
		r = 0;
	if (!r && bytes && copy_to_user(ufds, p, bytes))
		r = -EFAULT;
	kfree(p);
	return r ? r : n;
}

/* The signal mask of ppoll/pselect for the call (none: the thread's own). */
static long with_sigmask(long usig, long size)
{
	return usig ? signal_mask_for_call(usig, size) : 0;
}

long sys_poll(long ufds, long nfds, long timeout_ms)
{
	int ms = (int)timeout_ms;

	return do_poll(ufds, (unsigned long)nfds, deadline_after(ms < 0 ? -1 : ms * 1000000ll));
}

static int timeout_ts(long uts, uint64_t *deadline)
{
	struct kernel_timespec ts;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	*deadline = deadline_after(ts.tv_sec * 1000000000ll + ts.tv_nsec);
	return 0;
}

long sys_ppoll(long ufds, long nfds, long uts, long usig, long size)
{
	uint64_t deadline;
	long r;

	if ((r = timeout_ts(uts, &deadline)) || (r = with_sigmask(usig, size)))
		return r;
	r = do_poll(ufds, (unsigned long)nfds, deadline);
	return r == -EINTR ? -ERESTARTNOHAND : r;
}

/* select(2): three bitmaps of n descriptors, rewritten with the ready ones. */
static long do_select(int n, long urd, long uwr, long uex, uint64_t deadline)
{
	uint64_t in[3][FD_SETSIZE_K / 64], out[3][FD_SETSIZE_K / 64];
	long uset[3] = {urd, uwr, uex};
	size_t bytes = (size_t)(n + 63) / 64 * 8;
	long count, r = 0;

	if (n < 0 || n > FD_SETSIZE_K)
		return -EINVAL;
	memset(in, 0, sizeof(in));
	for (int s = 0; s < 3; s++)
		if (uset[s] && bytes && copy_from_user(in[s], uset[s], bytes))
			return -EFAULT;
	for (;;) {
		int ext = 0;
		count = 0;
		memset(out, 0, sizeof(out));
		for (int fd = 0; fd < n; fd++) {
			uint64_t bit = 1ull << (fd % 64);
			unsigned want = 0, got;
			if (in[0][fd / 64] & bit)
				want |= POLLIN;
			if (in[1][fd / 64] & bit)
				want |= POLLOUT;
			if (in[2][fd / 64] & bit)
				want |= POLLPRI;
			if (!want)
				continue;
			got = fd_ready(fd, want, &ext);
			if (got & POLLNVAL)
				return -EBADF;
			if ((in[0][fd / 64] & bit) && (got & (POLLIN | POLLHUP | POLLERR)))
				out[0][fd / 64] |= bit, count++;
			if ((in[1][fd / 64] & bit) && (got & (POLLOUT | POLLERR)))
				out[1][fd / 64] |= bit, count++;
			if ((in[2][fd / 64] & bit) && (got & POLLPRI))
				out[2][fd / 64] |= bit, count++;
		}
		if (count || (r = poll_wait(deadline, ext)))
			break;
	}
	if (r == -ETIMEDOUT)
		r = 0;
	if (r)
		return r;
	for (int s = 0; s < 3; s++)
		if (uset[s] && bytes && copy_to_user(uset[s], out[s], bytes))
			return -EFAULT;
	return count;
}

long sys_select(long n, long urd, long uwr, long uex, long utv)
{
	struct kernel_timeval tv;
	uint64_t deadline = 0;

	if (utv) {
		if (copy_from_user(&tv, utv, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
		deadline = deadline_after(tv.tv_sec * 1000000000ll + tv.tv_usec * 1000);
	}
	return do_select((int)n, urd, uwr, uex, deadline);
}

long sys_pselect6(long n, long urd, long uwr, long uex, long uts, long usig)
{
	struct {
		uint64_t set, size;
	} s = {0, 0};
	uint64_t deadline;
	long r;

	if ((r = timeout_ts(uts, &deadline)))
		return r;
	if (usig && copy_from_user(&s, usig, sizeof(s)))
		return -EFAULT;
	if (s.set && (r = with_sigmask((long)s.set, (long)s.size)))
		return r;
	r = do_select((int)n, urd, uwr, uex, deadline);
	return r == -EINTR ? -ERESTARTNOHAND : r;
}
