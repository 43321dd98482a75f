/*
 * Helpers shared by the thread, futex, signal and timer tests of
 * tests/guest (pthread_*.c, futex_stress.c, threads_basic.c, sig_restart.c,
 * timers.c, parallel_sum.c), on top of guest.h.
 *
 * Only the main thread prints: other threads leave their results in
 * variables that main checks after a join, so the output does not depend
 * on how the threads interleave.
 */
#ifndef GUEST_THREADS_H
#define GUEST_THREADS_H

#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

/*
 * err_name - errno_name() plus the error numbers of threads, futexes and
 * timers. Returns "E?" for any other value, "0" for 0.
 */
static inline const char *err_name(int err)
{
	switch (err) {
	case 0:
		return "0";
	case EBUSY:
		return "EBUSY";
	case EDEADLK:
		return "EDEADLK";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EOWNERDEAD:
		return "EOWNERDEAD";
	case ENOTRECOVERABLE:
		return "ENOTRECOVERABLE";
	case EOVERFLOW:
		return "EOVERFLOW";
	case ESRCH:
		return "ESRCH";
	}
	return errno_name(err);
}

/*
 * check_ret - check a pthread-style result (0 or an error number, errno
 * untouched): print "WHAT: returns ENAME" when @got is @want, else FAILED
 * with both names. Returns 0 when @got == @want, else 1.
 */
static inline int check_ret(const char *what, int got, int want)
{
	if (got == want) {
		printf("%s: returns %s\n", what, err_name(want));
		return 0;
	}
	printf("%s: FAILED (returned %s, want %s)\n", what, err_name(got), err_name(want));
	return 1;
}

/*
 * check_sys - like check_fails() (a call returning -1 with errno), with
 * the names of err_name(). Evaluates to 0 when @call failed with @want.
 */
#define check_sys(what, call, want)                                                                \
	({                                                                                         \
		long r_;                                                                           \
		int ok_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		ok_ = r_ == -1 && errno == (want);                                                 \
		if (ok_)                                                                           \
			printf("%s: fails with %s\n", what, err_name(want));                       \
		else if (r_ == -1)                                                                 \
			printf("%s: FAILED (errno %s, want %s)\n", what, err_name(errno),          \
			       err_name(want));                                                    \
		else                                                                               \
			printf("%s: FAILED (returned %ld, want %s)\n", what, r_, err_name(want));  \
		!ok_;                                                                              \
	})

/* now_ns - @clock's time in nanoseconds (clock_gettime(2)). */
static inline int64_t now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ts_from_ns - the timespec of @ns nanoseconds (@ns >= 0). */
static inline struct timespec ts_from_ns(int64_t ns)
{
	struct timespec t = {ns / 1000000000, ns % 1000000000};

	return t;
}

/*
 * ts_in - the absolute time @ms milliseconds from now on @clock; a
 * negative @ms gives a time in the past, but never before 0 (a guest's
 * CLOCK_MONOTONIC may start near 0 at boot).
 */
static inline struct timespec ts_in(clockid_t clock, long ms)
{
	int64_t t = now_ns(clock) + (int64_t)ms * 1000000;

	return ts_from_ns(t < 0 ? 0 : t);
}

/* sleep_ms - nanosleep(2) for @ms milliseconds (again after EINTR). */
static inline void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/*
 * wait_until - poll *@flag (set by another thread) every millisecond
 * until it is non-zero, for at most @ms milliseconds.
 * Returns 1 when the flag was set, 0 after the time limit.
 */
static inline int wait_until(volatile int *flag, long ms)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now_ns(CLOCK_MONOTONIC) > end)
			return 0;
		sleep_ms(1);
	}
	return 1;
}

/* sys_gettid - gettid(2) (older libcs have no wrapper). */
static inline pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * exit_thread_raw - end the calling thread with a raw exit(2), past libc
 * (no thread-specific data destructors, no libc bookkeeping): what is left
 * to do (clearing the CLONE_CHILD_CLEARTID word, the robust futex list)
 * is the kernel's.
 */
static inline __attribute__((noreturn)) void exit_thread_raw(int status)
{
	for (;;)
		syscall(SYS_exit, status);
}

#endif
