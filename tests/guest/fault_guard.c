/*
 * fault_guard: a PROT_NONE page between two writable pages (a guard page,
 * as pthreads places under thread stacks) faults on touch with SIGSEGV,
 * while its neighbours work.
 */
// case: fault_guard kind=fault
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	volatile unsigned char *p =
	    mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect((void *)(p + 4096), 4096, PROT_NONE) != 0)
		return 1;
	p[0] = 1;
	p[2 * 4096] = 2;
	write(1, "neighbours ok\n", 14);
	p[4096 + 100] = 3;
	write(1, "after\n", 6);
	return 0;
}
