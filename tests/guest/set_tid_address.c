/*
 * set_tid_address: set_tid_address(2) returns the caller's thread id. The
 * clear-child-tid pointer is pointed at a static word that nothing else
 * uses, which is harmless for a process with one thread.
 */
// case: set_tid_address
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static int ctid = 12345;

int main(void)
{
	long tid = syscall(SYS_set_tid_address, &ctid);
	int bad = 0;

	bad += check("set_tid_address returns gettid()", tid == gettid());
	bad += check("and getpid()", tid == getpid());
	bad += check("the word is left alone until exit", ctid == 12345);
	return bad;
}
