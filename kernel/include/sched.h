/*
 * Threads, CPUs and the scheduler (kernel/sched.c), futexes
 * (kernel/futex.c) and kernel timers.
 *
 * Locking: one kernel lock. Kernel code runs with interrupts off and the
 * lock held, from entry (a system call, a fault, an interrupt) until the
 * return to the program; programs run in parallel on every vCPU, the
 * kernel on one at a time. A thread that blocks keeps the lock through
 * the switch: the lock belongs to the CPU, not to the thread. Only the
 * idle loop runs with the lock released and interrupts on (`sti; hlt`).
 */
#ifndef BOTHY_SCHED_H
#define BOTHY_SCHED_H
#include <kernel.h>
#include <arch/percpu.h>
#include <linux_abi.h>

#define CPUS_MAX BOTHY_CPUS_MAX

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

/* A kernel timer: fn(t) runs with the kernel lock held, interrupts off,
 * at or soon after `expires` (CLOCK_MONOTONIC ns). */
struct ktimer {
	uint64_t expires;
	void (*fn)(struct ktimer *t);
	struct ktimer *next;
	int armed;
};

/* Threads waiting for something; woken by wake_up(). */
struct waitq {
	struct thread *head;
};

struct arch_thread {
	uint64_t ksp;     /* saved kernel stack pointer while switched out */
	uint64_t fs_base; /* the program's thread pointer */
	int fpu_cpu;      /* the CPU whose registers last held this FPU state, or -1 */
	uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image */
};

struct thread {
	struct arch_thread arch; /* first: entry code finds ksp at offset 0 */
	int tid;
	enum thread_state state;
	int cpu;                 /* the CPU it runs on, or whose queue it waits in */
	uint64_t affinity;       /* CPUs it may run on (bit n: CPU n) */
	int policy, priority;    /* sched_setscheduler(2): recorded only */
	int idle;                /* a CPU's idle thread */
	struct thread *rq_next;  /* run queue */
	struct thread *all_next; /* every live thread */
	void *kstack;            /* kernel stack, KSTACK_SIZE bytes */
	uint64_t kstack_top;
	void *syscall_regs;   /* the frame of the system call in progress */
	int syscall_replaced; /* rt_sigreturn replaced it */
	long syscall_nr;      /* for restarting it after a signal */
	uint64_t slice_end;   /* ns: when a busy CPU preempts it */
	/* waiting */
	struct waitq *wq;
	struct thread *wq_next;
	int woken;              /* 0 while waiting; 1 woken, or -ETIMEDOUT, -EINTR */
	const char *waiting_in; /* what it waits in, for the deadlock message */
	int kstack_static;      /* the main thread's boot-time stack: not freed */
	int interruptible;
	struct ktimer timeout;
	uint64_t futex_key;
	uint32_t futex_bitset;
	/* clone(2) and exit */
	uint64_t clear_child_tid;
	uint64_t robust_list;
	/* signals (kernel/signal.c) */
	uint64_t blocked, pending;
	uint64_t saved_mask;
	int has_saved_mask;
	struct sigaltstack_k altstack;
	struct siginfo_k *pending_info; /* [NSIG], made at the first directed signal */
	struct sigq *rt_queued;         /* real-time signals queued behind pending ones */
	/* kernel threads (kthread_create, below) */
	int kthread; /* 1: a kernel thread */
	const char *kthread_name;
	int (*kthread_may_wake)(void); /* may its timed wait let the program progress? */
};

/* One CPU. The architecture finds its own with this_cpu(). */
struct cpu {
	struct cpu *self; /* first: %gs:0 on x86_64 */
	int id;
	int online;
	int abandoned; /* did not start in time: must not join if it does later */
	enum { CPU_KERNEL, CPU_USER, CPU_IDLE } where;
	struct thread *running;
	struct thread *idle_thread;
	struct thread *rq_head, *rq_tail; /* ready threads, FIFO */
	int nready;
	int need_resched;
	struct thread *dead; /* freed once switched away from */
	uint64_t tlb_seen;   /* the TLB generation this CPU has flushed to */
	int fpu_live;        /* tid whose FPU state is in the registers, or 0 */
	uint64_t timer_at;   /* deadline programmed, ns, or 0 */
	void *arch;          /* kernel/arch: TSS, GDT, stacks */
};

