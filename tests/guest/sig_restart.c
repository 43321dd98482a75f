/*
 * sig_restart: a handler interrupting a blocking system call, and
 * SA_RESTART (signal(7), "Interruption of system calls and library
 * functions by signal handlers"):
 * - main blocked in read on an empty pipe; another thread sends it
 *   SIGUSR1 with pthread_kill again and again: with SA_RESTART the read
 *   goes on and returns the data written afterwards; without it the read
 *   fails with EINTR;
 * - the same with SIGALRM from alarm(1), whose handler writes a byte to
 *   the pipe: with SA_RESTART the restarted read returns that byte;
 *   without it read fails with EINTR and the next read returns the byte;
 * - nanosleep is never restarted: EINTR even with SA_RESTART, and it
 *   fills in the time that was left.
 */
// case: sig_restart timeout=60 min_ms=2000
// case: sig_restart_smp cpus=2 timeout=60 min_ms=2000
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include "guest_threads.h"

static int p[2];
static volatile int in_call, hits, hits_in_call, stop;
static pthread_t main_thread;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
	if (in_call)
		hits_in_call++;
}

static void on_alrm(int sig)
{
	(void)sig;
	hits++;
	write(p[1], "a", 1);
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Send main SIGUSR1 every 10 ms, once it is in its call, until @stop is
 * set or (when @arg is non-NULL) three signals came during the call; then
 * write @arg's byte to the pipe. After 1000 signals it gives up and
 * writes a 'z' so that a read that was not interrupted ends (and fails
 * its check) instead of hanging. */
static void *kicker(void *arg)
{
	const char *data = arg;
	int i;

	for (i = 0; i < 60000 && !in_call && !stop; i++)
		sleep_ms(1);
	for (i = 0; i < 1000 && !stop; i++) {
		if (data && hits_in_call >= 3)
			break;
		pthread_kill(main_thread, SIGUSR1);
		sleep_ms(10);
	}
	if (data)
		write(p[1], data, 1);
	else if (i == 1000)
		write(p[1], "z", 1);
	return NULL;
}

static void start_kicker(pthread_t *t, const char *data)
{
	in_call = hits = hits_in_call = stop = 0;
	pthread_create(t, NULL, kicker, (void *)data);
}

static void end_call(pthread_t t)
{
	in_call = 0;
	stop = 1;
	pthread_join(t, NULL);
}

int main(void)
{
	pthread_t t;
	char c = 0;
	long r;
	int e, bad = 0;

	main_thread = pthread_self();
	pipe(p);

	/* pthread_kill, SA_RESTART: read goes on. */
	install(SIGUSR1, on_usr1, SA_RESTART);
	start_kicker(&t, "x");
	in_call = 1;
	r = read(p[0], &c, 1);
	end_call(t);
	bad += check("SA_RESTART: read on a pipe, interrupted by handlers, returns the data",
	             r == 1 && c == 'x');
	bad += check("... the handler ran during the read", hits_in_call >= 3);

	/* pthread_kill, no SA_RESTART: EINTR. */
	install(SIGUSR1, on_usr1, 0);
	start_kicker(&t, NULL);
	in_call = 1;
	errno = 0;
	r = read(p[0], &c, 1);
	e = errno;
	end_call(t);
	bad += check_errno("no SA_RESTART: read on a pipe", r, e, EINTR);
	bad += check("... after the handler ran", hits >= 1);
	write(p[1], "y", 1);
	bad += check("... the next read gets the data", read(p[0], &c, 1) == 1 && c == 'y');

	/* alarm(1), no SA_RESTART. */
	install(SIGALRM, on_alrm, 0);
	hits = 0;
	alarm(1);
	errno = 0;
	r = read(p[0], &c, 1);
	e = errno;
	bad += check_errno("alarm, no SA_RESTART: read on a pipe", r, e, EINTR);
	bad += check("... the SIGALRM handler ran once", hits == 1);
	c = 0;
	bad += check("... the next read gets its byte", read(p[0], &c, 1) == 1 && c == 'a');

	/* alarm(1), SA_RESTART. */
	install(SIGALRM, on_alrm, SA_RESTART);
	hits = 0;
	alarm(1);
	c = 0;
	r = read(p[0], &c, 1);
	bad += check("alarm, SA_RESTART: the restarted read returns the handler's byte",
	             r == 1 && c == 'a' && hits == 1);

	/* Never restarted: nanosleep. */
	install(SIGUSR1, on_usr1, SA_RESTART);
	{
		struct timespec req = {10, 0}, rem = {0, 0};

		start_kicker(&t, NULL);
		in_call = 1;
		errno = 0;
		r = nanosleep(&req, &rem);
		e = errno;
		end_call(t);
		bad += check_errno("SA_RESTART: nanosleep 10 s", r, e, EINTR);
		/* Linux may report up to the timer slack (50 us) more than asked. */
		bad += check("... the time left is filled in, 0 < rem <= 10 s (+1 ms)",
		             (rem.tv_sec > 0 || rem.tv_nsec > 0) &&
		                 (rem.tv_sec < 10 || (rem.tv_sec == 10 && rem.tv_nsec <= 1000000)));
	}
	return bad;
}
