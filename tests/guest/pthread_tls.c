/*
 * pthread_tls: per-thread data of threads made by clone(2) with
 * CLONE_SETTLS:
 * - pthread_key_create(3p): a new thread starts with NULL for every key;
 *   values are per thread; at thread exit (return or pthread_exit) the
 *   destructors run for the non-NULL values, in the order libc walks the
 *   keys (printed, compared with Linux), again while a destructor sets a
 *   value anew; a deleted key's destructor does not run;
 * - __thread variables (ELF TLS, x86-64 variant II): each thread gets its
 *   own initialised .tdata copy, zeroed .tbss and a 128-byte aligned
 *   variable, at distinct addresses, and %fs:0 points to the thread's
 *   own control block (pthread_self);
 * - pthread_once(3p): many threads racing run the routine exactly once,
 *   and all of them return only after it has finished.
 */
// case: pthread_tls timeout=60
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

#define THREADS      4
#define KEYS         4
#define ONCE_THREADS 8

static pthread_key_t keys[KEYS], deleted_key;
static int dtor_log[THREADS][16], dtor_count[THREADS], deleted_dtor_runs;
static int values[THREADS][KEYS];
static int again_left[THREADS];
static int started_with_null[THREADS];

/* The destructor of every key: @v points into values[thread][key]. */
static void dtor(void *v)
{
	int *p = v, t = (int)(p - &values[0][0]) / KEYS, k = (int)(p - &values[0][0]) % KEYS;

	if (dtor_count[t] < 16)
		dtor_log[t][dtor_count[t]++] = k;
	if (k == KEYS - 1 && again_left[t]-- > 0)
		pthread_setspecific(keys[k], v); /* set anew: run once more */
}

static void deleted_dtor(void *v)
{
	(void)v;
	__atomic_add_fetch(&deleted_dtor_runs, 1, __ATOMIC_SEQ_CST);
}

static __thread int tinit = 42;
static __thread long tzero[256];
static __thread _Alignas(128) char taligned[16] = "aligned";

static pthread_barrier_t all_alive;
static uintptr_t tinit_addr[THREADS + 1], fs0[THREADS + 1], selfs[THREADS + 1];
static int tls_ok[THREADS];

