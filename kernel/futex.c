/*
 * futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE and
 * WAKE_OP, private or shared (one address space: both are keyed by the
 * user address), with relative (WAIT) or absolute (WAIT_BITSET) timeouts
 * on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, CLOCK_REALTIME; and
 * what the kernel does for a thread that exits: set_robust_list(2)'s
 * list and CLONE_CHILD_CLEARTID. The kernel lock makes the value check and
 * the queueing one step against every waker (no lost wake-ups).
 */
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <sched.h>
#include <sys.h>

#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_REQUEUE        3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP        5
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_CMD_MASK       0x7f /* without FUTEX_PRIVATE_FLAG (128) */
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ANY     0xffffffffu
#define FUTEX_WAITERS        0x80000000u
#define FUTEX_OWNER_DIED     0x40000000u
#define FUTEX_TID_MASK       0x3fffffffu
#define ROBUST_LIST_LIMIT    2048
#define FUTEX_BUCKETS        64

static struct waitq buckets[FUTEX_BUCKETS];

static struct waitq *bucket(uint64_t key)
{
	return &buckets[(key >> 2) * 0x9e3779b97f4a7c15ull >> 58];
}

/* A user word the kernel may read and change atomically: aligned, mapped
 * with `prot`. Its pages are populated by the first touch (a fault in
 * the kernel is served as the program's own). */
static int user_word(uint64_t uaddr, unsigned prot)
{
	if (uaddr % 4)
		return -EINVAL;
	return vm_check(uaddr, 4, prot) ? -EFAULT : 0;
}

int futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	struct waitq *q = bucket(uaddr);
	struct thread *t = q->head, *next;
	int woken = 0;

	for (; t && woken < n; t = next) {
		next = t->wq_next;
		if (t->futex_key == uaddr && (t->futex_bitset & bitset)) {
			wake_thread(t, 1);
			woken++;
		}
	}
	return woken;
}

