/*
 * fault_null: a load from address 0 kills the process with SIGSEGV
 * (exit status 139 from a shell).
 */
// case: fault_null kind=fault
#include <unistd.h>

int main(void)
{
	int *volatile p = 0;

	write(1, "before\n", 7);
	return *p;
}
