/*
 * pthread_mutex: the mutex types of pthread_mutexattr_settype(3p) and
 * robust mutexes (pthread_mutexattr_setrobust(3p), pthread_mutex_lock(3p),
 * pthread_mutex_consistent(3p)) on top of clone(2), futex(2) and the
 * kernel's robust futex list (set_robust_list(2), futex(7),
 * Documentation/locking/robust-futexes.rst):
 * - normal: trylock of a held mutex (by this thread or another) is EBUSY;
 * - recursive: locks nest, the last unlock frees it, another thread
 *   cannot unlock it (EPERM);
 * - error-checking: relocking is EDEADLK, unlocking a mutex we do not hold
 *   is EPERM;
 * - robust: when the owner thread ends holding it, the next lock or
 *   trylock gets EOWNERDEAD; pthread_mutex_consistent makes it usable
 *   again; unlocking without it makes it ENOTRECOVERABLE. The owner
 *   returns normally (libc may clean up itself), or leaves by a raw exit(2)
 *   holding a process-shared robust mutex while main waits in
 *   pthread_mutex_lock: then only the kernel's walk of the robust list at
 *   exit marks it FUTEX_OWNER_DIED and wakes main;
 * - pthread_mutex_timedlock of a mutex another thread holds gives
 *   ETIMEDOUT, no earlier than the deadline;
 * - N threads adding to a counter under one mutex lose no addition.
 * The smp case runs the same on two virtual CPUs.
 */
// case: pthread_mutex timeout=60
// case: pthread_mutex_smp cpus=2 timeout=60
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

#define ADDERS 4
#define ADDS   20000

static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t recursive, errorcheck, robust, robust_shared, held;
static volatile int held_ready, held_release, raw_locked;
static long counter;

/* Run @fn(@arg) in a new thread and join it; returns its int result. */
static int in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *res = NULL;

	if (pthread_create(&t, NULL, fn, arg) != 0 || pthread_join(t, &res) != 0)
		return -1;
	return (int)(intptr_t)res;
}

static void *trylock_it(void *m)
{
	return (void *)(intptr_t)pthread_mutex_trylock(m);
}

static void *unlock_it(void *m)
{
	return (void *)(intptr_t)pthread_mutex_unlock(m);
}

static void *trylock_unlock(void *m)
{
	int r = pthread_mutex_trylock(m);

	if (r == 0)
		pthread_mutex_unlock(m);
	return (void *)(intptr_t)r;
}

/* Lock the robust mutex and return holding it. */
static void *die_holding(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)pthread_mutex_lock(&robust);
}

/* Lock the process-shared robust mutex and end the thread with a raw
 * exit(2), so that libc cannot clean up: the kernel walks the robust list.
 * (musl hands a private robust mutex to the kernel's list only when it is
 * process-shared.) The thread is detached: musl cannot join a thread that
 * did not leave through pthread_exit. */
static void *exit_holding(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&robust_shared) == 0)
		__atomic_store_n(&raw_locked, 1, __ATOMIC_RELEASE);
	sleep_ms(20); /* main is waiting for the mutex by now */
	exit_thread_raw(0);
}

/* Hold @held until main says so. */
static void *hold(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held);
	__atomic_store_n(&held_ready, 1, __ATOMIC_RELEASE);
	wait_until(&held_release, 60000);
	pthread_mutex_unlock(&held);
	return NULL;
}

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS; i++) {
		pthread_mutex_lock(&plain);
		counter++;
		pthread_mutex_unlock(&plain);
	}
	return NULL;
}

