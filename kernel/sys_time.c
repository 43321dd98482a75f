/* clock_gettime(2), gettimeofday(2), time(2), nanosleep(2) and friends. */
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <sched.h>
#include <sys.h>

/*
 * The CPU-time clock of a process or thread that clock_getcpuclockid(3)
 * and pthread_getcpuclockid(3) make: a negative id, ~pid << 3 | type
 * (bit 2: a thread). The program is alone on its machine: its CPU time is
 * the time since boot, as CLOCK_PROCESS_CPUTIME_ID's. 0 or -EINVAL.
 */
int clock_cpu_valid(long clk)
{
	int id = ~(int)((int)clk >> 3), type = (int)clk & 3;

	if (clk >= 0 || type == 3)
		return -EINVAL;
	if (id == 0)
		return 0; /* the caller */
	if ((int)clk & 4)
		return sched_find(id) ? 0 : -EINVAL;
	return id == fork_pid() ? 0 : -EINVAL;
}

static int clock_ns(long clk, uint64_t *ns)
{
	if ((int)clk < 0) {
		*ns = time_monotonic_ns();
		return clock_cpu_valid((int)clk);
	}
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

/*
 * Sleep until the requested time on clock `clk` (relative, or absolute
 * with TIMER_ABSTIME), on the CPU's timer: other threads run meanwhile.
 * A signal ends it with -EINTR, and a relative sleep's remaining time goes
 * to urem. nanosleep(2), clock_nanosleep(2).
 */
static long sleep_ts(long clk, long flags, long ureq, long urem)
{
	struct kernel_timespec ts;
	uint64_t now, ns, mono, deadline;
	int r;

	if (copy_from_user(&ts, ureq, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	if ((r = clock_ns(clk, &now)))
		return r;
	mono = time_monotonic_ns(); /* after `now`: a deadline is never early */
	ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if ((flags & TIMER_ABSTIME) && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
		ns =
		    MAX(time_realtime_to_monotonic(ns), mono) - mono; /* exact: no second reading */
	else if (flags & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	deadline = mono + ns;
	if (deadline < mono)
		deadline = ~0ull >> 1; /* "forever" */
	r = sleep_until(deadline, 1);
	if (r == -EINTR && urem && !(flags & TIMER_ABSTIME)) {
		uint64_t left = deadline - MIN(deadline, time_monotonic_ns());
		struct kernel_timespec rem = {left / 1000000000, left % 1000000000};
		if (copy_to_user(urem, &rem, sizeof(rem)))
			return -EFAULT;
	}
	return r;
}

long sys_nanosleep(long ureq, long urem)
{
	return sleep_ts(CLOCK_MONOTONIC, 0, ureq, urem);
}

long sys_clock_nanosleep(long clk, long flags, long ureq, long urem)
{
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	return sleep_ts(clk, flags, ureq, urem);
}