extern struct cpu cpus[CPUS_MAX];
extern unsigned ncpus_online;

/* this_cpu (arch/percpu.h) / current - the CPU running this code, and its
 * thread. */
static inline struct thread *current_thread(void)
{
	return this_cpu()->running;
}
#define current (current_thread())

/* kernel_lock / kernel_unlock - the kernel lock (above). kernel_lock also
 * catches up with TLB shootdowns this CPU missed while it was not in the
 * program. */
void kernel_lock(void);
void kernel_unlock(void);

/* sched_init - the first thread (tid 1, the program's main thread, on
 * kernel stack [stack, stack+size)) and CPU 0's idle thread; the caller
 * holds the kernel lock. */
void sched_init(void *stack, uint64_t size);
/* sched_idle_start - an idle thread's first code (arch_thread_new_kernel). */
__noreturn void sched_idle_start(void *cpu);
/* sched_thread_start - a new program thread's first code, on its frame. */
void sched_thread_start(void *regs);
/* sched_start_cpus - start the other vCPUs (boot_info->cpus). */
void sched_start_cpus(void);
/* sched_cpu_main - an application processor's first C code: idle loop. */
__noreturn void sched_cpu_main(struct cpu *c);

/*
 * sched_clone_thread - clone(2) with CLONE_VM|CLONE_THREAD: a new thread
 * returning 0 from the system call in progress, on user stack `sp` (0 =
 * the caller's) with thread pointer `tls` (if CLONE_SETTLS in flags).
 * Returns its tid, or -ENOMEM / -EAGAIN.
 */
long sched_clone_thread(unsigned long flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                        uint64_t tls);
/* sched_thread_exit - exit(2) of the calling thread: CHILD_CLEARTID wake,
 * robust futexes; the program ends with `status` when it was the last. */
__noreturn void sched_thread_exit(int status);
/* sched_find - the live thread with this tid, or NULL. */
struct thread *sched_find(int tid);
/* sched_threads - how many threads are alive. */
unsigned sched_threads(void);
/* for_each_thread - iterate over every live thread. */
struct thread *sched_first(void);

/*
 * Kernel threads (lwIP's tcpip_thread): threads that run only kernel code,
 * fn(arg) on their own kernel stack, under the kernel lock like all kernel
 * code (they run until they block: kernel code is never preempted). They
 * block and wake with wait_event()/wake_up() as program threads do, but
 * they are not the program's: they are not on the list of live threads
 * (so sched_find(), sched_first(), signals, tgkill and /proc/self/task
 * never see them), not counted by sched_threads() (the program still ends
 * with its last thread), never get signals (their waits are not
 * interruptible) and have tid 0. The deadlock check ignores them: a kernel
 * thread blocked forever does not keep the program alive, and the
 * deadline of a kernel thread's timed wait (lwIP's housekeeping timers)
 * does not count as something that may wake the program, unless the
 * thread's kthread_may_wake() says it may (the deadlock check asks it
 * then; lwIP: while TCP connections have timers running, sys_arch.c).
 *
 * kthread_create - a new kernel thread that starts ready in fn(arg); fn
 * must never return. `name` (a static string) is for diagnostics. NULL if
 * out of memory.
 */
struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name);

/* sched_yield_cpu - let ready threads on this CPU run first. */
void sched_yield_cpu(void);
/* sched_user_return - the kernel's last step before returning to the
 * program on regs: preemption, signal delivery, the CPU's timer, then the
 * kernel lock is released. */
void sched_user_return(void *regs);
/* sched_timer_irq / sched_event_irq - the timer and monitor interrupts
 * (lock held). */
void sched_timer_irq(void);
void sched_event_irq(void);
/* sched_kick - make thread t, running on another CPU, enter the kernel
 * (to take a signal). */