static void make(pthread_mutex_t *m, int type, int robustness, int pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	pthread_mutexattr_setrobust(&a, robustness);
	pthread_mutexattr_setpshared(&a, pshared);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

int main(void)
{
	pthread_t t, adders[ADDERS];
	struct timespec deadline;
	int64_t start, took;
	int bad = 0, r;

	/* Normal. */
	bad += check_ret("normal: lock", pthread_mutex_lock(&plain), 0);
	bad += check_ret("normal: trylock while we hold it", pthread_mutex_trylock(&plain), EBUSY);
	bad +=
	    check_ret("normal: trylock from another thread", in_thread(trylock_it, &plain), EBUSY);
	bad += check_ret("normal: unlock", pthread_mutex_unlock(&plain), 0);
	bad += check_ret("normal: another thread's trylock after unlock",
	                 in_thread(trylock_unlock, &plain), 0);

	/* Recursive. */
	make(&recursive, PTHREAD_MUTEX_RECURSIVE, PTHREAD_MUTEX_STALLED, PTHREAD_PROCESS_PRIVATE);
	r = pthread_mutex_lock(&recursive);
	r |= pthread_mutex_lock(&recursive);
	r |= pthread_mutex_lock(&recursive);
	bad += check_ret("recursive: locked three times", r, 0);
	bad += check_ret("recursive: trylock by the owner", pthread_mutex_trylock(&recursive), 0);
	bad += check_ret("recursive: another thread's trylock", in_thread(trylock_it, &recursive),
	                 EBUSY);
	bad += check_ret("recursive: another thread's unlock", in_thread(unlock_it, &recursive),
	                 EPERM);
	r = 0;
	for (int i = 0; i < 3; i++)
		r |= pthread_mutex_unlock(&recursive);
	bad += check_ret("recursive: three unlocks", r, 0);
	bad +=
	    check_ret("recursive: still held after them", in_thread(trylock_it, &recursive), EBUSY);
	bad += check_ret("recursive: the fourth unlock", pthread_mutex_unlock(&recursive), 0);
	bad += check_ret("recursive: free after it", in_thread(trylock_unlock, &recursive), 0);
	bad += check_ret("recursive: unlock when free", pthread_mutex_unlock(&recursive), EPERM);

	/* Error-checking. */
	make(&errorcheck, PTHREAD_MUTEX_ERRORCHECK, PTHREAD_MUTEX_STALLED, PTHREAD_PROCESS_PRIVATE);
	bad += check_ret("errorcheck: unlock when free", pthread_mutex_unlock(&errorcheck), EPERM);
	bad += check_ret("errorcheck: lock", pthread_mutex_lock(&errorcheck), 0);
	bad += check_ret("errorcheck: lock again", pthread_mutex_lock(&errorcheck), EDEADLK);
	bad += check_ret("errorcheck: another thread's unlock", in_thread(unlock_it, &errorcheck),
	                 EPERM);
	bad += check_ret("errorcheck: unlock", pthread_mutex_unlock(&errorcheck), 0);

	/* Robust: the owner returns holding it. */
	make(&robust, PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST, PTHREAD_PROCESS_PRIVATE);
	bad += check_ret("robust: a thread locks it and ends", in_thread(die_holding, NULL), 0);
	bad +=
	    check_ret("robust: lock after the owner died", pthread_mutex_lock(&robust), EOWNERDEAD);
	bad += check_ret("robust: pthread_mutex_consistent", pthread_mutex_consistent(&robust), 0);
	bad += check_ret("robust: unlock", pthread_mutex_unlock(&robust), 0);
	bad += check_ret("robust: lock again", pthread_mutex_lock(&robust), 0);
	bad += check_ret("robust: unlock again", pthread_mutex_unlock(&robust), 0);

	/* Robust: the owner dies again; unlocked without consistent. */
	bad +=
	    check_ret("robust: another thread locks it and ends", in_thread(die_holding, NULL), 0);
	bad += check_ret("robust: trylock after the owner died", pthread_mutex_trylock(&robust),
	                 EOWNERDEAD);
	bad += check_ret("robust: unlock without consistent", pthread_mutex_unlock(&robust), 0);
	bad += check_ret("robust: lock now", pthread_mutex_lock(&robust), ENOTRECOVERABLE);
	bad += check_ret("robust: trylock now", pthread_mutex_trylock(&robust), ENOTRECOVERABLE);
	bad += check_ret("robust: destroy", pthread_mutex_destroy(&robust), 0);

	/* Robust, process-shared: the owner leaves by a raw exit(2) while we
	 * wait for the mutex; the kernel's robust list processing wakes us. */
	make(&robust_shared, PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST, PTHREAD_PROCESS_SHARED);
	{
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		bad += check("robust shared: a thread locks it, then calls exit(2)",
		             pthread_create(&t, &a, exit_holding, NULL) == 0 &&
		                 wait_until(&raw_locked, 60000));
		pthread_attr_destroy(&a);
	}
	bad += check_ret("robust shared: lock (waits for the owner's death)",
	                 pthread_mutex_lock(&robust_shared), EOWNERDEAD);
	bad += check_ret("robust shared: pthread_mutex_consistent",
	                 pthread_mutex_consistent(&robust_shared), 0);
	bad += check_ret("robust shared: unlock", pthread_mutex_unlock(&robust_shared), 0);
	bad += check_ret("robust shared: trylock", pthread_mutex_trylock(&robust_shared), 0);
	bad += check_ret("robust shared: unlock again", pthread_mutex_unlock(&robust_shared), 0);

	/* Timed lock of a mutex another thread holds. */
	pthread_mutex_init(&held, NULL);
	pthread_create(&t, NULL, hold, NULL);
	bad += check("timedlock: the other thread holds it", wait_until(&held_ready, 60000));
	start = now_ns(CLOCK_REALTIME);
	deadline = ts_in(CLOCK_REALTIME, 30);
	bad += check_ret("timedlock: 30 ms", pthread_mutex_timedlock(&held, &deadline), ETIMEDOUT);
	took = now_ns(CLOCK_REALTIME) - start;
	bad += check("timedlock: not before the deadline", took >= 30000000);
	deadline = ts_in(CLOCK_REALTIME, -10);
	bad += check_ret("timedlock: a deadline in the past",
	                 pthread_mutex_timedlock(&held, &deadline), ETIMEDOUT);
	__atomic_store_n(&held_release, 1, __ATOMIC_RELEASE);
	deadline = ts_in(CLOCK_REALTIME, 60000);
	bad += check_ret("timedlock: taken once released",
	                 pthread_mutex_timedlock(&held, &deadline), 0);
	pthread_mutex_unlock(&held);
	pthread_join(t, NULL);

	/* Many threads, one counter. */
	for (int i = 0; i < ADDERS; i++)
		pthread_create(&adders[i], NULL, adder, NULL);
	for (int i = 0; i < ADDERS; i++)
		pthread_join(adders[i], NULL);
	printf("counter: %ld (%d threads x %d)\n", counter, ADDERS, ADDS);
	bad += check("no addition lost", counter == (long)ADDERS * ADDS);
	return bad;
}
