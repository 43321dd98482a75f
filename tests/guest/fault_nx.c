/*
 * fault_nx: a call into a readable, writable but not executable page
 * (holding a valid "ret") kills the process with SIGSEGV: the page tables
 * must honour NX.
 */
// case: fault_nx kind=fault
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	unsigned char *p =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void (*volatile fn)(void);

	if (p == MAP_FAILED)
		return 1;
	memset(p, 0xc3, 4096); /* ret */
	fn = (void (*)(void))p;
	write(1, "before\n", 7);
	fn();
	write(1, "after\n", 6);
	return 0;
}
