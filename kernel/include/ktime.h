/* Time from the TSC: monotonic since boot, and the wall clock. */
#ifndef BOTHY_KTIME_H
#define BOTHY_KTIME_H
#include <stdint.h>

/* time_init - take the TSC rate and wall-clock anchor from boot_info. */
void time_init(void);
/* time_tsc_khz - the TSC rate the clocks use (kHz). */
uint64_t time_tsc_khz(void);
/* time_monotonic_ns - ns since boot (CLOCK_MONOTONIC). */
uint64_t time_monotonic_ns(void);
/* time_realtime_ns - ns since the epoch (CLOCK_REALTIME). */
uint64_t time_realtime_ns(void);
/* time_realtime_to_monotonic - the CLOCK_MONOTONIC reading at which
 * CLOCK_REALTIME reads `real` (0 if before boot): exact, with no second
 * reading of the clock between. */
uint64_t time_realtime_to_monotonic(uint64_t real);
/* time_ns_to_tsc - the TSC value when CLOCK_MONOTONIC reads ns. */
uint64_t time_ns_to_tsc(uint64_t ns);

#endif
