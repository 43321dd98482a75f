/*
 * fault_abort_handled: abort(3) with a SIGABRT handler that returns: the
 * handler runs, then abort restores the default action and raises again,
 * and the process dies of SIGABRT (status 134) all the same. Also SIGTERM
 * sent to itself with kill(2) runs its handler.
 */
// case: fault_abort_handled kind=fault
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(int sig)
{
	const char *m = sig == SIGABRT ? "SIGABRT handler ran\n" : "SIGTERM handler ran\n";

	write(1, m, strlen(m));
}

int main(void)
{
	signal(SIGTERM, say);
	signal(SIGABRT, say);
	kill(getpid(), SIGTERM);
	write(1, "after kill\n", 11);
	abort();
}
