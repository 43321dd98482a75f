/*
 * futex_stress: the futex(2) system call itself, raw (futex(7)):
 * - ping-pong: a producer publishes 1..N in a shared word, waking the
 *   consumer with FUTEX_WAKE, and waits with FUTEX_WAIT for the consumer's
 *   acknowledgement in a second word: no wake-up may be lost (that would
 *   hang) and the consumer sees every value once, in order;
 * - FUTEX_WAIT with a relative timeout ends with ETIMEDOUT, not early;
 *   with a value that is not the word's, at once with EAGAIN;
 * - FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline, and with
 *   FUTEX_CLOCK_REALTIME an absolute CLOCK_REALTIME one, end with
 *   ETIMEDOUT not before the deadline; a zero bitset is EINVAL;
 * - FUTEX_WAKE_BITSET wakes only the waiters whose bitset it intersects;
 * - FUTEX_CMP_REQUEUE is EAGAIN when the word is not val3, else moves
 *   waiters to another word, FUTEX_REQUEUE wakes some and moves others,
 *   and a FUTEX_WAKE counts only the waiters still on its word;
 * - FUTEX_WAKE_OP: the operations (SET, ADD, OR, ANDN, XOR, the shifted
 *   operand) on the second word, and its second wake only when the
 *   comparison of the old value holds.
 * Counts of woken waiters are made deterministic by waking until the
 * expected waiters have left (a waiter may not have started waiting yet).
 * Usage: futex_stress [HANDOFFS] (default 20000; the cases make 1000: under
 * the KVM monitor on a PVM host a hand-off costs about 10 ms).
 */
// case: futex_stress timeout=120 variants=musl,glibc -- 1000
// case: futex_stress_smp timeout=120 variants=musl,glibc cpus=2 -- 1000
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include "guest_threads.h"

/* From Linux's include/uapi/linux/futex.h (musl-gcc has no kernel headers). */
#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_REQUEUE          3
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAKE_OP          5
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_SET           0
#define FUTEX_OP_ADD           1
#define FUTEX_OP_OR            2
#define FUTEX_OP_ANDN          3
#define FUTEX_OP_XOR           4
#define FUTEX_OP_OPARG_SHIFT   8
#define FUTEX_OP_CMP_EQ        0
#define FUTEX_OP_CMP_NE        1
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                           \
	((int)((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) |                \
	       ((cmparg)&0xfff)))

