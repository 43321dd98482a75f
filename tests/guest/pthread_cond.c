/*
 * pthread_cond: condition variables (pthread_cond_wait(3p),
 * pthread_cond_signal(3p), pthread_cond_broadcast(3p),
 * pthread_condattr_setclock(3p)) on top of futex(2):
 * - producers and consumers through a small bounded queue: every item
 *   arrives once, and each consumer sees each producer's items in order;
 * - pthread_cond_broadcast wakes every waiter; pthread_cond_signal hands
 *   out one token per signal until all waiters have one;
 * - pthread_cond_timedwait times out with ETIMEDOUT, not before the
 *   deadline, on CLOCK_REALTIME (the default) and on CLOCK_MONOTONIC
 *   (pthread_condattr_setclock), at once for a deadline in the past, and
 *   returns 0 when signalled before the deadline; CPU-time clocks are
 *   refused with EINVAL.
 */
// case: pthread_cond timeout=60
// case: pthread_cond_smp cpus=2 timeout=60
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS     500 /* per producer */
#define QSIZE     4
#define WAITERS   4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int queue[QSIZE], head, count, producers_done;

struct consumer {
	long items, sum;
	int last[PRODUCERS]; /* the last item seen from each producer */
	int out_of_order;
};
static struct consumer consumers[CONSUMERS];

static void *producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (count == QSIZE)
			pthread_cond_wait(&not_full, &lock);
		queue[(head + count) % QSIZE] = id * 100000 + i;
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	producers_done++;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	struct consumer *c = arg;
	int item;

	for (;;) {
		pthread_mutex_lock(&lock);
		while (count == 0 && producers_done < PRODUCERS)
			pthread_cond_wait(&not_empty, &lock);
		if (count == 0) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		item = queue[head];
		head = (head + 1) % QSIZE;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
		c->items++;
		c->sum += item;
		if (item % 100000 <= c->last[item / 100000])
			c->out_of_order++;
		c->last[item / 100000] = item % 100000;
	}
}

/* Broadcast and signal: waiters count themselves in under the mutex, so
 * once main sees them all and holds the mutex they are all waiting. */
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int waiting, go, tokens, woken, got_token;

static void *gate_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&not_empty); /* tell main */
	while (!go)
		pthread_cond_wait(&gate, &lock);
	woken++;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *token_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&not_empty);
	while (tokens == 0)
		pthread_cond_wait(&gate, &lock);
	tokens--;
	got_token++;
	pthread_cond_broadcast(&not_full); /* tell main */
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Wait (holding @lock) until @n waiters are in. */
static void wait_for_waiters(int n)
{
	while (waiting < n)
		pthread_cond_wait(&not_empty, &lock);
}

static pthread_cond_t timed;
static volatile int signal_soon;

