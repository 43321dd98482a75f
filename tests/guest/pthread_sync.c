/*
 * pthread_sync: barriers, read-write locks and semaphores on top of
 * futex(2):
 * - pthread_barrier_wait(3p): nobody leaves a round before everyone has
 *   arrived, and exactly one thread per round gets
 *   PTHREAD_BARRIER_SERIAL_THREAD; a count of 0 is EINVAL;
 * - pthread_rwlock_rdlock(3p) and friends: readers hold the lock together
 *   (all of them at once), a writer excludes everyone (trywrlock and
 *   tryrdlock EBUSY, timedwrlock ETIMEDOUT not before its deadline), and
 *   readers never see a half-done write;
 * - sem_overview(7): sem_wait/sem_post/sem_getvalue count, sem_trywait
 *   on 0 is EAGAIN, sem_timedwait times out with ETIMEDOUT (EINVAL for a
 *   bad tv_nsec), a post wakes a thread blocked in sem_wait, two
 *   semaphores ping-pong, sem_post past SEM_VALUE_MAX is EOVERFLOW and
 *   sem_init above it EINVAL.
 */
// case: pthread_sync timeout=60
// case: pthread_sync_smp cpus=2 timeout=60
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include "guest_threads.h"

#define BTHREADS 4
#define ROUNDS   50
#define READERS  3
#define WRITES   300
#define READS    200 /* per reader */
#define PINGS    200

static pthread_barrier_t barrier;
static int arrived[BTHREADS];
static int serial[ROUNDS], early_leavers;

static void *barrier_thread(void *arg)
{
	int me = (int)(intptr_t)arg, r;

	for (int round = 0; round < ROUNDS; round++) {
		__atomic_store_n(&arrived[me], round + 1, __ATOMIC_SEQ_CST);
		r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial[round], 1, __ATOMIC_SEQ_CST);
		else if (r != 0)
			__atomic_add_fetch(&early_leavers, 1000, __ATOMIC_SEQ_CST);
		for (int j = 0; j < BTHREADS; j++)
			if (__atomic_load_n(&arrived[j], __ATOMIC_SEQ_CST) < round + 1)
				__atomic_add_fetch(&early_leavers, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile int readers_in, readers_release, all_readers_seen;
static volatile long pair_a, pair_b;
static int torn;
static int other_try[2];

/* Hold the read lock until all READERS hold it at once. */
static void *reader(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&rw);
	if (__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST) == READERS)
		__atomic_store_n(&all_readers_seen, 1, __ATOMIC_SEQ_CST);
	wait_until(&all_readers_seen, 60000);
	wait_until(&readers_release, 60000);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

/* While main holds the write lock: try both locks. */
static void *try_both(void *arg)
{
	(void)arg;
	other_try[0] = pthread_rwlock_tryrdlock(&rw);
	other_try[1] = pthread_rwlock_trywrlock(&rw);
	return NULL;
}

static void *pair_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < WRITES; i++) {
		pthread_rwlock_wrlock(&rw);
		pair_a++;
		sched_yield();
		pair_b++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *pair_reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < READS; i++) {
		pthread_rwlock_rdlock(&rw);
		if (pair_a != pair_b)
			__atomic_add_fetch(&torn, 1, __ATOMIC_SEQ_CST);
		pthread_rwlock_unlock(&rw);
		sched_yield();
	}
	return NULL;
}

static sem_t sem, ping, pong;
static volatile int sem_waiter_done;
static int pongs;

