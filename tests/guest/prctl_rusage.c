/*
 * prctl_rusage: the process calls of tier 1 of the census that Debian
 * programs make at start: prctl (PR_SET_NAME/PR_GET_NAME, PR_CAPBSET_READ
 * as libcap probes it, the dumpable and no-new-privs flags), getrusage
 * and times (CPU time that grows while the program computes, a non-zero
 * maximum resident size), and their errors.
 */
// case: prctl_rusage
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <unistd.h>
#include "guest.h"

static volatile uint64_t sink;

static void burn(void)
{
	for (uint64_t i = 0; i < 50000000; i++)
		sink += i * i;
}

static long usec(struct timeval t)
{
	return t.tv_sec * 1000000L + t.tv_usec;
}

int main(void)
{
	char name[17] = {0};
	struct rusage a, b;
	struct tms t1, t2;
	clock_t c1, c2;
	int bad = 0;

	bad += check("PR_SET_NAME", prctl(PR_SET_NAME, "a-very-long-thread-name") == 0);
	bad += check("PR_GET_NAME gives the first 15 bytes",
	             prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "a-very-long-thr"));
	bad += check("PR_CAPBSET_READ CAP_CHOWN (root: 1)", prctl(PR_CAPBSET_READ, 0) == 1);
	bad +=
	    check_fails("PR_CAPBSET_READ of capability 1000", prctl(PR_CAPBSET_READ, 1000), EINVAL);
	bad += check("PR_GET_DUMPABLE is 1", prctl(PR_GET_DUMPABLE) == 1);
	bad += check("PR_SET_DUMPABLE 0 then GET gives 0",
	             prctl(PR_SET_DUMPABLE, 0) == 0 && prctl(PR_GET_DUMPABLE) == 0);
	bad += check_fails("PR_SET_DUMPABLE 7", prctl(PR_SET_DUMPABLE, 7), EINVAL);
	bad += check("PR_SET_NO_NEW_PRIVS then GET gives 1",
	             prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	                 prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);

	c1 = times(&t1);
	bad += check("getrusage(RUSAGE_SELF)", getrusage(RUSAGE_SELF, &a) == 0);
	burn();
	bad += check("getrusage again", getrusage(RUSAGE_SELF, &b) == 0);
	c2 = times(&t2);
	bad += check("CPU time grows while computing",
	             usec(b.ru_utime) + usec(b.ru_stime) > usec(a.ru_utime) + usec(a.ru_stime));
	bad += check("ru_maxrss is non-zero (KiB)", b.ru_maxrss > 0);
	bad += check("times() counts clock ticks forward", c1 != (clock_t)-1 && c2 >= c1);
	bad += check("tms_utime + tms_stime does not go back",
	             t2.tms_utime + t2.tms_stime >= t1.tms_utime + t1.tms_stime);
	bad += check("getrusage(RUSAGE_CHILDREN) with no children is zero",
	             getrusage(RUSAGE_CHILDREN, &a) == 0 && usec(a.ru_utime) == 0);
	bad += check_fails("getrusage(who 5)", getrusage(5, &a), EINVAL);
	bad += check_fails("getrusage to a bad address", syscall(SYS_getrusage, RUSAGE_SELF, 8),
	                   EFAULT);
	return bad;
}