static void *signaller(void *arg)
{
	(void)arg;
	wait_until(&signal_soon, 60000);
	sleep_ms(20);
	pthread_mutex_lock(&lock);
	go = 2;
	pthread_cond_signal(&timed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * check_times_out - pthread_cond_timedwait on @cv (whose clock is @clock)
 * with a deadline @ms milliseconds from now (in the past if negative) must
 * end with ETIMEDOUT, not before the deadline on @clock. Prints "WHAT: ok"
 * or FAILED with what happened. Returns 0 when ok, else 1.
 */
static int check_times_out(const char *what, pthread_cond_t *cv, clockid_t clock, long ms)
{
	struct timespec at = ts_in(clock, ms);
	int64_t after, deadline = at.tv_sec * 1000000000ll + at.tv_nsec;
	int r;

	pthread_mutex_lock(&lock);
	r = pthread_cond_timedwait(cv, &lock, &at);
	after = now_ns(clock);
	pthread_mutex_unlock(&lock);
	if (r != ETIMEDOUT)
		printf("%s: FAILED (returned %s)\n", what, err_name(r));
	else if (after < deadline)
		printf("%s: FAILED (woke %lld us early)\n", what,
		       (long long)(deadline - after) / 1000);
	else
		printf("%s: ok\n", what);
	return r != ETIMEDOUT || after < deadline;
}

int main(void)
{
	pthread_t prod[PRODUCERS], cons[CONSUMERS], w[WAITERS], t;
	pthread_condattr_t ca;
	clockid_t clock;
	long items = 0, sum = 0, want_sum = 0;
	int out_of_order = 0, bad = 0, r;

	/* Producers and consumers. */
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&cons[i], NULL, consumer, &consumers[i]);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(cons[i], NULL);
		items += consumers[i].items;
		sum += consumers[i].sum;
		out_of_order += consumers[i].out_of_order;
	}
	for (int p = 0; p < PRODUCERS; p++)
		for (int i = 1; i <= ITEMS; i++)
			want_sum += p * 100000 + i;
	printf("queue: %ld items, sum %ld\n", items, sum);
	bad += check("queue: every item consumed once",
	             items == PRODUCERS * ITEMS && sum == want_sum && count == 0);
	bad += check("queue: each producer's items in order", out_of_order == 0);

	/* Broadcast wakes all. */
	for (int i = 0; i < WAITERS; i++)
		pthread_create(&w[i], NULL, gate_waiter, NULL);
	pthread_mutex_lock(&lock);
	wait_for_waiters(WAITERS);
	go = 1;
	r = pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(w[i], NULL);
	bad += check_ret("broadcast", r, 0);
	bad += check("broadcast: all waiters woke", woken == WAITERS);

	/* Signal: one token per signal. */
	waiting = 0;
	for (int i = 0; i < WAITERS; i++)
		pthread_create(&w[i], NULL, token_waiter, NULL);
	pthread_mutex_lock(&lock);
	wait_for_waiters(WAITERS);
	for (int i = 1; i <= WAITERS; i++) {
		tokens++;
		pthread_cond_signal(&gate);
		while (got_token < i)
			pthread_cond_wait(&not_full, &lock);
	}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(w[i], NULL);
	bad += check("signal: each waiter took one token", got_token == WAITERS && tokens == 0);
	bad += check_ret("signal with no waiter", pthread_cond_signal(&gate), 0);

	/* Timed waits. */
	pthread_cond_init(&timed, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_getclock(&ca, &clock);
	bad += check("condattr: the default clock is CLOCK_REALTIME", clock == CLOCK_REALTIME);
	bad += check_times_out("timedwait CLOCK_REALTIME 30 ms: ETIMEDOUT after the deadline",
	                       &timed, CLOCK_REALTIME, 30);
	bad += check_times_out("timedwait CLOCK_REALTIME in the past: ETIMEDOUT", &timed,
	                       CLOCK_REALTIME, -1000);
	pthread_cond_destroy(&timed);
	bad += check_ret("condattr_setclock CLOCK_MONOTONIC",
	                 pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), 0);
	pthread_condattr_getclock(&ca, &clock);
	bad += check("condattr_getclock reads it back", clock == CLOCK_MONOTONIC);
	bad += check_ret("condattr_setclock CLOCK_PROCESS_CPUTIME_ID",
	                 pthread_condattr_setclock(&ca, CLOCK_PROCESS_CPUTIME_ID), EINVAL);
	pthread_cond_init(&timed, &ca);
	bad += check_times_out("timedwait CLOCK_MONOTONIC 30 ms: ETIMEDOUT after the deadline",
	                       &timed, CLOCK_MONOTONIC, 30);
	bad += check_times_out("timedwait CLOCK_MONOTONIC in the past: ETIMEDOUT", &timed,
	                       CLOCK_MONOTONIC, -1000);

	/* Signalled before the deadline. */
	go = 0;
	pthread_create(&t, NULL, signaller, NULL);
	{
		struct timespec at = ts_in(CLOCK_MONOTONIC, 60000);

		r = 0;
		pthread_mutex_lock(&lock);
		__atomic_store_n(&signal_soon, 1, __ATOMIC_RELEASE);
		while (go != 2 && r == 0)
			r = pthread_cond_timedwait(&timed, &lock, &at);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t, NULL);
	bad += check_ret("timedwait CLOCK_MONOTONIC signalled in time", r, 0);
	pthread_cond_destroy(&timed);
	pthread_condattr_destroy(&ca);
	return bad;
}
