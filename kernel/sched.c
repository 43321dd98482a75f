/*
 * Threads and the scheduler: per-CPU FIFO run queues, time slices ended by
 * each CPU's timer interrupt while other threads wait for that CPU, an
 * idle loop that halts (and takes work from the busiest CPU first), wait
 * queues, and kernel timers. The locking rule is in include/sched.h: one
 * kernel lock, held from kernel entry to the return to the program.
 *
 * A program whose every thread waits for something no one can give (and
 * no timer, host event or signal from the host can end the wait) is told
 * so in one line and ended, instead of hanging (rule 6).
 */
#include <arch.h>
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <sched.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>

#define SLICE_NS   (20 * 1000 * 1000) /* a busy CPU switches threads this often */
#define TIMER_SLOP 2000               /* ns: a timer this close is due */

struct cpu cpus[CPUS_MAX];
unsigned ncpus_online = 1;
volatile uint64_t tlb_gen;

static volatile int klock;
static struct thread *all_threads;
static unsigned nthreads;     /* live program threads */
static unsigned nrunnable;    /* of them, ready or running */
static int next_id = 2;       /* tids and fork's pids; 1 is the main thread */
static struct ktimer *timers; /* armed, soonest first */
static int main_exited, main_status;
/* Threads waiting for something from outside the VM (stdin, a host signal). */
unsigned sched_external_waits;

int sched_alloc_id(void)
{
	return next_id++;
}

/* --- the kernel lock ----------------------------------------------------- */

void kernel_lock(void)
{
	struct cpu *c = this_cpu();

	__atomic_store_n(&c->where, CPU_KERNEL, __ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&klock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&klock, __ATOMIC_RELAXED))
			arch_relax();
	if (c->tlb_seen != __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST)) {
		c->tlb_seen = tlb_gen;
		mmu_flush_local();
	}
}

void kernel_unlock(void)
{
	__atomic_store_n(&klock, 0, __ATOMIC_RELEASE);
}

void tlb_shootdown(void)
{
	uint64_t gen;

	if (ncpus_online < 2)
		return;
	gen = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
	this_cpu()->tlb_seen = gen; /* the caller flushed its own */
	for (unsigned i = 0; i < ncpus_online; i++) {
		struct cpu *o = &cpus[i];
		if (o != this_cpu() && __atomic_load_n(&o->where, __ATOMIC_SEQ_CST) == CPU_USER)
			arch_ipi(o->id, IPI_TLB);
	}
	/* A CPU in the program must flush before it goes on; one in the
	 * kernel or idle flushes when it next takes the lock. */
	for (unsigned i = 0; i < ncpus_online; i++) {
		struct cpu *o = &cpus[i];
		while (o != this_cpu() &&
		       __atomic_load_n(&o->where, __ATOMIC_SEQ_CST) == CPU_USER &&
		       __atomic_load_n(&o->tlb_seen, __ATOMIC_SEQ_CST) < gen)
			arch_relax();
	}
}

/* --- kernel timers ------------------------------------------------------- */

void ktimer_cancel(struct ktimer *t)
{
	struct ktimer **p = &timers;

	if (!t->armed)
		return;
	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->armed = 0;
}

void ktimer_arm(struct ktimer *t)
{
	struct ktimer **p = &timers;

	ktimer_cancel(t);
	while (*p && (*p)->expires <= t->expires)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->armed = 1;
}

static void run_timers(uint64_t now)
{
	while (timers && timers->expires <= now) { /* never early: sleeps last at least that long */
		struct ktimer *t = timers;
		timers = t->next;
		t->armed = 0;
		t->fn(t);
	}
}

/* Program this CPU's timer: the soonest kernel timer, and the end of the
 * running thread's slice when others wait for this CPU. */
static void cpu_timer_update(struct cpu *c)
{
	uint64_t d = timers ? timers->expires : 0;
	struct thread *t = c->running;

	if (!t->idle && c->nready)
		d = d && d < t->slice_end ? d : t->slice_end;
	if (d != c->timer_at) {
		c->timer_at = d;
		arch_timer_set(d);
	}
}

/* --- run queues ---------------------------------------------------------- */

