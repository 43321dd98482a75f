/*
 * What monitor/hypercall.c needs from the rest of the monitor, for the
 * unit tests that drive it without a VM (test_hypercall, test_hostfs).
 */
#include <stdio.h>
#include <stdlib.h>

#include "monitor.h"

/* die - end the test binary with `status`, as bothy would end. */
void die(int status, const char *fmt, ...)
{
	(void)fmt;
	exit(status);
}

/* kernel_symbolize - no kernel ELF here: every address is "?". */
void kernel_symbolize(const struct image *k, uint64_t addr, char *buf, size_t len)
{
	(void)k, (void)addr;
	snprintf(buf, len, "?");
}
