/* Clocks from the TSC, scaled with the rate the platform measured. */
#include <arch.h>
#include <ktime.h>

static uint64_t tsc_khz, boot_tsc;

void time_init(void)
{
	tsc_khz = boot_info->tsc_khz ? boot_info->tsc_khz : 1000000; /* assume 1 GHz */
	boot_tsc = boot_info->realtime_tsc;
}

uint64_t time_tsc_khz(void)
{
	return tsc_khz;
}

static uint64_t tsc_to_ns(uint64_t t)
{
	return t / tsc_khz * 1000000 + t % tsc_khz * 1000000 / tsc_khz;
}

uint64_t time_monotonic_ns(void)
{
	return tsc_to_ns(arch_cycles() - boot_tsc);
}

uint64_t time_realtime_to_monotonic(uint64_t real)
{
	return real > boot_info->realtime_ns ? real - boot_info->realtime_ns : 0;
}

uint64_t time_realtime_ns(void)
{
	return boot_info->realtime_ns + time_monotonic_ns();
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	uint64_t ms = ns / 1000000, t;

	if (ms > ~0ull / tsc_khz / 2)
		return ~0ull >> 1; /* centuries away */
	t = ms * tsc_khz + (ns % 1000000 * tsc_khz + 999999) / 1000000;
	return boot_tsc + t;
}
