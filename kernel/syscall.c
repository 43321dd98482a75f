/* System-call dispatch, the once-per-call log of unsupported calls, and
 * --trace. */
#include <errno.h>
#include <syscall.h>
#include <syscall_names.h>
#include <ktime.h>

extern const syscall_fn syscall_table[];
extern const unsigned long syscall_table_size;

static uint64_t logged[1024 / 64];

static const char *syscall_name(unsigned long nr)
{
	if (nr < ARRAY_SIZE(syscall_names) && syscall_names[nr])
		return syscall_names[nr];
	return "unknown";
}

static long unsupported(unsigned long nr)
{
	if (nr < 1024 && !(logged[nr / 64] & (1ull << (nr % 64)))) {
		logged[nr / 64] |= 1ull << (nr % 64);
		if (log_level >= BOTHY_LOG_WARN)
			printk("bothy: unsupported system call %s (%lu): returning ENOSYS\n",
			       syscall_name(nr), nr);
	}
	return -ENOSYS;
}

long syscall_dispatch(unsigned long nr, const long a[6])
{
	syscall_fn fn = nr < syscall_table_size ? syscall_table[nr] : NULL;
	int trace = boot_info->flags & BOTHY_BOOT_TRACE;
	uint64_t t0 = trace ? time_monotonic_ns() : 0;
	long r;

	if (!fn)
		r = unsupported(nr);
	else
		r = fn(a[0], a[1], a[2], a[3], a[4], a[5]);
	if (trace) {
		/* The time inside the call, as strace -T: <seconds.microseconds>. */
		uint64_t us = (time_monotonic_ns() - t0) / 1000;
		printk("[trace] %s(%lx, %lx, %lx, %lx, %lx, %lx) = %ld <%lu.%06lu>\n",
		       syscall_name(nr), a[0], a[1], a[2], a[3], a[4], a[5], r,
		       (unsigned long)(us / 1000000), (unsigned long)(us % 1000000));
	}
	return r;
}
