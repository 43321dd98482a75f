/*
 * clock: clock_gettime(2) CLOCK_MONOTONIC never goes back, CLOCK_REALTIME
 * is a plausible date, gettimeofday(2) and time(2) agree with it within
 * 2 s, clock_getres works, and an invalid clock fails with EINVAL.
 * These may go through a vDSO; raw system calls are checked too.
 */
// case: clock
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

#define Y2020 1577836800ll /* 2020-01-01T00:00:00Z */
#define Y2100 4102444800ll /* 2100-01-01T00:00:00Z */

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int monotonic_never_back(clockid_t id, int raw)
{
	struct timespec t;
	int64_t last = 0;

	for (int i = 0; i < 2000; i++) {
		long r = raw ? syscall(SYS_clock_gettime, id, &t) : clock_gettime(id, &t);

		if (r != 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000 || ns(&t) < last)
			return 0;
		last = ns(&t);
	}
	return 1;
}

static int realtime_plausible(void)
{
	struct timespec t;

	return clock_gettime(CLOCK_REALTIME, &t) == 0 && t.tv_sec > Y2020 && t.tv_sec < Y2100;
}

static int sources_agree(void)
{
	struct timespec t;
	struct timeval tv;
	time_t now, raw_now;

	if (clock_gettime(CLOCK_REALTIME, &t) != 0 || gettimeofday(&tv, NULL) != 0)
		return 0;
	now = time(NULL);
	raw_now = syscall(SYS_time, NULL);
	return tv.tv_usec >= 0 && tv.tv_usec < 1000000 && llabs(tv.tv_sec - t.tv_sec) <= 2 &&
	       llabs(now - t.tv_sec) <= 2 && llabs(raw_now - t.tv_sec) <= 2;
}

static int getres_ok(clockid_t id)
{
	struct timespec r = {-1, -1};

	return clock_getres(id, &r) == 0 && r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000;
}

static int advances(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while (ns(&b) == ns(&a));
	return ns(&b) > ns(&a);
}

int main(void)
{
	struct timespec t;
	int bad = 0;

	bad += check("CLOCK_MONOTONIC never goes back", monotonic_never_back(CLOCK_MONOTONIC, 0));
	bad += check("raw SYS_clock_gettime MONOTONIC never goes back",
	             monotonic_never_back(CLOCK_MONOTONIC, 1));
	bad += check("CLOCK_BOOTTIME never goes back", monotonic_never_back(CLOCK_BOOTTIME, 0));
	bad += check("CLOCK_MONOTONIC advances", advances());
	bad += check("CLOCK_REALTIME between 2020 and 2100", realtime_plausible());
	bad += check("gettimeofday and time within 2 s of CLOCK_REALTIME", sources_agree());
	bad += check("clock_getres MONOTONIC in (0, 10 ms]", getres_ok(CLOCK_MONOTONIC));
	bad += check("clock_getres REALTIME in (0, 10 ms]", getres_ok(CLOCK_REALTIME));
	bad += check_fails("clock_gettime of clock 1000", clock_gettime(1000, &t), EINVAL);
	return bad;
}
