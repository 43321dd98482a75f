/*
 * parallel_sum: CPU-bound threads (preemptive scheduling, and parallel
 * runs on several virtual CPUs): THREADS threads each sum a slice of a
 * deterministic series (an LCG-like mix of the index) without system
 * calls; main adds the slices up. The sum does not depend on the number
 * of threads or CPUs.
 * Usage: parallel_sum [THREADS [TERMS]] (default 2 threads, 100000000 terms).
 */
// case: parallel_sum_1 timeout=60 -- 1
// case: parallel_sum_2 timeout=60 -- 2
// case: parallel_sum_2_smp cpus=2 timeout=60 -- 2
// case: parallel_sum_4_smp cpus=2 timeout=60 -- 4
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

#define MAX_THREADS 64

struct slice {
	uint64_t from, to, sum;
	pthread_t t;
};

static uint64_t term(uint64_t i)
{
	uint64_t x = i * 6364136223846793005ull + 1442695040888963407ull;

	x ^= x >> 29;
	return x % 1000003;
}

static uint64_t sum_range(uint64_t from, uint64_t to)
{
	uint64_t s = 0;

	for (uint64_t i = from; i < to; i++)
		s += term(i);
	return s;
}

static void *worker(void *arg)
{
	struct slice *sl = arg;

	sl->sum = sum_range(sl->from, sl->to);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct slice slices[MAX_THREADS];
	long threads = argc > 1 ? atol(argv[1]) : 2;
	uint64_t terms = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000000, total = 0;
	int ok = 1;

	if (threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "parallel_sum: THREADS must be 1..%d\n", MAX_THREADS);
		return 2;
	}
	for (long i = 0; i < threads; i++) {
		slices[i].from = terms * i / threads;
		slices[i].to = terms * (i + 1) / threads;
		if (pthread_create(&slices[i].t, NULL, worker, &slices[i]) != 0)
			ok = 0;
	}
	for (long i = 0; i < threads; i++) {
		pthread_join(slices[i].t, NULL);
		total += slices[i].sum;
	}
	printf("sum of %llu terms: %llu\n", (unsigned long long)terms, (unsigned long long)total);
	return check("every thread started", ok);
}
