/*
 * sysinfo: sysinfo(2) reports some RAM, a memory unit, free <= total and
 * at least one process; sysconf(3) page counts (glibc reads them from
 * sysinfo) agree.
 */
// case: sysinfo
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	struct sysinfo si;
	int bad = 0;

	if (sysinfo(&si) != 0)
		return check("sysinfo", 0);
	bad += check("totalram > 0", si.totalram > 0);
	bad += check("mem_unit >= 1", si.mem_unit >= 1);
	bad += check("freeram <= totalram", si.freeram <= si.totalram);
	bad += check("procs >= 1", si.procs >= 1);
	bad += check("_SC_PHYS_PAGES > 0", sysconf(_SC_PHYS_PAGES) > 0);
	bad += check_fails("sysinfo(NULL)", sysinfo(NULL), EFAULT);
	return bad;
}
