/*
 * proc_self_exe: readlink(2) of /proc/self/exe names the program (only
 * the basename is printed: the directory differs), returns the length
 * without a NUL, truncates silently to a short buffer, and a path that is
 * not a link fails with EINVAL or ENOENT.
 */
// case: proc_self_exe
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	char path[4096], small[4];
	ssize_t n, m;
	int bad = 0;

	memset(path, 'x', sizeof(path));
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	bad += check("readlink /proc/self/exe", n > 0);
	if (n <= 0)
		return bad;
	bad += check("no NUL written", path[n] == 'x');
	path[n] = 0;
	bad += check("absolute path", path[0] == '/');
	printf("basename %s\n", base_name(path));
	m = readlink("/proc/self/exe", small, sizeof(small));
	bad += check("short buffer truncates to its size",
	             m == sizeof(small) && memcmp(small, path, sizeof(small)) == 0);
	bad +=
	    check_fails("readlink of a missing path", readlink("/no/such/file", path, 10), ENOENT);
	return bad;
}
