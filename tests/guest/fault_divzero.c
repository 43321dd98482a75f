/*
 * fault_divzero: integer division by zero (#DE) kills the process with
 * SIGFPE (exit status 136).
 */
// case: fault_divzero kind=fault
#include <unistd.h>

int main(void)
{
	volatile int num = 1, den = 0;

	write(1, "before\n", 7);
	num = num / den;
	write(1, "after\n", 6);
	return num;
}
