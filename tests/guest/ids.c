/*
 * ids: process and user identities. Values differ between runs (and the
 * native run may be root), so only relations are printed: a
 * single-threaded process has tid == pid, its parent is another process,
 * and the real and effective ids agree (getpid(2), gettid(2),
 * getuid(2)).
 */
// case: ids
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	pid_t pid = getpid();
	int bad = 0;

	bad += check("getpid() > 0", pid > 0);
	bad += check("gettid() == getpid()", gettid() == pid);
	bad += check("raw SYS_gettid == getpid()", syscall(SYS_gettid) == pid);
	bad += check("getppid() != getpid()", getppid() != pid);
	bad += check("getppid() >= 0", getppid() >= 0);
	bad += check("getpid() stable", getpid() == pid);
	bad += check("getuid() == geteuid()", getuid() == geteuid());
	bad += check("getgid() == getegid()", getgid() == getegid());
	bad += check("raw SYS_getuid == getuid()", syscall(SYS_getuid) == (long)getuid());
	return bad;
}
