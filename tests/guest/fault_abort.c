/*
 * fault_abort: abort(3) raises SIGABRT at itself (tgkill/tkill) and the
 * default action kills the process (exit status 134).
 */
// case: fault_abort kind=fault
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	write(1, "before\n", 7);
	abort();
}