static long futex(int *uaddr, int op, int val, long timeout_or_val2, int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

#define PRIV(op) ((op) | FUTEX_PRIVATE_FLAG)

/* Ping-pong. */
static int seq, ack;
static long handoffs, seen, out_of_order;

static void *consumer(void *arg)
{
	int last = 0, v;

	(void)arg;
	while (last < handoffs) {
		while ((v = __atomic_load_n(&seq, __ATOMIC_ACQUIRE)) == last)
			futex(&seq, PRIV(FUTEX_WAIT), last, 0, NULL, 0);
		if (v != last + 1)
			out_of_order++;
		seen++;
		last = v;
		__atomic_store_n(&ack, v, __ATOMIC_RELEASE);
		futex(&ack, PRIV(FUTEX_WAKE), 1, 0, NULL, 0);
	}
	return NULL;
}

static void ping_pong(void)
{
	pthread_t t;
	int a;

	pthread_create(&t, NULL, consumer, NULL);
	for (int i = 1; i <= handoffs; i++) {
		__atomic_store_n(&seq, i, __ATOMIC_RELEASE);
		futex(&seq, PRIV(FUTEX_WAKE), 1, 0, NULL, 0);
		while ((a = __atomic_load_n(&ack, __ATOMIC_ACQUIRE)) != i)
			futex(&ack, PRIV(FUTEX_WAIT), a, 0, NULL, 0);
	}
	pthread_join(t, NULL);
}

/* Waiter threads: each makes one wait call and records its result. */
struct waiter {
	int *word;
	int val;
	int op; /* FUTEX_WAIT or FUTEX_WAIT_BITSET */
	int bitset;
	long ret;
	int done;
	pthread_t t;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->ret = futex(w->word, PRIV(w->op), w->val, 0, NULL, w->bitset);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start(struct waiter *w, int *word, int val, int op, int bitset)
{
	w->word = word;
	w->val = val;
	w->op = op;
	w->bitset = bitset;
	w->ret = -2;
	w->done = 0;
	pthread_create(&w->t, NULL, waiter_fn, w);
}

/*
 * wake_until - call @wake (returning how many it woke, or -1) every
 * millisecond until @w has finished, for at most 60 s. Returns the sum of
 * the counts. Waiters that start late are caught by a later call.
 */
static long wake_until(long (*wake)(void), struct waiter *w)
{
	long sum = 0, r;

	for (int i = 0; i < 60000 && !__atomic_load_n(&w->done, __ATOMIC_SEQ_CST); i++) {
		r = wake();
		if (r < 0)
			return -1;
		sum += r;
		if (!__atomic_load_n(&w->done, __ATOMIC_SEQ_CST))
			sleep_ms(1);
	}
	pthread_join(w->t, NULL);
	return sum;
}

static int word1, word2, word3;

static long wake_bits2(void)
{
	return futex(&word1, PRIV(FUTEX_WAKE_BITSET), INT_MAX, 0, NULL, 2);
}

static long wake_bits1(void)
{
	return futex(&word1, PRIV(FUTEX_WAKE_BITSET), INT_MAX, 0, NULL, 1);
}

static long requeued;

/* Move every waiter of word1 to word2 (val3 0 = word1's value). */
static long requeue_all(void)
{
	long r = futex(&word1, PRIV(FUTEX_CMP_REQUEUE), 0, INT_MAX, &word2, 0);

	if (r > 0)
		requeued += r;
	return r;
}

static long wake_word2(void)
{
	return futex(&word2, PRIV(FUTEX_WAKE), INT_MAX, 0, NULL, 0);
}

static long wake_word3(void)
{
	return futex(&word3, PRIV(FUTEX_WAKE), INT_MAX, 0, NULL, 0);
}

/* FUTEX_WAKE_OP on word1 (wake 1) and word2 (wake 1 if the comparison
 * holds), with the operation in @op. */
static long wake_op(int op)
{
	return futex(&word1, PRIV(FUTEX_WAKE_OP), 1, 1, &word2, op);
}

static long wake_op_true(void)
{
	/* word2 stays 0 (SET 0); old value 0 == 0: wake word2's waiter */
	return wake_op(FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
}

/*
 * check_timed_wait - a futex wait of @op (with @bitset) on word1 for @ms
 * milliseconds, relative or @absolute on @clock, must end with ETIMEDOUT
 * no earlier than the deadline measured on @clock. Prints "WHAT: ok" or
 * FAILED with what happened. Returns 0 when ok, else 1.
 */
static int check_timed_wait(const char *what, int op, int bitset, clockid_t clock, long ms,
                            int absolute)
{
	struct timespec ts;
	int64_t end = now_ns(clock) + ms * 1000000, after;
	long r;
	int e;

	ts = absolute ? ts_from_ns(end) : ts_from_ns(ms * 1000000);
	errno = 0;
	r = futex(&word1, op, word1, (long)&ts, NULL, bitset);
	e = errno;
	after = now_ns(clock);
	if (r != -1 || e != ETIMEDOUT)
		printf("%s: FAILED (returned %ld, errno %s)\n", what, r, err_name(e));
	else if (after < end)
		printf("%s: FAILED (woke %lld us early)\n", what, (long long)(end - after) / 1000);
	else
		printf("%s: ok\n", what);
	return r != -1 || e != ETIMEDOUT || after < end;
}

int main(int argc, char **argv)
{
	struct waiter w[3];
	int bad = 0;
	long r;

	handoffs = argc > 1 ? atol(argv[1]) : 20000;
	ping_pong();
	printf("ping-pong: %ld hand-offs, %ld seen\n", handoffs, seen);
	bad += check("ping-pong: every value seen once, in order",
	             seen == handoffs && out_of_order == 0);

	/* Timeouts and a changed value. */
	bad += check_timed_wait("FUTEX_WAIT 20 ms relative: ETIMEDOUT, not early", PRIV(FUTEX_WAIT),
	                        0, CLOCK_MONOTONIC, 20, 0);
	bad += check_sys("FUTEX_WAIT with a value that is not the word's",
	                 futex(&word1, PRIV(FUTEX_WAIT), word1 + 1, 0, NULL, 0), EAGAIN);
	bad += check_timed_wait(
	    "FUTEX_WAIT_BITSET absolute CLOCK_MONOTONIC 20 ms: ETIMEDOUT, not early",
	    PRIV(FUTEX_WAIT_BITSET), FUTEX_BITSET_MATCH_ANY, CLOCK_MONOTONIC, 20, 1);
	bad += check_timed_wait(
	    "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME absolute 20 ms: ETIMEDOUT, not early",
	    PRIV(FUTEX_WAIT_BITSET) | FUTEX_CLOCK_REALTIME, FUTEX_BITSET_MATCH_ANY, CLOCK_REALTIME,
	    20, 1);
	bad += check_sys("FUTEX_WAIT_BITSET with bitset 0",
	                 futex(&word1, PRIV(FUTEX_WAIT_BITSET), word1, 0, NULL, 0), EINVAL);
	bad += check("FUTEX_WAKE with no waiter wakes 0",
	             futex(&word1, PRIV(FUTEX_WAKE), 1, 0, NULL, 0) == 0);

	/* Bitsets: waiter 0 has bit 0, waiter 1 bit 1. */
	word1 = 0;
	start(&w[0], &word1, 0, FUTEX_WAIT_BITSET, 1);
	start(&w[1], &word1, 0, FUTEX_WAIT_BITSET, 2);
	sleep_ms(20);
	r = wake_until(wake_bits2, &w[1]);
	bad += check("FUTEX_WAKE_BITSET bit 1 woke one waiter", r == 1 && w[1].ret == 0);
	sleep_ms(20);
	bad += check("... and not the waiter with bit 0",
	             !__atomic_load_n(&w[0].done, __ATOMIC_SEQ_CST));
	r = wake_until(wake_bits1, &w[0]);
	bad += check("FUTEX_WAKE_BITSET bit 0 woke the other", r == 1 && w[0].ret == 0);

	/* Requeue: three waiters on word1. */
	word1 = 0;
	word2 = 0;
	requeued = 0;
	for (int i = 0; i < 3; i++)
		start(&w[i], &word1, 0, FUTEX_WAIT, 0);
	bad += check_sys("FUTEX_CMP_REQUEUE with val3 not the word's value",
	                 futex(&word1, PRIV(FUTEX_CMP_REQUEUE), 0, INT_MAX, &word2, 1), EAGAIN);
	for (int i = 0; i < 60000 && requeued < 3; i++) {
		if (requeue_all() < 0)
			break;
		if (requeued < 3)
			sleep_ms(1);
	}
	bad += check("FUTEX_CMP_REQUEUE moved the three waiters to word2", requeued == 3);
	sleep_ms(10);
	bad += check("... without waking any",
	             !w[0].done && !w[1].done && !w[2].done &&
	                 futex(&word1, PRIV(FUTEX_WAKE), INT_MAX, 0, NULL, 0) == 0);
	r = futex(&word2, PRIV(FUTEX_REQUEUE), 1, 1, &word3, 0);
	bad += check("FUTEX_REQUEUE word2 -> word3, wake 1 move 1: counts 2", r == 2);
	r = wake_word3();
	bad += check("FUTEX_WAKE word3 wakes the moved one", r == 1);
	r = wake_word2();
	bad += check("FUTEX_WAKE word2 wakes the last one", r == 1);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i].t, NULL);
	bad += check("all three woke with 0", w[0].ret == 0 && w[1].ret == 0 && w[2].ret == 0);

	/* Wake-op: the operations, with nobody waiting. */
	word2 = 5;
	r = wake_op(FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5));
	bad += check("FUTEX_WAKE_OP ADD 3: 5 -> 8, woke 0", r == 0 && word2 == 8);
	wake_op(FUTEX_OP(FUTEX_OP_SET, 12, FUTEX_OP_CMP_EQ, 0));
	bad += check("FUTEX_WAKE_OP SET 12", word2 == 12);
	wake_op(FUTEX_OP(FUTEX_OP_OR, 3, FUTEX_OP_CMP_EQ, 0));
	bad += check("FUTEX_WAKE_OP OR 3: 12 -> 15", word2 == 15);
	wake_op(FUTEX_OP(FUTEX_OP_ANDN, 5, FUTEX_OP_CMP_EQ, 0));
	bad += check("FUTEX_WAKE_OP ANDN 5: 15 -> 10", word2 == 10);
	wake_op(FUTEX_OP(FUTEX_OP_XOR, 6, FUTEX_OP_CMP_EQ, 0));
	bad += check("FUTEX_WAKE_OP XOR 6: 10 -> 12", word2 == 12);
	wake_op(FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0));
	bad += check("FUTEX_WAKE_OP SET 1<<4", word2 == 16);

	/* Wake-op: the comparison decides the second wake. */
	word1 = 0;
	word2 = 0;
	start(&w[0], &word2, 0, FUTEX_WAIT, 0);
	sleep_ms(20);
	r = wake_op(FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_NE, 0));
	sleep_ms(20);
	bad += check("FUTEX_WAKE_OP with a false comparison: word2's waiter sleeps on",
	             r == 0 && !__atomic_load_n(&w[0].done, __ATOMIC_SEQ_CST));
	r = wake_until(wake_op_true, &w[0]);
	bad += check("FUTEX_WAKE_OP with a true comparison wakes it", r == 1 && w[0].ret == 0);
	start(&w[1], &word1, 0, FUTEX_WAIT, 0);
	r = wake_until(wake_op_true, &w[1]);
	bad += check("FUTEX_WAKE_OP wakes a waiter of the first word", r == 1 && w[1].ret == 0);
	return bad;
}
