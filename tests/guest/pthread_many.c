/*
 * pthread_many: many short threads (clone(2), exit(2), the
 * CLONE_CHILD_CLEARTID wake that pthread_join waits for, stacks mapped and
 * unmapped or reused): JOINABLE threads created and joined in batches,
 * each returning its own value; then DETACHED detached threads, each
 * adding to an atomic counter and posting a semaphore, which main waits
 * for. Nothing is lost and no creation fails.
 * Usage: pthread_many [JOINABLE [DETACHED]] (default 2000 1000; the case
 * runs 500 250: under the KVM monitor on a PVM host a thread costs about
 * 25 ms, so 2000 1000 takes 70-80 s).
 */
// case: pthread_many timeout=120 variants=musl,glibc -- 500 250
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include "guest_threads.h"

#define BATCH          50
#define DETACHED_BATCH 100
#define STACK          (64 * 1024)

static sem_t done;
static long detached_count;

static void *joinable(void *arg)
{
	return (void *)((intptr_t)arg * 3 + 1);
}

static void *detached(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&detached_count, 1, __ATOMIC_SEQ_CST);
	sem_post(&done);
	return NULL;
}

int main(int argc, char **argv)
{
	long njoin = argc > 1 ? atol(argv[1]) : 2000, ndet = argc > 2 ? atol(argv[2]) : 1000;
	long joined = 0, create_errors = 0, join_errors = 0, wrong_values = 0, waited = 0;
	pthread_t t[BATCH];
	pthread_attr_t a;
	int bad = 0;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, STACK);
	for (long base = 0; base < njoin; base += BATCH) {
		long n = njoin - base < BATCH ? njoin - base : BATCH;
		int created[BATCH];

		for (long i = 0; i < n; i++) {
			created[i] = pthread_create(&t[i], &a, joinable, (void *)(base + i)) == 0;
			create_errors += !created[i];
		}
		for (long i = 0; i < n; i++) {
			void *res;

			if (!created[i])
				continue;
			if (pthread_join(t[i], &res) != 0) {
				join_errors++;
				continue;
			}
			joined++;
			wrong_values += (intptr_t)res != (base + i) * 3 + 1;
		}
	}
	printf("joinable: %ld created and joined\n", joined);
	bad += check("joinable: every creation and join succeeded",
	             joined == njoin && create_errors == 0 && join_errors == 0);
	bad += check("joinable: every thread's own return value", wrong_values == 0);

	sem_init(&done, 0, 0);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (long base = 0; base < ndet; base += DETACHED_BATCH) {
		long n = ndet - base < DETACHED_BATCH ? ndet - base : DETACHED_BATCH, ok = 0;
		pthread_t d;

		for (long i = 0; i < n; i++) {
			if (pthread_create(&d, &a, detached, NULL) == 0)
				ok++;
			else
				create_errors++;
		}
		for (long i = 0; i < ok; i++)
			waited += sem_wait(&done) == 0;
	}
	pthread_attr_destroy(&a);
	printf("detached: %ld posts, counter %ld\n", waited,
	       __atomic_load_n(&detached_count, __ATOMIC_SEQ_CST));
	bad += check("detached: every thread ran once",
	             waited == ndet && detached_count == ndet && create_errors == 0);
	return bad;
}
