/* clock_gettime(2), gettimeofday(2), time(2), nanosleep(2) and friends. */
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <sys.h>

static int clock_ns(long clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID: /* one program on its own vCPU */
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_monotonic_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_clock_gettime(long clk, long uts)
{
	uint64_t ns;
	int r = clock_ns(clk, &ns);
	struct kernel_timespec ts = {ns / 1000000000, ns % 1000000000};

	return r ? r : copy_to_user(uts, &ts, sizeof(ts));
}

long sys_clock_getres(long clk, long uts)
{
	uint64_t ns;
	struct kernel_timespec ts = {0, 1};
	int r = clock_ns(clk, &ns);

	if (r || !uts)
		return r;
	return copy_to_user(uts, &ts, sizeof(ts));
}

long sys_gettimeofday(long utv, long utz)
{
	uint64_t ns = time_realtime_ns();
	struct kernel_timeval tv = {ns / 1000000000, ns % 1000000000 / 1000};
	uint32_t tz[2] = {0, 0};

	if (utv && copy_to_user(utv, &tv, sizeof(tv)))
		return -EFAULT;
	if (utz && copy_to_user(utz, tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long sys_time(long ut)
{
	int64_t t = time_realtime_ns() / 1000000000;

	if (ut && copy_to_user(ut, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long sleep_ts(long clk, long flags, long ureq)
{
	struct kernel_timespec ts;
	uint64_t now, ns;
	int r;

	if (copy_from_user(&ts, ureq, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	if ((r = clock_ns(clk, &now)))
		return r;
	ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (flags & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	time_sleep_ns(ns);
	return 0;
}

long sys_nanosleep(long ureq, long urem)
{
	(void)urem;
	return sleep_ts(CLOCK_MONOTONIC, 0, ureq);
}

long sys_clock_nanosleep(long clk, long flags, long ureq, long urem)
{
	(void)urem;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	return sleep_ts(clk, flags, ureq);
}

#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_CMD_MASK       0x7f /* without FUTEX_PRIVATE_FLAG (128) */
#define FUTEX_CLOCK_REALTIME 256

/*
 * futex(2) for a program with one thread (threads: issue 5). A wake finds
 * nobody waiting; a wait returns EAGAIN if the word has changed, else
 * sleeps out its timeout (ETIMEDOUT), and without one could never be
 * woken: the program ends with a message instead of hanging.
 */
long sys_futex(long uaddr, long op, long val, long utime, long uaddr2, long val3)
{
	int cmd = (int)(op & FUTEX_CMD_MASK), cur;
	long r;

	(void)uaddr2;
	switch (cmd) {
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (uaddr % 4 || vm_check((uint64_t)uaddr, 4, PROT_READ))
			return uaddr % 4 ? -EINVAL : -EFAULT;
		return cmd == FUTEX_WAKE_BITSET && !val3 ? -EINVAL : 0;
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (uaddr % 4)
			return -EINVAL;
		if (cmd == FUTEX_WAIT_BITSET && !val3)
			return -EINVAL;
		if (copy_from_user(&cur, (uint64_t)uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != (int)val)
			return -EAGAIN;
		if (!utime)
			proc_block_forever("a futex wait");
		/* FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC); WAIT_BITSET's
		 * absolute, on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME. */
		r = cmd == FUTEX_WAIT
		        ? sleep_ts(CLOCK_MONOTONIC, 0, utime)
		        : sleep_ts(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC,
		                   TIMER_ABSTIME, utime);
		return r ? r : -ETIMEDOUT;
	default:
		return -ENOSYS;
	}
}
