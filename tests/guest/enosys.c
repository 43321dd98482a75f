/*
 * enosys: system call numbers that x86-64 Linux does not define fail with
 * ENOSYS and change nothing (syscall(2)); the process goes on normally.
 * 337..423 is the unused gap below the numbers shared by all
 * architectures (arch/x86/entry/syscalls/syscall_64.tbl; 335 and 336 are
 * uretprobe and uprobe since Linux 6.11 and 6.16, and SIGILL when called
 * directly).
 */
// case: enosys
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	int bad = 0;

	bad += check_fails("syscall(400, 1, 2, 3)", syscall(400, 1, 2, 3), ENOSYS);
	bad += check_fails("syscall(350)", syscall(350), ENOSYS);
	bad += check_fails("syscall(1000)", syscall(1000), ENOSYS);
	bad += check_fails("syscall(100000)", syscall(100000), ENOSYS);
	bad += check_fails("syscall(-1)", syscall(-1), ENOSYS);
	bad += check("still running afterwards", getpid() > 0);
	return bad;
}