static void rq_push(struct cpu *c, struct thread *t)
{
	t->rq_next = NULL;
	t->cpu = c->id;
	if (c->rq_tail)
		c->rq_tail->rq_next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
	c->nready++;
}

/* Take t (ready) off c's queue. */
static void rq_remove(struct cpu *c, struct thread *t)
{
	struct thread **p = &c->rq_head, *prev = NULL;

	while (*p && *p != t)
		prev = *p, p = &(*p)->rq_next;
	if (!*p)
		return;
	*p = t->rq_next;
	if (c->rq_tail == t)
		c->rq_tail = prev;
	c->nready--;
}

static struct thread *rq_pop(struct cpu *c)
{
	struct thread *t = c->rq_head;

	if (t)
		rq_remove(c, t);
	return t;
}

#define ALLOWED(t, c) (((t)->affinity >> (c)->id) & 1)

/* An idle CPU takes the first waiting thread of the busiest other CPU
 * that may run here. */
static struct thread *steal(struct cpu *c)
{
	struct cpu *busiest = NULL;
	struct thread *t;

	for (unsigned i = 0; i < ncpus_online; i++)
		if (&cpus[i] != c && cpus[i].nready &&
		    (!busiest || cpus[i].nready > busiest->nready))
			busiest = &cpus[i];
	if (!busiest)
		return NULL;
	for (t = busiest->rq_head; t && !ALLOWED(t, c); t = t->rq_next)
		;
	if (t)
		rq_remove(busiest, t);
	return t;
}

/* Where a thread that becomes ready should run, of the CPUs it may: its
 * last CPU if that is idle, else an idle CPU, else the one with the
 * fewest waiting. */
static struct cpu *place(struct thread *t)
{
	struct cpu *best = NULL;

	if (t->cpu < (int)ncpus_online && ALLOWED(t, &cpus[t->cpu])) {
		best = &cpus[t->cpu];
		if (best->running->idle && !best->nready)
			return best;
	}
	for (unsigned i = 0; i < ncpus_online; i++) {
		struct cpu *o = &cpus[i];
		if (!ALLOWED(t, o))
			continue;
		if (o->running->idle && !o->nready)
			return o;
		if (!best || o->nready < best->nready)
			best = o;
	}
	return best ? best : &cpus[0];
}

static void make_ready(struct thread *t)
{
	struct cpu *c = place(t), *me = this_cpu();

	t->state = THREAD_READY;
	rq_push(c, t);
	/* Another CPU learns of it by an interrupt, unless it is in the
	 * kernel and will look on its way out. */
	if (c != me && __atomic_load_n(&c->where, __ATOMIC_SEQ_CST) != CPU_KERNEL)
		arch_ipi(c->id, IPI_RESCHED);
}

static void thread_free(struct thread *t);

static void finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *d = c->dead;

	if (d) {
		c->dead = NULL;
		thread_free(d);
	}
}

/* Run something else on this CPU: the caller has set current's state
 * (blocked, ready and queued, or dead). */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->running, *next = rq_pop(c);

	if (!next)
		next = c->idle_thread;
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	if (*(uint64_t *)prev->kstack != KSTACK_MAGIC)
		panic("thread %d overflowed its kernel stack", prev->tid);
	next->state = THREAD_RUNNING;
	next->cpu = c->id;
	next->slice_end = next->idle ? 0 : time_monotonic_ns() + SLICE_NS;
	c->running = next;
	arch_switch(prev, next);
	finish_switch(); /* here again, perhaps on another CPU */
}

void sched_yield_cpu(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->running;

	if (!ALLOWED(t, c)) { /* its affinity changed: to a CPU it may use */
		make_ready(t);
		schedule();
		return;
	}
	if (!c->nready)
		return;
	rq_push(c, t);
	t->state = THREAD_READY;
	schedule();
}

/* --- waiting and waking ---------------------------------------------------- */

static void wq_remove(struct thread *t)
{
	struct thread **p;

	if (!t->wq)
		return;
	for (p = &t->wq->head; *p && *p != t; p = &(*p)->wq_next)
		;
	if (*p)
		*p = t->wq_next;
	t->wq = NULL;
}

