/*
 * uname: uname(2) says Linux on x86_64; the other fields are non-empty
 * NUL-terminated strings (their values differ between machines).
 */
// case: uname
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "guest.h"

static int terminated(const char *field)
{
	return memchr(field, 0, sizeof(((struct utsname *)0)->sysname)) != NULL;
}

int main(void)
{
	struct utsname u;
	int bad = 0;

	memset(&u, 0xff, sizeof(u));
	if (uname(&u) != 0)
		return check("uname", 0);
	printf("sysname %s\n", u.sysname);
	printf("machine %s\n", u.machine);
	bad += check("all fields NUL-terminated",
	             terminated(u.sysname) && terminated(u.nodename) && terminated(u.release) &&
	                 terminated(u.version) && terminated(u.machine));
	bad += check("release non-empty", u.release[0] != 0);
	bad += check("version non-empty", u.version[0] != 0);
	bad += check("nodename non-empty", u.nodename[0] != 0);
	bad += check_fails("uname(NULL)", uname(NULL), EFAULT);
	return bad;
}
