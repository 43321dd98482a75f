/*
 * threads_basic: threads as the kernel sees them (clone(2) through
 * pthread_create, gettid(2), tgkill(2), exit(2), exit_group(2),
 * sched_setaffinity(2), getcpu(2), set_robust_list(2)):
 * - joined threads return their own values;
 * - a thread has its own id (gettid differs from getpid, which is the
 *   same in every thread), distinct from the other live threads';
 * - tgkill and pthread_kill run the handler in the target thread (a
 *   __thread flag is set there, not in main); a process-directed kill
 *   goes to the thread that does not block the signal; a new thread
 *   inherits its creator's signal mask, and changing its own leaves the
 *   creator's alone; tgkill with signal 0 probes a live thread;
 * - a thread that calls exit(2) directly goes (tgkill then fails with
 *   ESRCH) and the process lives on;
 * - sched_yield; sched_setaffinity of one thread to one CPU (getcpu then
 *   says that CPU; main's mask is unchanged; sched_getaffinity by tid
 *   sees it), an empty mask is EINVAL; getcpu gives a CPU of our mask;
 * - get_robust_list/set_robust_list: the head reads back, a wrong length
 *   is EINVAL.
 * With the argument "exit_group", a thread calls exit_group(42) while main
 * waits in pthread_join and another thread is blocked in read: the
 * process ends with 42. With "main_exit", main leaves by pthread_exit and
 * the last thread ends the process with exit(3).
 */
// case: threads_basic timeout=60
// case: threads_basic_smp cpus=2 timeout=60
// case: threads_exit_group timeout=60 expect=42 -- exit_group
// case: threads_main_exit timeout=60 expect=3 -- main_exit
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include "guest_threads.h"

#define NVALUES 8

static pid_t pid;
static __thread volatile int tls_hits;
static volatile pid_t handler_tid;

static void handler(int sig)
{
	(void)sig;
	tls_hits++;
	handler_tid = sys_gettid();
}

static void *square(void *arg)
{
	intptr_t i = (intptr_t)arg;

	return (void *)(i * i + 1);
}

/* Ids. */
static pthread_barrier_t ids_barrier;
static pid_t tids[NVALUES];
static int pid_same[NVALUES];

static void *ids(void *arg)
{
	int me = (int)(intptr_t)arg;

	tids[me] = sys_gettid();
	pid_same[me] = getpid() == pid;
	pthread_barrier_wait(&ids_barrier); /* all alive at once */
	return NULL;
}

/* A thread that waits for a signal, and what it saw. */
struct target {
	pthread_t t;
	pid_t tid;
	int unblock; /* signal to unblock first (0: none) */
	volatile int ready, got, mask_had_winch;
};

static void *signal_target(void *arg)
{
	struct target *x = arg;
	sigset_t s;

	x->tid = sys_gettid();
	pthread_sigmask(SIG_BLOCK, NULL, &s);
	x->mask_had_winch = sigismember(&s, SIGWINCH);
	if (x->unblock) {
		sigemptyset(&s);
		sigaddset(&s, x->unblock);
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	}
	__atomic_store_n(&x->ready, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 60000 && tls_hits == 0; i++)
		sleep_ms(1);
	x->got = tls_hits;
	return NULL;
}

static void start_target(struct target *x, int unblock)
{
	x->unblock = unblock;
	x->ready = 0;
	x->got = 0;
	pthread_create(&x->t, NULL, signal_target, x);
	wait_until(&x->ready, 60000);
}

/* Raw exit. */
static volatile pid_t raw_tid;

/* Poll tgkill(@tid, 0) until it fails with ESRCH (an exited thread may
 * still be found for a moment after its id word was cleared); 1 when it
 * did within 60 s. */
static int thread_gone(pid_t tid)
{
	for (int i = 0; i < 60000; i++) {
		errno = 0;
		if (syscall(SYS_tgkill, pid, tid, 0) == -1)
			return errno == ESRCH;
		sleep_ms(1);
	}
	return 0;
}

static void *raw_exit(void *arg)
{
	(void)arg;
	__atomic_store_n(&raw_tid, sys_gettid(), __ATOMIC_SEQ_CST);
	exit_thread_raw(0);
}

