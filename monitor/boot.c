/* What the monitor tells the kernel at boot, common to KVM and QEMU. */
#include <string.h>
#include <unistd.h>

#include "monitor.h"

static size_t put(char *buf, size_t at, size_t max, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > max - at)
		die(BOTHY_EXIT_MONITOR, "arguments and environment exceed %zu bytes", max);
	memcpy(buf + at, s, n);
	return at + n;
}

size_t boot_strings(const struct options *o, char *buf, size_t max)
{
	size_t at = 0;

	for (int i = 0; i < o->argc; i++)
		at = put(buf, at, max, o->argv[i]);
	for (int i = 0; i < o->envc; i++)
		at = put(buf, at, max, o->env[i]);
	return put(buf, at, max, o->exe_path);
}

uint32_t boot_flags(const struct options *o)
{
	uint32_t f = 0;

	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			f |= BOTHY_BOOT_STDIN_TTY << fd;
	if (o->trace)
		f |= BOTHY_BOOT_TRACE;
	if (o->crash_kernel)
		f |= BOTHY_BOOT_CRASH;
	if (o->fixed_base)
		f |= BOTHY_BOOT_FIXED_BASE;
	return f;
}
