/*
 * fault_stack_overflow: unbounded recursion runs into the end of the
 * stack (RLIMIT_STACK or the guard gap below it) and the process dies
 * with SIGSEGV, not with memory corruption or a hang.
 */
// case: fault_stack_overflow kind=fault
#include <unistd.h>

static unsigned long down(unsigned long n)
{
	volatile char frame[4096];

	if (n == ~0ul) /* never: only keeps the compiler from calling it infinite */
		return 0;
	frame[0] = (char)n;
	frame[4095] = (char)n;
	return down(n + 1) + frame[0] + frame[4095];
}

int main(void)
{
	write(1, "before\n", 7);
	return (int)down(0);
}