static uintptr_t read_fs0(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static int tls_fresh(void)
{
	for (int i = 0; i < 256; i++)
		if (tzero[i])
			return 0;
	return tinit == 42 && strcmp(taligned, "aligned") == 0 && (uintptr_t)taligned % 128 == 0;
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg, ok = 1;

	/* Thread-specific data. */
	for (int k = 0; k < KEYS; k++)
		ok &= pthread_getspecific(keys[k]) == NULL;
	started_with_null[me] = ok;
	for (int k = 0; k < KEYS; k++)
		if (k != 1) /* key 1 stays NULL: no destructor call */
			pthread_setspecific(keys[k], &values[me][k]);
	again_left[me] = 1;

	/* __thread variables. */
	ok = tls_fresh();
	tinit = 1000 + me;
	tzero[255] = me + 1;
	tinit_addr[me] = (uintptr_t)&tinit;
	fs0[me] = read_fs0();
	selfs[me] = (uintptr_t)pthread_self();
	pthread_barrier_wait(&all_alive); /* everyone's copies exist at once */
	ok &= tinit == 1000 + me && tzero[255] == me + 1;
	ok &= pthread_getspecific(keys[0]) == &values[me][0];
	tls_ok[me] = ok;
	if (me == THREADS - 1)
		pthread_exit(NULL); /* destructors run on pthread_exit too */
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs, once_value, saw_value[ONCE_THREADS];
static pthread_barrier_t once_start;

static void once_routine(void)
{
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
	sleep_ms(20); /* the others must wait for it */
	__atomic_store_n(&once_value, 7, __ATOMIC_SEQ_CST);
}

static void *once_thread(void *arg)
{
	int me = (int)(intptr_t)arg;

	pthread_barrier_wait(&once_start);
	pthread_once(&once, once_routine);
	saw_value[me] = __atomic_load_n(&once_value, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(void)
{
	pthread_t t[ONCE_THREADS];
	int bad = 0, ok, same_order = 1, distinct = 1, fs_self = 1;
	int main_value = 5;

	ok = 0;
	for (int k = 0; k < KEYS; k++)
		ok |= pthread_key_create(&keys[k], dtor);
	bad += check_ret("pthread_key_create, 4 keys", ok, 0);
	bad += check_ret("pthread_key_create (to delete)",
	                 pthread_key_create(&deleted_key, deleted_dtor), 0);
	pthread_setspecific(deleted_key, &main_value);
	bad += check_ret("pthread_key_delete", pthread_key_delete(deleted_key), 0);
	pthread_setspecific(keys[0], &main_value);

	bad += check("main: __thread variables initialised", tls_fresh());
	tinit_addr[THREADS] = (uintptr_t)&tinit;
	fs0[THREADS] = read_fs0();
	selfs[THREADS] = (uintptr_t)pthread_self();
	pthread_barrier_init(&all_alive, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);

	ok = 1;
	for (int i = 0; i < THREADS; i++)
		ok &= started_with_null[i];
	bad += check("threads start with NULL for every key", ok);
	bad +=
	    check("main's value for key 0 is its own", pthread_getspecific(keys[0]) == &main_value);
	printf("destructor calls of thread 0 (by key):");
	for (int i = 0; i < dtor_count[0]; i++)
		printf(" %d", dtor_log[0][i]);
	printf("\n");
	for (int i = 1; i < THREADS; i++) {
		same_order &= dtor_count[i] == dtor_count[0];
		for (int j = 0; j < dtor_count[0] && j < 16; j++)
			same_order &= dtor_log[i][j] == dtor_log[0][j];
	}
	bad += check("every thread (return or pthread_exit) ran the same destructors", same_order);
	ok = 1;
	for (int j = 0; j < dtor_count[0]; j++)
		ok &= dtor_log[0][j] != 1;
	bad += check("no destructor call for a NULL value", ok);
	ok = 0;
	for (int j = 0; j < dtor_count[0]; j++)
		ok += dtor_log[0][j] == KEYS - 1;
	bad += check("a destructor that sets its key again runs again", ok == 2);
	bad += check("a deleted key's destructor does not run", deleted_dtor_runs == 0);

	ok = 1;
	for (int i = 0; i < THREADS; i++)
		ok &= tls_ok[i];
	bad += check("threads: own initialised, zeroed and aligned __thread copies", ok);
	for (int i = 0; i <= THREADS; i++)
		for (int j = 0; j < i; j++)
			distinct &= tinit_addr[i] != tinit_addr[j] && fs0[i] != fs0[j];
	bad += check("threads: distinct __thread addresses and thread pointers", distinct);
	for (int i = 0; i <= THREADS; i++)
		fs_self &= fs0[i] == selfs[i];
	bad += check("%fs:0 is pthread_self() in every thread", fs_self);
	bad += check("main's __thread variable untouched by the threads", tinit == 42);

	pthread_barrier_init(&once_start, NULL, ONCE_THREADS);
	for (int i = 0; i < ONCE_THREADS; i++)
		pthread_create(&t[i], NULL, once_thread, (void *)(intptr_t)i);
	for (int i = 0; i < ONCE_THREADS; i++)
		pthread_join(t[i], NULL);
	ok = 1;
	for (int i = 0; i < ONCE_THREADS; i++)
		ok &= saw_value[i] == 7;
	bad += check("pthread_once: the routine ran once", once_runs == 1);
	bad += check("pthread_once: every caller returned after it finished", ok);
	bad += check_ret("pthread_once again", pthread_once(&once, once_routine), 0);
	bad += check("pthread_once again: not run", once_runs == 1);
	return bad;
}
