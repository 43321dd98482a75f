/*
 * rlimit: getrlimit(2) and prlimit64 (pid 0 = self) agree for
 * RLIMIT_STACK and RLIMIT_NOFILE, soft <= hard, the stack limit leaves
 * room for a normal stack, and a bad resource fails with EINVAL. The
 * values themselves depend on the host and are not printed.
 */
// case: rlimit
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static int agree(int res)
{
	struct rlimit a, b;

	if (getrlimit(res, &a) != 0 || syscall(SYS_prlimit64, 0, res, NULL, &b) != 0)
		return 0;
	return a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max;
}

static int soft_le_hard(int res)
{
	struct rlimit r;

	if (getrlimit(res, &r) != 0)
		return 0;
	return r.rlim_max == RLIM_INFINITY || r.rlim_cur <= r.rlim_max;
}

int main(void)
{
	struct rlimit r;
	int bad = 0;

	bad += check("RLIMIT_STACK: getrlimit == prlimit64", agree(RLIMIT_STACK));
	bad += check("RLIMIT_NOFILE: getrlimit == prlimit64", agree(RLIMIT_NOFILE));
	bad += check("RLIMIT_STACK soft <= hard", soft_le_hard(RLIMIT_STACK));
	bad += check("RLIMIT_NOFILE soft <= hard", soft_le_hard(RLIMIT_NOFILE));
	bad += check("RLIMIT_STACK soft >= 1 MiB",
	             getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur >= (1 << 20));
	bad += check("RLIMIT_NOFILE soft >= 64",
	             getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 64);
	bad += check_fails("getrlimit(1000)", getrlimit(1000, &r), EINVAL);
	return bad;
}