void wake_thread(struct thread *t, int why)
{
	if (t->state != THREAD_BLOCKED)
		return;
	wq_remove(t);
	ktimer_cancel(&t->timeout);
	t->woken = why;
	if (!t->kthread)
		nrunnable++;
	make_ready(t);
}

static void timeout_fn(struct ktimer *k)
{
	struct thread *t =
	    (struct thread *)((char *)k - __builtin_offsetof(struct thread, timeout));

	wake_thread(t, -ETIMEDOUT);
}

int wait_event(struct waitq *wq, uint64_t deadline, int interruptible, const char *what)
{
	struct thread *t = current;

	if (interruptible && signal_pending_for(t))
		return -EINTR;
	t->woken = 0;
	t->interruptible = interruptible;
	t->waiting_in = what;
	t->wq = wq;
	if (wq) { /* FIFO: the first to wait is the first woken */
		struct thread **p = &wq->head;
		while (*p)
			p = &(*p)->wq_next;
		t->wq_next = NULL;
		*p = t;
	}
	if (deadline) {
		t->timeout.expires = deadline;
		t->timeout.fn = timeout_fn;
		ktimer_arm(&t->timeout);
	}
	t->state = THREAD_BLOCKED;
	if (!t->kthread)
		nrunnable--;
	schedule();
	return t->woken == 1 ? 0 : t->woken;
}

int wake_up(struct waitq *wq, int n)
{
	int woken = 0;

	while (wq->head && (n < 0 || woken < n)) {
		wake_thread(wq->head, 1);
		woken++;
	}
	return woken;
}

int sleep_until(uint64_t deadline, int interruptible)
{
	int r;

	if (deadline <= time_monotonic_ns())
		return 0;
	r = wait_event(NULL, deadline, interruptible, "a sleep");
	return r == -ETIMEDOUT ? 0 : r;
}

void sched_kick(struct thread *t)
{
	if (t->state == THREAD_RUNNING && t->cpu != this_cpu()->id)
		arch_ipi(t->cpu, IPI_RESCHED);
}

/* --- the idle loop --------------------------------------------------------- */

/* Is a timer armed that may let the program progress? Every one but the
 * deadline of a kernel thread's wait, unless that thread says it may
 * (kthread_may_wake). */
static int timers_may_wake(void)
{
	for (struct ktimer *k = timers; k; k = k->next) {
		struct thread *t =
		    (struct thread *)((char *)k - __builtin_offsetof(struct thread, timeout));
		if (k->fn != timeout_fn || !t->kthread ||
		    (t->kthread_may_wake && t->kthread_may_wake()))
			return 1;
	}
	return 0;
}

/* Nothing can run, nothing is timed, nothing can come from outside. */
static void deadlock_check(void)
{
	struct thread *t;

	if (nrunnable || sched_external_waits || !nthreads || timers_may_wake())
		return;
	if (net_external && net_sockets)
		return;
	for (unsigned i = 0; i < ncpus_online; i++)
		if (cpus[i].nready || !cpus[i].running->idle)
			return;
	t = all_threads;
	if (nthreads == 1)
		printk("bothy: %s: %s would wait forever: no other thread can make progress\n",
		       proc_exe_path, t->waiting_in ? t->waiting_in : "a wait");
	else {
		printk("bothy: %s: all %u threads wait and none can wake another (deadlock):",
		       proc_exe_path, nthreads);
		for (unsigned n = 0; t && n < 8; t = t->all_next, n++)
			printk(" tid %d in %s;", t->tid, t->waiting_in ? t->waiting_in : "a wait");
		printk("\n");
	}
	platform->exit(BOTHY_EXIT_KERNEL_FAULT);
}

static __noreturn void idle_loop(void *arg)
{
	struct cpu *c = arg;

	for (;;) {
		struct thread *t;
		finish_switch();
		if ((t = rq_pop(c)) || (t = steal(c))) {
			t->state = THREAD_RUNNING;
			t->cpu = c->id;
			t->slice_end = time_monotonic_ns() + SLICE_NS;
			c->running = t;
			arch_switch(c->idle_thread, t);
			continue;
		}
		deadlock_check();
		cpu_timer_update(c);
		__atomic_store_n(&c->where, CPU_IDLE, __ATOMIC_SEQ_CST);
		kernel_unlock();
		arch_idle();
		kernel_lock();
	}
}

