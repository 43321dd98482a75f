/*
 * psum - CPU-bound parallel work: the sum (mod 2^64) of a 64-bit hash of
 * every i in [0, N), split into THREADS contiguous ranges. The main thread
 * sums the first range itself and creates a thread (pthread_create(3)) for
 * each other one, then joins them: with THREADS 1 no thread is created.
 * No memory is touched, so the time is the CPUs' alone.
 *
 * Usage: psum THREADS N REPS
 * Prints, for each of REPS timed repetitions (creation to the last join):
 *   rep SECONDS s threads=THREADS n=N sum=0xHEX cpu=SECONDS
 * then "total NS" (threads.h). The sum does not depend on THREADS, so a
 * wrong result shows as a different sum. cpu is the process's CPU time in
 * the repetition (CLOCK_PROCESS_CPUTIME_ID, all threads; -1 if that clock
 * fails): cpu / SECONDS is how many threads ran at once, on average.
 */
#include <pthread.h>
#include <stdint.h>

#include "threads.h"

#define THREADS_MAX 64

/* A range of the work and its result, one cache line each (no false sharing). */
struct part {
	uint64_t lo, hi, sum;
} __attribute__((aligned(64)));

/* hash - a 64-bit finalizer (xor-shift and multiply): a few cycles of ALU work. */
static uint64_t hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* sum_part - the thread function: p->sum = sum of hash(i) for lo <= i < hi. */
static void *sum_part(void *arg)
{
	struct part *p = arg;
	uint64_t i, s = 0;

	for (i = p->lo; i < p->hi; i++)
		s += hash(i);
	p->sum = s;
	return NULL;
}

/* run - one repetition over nthreads threads; returns the sum. */
static uint64_t run(int nthreads, uint64_t n)
{
	static struct part part[THREADS_MAX];
	pthread_t tid[THREADS_MAX];
	uint64_t sum = 0;
	int i, err;

	for (i = 0; i < nthreads; i++)
		part[i] = (struct part){.lo = n * i / nthreads, .hi = n * (i + 1) / nthreads};
	for (i = 1; i < nthreads; i++)
		if ((err = pthread_create(&tid[i], NULL, sum_part, &part[i])))
			fail("psum", "pthread_create", err);
	sum_part(&part[0]);
	for (i = 1; i < nthreads; i++)
		if ((err = pthread_join(tid[i], NULL)))
			fail("psum", "pthread_join", err);
	for (i = 0; i < nthreads; i++)
		sum += part[i].sum;
	return sum;
}

/* cpu_ns - the process's CPU time in nanoseconds, or -1. clock_gettime(2). */
static long long cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long start = now_ns(), t0, c0, c1;
	int nthreads, reps, r;
	uint64_t n, sum;

	if (argc != 4) {
		fprintf(stderr, "usage: psum THREADS N REPS\n");
		return 2;
	}
	nthreads = (int)arg_num("psum", argv[1], 1, THREADS_MAX);
	n = (uint64_t)arg_num("psum", argv[2], 1, 1e12);
	reps = (int)arg_num("psum", argv[3], 1, 1000);
	for (r = 0; r < reps; r++) {
		c0 = cpu_ns();
		t0 = now_ns();
		sum = run(nthreads, n);
		t0 = now_ns() - t0;
		c1 = cpu_ns();
		printf("rep %.6f s threads=%d n=%llu sum=0x%016llx cpu=%.6f\n", t0 / 1e9, nthreads,
		       (unsigned long long)n, (unsigned long long)sum,
		       c0 < 0 || c1 < 0 ? -1.0 : (c1 - c0) / 1e9);
		fflush(stdout);
	}
	printf("total %lld\n", now_ns() - start);
	return 0;
}
