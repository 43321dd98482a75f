/*
 * affinity: sched_getaffinity(2) for pid 0 (self) and for our own pid
 * returns the same non-empty CPU set, the raw call returns the number of
 * bytes it copied, and a size that is not a multiple of sizeof(long)
 * fails with EINVAL.
 */
// case: affinity
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	cpu_set_t self, bypid;
	long raw;
	int bad = 0;

	CPU_ZERO(&self);
	CPU_ZERO(&bypid);
	bad += check("sched_getaffinity(0)", sched_getaffinity(0, sizeof(self), &self) == 0);
	bad += check("at least one CPU", CPU_COUNT(&self) >= 1);
	bad += check("sched_getaffinity(getpid()) is the same set",
	             sched_getaffinity(getpid(), sizeof(bypid), &bypid) == 0 &&
	                 CPU_EQUAL(&self, &bypid));
	raw = syscall(SYS_sched_getaffinity, 0, sizeof(self), &self);
	bad += check("raw call returns a byte count, multiple of 8",
	             raw > 0 && raw <= (long)sizeof(self) && raw % 8 == 0);
	bad += check("_SC_NPROCESSORS_ONLN >= 1", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
	bad += check_fails("size 12", syscall(SYS_sched_getaffinity, 0, 12, &self), EINVAL);
	return bad;
}