/* The CLOCK_MONOTONIC deadline of a futex timeout; 0 for none. */
static int deadline_of(long utime, int absolute, int realtime, uint64_t *deadline)
{
	struct kernel_timespec ts;
	uint64_t ns;

	*deadline = 0;
	if (!utime)
		return 0;
	if (copy_from_user(&ts, utime, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	if (!absolute) /* relative: from now, read after the copy (never early) */
		*deadline = time_monotonic_ns() + ns;
	else if (realtime)
		*deadline = time_realtime_to_monotonic(ns);
	else
		*deadline = ns;
	if (!*deadline)
		*deadline = 1; /* already passed */
	return 0;
}

static long futex_wait(uint64_t uaddr, uint32_t val, long utime, int absolute, int realtime,
                       uint32_t bitset)
{
	struct thread *t = current;
	uint64_t deadline;
	uint32_t cur;
	long r;

	if (!bitset)
		return -EINVAL;
	if ((r = user_word(uaddr, PROT_READ)) ||
	    (r = deadline_of(utime, absolute, realtime, &deadline)))
		return r;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (deadline && deadline <= time_monotonic_ns())
		return -ETIMEDOUT;
	t->futex_key = uaddr;
	t->futex_bitset = bitset;
	r = wait_event(bucket(uaddr), deadline, 1, "a futex wait");
	t->futex_key = 0;
	if (r == -EINTR && !deadline)
		return -ERESTARTSYS; /* restarted under SA_RESTART, as Linux */
	return r;
}

/* Wake nr_wake waiters of uaddr; move up to nr_requeue more to uaddr2. */
static long futex_requeue(uint64_t uaddr, uint64_t uaddr2, int nr_wake, int nr_requeue, int cmp,
                          uint32_t cmpval)
{
	struct waitq *from = bucket(uaddr), *to = bucket(uaddr2);
	struct thread *t, *next;
	long r, done = 0;
	uint32_t cur;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if ((r = user_word(uaddr, PROT_READ)) || (r = user_word(uaddr2, PROT_READ)))
		return r;
	if (cmp) {
		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != cmpval)
			return -EAGAIN;
	}
	done = futex_wake(uaddr, nr_wake, FUTEX_BITSET_ANY);
	for (t = from->head; t && nr_requeue > 0; t = next) {
		next = t->wq_next;
		if (t->futex_key != uaddr)
			continue;
		if (to != from) { /* unlink, then append to the other bucket */
			struct thread **p = &from->head;
			while (*p != t)
				p = &(*p)->wq_next;
			*p = t->wq_next;
			for (p = &to->head; *p; p = &(*p)->wq_next)
				;
			t->wq_next = NULL;
			*p = t;
			t->wq = to;
		}
		t->futex_key = uaddr2;
		nr_requeue--;
		done++;
	}
	return done;
}

static int sext12(uint32_t v)
{
	return (int)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP: *uaddr2 = oldval OP oparg, atomically; wake nr_wake on
 * uaddr, and nr_wake2 on uaddr2 if oldval CMP cmparg. */
static long futex_wake_op(uint64_t uaddr, uint64_t uaddr2, int nr_wake, int nr_wake2,
                          uint32_t encoded)
{
	unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = sext12((encoded >> 12) & 0xfff), cmparg = sext12(encoded & 0xfff);
	volatile uint32_t *w = (volatile uint32_t *)uaddr2;
	uint32_t old, new;
	long r, woken;
	int hit;

	if ((r = user_word(uaddr, PROT_READ)) || (r = user_word(uaddr2, PROT_READ | PROT_WRITE)))
		return r;
	if (encoded & (8u << 28)) /* FUTEX_OP_OPARG_SHIFT */
		oparg = (oparg < 0 || oparg > 31) ? 0 : 1 << oparg;
	old = *w; /* (a fault here populates the page) */
	do {
		switch (op) {
		case 0:
			new = (uint32_t)oparg;
			break; /* SET */
		case 1:
			new = old + (uint32_t)oparg;
			break; /* ADD */
		case 2:
			new = old | (uint32_t)oparg;
			break; /* OR */
		case 3:
			new = old & ~(uint32_t)oparg;
			break; /* ANDN */
		case 4:
			new = old ^ (uint32_t)oparg;
			break; /* XOR */
		default:
			return -ENOSYS;
		}
	} while (!__atomic_compare_exchange_n(w, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	switch (cmp) {
	case 0:
		hit = (int)old == cmparg;
		break;
	case 1:
		hit = (int)old != cmparg;
		break;
	case 2:
		hit = (int)old < cmparg;
		break;
	case 3:
		hit = (int)old <= cmparg;
		break;
	case 4:
		hit = (int)old > cmparg;
		break;
	case 5:
		hit = (int)old >= cmparg;
		break;
	default:
		return -ENOSYS;
	}
	woken = futex_wake(uaddr, nr_wake, FUTEX_BITSET_ANY);
	if (hit)
		woken += futex_wake(uaddr2, nr_wake2, FUTEX_BITSET_ANY);
	return woken;
}

long sys_futex(long uaddr, long op, long val, long utime, long uaddr2, long val3)
{
	int cmd = (int)(op & FUTEX_CMD_MASK), rt = (op & FUTEX_CLOCK_REALTIME) != 0;
	long r;

	if (rt && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, (uint32_t)val, utime, 0, rt, FUTEX_BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, (uint32_t)val, utime, 1, rt, (uint32_t)val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)val3)
			return -EINVAL;
		if ((r = user_word(uaddr, PROT_READ)))
			return r;
		return futex_wake(uaddr, (int)val < 0 ? 0 : (int)val,
		                  cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : (uint32_t)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, (int)val, (int)utime, cmd == FUTEX_CMP_REQUEUE,
		                     (uint32_t)val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, (int)val, (int)utime, (uint32_t)val3);
	default:
		return -ENOSYS; /* the PI operations */
	}
}

/* One robust futex of a thread that died holding it. */
static void robust_one(uint64_t uaddr, int tid)
{
	volatile uint32_t *w = (volatile uint32_t *)uaddr;
	uint32_t old, new;

	if (user_word(uaddr, PROT_READ | PROT_WRITE))
		return;
	old = *w;
	do {
		if ((old & FUTEX_TID_MASK) != (uint32_t)tid)
			return;
		new = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	} while (!__atomic_compare_exchange_n(w, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (old & FUTEX_WAITERS)
		futex_wake(uaddr, 1, FUTEX_BITSET_ANY);
}

struct robust_list_head {
	uint64_t list;
	int64_t futex_offset;
	uint64_t list_op_pending;
};

void futex_exit(struct thread *t)
{
	struct robust_list_head h;
	uint64_t entry;
	int zero = 0;

	if (t->robust_list && !copy_from_user(&h, t->robust_list, sizeof(h))) {
		entry = h.list & ~1ull;
		for (int n = 0; entry && entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
			uint64_t next;
			if (copy_from_user(&next, entry, sizeof(next)))
				break;
			if (entry != (h.list_op_pending & ~1ull))
				robust_one(entry + h.futex_offset, t->tid);
			entry = next & ~1ull;
		}
		if (h.list_op_pending & ~1ull)
			robust_one((h.list_op_pending & ~1ull) + h.futex_offset, t->tid);
	}
	if (t->clear_child_tid && !copy_to_user(t->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(t->clear_child_tid, 1, FUTEX_BITSET_ANY);
}

long sys_set_robust_list(long head, long len)
{
	if (len != sizeof(struct robust_list_head))
		return -EINVAL;
	current->robust_list = (uint64_t)head;
	return 0;
}

long sys_get_robust_list(long pid, long uhead, long ulen)
{
	struct thread *t = pid ? sched_find((int)pid) : current;
	uint64_t len = sizeof(struct robust_list_head);

	if (!t)
		return -ESRCH;
	if (copy_to_user(uhead, &t->robust_list, 8) || copy_to_user(ulen, &len, 8))
		return -EFAULT;
	return 0;
}

long sys_set_tid_address(long tidptr)
{
	current->clear_child_tid = (uint64_t)tidptr;
	return sys_gettid();
}