static void *sem_waiter(void *arg)
{
	(void)arg;
	if (sem_wait(&sem) == 0)
		__atomic_store_n(&sem_waiter_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < PINGS; i++) {
		sem_wait(&ping);
		pongs++;
		sem_post(&pong);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[BTHREADS], r[READERS], t2;
	struct timespec at;
	int64_t took;
	int bad = 0, once = 1, v;

	/* Barriers. */
	bad += check_ret("barrier_init count 0", pthread_barrier_init(&barrier, NULL, 0), EINVAL);
	pthread_barrier_init(&barrier, NULL, BTHREADS);
	for (int i = 0; i < BTHREADS; i++)
		pthread_create(&t[i], NULL, barrier_thread, (void *)(intptr_t)i);
	for (int i = 0; i < BTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < ROUNDS; i++)
		once &= serial[i] == 1;
	printf("barrier: %d threads, %d rounds\n", BTHREADS, ROUNDS);
	bad += check("barrier: one PTHREAD_BARRIER_SERIAL_THREAD per round", once);
	bad += check("barrier: nobody left a round early", early_leavers == 0);
	bad += check_ret("barrier_destroy", pthread_barrier_destroy(&barrier), 0);

	/* Readers together. */
	for (int i = 0; i < READERS; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	bad += check("rwlock: all readers hold the read lock at once",
	             wait_until(&all_readers_seen, 60000));
	bad += check_ret("rwlock: trywrlock while readers hold it", pthread_rwlock_trywrlock(&rw),
	                 EBUSY);
	at = ts_in(CLOCK_REALTIME, 30);
	took = now_ns(CLOCK_REALTIME);
	bad += check_ret("rwlock: timedwrlock 30 ms while readers hold it",
	                 pthread_rwlock_timedwrlock(&rw, &at), ETIMEDOUT);
	took = now_ns(CLOCK_REALTIME) - took;
	bad += check("rwlock: ... not before the deadline", took >= 29000000);
	bad += check_ret("rwlock: tryrdlock joins the readers", pthread_rwlock_tryrdlock(&rw), 0);
	bad += check_ret("rwlock: unlock it", pthread_rwlock_unlock(&rw), 0);
	__atomic_store_n(&readers_release, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < READERS; i++)
		pthread_join(r[i], NULL);

	/* A writer excludes everyone. */
	bad += check_ret("rwlock: wrlock", pthread_rwlock_wrlock(&rw), 0);
	pthread_create(&t2, NULL, try_both, NULL);
	pthread_join(t2, NULL);
	bad += check_ret("rwlock: another thread's tryrdlock", other_try[0], EBUSY);
	bad += check_ret("rwlock: another thread's trywrlock", other_try[1], EBUSY);
	bad += check_ret("rwlock: unlock the write lock", pthread_rwlock_unlock(&rw), 0);

	/* Writers and readers on a pair that must stay equal. */
	pthread_create(&t[0], NULL, pair_writer, NULL);
	pthread_create(&t[1], NULL, pair_reader, NULL);
	pthread_create(&t[2], NULL, pair_reader, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("rwlock: pair %ld %ld\n", pair_a, pair_b);
	bad += check("rwlock: no reader saw a torn pair", torn == 0);

	/* Semaphores. */
	bad += check("sem_init 2", sem_init(&sem, 0, 2) == 0);
	bad += check("sem_getvalue 2", sem_getvalue(&sem, &v) == 0 && v == 2);
	bad += check("sem_wait twice", sem_wait(&sem) == 0 && sem_wait(&sem) == 0);
	bad += check("sem_getvalue 0", sem_getvalue(&sem, &v) == 0 && v == 0);
	bad += check_sys("sem_trywait on 0", sem_trywait(&sem), EAGAIN);
	at = ts_in(CLOCK_REALTIME, 30);
	took = now_ns(CLOCK_REALTIME);
	bad += check_sys("sem_timedwait 30 ms on 0", sem_timedwait(&sem, &at), ETIMEDOUT);
	took = now_ns(CLOCK_REALTIME) - took;
	bad += check("sem_timedwait: not before the deadline", took >= 29000000);
	at.tv_nsec = 1000000000;
	bad += check_sys("sem_timedwait tv_nsec 1e9", sem_timedwait(&sem, &at), EINVAL);
	bad += check("sem_post", sem_post(&sem) == 0);
	bad += check("sem_getvalue 1", sem_getvalue(&sem, &v) == 0 && v == 1);
	bad += check("sem_trywait takes it", sem_trywait(&sem) == 0);
	pthread_create(&t2, NULL, sem_waiter, NULL);
	sleep_ms(20);
	bad += check("sem_wait blocks on 0", sem_waiter_done == 0);
	sem_post(&sem);
	pthread_join(t2, NULL);
	bad += check("sem_post wakes the waiter", sem_waiter_done == 1);
	bad += check("sem_getvalue 0 after it", sem_getvalue(&sem, &v) == 0 && v == 0);
	sem_destroy(&sem);

	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	pthread_create(&t2, NULL, ponger, NULL);
	v = 0;
	for (int i = 0; i < PINGS; i++) {
		sem_post(&ping);
		if (sem_wait(&pong) == 0)
			v++;
	}
	pthread_join(t2, NULL);
	printf("sem ping-pong: %d pings, %d pongs\n", v, pongs);
	bad += check("sem ping-pong: every ping answered", v == PINGS && pongs == PINGS);

	bad += check("sem_init SEM_VALUE_MAX", sem_init(&sem, 0, SEM_VALUE_MAX) == 0);
	bad += check_sys("sem_post past SEM_VALUE_MAX", sem_post(&sem), EOVERFLOW);
	bad += check_sys("sem_init above SEM_VALUE_MAX",
	                 sem_init(&ping, 0, (unsigned)SEM_VALUE_MAX + 1), EINVAL);
	return bad;
}
