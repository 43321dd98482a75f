/*
 * wall_clock: the guest's clocks keep the host's time. The runner passes
 * the host's time (seconds since the epoch) as argv[1]; CLOCK_REALTIME
 * must be within 5 s of it, before and after a 2 s nanosleep(2). The
 * case has min_ms=2000: the whole run must take at least 2 s of the
 * host's time, so a guest clock that runs fast (a sleep that ends early)
 * fails even when the guest's own clocks agree with each other.
 */
// case: wall_clock min_ms=2000 -- $(date +%s)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "guest.h"

static int near_host(long long host)
{
	struct timespec t;

	return clock_gettime(CLOCK_REALTIME, &t) == 0 && llabs(t.tv_sec - host) <= 5;
}

int main(int argc, char **argv)
{
	struct timespec two = {2, 0}, a, b;
	long long host;
	int bad = 0;

	if (argc < 2)
		return 2;
	host = atoll(argv[1]);
	bad += check("CLOCK_REALTIME within 5 s of the host's clock", near_host(host));
	clock_gettime(CLOCK_MONOTONIC, &a);
	bad += check("nanosleep 2 s", nanosleep(&two, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	bad += check("CLOCK_MONOTONIC advanced 2 to 3 s",
	             b.tv_sec - a.tv_sec >= 2 && b.tv_sec - a.tv_sec <= 3);
	bad += check("CLOCK_REALTIME still within 5 s of the host's", near_host(host + 2));
	return bad;
}
