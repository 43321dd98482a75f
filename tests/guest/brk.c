/*
 * brk: the raw brk(2) system call (Linux semantics, not the libc wrapper):
 * brk(0) returns the current break, a larger break is zero-filled and
 * writable, a smaller one shrinks it, and a request below the start of
 * the heap leaves the break unchanged. Done before stdio allocates.
 */
// case: brk
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define GROW (1ul << 20)

static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

static int zero_and_writable(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4096) {
		if (p[i] != 0)
			return 0;
		p[i] = 0xa5;
	}
	return p[len - 1] == 0;
}

int main(void)
{
	uintptr_t start = sys_brk(0), grown, shrunk, low, again;
	int r_grown, r_zero, r_shrunk, r_low, r_regrow, bad = 0;

	grown = sys_brk(start + GROW);
	r_grown = grown == start + GROW;
	r_zero = r_grown && zero_and_writable((unsigned char *)start, GROW);
	shrunk = sys_brk(start + 4096);
	r_shrunk = shrunk == start + 4096 && sys_brk(0) == shrunk;
	low = sys_brk(4096);
	r_low = low == shrunk;
	again = sys_brk(start + 2 * 4096);
	/* The page above the shrunk break was returned: it must be zero again. */
	r_regrow = again == start + 2 * 4096 && ((unsigned char *)start)[4096] == 0;
	sys_brk(start);

	bad += check("brk(0) returns a non-zero break", start != 0);
	bad += check("brk(+1 MiB) moves the break", r_grown);
	bad += check("new heap memory is zero and writable", r_zero);
	bad += check("brk shrinks the break", r_shrunk);
	bad += check("brk below the heap start leaves the break", r_low);
	bad += check("memory freed by a shrink comes back zeroed", r_regrow);
	return bad;
}
