/*
 * nanosleep: nanosleep(2) and clock_nanosleep(2) sleep at least as long as
 * asked, measured by CLOCK_MONOTONIC (and not absurdly longer), and reject
 * an out-of-range tv_nsec.
 */
// case: nanosleep
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "guest.h"

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Sleep @ms milliseconds with @how; return the measured time in ns. */
static int64_t measure(int how, long ms)
{
	struct timespec req = {ms / 1000, (ms % 1000) * 1000000}, abs;
	int64_t start = now_ns();

	if (how == 0) {
		if (nanosleep(&req, NULL) != 0)
			return -1;
	} else if (how == 1) {
		if (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) != 0)
			return -1;
	} else {
		clock_gettime(CLOCK_MONOTONIC, &abs);
		abs.tv_nsec += req.tv_nsec;
		abs.tv_sec += req.tv_sec + abs.tv_nsec / 1000000000;
		abs.tv_nsec %= 1000000000;
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) != 0)
			return -1;
	}
	return now_ns() - start;
}

static int slept(int how, long ms)
{
	int64_t t = measure(how, ms);

	return t >= ms * 1000000 && t < ms * 1000000 + 5000000000ll;
}

int main(void)
{
	struct timespec bad_req = {0, 1000000000};
	struct timespec zero = {0, 0};
	int bad = 0;

	bad += check("nanosleep 10 ms lasts >= 10 ms", slept(0, 10));
	bad += check("nanosleep 1 ms lasts >= 1 ms", slept(0, 1));
	bad += check("nanosleep 120 ms lasts >= 120 ms", slept(0, 120));
	bad += check("clock_nanosleep relative 10 ms", slept(1, 10));
	bad += check("clock_nanosleep TIMER_ABSTIME 10 ms", slept(2, 10));
	bad += check("nanosleep 0 returns 0", nanosleep(&zero, NULL) == 0);
	bad += check_fails("nanosleep tv_nsec = 1e9", nanosleep(&bad_req, NULL), EINVAL);
	return bad;
}
