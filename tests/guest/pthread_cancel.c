/*
 * pthread_cancel: thread cancellation (pthreads(7), pthread_cancel(3p),
 * pthread_cleanup_push(3p), pthread_setcancelstate(3p)); libc sends the
 * target a real-time signal with tgkill(2), so this is signal delivery to
 * a thread blocked in a system call (which must end with EINTR) or
 * running in user mode (asynchronous cancellation):
 * - deferred cancellation at a cancellation point: blocked in nanosleep,
 *   in read on an empty pipe, in pthread_cond_wait (the mutex is held
 *   again when the cleanup handlers run); pthread_join gives
 *   PTHREAD_CANCELED and the cleanup handlers ran;
 * - the cleanup stack: handlers run last pushed first;
 *   pthread_cleanup_pop(1) runs one, pthread_cleanup_pop(0) drops one;
 * - PTHREAD_CANCEL_DISABLE holds a cancel request back (the thread goes
 *   on through a cancellation point, nanosleep) until it enables
 *   cancellation and calls pthread_testcancel;
 * - PTHREAD_CANCEL_ASYNCHRONOUS cancels a thread spinning in user mode.
 */
// case: pthread_cancel timeout=60
// case: pthread_cancel_smp cpus=2 timeout=60
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

static volatile int ready, cancel_sent, slept, after_testcancel, cleaned;
static char order[16];
static int norder;
static int pipefd[2];
static pthread_mutex_t m;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int unlock_in_cleanup = -1, old_state = -1;
static volatile unsigned long spins;

static void mark(void *arg)
{
	(void)arg;
	cleaned++;
}

static void log_handler(void *arg)
{
	if (norder < (int)sizeof(order) - 1)
		order[norder++] = *(const char *)arg;
}

static void unlock_m(void *arg)
{
	(void)arg;
	unlock_in_cleanup = pthread_mutex_unlock(&m); /* errorcheck: 0 only if held */
	cleaned++;
}

static void set_ready(void)
{
	__atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
}

static void *in_nanosleep(void *arg)
{
	(void)arg;
	pthread_cleanup_push(mark, NULL);
	set_ready();
	sleep(60);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *in_read(void *arg)
{
	char c;

	(void)arg;
	pthread_cleanup_push(mark, NULL);
	set_ready();
	if (read(pipefd[0], &c, 1) >= 0)
		slept = 1; /* must not happen */
	pthread_cleanup_pop(0);
	return NULL;
}

static void *in_cond_wait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	pthread_cleanup_push(unlock_m, NULL);
	set_ready();
	for (;;)
		pthread_cond_wait(&cv, &m);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cleanup_stack(void *arg)
{
	static const char h1 = '1', h2 = '2', h3 = '3', h4 = '4';

	(void)arg;
	pthread_cleanup_push(log_handler, (void *)&h1);
	pthread_cleanup_push(log_handler, (void *)&h2);
	pthread_cleanup_push(log_handler, (void *)&h3);
	pthread_cleanup_pop(0); /* h3 dropped */
	pthread_cleanup_pop(1); /* h2 runs now */
	pthread_cleanup_push(log_handler, (void *)&h4);
	set_ready();
	sleep(60);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *disabled(void *arg)
{
	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_state);
	set_ready();
	wait_until(&cancel_sent, 60000);
	sleep_ms(10); /* a cancellation point, with the request pending */
	slept = 1;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	after_testcancel = 1;
	return NULL;
}

static void *spinning(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	set_ready();
	for (;;)
		spins++;
	return NULL;
}

/* Start @fn, wait until it is ready (and 20 ms more, so that it is
 * likely blocked), cancel it, join it. Returns 1 when pthread_cancel
 * returned 0 and the join gave PTHREAD_CANCELED. */
static int cancel_one(void *(*fn)(void *))
{
	pthread_t t;
	void *res = NULL;

	ready = cancel_sent = 0;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		return 0;
	wait_until(&ready, 60000);
	sleep_ms(20);
	if (pthread_cancel(t) != 0)
		return 0;
	__atomic_store_n(&cancel_sent, 1, __ATOMIC_SEQ_CST);
	return pthread_join(t, &res) == 0 && res == PTHREAD_CANCELED;
}

int main(void)
{
	pthread_mutexattr_t ma;
	int bad = 0;

	cleaned = 0;
	bad += check("cancelled in nanosleep: PTHREAD_CANCELED", cancel_one(in_nanosleep));
	bad += check("... its cleanup handler ran", cleaned == 1);

	pipe(pipefd);
	cleaned = 0;
	bad += check("cancelled in read on an empty pipe: PTHREAD_CANCELED", cancel_one(in_read));
	bad += check("... its cleanup handler ran, read did not return", cleaned == 1 && !slept);

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &ma);
	cleaned = 0;
	bad += check("cancelled in pthread_cond_wait: PTHREAD_CANCELED", cancel_one(in_cond_wait));
	bad += check("... the cleanup handler held the mutex and unlocked it",
	             cleaned == 1 && unlock_in_cleanup == 0);
	bad += check_ret("... the mutex is free after", pthread_mutex_trylock(&m), 0);
	pthread_mutex_unlock(&m);

	bad += check("cleanup stack: PTHREAD_CANCELED", cancel_one(cleanup_stack));
	order[norder] = 0;
	printf("cleanup handlers ran in the order: %s\n", order);
	bad += check("cleanup stack: pop(1) ran 2, pop(0) dropped 3, then 4 and 1",
	             strcmp(order, "241") == 0);

	slept = 0;
	bad += check("cancel while disabled: PTHREAD_CANCELED", cancel_one(disabled));
	bad += check("... the old state was PTHREAD_CANCEL_ENABLE",
	             old_state == PTHREAD_CANCEL_ENABLE);
	bad += check("... the thread slept on, cancelled at pthread_testcancel",
	             slept == 1 && after_testcancel == 0);

	bad += check("asynchronous cancel of a spinning thread: PTHREAD_CANCELED",
	             cancel_one(spinning));
	return bad;
}
