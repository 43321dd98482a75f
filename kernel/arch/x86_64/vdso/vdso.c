/*
 * The vDSO (vdso(7)): clock_gettime, clock_getres, gettimeofday, time and
 * getcpu run in
 * the program's own ring 3 from the TSC and the kernel's data page, with
 * no system call. On PVM a system call costs about 0.5 ms of emulated
 * ring-0 work; this costs a rdtsc. The arithmetic is the kernel's
 * (kernel/time.c), so both paths give the same clocks. Unknown clocks
 * fall back to the system call.
 */
#include <stdint.h>

#include <arch/vdso.h>

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};
struct timeval_k {
	int64_t tv_sec, tv_usec;
};

extern const struct vdso_data bothy_vvar __attribute__((visibility("hidden")));

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t monotonic_ns(void)
{
	const volatile struct vdso_data *d = &bothy_vvar;
	uint64_t t = rdtsc() - d->tsc_base, khz = d->tsc_khz;

	return t / khz * 1000000 + t % khz * 1000000 / khz;
}

static long sys_clock_gettime(long clk, struct timespec_k *ts)
{
	long r;

	asm volatile("syscall" : "=a"(r) : "a"(228), "D"(clk), "S"(ts) : "rcx", "r11", "memory");
	return r;
}

int __vdso_clock_gettime(int clk, struct timespec_k *ts)
{
	uint64_t ns;

	switch (clk) {
	case 0: /* CLOCK_REALTIME */
	case 5: /* CLOCK_REALTIME_COARSE */
		ns = bothy_vvar.realtime_base_ns + monotonic_ns();
		break;
	case 1: /* CLOCK_MONOTONIC */
	case 4: /* CLOCK_MONOTONIC_RAW */
	case 6: /* CLOCK_MONOTONIC_COARSE */
	case 7: /* CLOCK_BOOTTIME */
	case 2: /* CLOCK_PROCESS_CPUTIME_ID: the program is alone on its machine, */
	case 3: /* CLOCK_THREAD_CPUTIME_ID: as the kernel's clock_gettime says */
		ns = monotonic_ns();
		break;
	default:
		return (int)sys_clock_gettime(clk, ts);
	}
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

static long sys_clock_getres(long clk, struct timespec_k *res)
{
	long r;

	asm volatile("syscall" : "=a"(r) : "a"(229), "D"(clk), "S"(res) : "rcx", "r11", "memory");
	return r;
}

/* The clocks above tick in nanoseconds, as kernel/sys_time.c says. */
int __vdso_clock_getres(int clk, struct timespec_k *res)
{
	switch (clk) {
	case 0:
	case 1:
	case 4:
	case 5:
	case 6:
	case 7:
		if (res) {
			res->tv_sec = 0;
			res->tv_nsec = 1;
		}
		return 0;
	default:
		return (int)sys_clock_getres(clk, res);
	}
}

int __vdso_gettimeofday(struct timeval_k *tv, void *tz)
{
	uint64_t ns = bothy_vvar.realtime_base_ns + monotonic_ns();

	if (tv) {
		tv->tv_sec = ns / 1000000000;
		tv->tv_usec = ns % 1000000000 / 1000;
	}
	if (tz)
		((uint32_t *)tz)[0] = ((uint32_t *)tz)[1] = 0;
	return 0;
}

int64_t __vdso_time(int64_t *t)
{
	int64_t s = (bothy_vvar.realtime_base_ns + monotonic_ns()) / 1000000000;

	if (t)
		*t = s;
	return s;
}

/* The system call: Linux's ring-3 ways to the CPU number (lsl of a
 * per-CPU GDT segment, rdpid, rdtscp) read the host's tables and MSRs
 * under PVM, where the program's ring 3 runs on the host's own. */
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	long r;

	asm volatile("syscall"
	             : "=a"(r)
	             : "a"(309L /* __NR_getcpu */), "D"(cpu), "S"(node), "d"(unused)
	             : "rcx", "r11", "memory");
	return (int)r;
}

int clock_gettime(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_k *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
int clock_getres(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_getres")));