/* --- threads --------------------------------------------------------------- */

/* Kernel stacks of threads that ended, kept for the next ones: the page
 * allocator makes runs only from fresh memory. */
struct free_stack {
	struct free_stack *next;
};
static struct free_stack *free_stacks;

static struct thread *thread_alloc(void)
{
	struct thread *t = kmalloc(sizeof(*t));
	uint64_t spa;

	if (!t)
		return NULL;
	if (free_stacks) {
		t->kstack = free_stacks;
		free_stacks = free_stacks->next;
	} else if ((spa = pages_alloc_run(KSTACK_SIZE / PAGE_SIZE))) {
		t->kstack = PHYS_TO_VIRT(spa);
	} else {
		kfree(t);
		return NULL;
	}
	t->kstack_top = (uint64_t)t->kstack + KSTACK_SIZE;
	*(uint64_t *)t->kstack = KSTACK_MAGIC;
	t->arch.fpu_cpu = -1;
	t->altstack.flags = SS_DISABLE;
	return t;
}

static void thread_free(struct thread *t)
{
	if (!t->kstack_static) {
		struct free_stack *f = t->kstack;
		f->next = free_stacks;
		free_stacks = f;
	}
	signal_thread_free(t);
	kfree(t);
}

static void thread_link(struct thread *t)
{
	t->all_next = all_threads;
	all_threads = t;
	nthreads++;
}

static void thread_unlink(struct thread *t)
{
	struct thread **p = &all_threads;

	while (*p && *p != t)
		p = &(*p)->all_next;
	if (*p)
		*p = t->all_next;
	nthreads--;
}

static struct thread *idle_new(struct cpu *c)
{
	struct thread *t = thread_alloc();

	if (!t)
		panic("no memory for CPU %d's idle thread", c->id);
	t->idle = 1;
	t->tid = 0;
	t->cpu = c->id;
	t->state = THREAD_RUNNING;
	arch_thread_new_kernel(t, (void (*)(void *))idle_loop, c);
	return t;
}

void sched_init(void *stack, uint64_t size)
{
	struct cpu *c = &cpus[0];
	struct thread *t = thread_alloc();

	if (!t)
		panic("no memory for the first thread");
	/* The main thread keeps the boot-time kernel stack it already has. */
	struct free_stack *f = t->kstack;
	f->next = free_stacks;
	free_stacks = f;
	t->kstack = stack;
	t->kstack_top = (uint64_t)stack + size;
	*(uint64_t *)stack = KSTACK_MAGIC;
	t->kstack_static = 1;
	t->tid = 1;
	t->affinity = ~0ull;
	t->state = THREAD_RUNNING;
	c->id = 0;
	c->online = 1;
	c->running = t;
	c->idle_thread = idle_new(c);
	thread_link(t);
	nrunnable = 1;
}

void sched_start_cpus(void)
{
	unsigned n = boot_info->cpus;

	for (unsigned i = 1; i < n && i < CPUS_MAX; i++) {
		struct cpu *c = &cpus[i];
		c->id = (int)i;
		c->idle_thread = idle_new(c);
		c->running = c->idle_thread;
		c->tlb_seen = tlb_gen;
		c->where = CPU_KERNEL;
		if (arch_cpu_start(c)) {
			c->abandoned = 1; /* should it come up late, it halts */
			if (log_level >= BOTHY_LOG_WARN)
				printk("bothy: CPU %u did not start; going on with %u\n", i,
				       ncpus_online);
			break;
		}
		ncpus_online = i + 1;
	}
	boot_info->cpus = ncpus_online; /* what /proc and /sys report */
}

__noreturn void sched_cpu_main(struct cpu *c)
{
	if (__atomic_load_n(&c->abandoned, __ATOMIC_SEQ_CST))
		for (;;)
			arch_halt();
	kernel_lock();
	c->online = 1;
	arch_switch_first(c->idle_thread);
}

__noreturn void sched_idle_start(void *arg)
{
	idle_loop(arg);
}

