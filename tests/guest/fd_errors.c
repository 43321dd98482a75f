/*
 * fd_errors: read(2), write(2) and close(2) on descriptors that are not
 * open fail with EBADF; a bad user pointer fails with EFAULT instead of
 * crashing; zero-length I/O returns 0.
 */
// case: fd_errors
#include <stdio.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	void *volatile nowhere = NULL; /* opaque, so the compiler does not object */
	char c;
	int bad = 0;

	bad += check("write of 0 bytes returns 0", write(1, "", 0) == 0);
	bad += check("read of 0 bytes returns 0", read(0, &c, 0) == 0);
	bad += check_fails("write(42)", write(42, "x", 1), EBADF);
	bad += check_fails("read(42)", read(42, &c, 1), EBADF);
	bad += check_fails("read(-1)", read(-1, &c, 1), EBADF);
	bad += check_fails("close(42)", close(42), EBADF);
	bad += check_fails("write from NULL", write(1, nowhere, 10), EFAULT);
	bad += check_fails("write from a kernel address",
	                   write(1, (void *)0xffff800000000000ul, 10), EFAULT);
	return bad;
}
