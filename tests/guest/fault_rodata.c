/*
 * fault_rodata: a store into a string literal (read-only data) kills the
 * process with SIGSEGV.
 */
// case: fault_rodata kind=fault
#include <unistd.h>

static const char literal[] = "read-only";

int main(void)
{
	char *volatile p = (char *)literal;

	write(1, "before\n", 7);
	p[0] = 'R';
	write(1, "after\n", 6);
	return 0;
}
