/*
 * tsc_khz - the host's TSC rate in kHz, measured against CLOCK_MONOTONIC
 * over 200 ms: the tsc_early_khz that the threads benchmark gives the Linux
 * VM. Under QEMU's TCG the guest's RDTSC reads the host's TSC, so with this
 * rate (and tsc=reliable) the guest's CLOCK_MONOTONIC keeps the host's time;
 * without it the guest falls back to jiffies (4 ms steps, ~20% fast here).
 *
 * Usage: tsc_khz. Prints one decimal number; exit status 0.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

/* now_ns - CLOCK_MONOTONIC in nanoseconds. clock_gettime(2). */
static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	long long t0 = now_ns(), t1;
	unsigned long long c0 = __rdtsc(), c1;

	do
		t1 = now_ns();
	while (t1 - t0 < 200000000);
	c1 = __rdtsc();
	printf("%.0f\n", (double)(c1 - c0) * 1e6 / (double)(t1 - t0));
	return 0;
}