/* A kernel thread's first code: as after any switch, then fn(arg). */
struct kthread_start {
	void (*fn)(void *);
	void *arg;
};
static __noreturn void kthread_main(void *arg)
{
	struct kthread_start st = *(struct kthread_start *)arg;

	kfree(arg);
	finish_switch();
	st.fn(st.arg);
	panic("kernel thread %s returned", current->kthread_name);
}

struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct thread *t = thread_alloc();
	struct kthread_start *st = kmalloc(sizeof(*st));

	if (!t || !st) {
		if (t)
			thread_free(t);
		kfree(st);
		return NULL;
	}
	st->fn = fn;
	st->arg = arg;
	t->kthread = 1;
	t->tid = 0;
	t->cpu = this_cpu()->id;
	t->affinity = ~0ull;
	t->kthread_name = name;
	arch_thread_new_kernel(t, kthread_main, st);
	make_ready(t);
	return t;
}

long sched_clone_thread(unsigned long flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                        uint64_t tls)
{
	struct thread *t, *me = current;
	int tid;

	if (nthreads >= 32768)
		return -EAGAIN;
	if (!(t = thread_alloc()))
		return -ENOMEM;
	tid = sched_alloc_id();
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, sizeof(tid))) {
		thread_free(t);
		return -EFAULT;
	}
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(ctid, &tid, sizeof(tid));
	t->tid = tid;
	t->cpu = me->cpu;
	t->affinity = me->affinity;
	t->blocked = me->blocked;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	arch_thread_new_user(t, sp);
	if (flags & CLONE_SETTLS)
		t->arch.fs_base = tls;
	thread_link(t);
	nrunnable++;
	make_ready(t);
	return tid;
}

struct thread *sched_find(int tid)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct thread *sched_first(void)
{
	return all_threads;
}

unsigned sched_threads(void)
{
	return nthreads;
}

__noreturn void sched_thread_exit(int status)
{
	struct thread *t = current;

	futex_exit(t);
	if (t->tid == 1)
		main_exited = 1, main_status = status;
	if (nthreads == 1) /* the last one: the program ends */
		proc_exit(main_exited ? main_status : status);
	thread_unlink(t);
	nrunnable--;
	t->state = THREAD_DEAD;
	this_cpu()->dead = t;
	schedule();
	panic("a dead thread ran again");
}

/* --- the way back to the program, and interrupts ---------------------------- */

void sched_user_return(void *regs)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->running;

	if ((c->nready && (c->need_resched || time_monotonic_ns() >= t->slice_end)) ||
	    !ALLOWED(t, c)) {
		c->need_resched = 0;
		sched_yield_cpu();
		c = this_cpu();
	}
	if (regs)
		signal_deliver(regs);
	t->syscall_regs = NULL;
	cpu_timer_update(c);
	__atomic_store_n(&c->where, CPU_USER, __ATOMIC_SEQ_CST);
	kernel_unlock();
}

void sched_thread_start(void *regs)
{
	finish_switch();
	sched_user_return(regs);
}

void sched_timer_irq(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->running;
	uint64_t now = time_monotonic_ns();

	c->timer_at = 0; /* it fired (or was early: programmed again on the way out) */
	run_timers(now);
	if (!t->idle && c->nready && t->slice_end && now + TIMER_SLOP >= t->slice_end)
		c->need_resched = 1;
}

void sched_event_irq(void)
{
	uint64_t ev = __atomic_exchange_n(&boot_info->events, 0, __ATOMIC_SEQ_CST);
	uint64_t sigs = __atomic_exchange_n(&boot_info->host_signals, 0, __ATOMIC_SEQ_CST);

	if (ev & BOTHY_EVENT_STDIN)
		console_stdin_ready();
	if (sigs)
		signal_from_host(sigs);
}

/* --- system calls ----------------------------------------------------------- */

long sys_gettid(void)
{
	return fork_in_child() ? fork_pid() : current->tid;
}

long sys_sched_yield(void)
{
	sched_yield_cpu();
	return 0;
}

