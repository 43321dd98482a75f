/*
 * host_events: a program for tests/threads/host_events.sh. Modes (argv[1]):
 *   pause    print "ready", wait in pause(2) with handlers for SIGINT and
 *            SIGTERM (argv[2] = "handle") or without, then print the signal
 *            that ended the wait and exit 3
 *   stdin    print "ready", read stdin to its end from a second thread
 *            while the main thread counts timer ticks, print the bytes
 *            read and whether the main thread ran meanwhile
 *   deadlock two threads each wait for the other's mutex
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static volatile int done;
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void handler(int sig)
{
	got = sig;
}

static void *reader(void *arg)
{
	char buf[256];
	long total = 0, n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		total += n;
	*(long *)arg = total;
	done = 1;
	return NULL;
}

static void *lock_b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b);
	sleep(1);
	pthread_mutex_lock(&a);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pause")) {
		if (argc > 2 && !strcmp(argv[2], "handle")) {
			signal(SIGINT, handler);
			signal(SIGTERM, handler);
		}
		printf("ready\n");
		fflush(stdout);
		pause();
		printf("signal %d\n", (int)got);
		return 3;
	}
	if (argc > 1 && !strcmp(argv[1], "stdin")) {
		pthread_t t;
		long total = 0, ticks = 0;
		struct timespec ms = {0, 1000000};
		printf("ready\n");
		fflush(stdout);
		pthread_create(&t, NULL, reader, &total);
		while (!done) {
			nanosleep(&ms, NULL);
			ticks++;
		}
		pthread_join(t, NULL);
		printf("read %ld bytes; main thread ran meanwhile: %s\n", total,
		       ticks > 1 ? "yes" : "no");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "deadlock")) {
		pthread_t t;
		pthread_mutex_lock(&a);
		pthread_create(&t, NULL, lock_b_then_a, NULL);
		sleep(1);
		pthread_mutex_lock(&b);
		return 0;
	}
	return 2;
}