/* Affinity. */
static int first_cpu;
static volatile int pinned, pin_release;
static int pin_set, pin_get_ok, pin_cpu_ok;
static pid_t pin_tid;

static void *pin(void *arg)
{
	cpu_set_t one, got;

	(void)arg;
	pin_tid = sys_gettid();
	CPU_ZERO(&one);
	CPU_SET(first_cpu, &one);
	pin_set = sched_setaffinity(0, sizeof(one), &one);
	pin_get_ok = sched_getaffinity(0, sizeof(got), &got) == 0 && CPU_EQUAL(&got, &one);
	pin_cpu_ok = sched_getcpu() == first_cpu;
	__atomic_store_n(&pinned, 1, __ATOMIC_SEQ_CST);
	wait_until(&pin_release, 60000);
	return NULL;
}

/* exit_group and main_exit modes. */
static int never[2];

static void *blocked_reader(void *arg)
{
	char c;

	(void)arg;
	read(never[0], &c, 1);
	return NULL;
}

static void *group_exit(void *arg)
{
	(void)arg;
	sleep_ms(20);
	printf("thread: calling exit_group(42)\n");
	fflush(stdout);
	syscall(SYS_exit_group, 42);
	return NULL;
}

static void *last_thread(void *arg)
{
	(void)arg;
	sleep_ms(50); /* main has left by then */
	printf("last thread: main is gone, the process lives on; exit(3)\n");
	exit(3);
}