long sys_getcpu(long ucpu, long unode)
{
	unsigned cpu = (unsigned)this_cpu()->id, node = 0;

	if (ucpu && copy_to_user(ucpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (unode && copy_to_user(unode, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* The thread a pid_t argument of sched_*(2) names: 0 (or, in a forked child, its own
 * pid) is the caller, another number a thread id. */
static struct thread *target_thread(long pid)
{
	int p = (int)pid;

	if (p == 0 || (fork_in_child() && p == fork_pid()))
		return current;
	return sched_find(p);
}

static uint64_t online_mask(void)
{
	return ncpus_online >= 64 ? ~0ull : (1ull << ncpus_online) - 1;
}

long sys_sched_getaffinity(long pid, long len, long umask)
{
	struct thread *t = target_thread(pid);
	uint64_t mask;

	if (!t)
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	mask = t->affinity & online_mask();
	if (copy_to_user(umask, &mask, 8))
		return -EFAULT;
	return 8; /* bytes of the kernel's cpumask, as Linux returns */
}

/* The thread runs only on the CPUs of the mask from now on: a ready one
 * moves to a queue it may use, a running one leaves its CPU on its way
 * back to the program (at once if it is the caller). */
long sys_sched_setaffinity(long pid, long len, long umask)
{
	struct thread *t = target_thread(pid);
	uint64_t mask = 0;

	if (!t)
		return -ESRCH;
	if (len <= 0)
		return -EINVAL;
	if (copy_from_user(&mask, umask, len < 8 ? (size_t)len : 8))
		return -EFAULT;
	if (!(mask & online_mask()))
		return -EINVAL;
	t->affinity = mask;
	if (t == current)
		sched_yield_cpu(); /* moves it if this CPU is not in the mask */
	else if (t->state == THREAD_READY && !ALLOWED(t, &cpus[t->cpu])) {
		rq_remove(&cpus[t->cpu], t);
		make_ready(t);
	} else if (t->state == THREAD_RUNNING)
		sched_kick(t);
	return 0;
}

/*
 * sched_setscheduler(2) and friends: the policies and priorities Linux
 * accepts (SCHED_OTHER, BATCH and IDLE at priority 0; FIFO and RR at 1 to
 * 99) are checked and recorded per thread, and read back; the scheduler
 * treats every thread alike (one program owns the machine).
 */
#define SCHED_OTHER         0
#define SCHED_FIFO          1
#define SCHED_RR            2
#define SCHED_BATCH         3
#define SCHED_IDLE          5
#define SCHED_RESET_ON_FORK 0x40000000

static int policy_valid(long policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE;
}

long sys_sched_get_priority_max(long policy)
{
	if (!policy_valid(policy))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

long sys_sched_get_priority_min(long policy)
{
	if (!policy_valid(policy))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

static long set_sched(long pid, long policy, long uparam)
{
	struct thread *t;
	int prio;

	if ((int)pid < 0 || !uparam)
		return -EINVAL;
	if (!(t = target_thread(pid)))
		return -ESRCH;
	if (copy_from_user(&prio, uparam, sizeof(prio)))
		return -EFAULT;
	if (policy < 0)
		policy = t->policy;
	policy &= ~SCHED_RESET_ON_FORK;
	if (!policy_valid(policy) || prio < sys_sched_get_priority_min(policy) ||
	    prio > sys_sched_get_priority_max(policy))
		return -EINVAL;
	t->policy = (int)policy;
	t->priority = prio;
	return 0;
}

long sys_sched_setscheduler(long pid, long policy, long uparam)
{
	return (int)policy < 0 ? -EINVAL : set_sched(pid, (int)policy, uparam);
}

long sys_sched_setparam(long pid, long uparam)
{
	return set_sched(pid, -1, uparam);
}

long sys_sched_getscheduler(long pid)
{
	struct thread *t;

	if ((int)pid < 0)
		return -EINVAL;
	return (t = target_thread(pid)) ? t->policy : -ESRCH;
}

long sys_sched_getparam(long pid, long uparam)
{
	struct thread *t;

	if ((int)pid < 0 || !uparam)
		return -EINVAL;
	if (!(t = target_thread(pid)))
		return -ESRCH;
	return copy_to_user(uparam, &t->priority, sizeof(int));
}

long sys_sched_rr_get_interval(long pid, long uts)
{
	struct kernel_timespec ts = {0, SLICE_NS};

	if ((int)pid < 0)
		return -EINVAL;
	if (!target_thread(pid))
		return -ESRCH;
	return copy_to_user(uts, &ts, sizeof(ts));
}
