/*
 * pingpong - a futex ping-pong: the main thread and one other thread hand
 * a token back and forth through one futex word, each waiting for its turn
 * in FUTEX_WAIT and waking the other with FUTEX_WAKE (futex(2), the private
 * operations that libcs use), never spinning. A hand-off is one pass of the
 * token from one thread to the other: a store, a FUTEX_WAKE, and the other
 * thread's return from FUTEX_WAIT (or its not needing to wait).
 *
 * Usage: pingpong SECONDS REPS
 * After an untimed warm-up of SECONDS/4, prints for each of REPS timed
 * windows of at least SECONDS (the clock is read every 4 round trips):
 *   rep NS_PER_HANDOFF ns handoffs=COUNT elapsed_ns=NS
 * then "total NS" (threads.h).
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "threads.h"

/* futex(2) operations (<linux/futex.h>, which musl-gcc does not see). */
#define FUTEX_WAIT_PRIVATE (0 | 128)
#define FUTEX_WAKE_PRIVATE (1 | 128)

/* The token: 0 while it is the main thread's turn, 1 while the partner's. */
static int token;
/* Set by the main thread before its last pass: the partner then returns. */
static int stop;

/* futex_op - futex(2) on the token word; returns the raw result or -1 (errno). */
static long futex_op(int op, int val)
{
	return syscall(SYS_futex, &token, op, val, NULL, NULL, 0);
}

/* await - wait until the token is `mine`, in FUTEX_WAIT while it is not. */
static void await(int mine)
{
	while (__atomic_load_n(&token, __ATOMIC_ACQUIRE) != mine)
		if (futex_op(FUTEX_WAIT_PRIVATE, !mine) < 0 && errno != EAGAIN && errno != EINTR)
			fail("pingpong", "futex(FUTEX_WAIT_PRIVATE)", errno);
}

/* pass - give the token to the other thread (`to`) and wake it. */
static void pass(int to)
{
	__atomic_store_n(&token, to, __ATOMIC_RELEASE);
	if (futex_op(FUTEX_WAKE_PRIVATE, 1) < 0)
		fail("pingpong", "futex(FUTEX_WAKE_PRIVATE)", errno);
}

/* partner - the other thread: take the token, hand it back, until stop. */
static void *partner(void *arg)
{
	(void)arg;
	for (;;) {
		await(1);
		if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			return NULL;
		pass(0);
	}
}

/* window - round trips for at least ns nanoseconds; returns hand-offs, *el the time. */
static long long window(long long ns, long long *el)
{
	long long t0 = now_ns(), trips = 0;
	int i;

	do {
		for (i = 0; i < 4; i++) {
			pass(1);
			await(0);
		}
		trips += 4;
		*el = now_ns() - t0;
	} while (*el < ns);
	return 2 * trips;
}

int main(int argc, char **argv)
{
	long long start = now_ns(), ns, el, n;
	pthread_t tid;
	int reps, r, err;

	if (argc != 3) {
		fprintf(stderr, "usage: pingpong SECONDS REPS\n");
		return 2;
	}
	ns = (long long)(arg_num("pingpong", argv[1], 0.001, 3600) * 1e9);
	reps = (int)arg_num("pingpong", argv[2], 1, 1000);
	if ((err = pthread_create(&tid, NULL, partner, NULL)))
		fail("pingpong", "pthread_create", err);
	window(ns / 4, &el);
	for (r = 0; r < reps; r++) {
		n = window(ns, &el);
		printf("rep %.1f ns handoffs=%lld elapsed_ns=%lld\n", (double)el / n, n, el);
		fflush(stdout);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pass(1);
	if ((err = pthread_join(tid, NULL)))
		fail("pingpong", "pthread_join", err);
	printf("total %lld\n", now_ns() - start);
	return 0;
}
