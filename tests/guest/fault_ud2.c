/*
 * fault_ud2: an undefined instruction (ud2) kills the process with SIGILL
 * (exit status 132).
 */
// case: fault_ud2 kind=fault
#include <unistd.h>

int main(void)
{
	write(1, "before\n", 7);
	__asm__ volatile("ud2");
	write(1, "after\n", 6);
	return 0;
}
