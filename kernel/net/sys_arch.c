/*
 * lwIP's operating-system layer (lwIP 2.1.3 doc/sys_arch.txt): semaphores,
 * mutexes, mailboxes, threads and time, on the kernel's scheduler.
 *
 * lwIP's core lock is the kernel lock (kernel/net/lwip/lwipopts.h), which
 * every kernel path holds, so nothing here needs a lock of its own: a
 * mutex is a no-op, and a semaphore or a mailbox is a counter or a ring
 * plus wait queues. A wait keeps the kernel lock across the switch, as
 * every kernel wait does (include/sched.h). lwIP's one thread,
 * tcpip_thread, is a kernel thread (kthread_create) that runs lwIP's
 * timers and the callbacks lwIP defers to it (the loopback interface's
 * input); socket calls and received frames call lwIP directly.
 */
#include <errno.h>
#include <kernel.h>
#include <ktime.h>
#include <mm.h>
#include <random.h>
#include <sched.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"

struct sys_sem {
	unsigned count;
	struct waitq wq;
};

struct sys_mbox {
	unsigned size, head, count; /* ring msg[0..size): count from head */
	struct waitq readers, writers;
	void *msg[];
};

#define MBOX_DEFAULT_SIZE 128

/* The absolute deadline (ns) of a wait of timeout_ms ms from `start`; 0
 * for none (timeout 0 means forever in lwIP). */
static uint64_t deadline_of(uint64_t start, u32_t timeout_ms)
{
	return timeout_ms ? start + (uint64_t)timeout_ms * 1000000 : 0;
}

/* What lwIP's sys_arch_* waits return: the ms waited (not SYS_ARCH_TIMEOUT). */
static u32_t ms_since(uint64_t start)
{
	uint64_t ms = (time_monotonic_ns() - start) / 1000000;

	return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

/* The deadlock check asks whether tcpip_thread's timed wait may let the
 * program progress: while TCP connections have timers running
 * (retransmissions, delayed ACKs, the persist timer), it may. */
static int lwip_may_wake(void)
{
	return tcp_active_pcbs != NULL;
}

/* --- semaphores --- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	struct sys_sem *s = kmalloc(sizeof(*s));

	if (!s) {
		*sem = NULL;
		return ERR_MEM;
	}
	s->count = count;
	*sem = s;
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
	struct sys_sem *s = *sem;

	s->count++;
	wake_up(&s->wq, 1);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	struct sys_sem *s = *sem;
	uint64_t start = time_monotonic_ns(), deadline = deadline_of(start, timeout);

	while (!s->count) {
		if (wait_event(&s->wq, deadline, 0, "an lwIP semaphore") == -ETIMEDOUT && !s->count)
			return SYS_ARCH_TIMEOUT;
	}
	s->count--;
	return ms_since(start);
}

void sys_sem_free(sys_sem_t *sem)
{
	kfree(*sem);
	*sem = NULL;
}

/* --- mutexes: the kernel lock already excludes --- */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
	mutex->valid = 1;
	return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
	(void)mutex;
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
	(void)mutex;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
	mutex->valid = 0;
}

/* --- mailboxes --- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	unsigned n = size > 0 ? (unsigned)size : MBOX_DEFAULT_SIZE;
	struct sys_mbox *m = kmalloc(sizeof(*m) + n * sizeof(void *));

	if (!m) {
		*mbox = NULL;
		return ERR_MEM;
	}
	m->size = n;
	*mbox = m;
	return ERR_OK;
}

static void mbox_put(struct sys_mbox *m, void *msg)
{
	m->msg[(m->head + m->count) % m->size] = msg;
	m->count++;
	wake_up(&m->readers, 1);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;

	while (m->count == m->size)
		wait_event(&m->writers, 0, 0, "a full lwIP mailbox");
	mbox_put(m, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;

	if (m->count == m->size)
		return ERR_MEM;
	mbox_put(m, msg);
	return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

static void mbox_take(struct sys_mbox *m, void **msg)
{
	void *v = m->msg[m->head];

	m->head = (m->head + 1) % m->size;
	m->count--;
	if (msg)
		*msg = v;
	if (m->writers.head)
		wake_up(&m->writers, 1);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct sys_mbox *m = *mbox;
	uint64_t start = time_monotonic_ns(), deadline = deadline_of(start, timeout);

	while (!m->count) {
		if (wait_event(&m->readers, deadline, 0, "an lwIP mailbox") == -ETIMEDOUT &&
		    !m->count)
			return SYS_ARCH_TIMEOUT;
	}
	mbox_take(m, msg);
	return ms_since(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct sys_mbox *m = *mbox;

	if (!m->count)
		return SYS_MBOX_EMPTY;
	mbox_take(m, msg);
	return 0;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	kfree(*mbox);
	*mbox = NULL;
}

/* --- threads, time, randomness --- */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize,
                            int prio)
{
	struct thread *t = kthread_create(thread, arg, name);

	(void)stacksize; /* every kernel thread has KSTACK_SIZE */
	(void)prio;
	if (!t)
		panic("no memory for lwIP's thread %s", name);
	t->kthread_may_wake = lwip_may_wake;
	return t;
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(time_monotonic_ns() / 1000000);
}

/*
 * bothy_tcp_oow_ack_ok - may lwIP answer an unacceptable segment without
 * data on pcb with an ACK now? At most one such ACK per connection every
 * 500 ms, Linux's default tcp_invalid_ratelimit (tcp_oow_rate_limited in
 * net/ipv4/tcp_input.c): two ends that each find the other's ACKs out of
 * window would otherwise answer each other forever. The table is small
 * and direct-mapped: a collision only lets one more ACK through.
 * Returns 1 (send it) or 0 (drop it).
 */
int bothy_tcp_oow_ack_ok(const struct tcp_pcb *pcb)
{
	static struct {
		const struct tcp_pcb *pcb;
		uint64_t at; /* ns */
	} last[64];
	unsigned i = (unsigned)(((uintptr_t)pcb >> 4) * 0x9e3779b1u >> 26) & 63;
	uint64_t now = time_monotonic_ns();

	if (last[i].pcb == pcb && now - last[i].at < 500000000ull)
		return 0;
	last[i].pcb = pcb;
	last[i].at = now;
	return 1;
}

unsigned int bothy_lwip_rand(void)
{
	unsigned int r;

	random_bytes(&r, sizeof(r));
	return r;
}

int atoi(const char *s)
{
	int neg = 0, v = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}