static int other_mode(const char *mode)
{
	pthread_t t, r;

	pipe(never);
	pthread_create(&r, NULL, blocked_reader, NULL);
	if (strcmp(mode, "exit_group") == 0) {
		printf("main: waiting for the thread that calls exit_group\n");
		fflush(stdout);
		pthread_create(&t, NULL, group_exit, NULL);
		pthread_join(t, NULL);
		printf("main: FAILED: pthread_join returned\n");
		return 1;
	}
	printf("main: pthread_exit\n");
	fflush(stdout);
	pthread_create(&t, NULL, last_thread, NULL);
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	pthread_t t[NVALUES];
	struct target x;
	struct sigaction sa = {0};
	sigset_t s, old;
	cpu_set_t mask, now, empty;
	unsigned cpu = ~0u, node = ~0u;
	int bad = 0, ok = 1;

	pid = getpid();
	if (argc > 1)
		return other_mode(argv[1]);

	/* Return values. */
	for (int i = 0; i < NVALUES; i++)
		pthread_create(&t[i], NULL, square, (void *)(intptr_t)i);
	for (int i = 0; i < NVALUES; i++) {
		void *res = NULL;

		ok &= pthread_join(t[i], &res) == 0 && (intptr_t)res == (intptr_t)i * i + 1;
	}
	bad += check("pthread_join gives each thread's return value", ok);

	/* Ids. */
	bad += check("main: gettid() == getpid()", sys_gettid() == pid);
	pthread_barrier_init(&ids_barrier, NULL, NVALUES);
	for (int i = 0; i < NVALUES; i++)
		pthread_create(&t[i], NULL, ids, (void *)(intptr_t)i);
	for (int i = 0; i < NVALUES; i++)
		pthread_join(t[i], NULL);
	ok = 1;
	for (int i = 0; i < NVALUES; i++) {
		ok &= pid_same[i] && tids[i] != pid && tids[i] > 0;
		for (int j = 0; j < i; j++)
			ok &= tids[i] != tids[j];
	}
	bad += check("threads: getpid() is main's, gettid() differs and is distinct", ok);

	/* Signals to threads. */
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	start_target(&x, 0);
	bad +=
	    check("tgkill with signal 0 to a live thread", syscall(SYS_tgkill, pid, x.tid, 0) == 0);
	bad +=
	    check("tgkill(SIGUSR1) to the thread", syscall(SYS_tgkill, pid, x.tid, SIGUSR1) == 0);
	pthread_join(x.t, NULL);
	bad += check("... its handler ran in that thread", x.got == 1 && handler_tid == x.tid);
	bad += check("... not in main", tls_hits == 0);
	bad += check("tgkill to the joined thread: ESRCH (once it is reaped)", thread_gone(x.tid));

	start_target(&x, 0);
	bad += check_ret("pthread_kill(SIGUSR2)", pthread_kill(x.t, SIGUSR2), 0);
	pthread_join(x.t, NULL);
	bad += check("... its handler ran in that thread", x.got == 1 && handler_tid == x.tid);
	bad += check("... not in main", tls_hits == 0);

	/* Process-directed, main blocks it: the other thread takes it. The
	 * thread inherits main's mask (SIGUSR1 and SIGWINCH blocked). */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &s, &old);
	start_target(&x, SIGUSR1);
	bad += check("a new thread inherits its creator's signal mask", x.mask_had_winch == 1);
	bad += check("kill(getpid(), SIGUSR1) with main blocking it", kill(pid, SIGUSR1) == 0);
	pthread_join(x.t, NULL);
	bad += check("... the thread that does not block it ran the handler",
	             x.got == 1 && handler_tid == x.tid && tls_hits == 0);
	pthread_sigmask(SIG_BLOCK, NULL, &s);
	bad += check("... and main's mask is untouched by the thread's unblocking",
	             sigismember(&s, SIGUSR1) == 1);
	sigpending(&s);
	bad += check("... nothing left pending", sigismember(&s, SIGUSR1) == 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	/* A raw exit(2) of one thread. */
	{
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_create(&t[0], &a, raw_exit, NULL);
		pthread_attr_destroy(&a);
		for (int i = 0; i < 60000 && !__atomic_load_n(&raw_tid, __ATOMIC_SEQ_CST); i++)
			sleep_ms(1);
		bad += check("a thread's exit(2): the thread is gone (tgkill ESRCH)",
		             raw_tid != 0 && thread_gone(raw_tid));
		bad += check("... and the process lives on", getpid() == pid);
	}

	/* Scheduling. */
	bad += check("sched_yield", sched_yield() == 0);
	CPU_ZERO(&mask);
	bad += check("sched_getaffinity",
	             sched_getaffinity(0, sizeof(mask), &mask) == 0 && CPU_COUNT(&mask) >= 1);
	for (first_cpu = 0; first_cpu < CPU_SETSIZE && !CPU_ISSET(first_cpu, &mask); first_cpu++)
		;
	pthread_create(&t[0], NULL, pin, NULL);
	wait_until(&pinned, 60000);
	bad += check("a thread's sched_setaffinity to one CPU of the mask", pin_set == 0);
	bad += check("... its sched_getaffinity reads it back", pin_get_ok);
	bad += check("... sched_getcpu there says that CPU", pin_cpu_ok);
	CPU_ZERO(&now);
	bad += check("... sched_getaffinity by its tid sees it",
	             sched_getaffinity(pin_tid, sizeof(now), &now) == 0 && CPU_COUNT(&now) == 1 &&
	                 CPU_ISSET(first_cpu, &now));
	CPU_ZERO(&now);
	bad += check("... main's own mask is unchanged",
	             sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_EQUAL(&now, &mask));
	__atomic_store_n(&pin_release, 1, __ATOMIC_SEQ_CST);
	pthread_join(t[0], NULL);
	CPU_ZERO(&empty);
	bad += check_sys("sched_setaffinity with an empty mask",
	                 sched_setaffinity(0, sizeof(empty), &empty), EINVAL);
	bad += check("sched_setaffinity to our own mask",
	             sched_setaffinity(0, sizeof(mask), &mask) == 0);
	bad += check("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL) == 0);
	bad += check("... a CPU of our mask", cpu < CPU_SETSIZE && CPU_ISSET(cpu, &mask));
	bad += check("... a node number", node < 1024);

	/* The robust list head. */
	{
		void *head = NULL;
		size_t len = 0;

		bad += check("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len) == 0);
		bad += check("... length 24", len == 24);
		bad += check("set_robust_list of the same head",
		             syscall(SYS_set_robust_list, head, len) == 0);
		bad += check_sys("set_robust_list with length 23",
		                 syscall(SYS_set_robust_list, head, 23), EINVAL);
		{
			void *again = NULL;

			syscall(SYS_get_robust_list, 0, &again, &len);
			bad += check("... the head reads back", again == head);
		}
	}
	return bad;
}
