/*
 * spawn - thread creation and exit: pthread_create(3) a thread that
 * returns at once, pthread_join(3) it, again and again; the libc's whole
 * path (stack mapping, clone(2) with CLONE_VM|CLONE_THREAD, exit, the
 * futex wake of the joiner, the stack's release or reuse).
 *
 * Usage: spawn SECONDS REPS
 * After an untimed warm-up of SECONDS/4, prints for each of REPS timed
 * windows of at least SECONDS (the clock is read every 4 create+joins):
 *   rep US_PER_CREATE_JOIN us joins=COUNT elapsed_ns=NS
 * then "total NS" (threads.h).
 */
#include <pthread.h>

#include "threads.h"

/* nothing - the thread function: returns its argument. */
static void *nothing(void *arg)
{
	return arg;
}

/* window - create+join for at least ns nanoseconds; returns the count, *el the time. */
static long long window(long long ns, long long *el)
{
	long long t0 = now_ns(), n = 0;
	pthread_t tid;
	void *ret;
	int i, err;

	do {
		for (i = 0; i < 4; i++) {
			if ((err = pthread_create(&tid, NULL, nothing, &n)))
				fail("spawn", "pthread_create", err);
			if ((err = pthread_join(tid, &ret)))
				fail("spawn", "pthread_join", err);
			if (ret != &n)
				fail("spawn", "pthread_join: wrong return value", 0);
		}
		n += 4;
		*el = now_ns() - t0;
	} while (*el < ns);
	return n;
}

int main(int argc, char **argv)
{
	long long start = now_ns(), ns, el, n;
	int reps, r;

	if (argc != 3) {
		fprintf(stderr, "usage: spawn SECONDS REPS\n");
		return 2;
	}
	ns = (long long)(arg_num("spawn", argv[1], 0.001, 3600) * 1e9);
	reps = (int)arg_num("spawn", argv[2], 1, 1000);
	window(ns / 4, &el);
	for (r = 0; r < reps; r++) {
		n = window(ns, &el);
		printf("rep %.2f us joins=%lld elapsed_ns=%lld\n", el / 1e3 / n, n, el);
		fflush(stdout);
	}
	printf("total %lld\n", now_ns() - start);
	return 0;
}
