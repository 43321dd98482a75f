/*
 * threads.h - what the thread benchmark's programs share (bench/threads/).
 *
 * Each program measures itself on CLOCK_MONOTONIC, so the boot of a VM and
 * the start of the process are not in its figures, and prints one line per
 * timed repetition (what bench/threads/run.sh reads) and one at the end:
 *   rep VALUE UNIT [KEY=VALUE...]   one timed repetition
 *   total NS                        from the start of main to the end
 * On failure: one line "PROGRAM: what: strerror" on stderr, exit status 1.
 */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* now_ns - CLOCK_MONOTONIC in nanoseconds. clock_gettime(2). */
static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * fail - print "PROG: WHAT: strerror(err)" on stderr and exit 1; err is a
 * positive errno value (as pthread_create(3) returns), 0 for no strerror.
 */
static inline void fail(const char *prog, const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

/*
 * arg_num - the decimal number s (an integer, or with "seconds" callers a
 * fraction such as 0.5) in [lo, hi]; exits through fail() on anything else.
 */
static inline double arg_num(const char *prog, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "%s: bad number '%s' (from %g to %g)\n", prog, s, lo, hi);
		exit(2);
	}
	return v;
}

#endif