void sched_kick(struct thread *t);

/*
 * wait_event - block the calling thread on wq (NULL: on nothing) until
 * wake_up(), `deadline` (CLOCK_MONOTONIC ns; 0 = none) or, if
 * `interruptible`, a signal it does not block. `what` names the wait in
 * the deadlock message. The caller tests its condition again after.
 * Returns 0 when woken, -ETIMEDOUT, or -EINTR.
 */
int wait_event(struct waitq *wq, uint64_t deadline, int interruptible, const char *what);
/* sched_external_waits - waits that something outside the VM may end
 * (stdin, a host signal): while there are any, no deadlock is declared. */
extern unsigned sched_external_waits;
/* sched_alloc_id - a new tid (or fork pid). */
int sched_alloc_id(void);
/* wake_up - wake at most n threads waiting on wq (n < 0: all); returns
 * how many were woken. wake_thread - wake t from its wait with `why`. */
int wake_up(struct waitq *wq, int n);
void wake_thread(struct thread *t, int why);
/* sleep_until - wait until CLOCK_MONOTONIC `deadline` (ns): 0, or -EINTR
 * for a signal. */
int sleep_until(uint64_t deadline, int interruptible);

/* ktimer_arm / ktimer_cancel - (re)arm t for t->expires; disarm it. */
void ktimer_arm(struct ktimer *t);
void ktimer_cancel(struct ktimer *t);

/* Per-thread signal hooks (kernel/signal.c): is a signal pending that t
 * does not block? signal_thread_free - free what t's signals hold. */
int signal_pending_for(struct thread *t);
void signal_thread_free(struct thread *t);

/* futex_exit - what the kernel does with the futexes of an exiting
 * thread: set_robust_list(2)'s list, and CLONE_CHILD_CLEARTID. */
void futex_exit(struct thread *t);
int futex_wake(uint64_t uaddr, int n, uint32_t bitset);

/* Architecture hooks for threads (kernel/arch/<arch>/). */
/* arch_thread_new_user - prepare t's kernel stack to return to the program
 * as the system call in progress does, but with result 0, stack pointer
 * sp (0 = unchanged), and the FPU state of the caller. */
void arch_thread_new_user(struct thread *t, uint64_t sp);
/* arch_thread_new_kernel - prepare t to start in fn(arg) (never returns). */
void arch_thread_new_kernel(struct thread *t, void (*fn)(void *), void *arg);
/* arch_switch - switch from prev to next (lock held, interrupts off);
 * returns when prev runs again. arch_switch_first - start running
 * `next` on this CPU, abandoning the current stack. */
void arch_switch(struct thread *prev, struct thread *next);
__noreturn void arch_switch_first(struct thread *next);
/* arch_timer_set - this CPU's timer interrupt at CLOCK_MONOTONIC ns
 * `deadline` (0 = none). */
void arch_timer_set(uint64_t deadline);
/* arch_ipi - interrupt CPU `cpu`: IPI_RESCHED to re-evaluate what it runs,
 * IPI_TLB to flush its TLB. */
enum { IPI_RESCHED, IPI_TLB };
void arch_ipi(int cpu, int kind);
/* arch_idle - wait for an interrupt with interrupts on; returns with them
 * off. arch_halt - stop this CPU (interrupts off) until the VM ends. */
void arch_idle(void);
void arch_halt(void);
/* arch_cpu_start - start CPU c at sched_cpu_main(c); 0 or -errno. */
int arch_cpu_start(struct cpu *c);
/* arch_tlb_shootdown - after page-table changes that remove or reduce
 * access: make every other CPU that may run the program flush. */
void tlb_shootdown(void);
extern volatile uint64_t tlb_gen;

/* A thread's kernel stack: path walks keep PATH_MAX buffers on it, nested. */
#define KSTACK_SIZE  (32 * 1024)
#define KSTACK_MAGIC 0x6b737461636b2121ull /* at the bottom: overflow check */

/* clone(2) flags. */
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000

#endif
