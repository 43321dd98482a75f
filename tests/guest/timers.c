/*
 * timers: the kernel's timers and sleeps, and signals they send:
 * - alarm(2): returns the seconds left of the previous alarm (rounded),
 *   alarm(0) cancels; SIGALRM reaches its handler no earlier than asked;
 * - setitimer(2)/getitimer(2) ITIMER_REAL: a periodic timer ticks N times
 *   (not early), getitimer shows the interval and a value within it, a
 *   zero value stops it (the old value is returned) and no tick follows;
 * - timer_create(2) with SIGEV_SIGNAL: si_code SI_TIMER and the sigev
 *   value reach the handler; timer_gettime counts down; a periodic timer
 *   whose signal stays blocked reports overruns (timer_getoverrun and
 *   si_overrun agree); TIMER_ABSTIME; SIGEV_NONE; timer_delete, after
 *   which the id is EINVAL; SIGEV_THREAD_ID (raw system calls) sends the
 *   signal to the named thread only, and a tid outside the process is
 *   EINVAL;
 * - timerfd_create(2): timerfd_gettime, a blocking read returning the
 *   expiration count (which grows while nobody reads), TFD_NONBLOCK's
 *   EAGAIN, TFD_TIMER_ABSTIME on CLOCK_REALTIME, a short buffer EINVAL;
 * - eventfd(2): the counter adds up and a read empties it, EFD_SEMAPHORE
 *   reads one at a time, EFD_NONBLOCK's EAGAIN (empty, or a write that
 *   would overflow), a blocking read woken by another thread's write,
 *   writing 2^64-1 or reading 4 bytes is EINVAL;
 * - nanosleep(2) and clock_nanosleep(2), relative and TIMER_ABSTIME, on
 *   CLOCK_MONOTONIC and CLOCK_REALTIME, for 100 us to 20 ms: at least the
 *   time asked, and less than 50 ms more;
 * - an interrupted sleep: clock_nanosleep returns EINTR (not -1) and the
 *   time left; with TIMER_ABSTIME it leaves rem alone.
 */
// case: timers timeout=60 min_ms=1000
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include "guest_threads.h"

#define MS 1000000ll

static volatile int alrm_hits, usr1_hits, usr1_code, usr1_value, usr1_overrun;
static __thread volatile int tls_usr2;
static volatile pid_t usr2_tid;
static volatile int usr2_code;

static void on_alrm(int sig)
{
	(void)sig;
	alrm_hits++;
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_hits++;
	usr1_code = si->si_code;
	usr1_value = si->si_value.sival_int;
	usr1_overrun = si->si_overrun;
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	tls_usr2++;
	usr2_tid = sys_gettid();
	usr2_code = si->si_code;
}

static void install(int sig, void *fn, int info)
{
	struct sigaction sa = {0};

	if (info) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = fn;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* sigsuspend with nothing blocked, until *@counter reaches @n. */
static void suspend_until(volatile int *counter, int n)
{
	sigset_t none;

	sigemptyset(&none);
	while (*counter < n)
		sigsuspend(&none);
}

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t tv_ns(struct timeval t)
{
	return (int64_t)t.tv_sec * 1000000000 + (int64_t)t.tv_usec * 1000;
}

/* SIGEV_THREAD_ID target. */
static volatile pid_t target_tid;
static volatile int target_ready, target_got;

static void *target(void *arg)
{
	(void)arg;
	target_tid = sys_gettid();
	__atomic_store_n(&target_ready, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 60000 && !tls_usr2; i++)
		sleep_ms(1);
	target_got = tls_usr2;
	return NULL;
}

/* The kernel's struct sigevent (timer_create(2)) for SIGEV_THREAD_ID. */
struct ksigevent {
	union sigval value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};
#define K_SIGEV_THREAD_ID 4

/* eventfd: write after 20 ms. */
static int efd_blocking;

static void *late_writer(void *arg)
{
	uint64_t v = 42;

	(void)arg;
	sleep_ms(20);
	write(efd_blocking, &v, sizeof(v));
	return NULL;
}

/* Interrupting sleeps: SIGUSR1 to main every 10 ms until stopped. */
static pthread_t main_thread;
static volatile int kick_stop;

static void *kicker(void *arg)
{
	(void)arg;
	sleep_ms(20);
	for (int i = 0; i < 6000 && !kick_stop; i++) {
		pthread_kill(main_thread, SIGUSR1);
		sleep_ms(10);
	}
	return NULL;
}

/*
 * check_sleep - sleep @ns nanoseconds with @how (0 nanosleep, 1
 * clock_nanosleep relative, 2 TIMER_ABSTIME on CLOCK_MONOTONIC, 3
 * TIMER_ABSTIME on CLOCK_REALTIME) and check it lasted at least @ns and
 * less than 50 ms more (on CLOCK_MONOTONIC). Prints "WHAT: ok", or
 * FAILED with how it went wrong. Returns 0 when ok, else 1.
 */
static int check_sleep(const char *what, int how, int64_t ns)
{
	struct timespec req = ts_from_ns(ns), at;
	int64_t start = now_ns(CLOCK_MONOTONIC), took;
	int r;

	switch (how) {
	case 0:
		r = nanosleep(&req, NULL);
		break;
	case 1:
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
		break;
	case 2:
		at = ts_from_ns(start + ns);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
		break;
	default:
		at = ts_from_ns(now_ns(CLOCK_REALTIME) + ns);
		r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL);
		break;
	}
	took = now_ns(CLOCK_MONOTONIC) - start;
	if (r != 0)
		printf("%s: FAILED (returned %d)\n", what, r);
	else if (took < ns)
		printf("%s: FAILED (woke %lld us early)\n", what, (long long)(ns - took) / 1000);
	else if (took >= ns + 50 * MS)
		printf("%s: FAILED (woke %lld ms late)\n", what, (long long)(took - ns) / MS);
	else
		printf("%s: ok\n", what);
	return r != 0 || took < ns || took >= ns + 50 * MS;
}

int main(void)
{
	struct itimerval it = {{0, 20000}, {0, 20000}}, old, zero = {{0, 0}, {0, 0}};
	struct itimerspec its, got;
	struct sigevent sev;
	timer_t tm;
	int64_t start, took;
	int bad = 0, fd, ok;
	uint64_t v;

	main_thread = pthread_self();

	/* alarm. */
	install(SIGALRM, on_alrm, 0);
	bad += check("alarm(5) with no alarm set returns 0", alarm(5) == 0);
	bad += check("alarm(0) cancels it, returns 5 (seconds left, rounded)", alarm(0) == 5);
	bad += check("alarm(0) again returns 0", alarm(0) == 0);
	block(SIGALRM, SIG_BLOCK);
	start = now_ns(CLOCK_MONOTONIC);
	alarm(1);
	suspend_until(&alrm_hits, 1);
	took = now_ns(CLOCK_MONOTONIC) - start;
	bad += check("alarm(1): SIGALRM reaches the handler once", alrm_hits == 1);
	bad += check("... not before 1 s", took >= 1000 * MS);
	bad += check("... and within 1.5 s", took < 1500 * MS);

	/* setitimer, 5 ticks of 20 ms. */
	alrm_hits = 0;
	start = now_ns(CLOCK_MONOTONIC);
	bad +=
	    check("setitimer ITIMER_REAL 20 ms periodic", setitimer(ITIMER_REAL, &it, NULL) == 0);
	bad += check("getitimer: the interval, and a value within it",
	             getitimer(ITIMER_REAL, &old) == 0 && tv_ns(old.it_interval) == 20 * MS &&
	                 tv_ns(old.it_value) > 0 && tv_ns(old.it_value) <= 20 * MS);
	suspend_until(&alrm_hits, 5);
	took = now_ns(CLOCK_MONOTONIC) - start;
	bad += check("5 ticks, not before 100 ms", alrm_hits == 5 && took >= 100 * MS);
	bad += check("setitimer zero stops it, returning the old interval",
	             setitimer(ITIMER_REAL, &zero, &old) == 0 && tv_ns(old.it_interval) == 20 * MS);
	{
		sigset_t s;
		struct timespec no_wait = {0, 0};

		sigemptyset(&s);
		sigaddset(&s, SIGALRM);
		sigtimedwait(&s, NULL, &no_wait); /* a tick that came before the stop */
		sleep_ms(60);
		sigpending(&s);
		bad +=
		    check("... no tick after it", sigismember(&s, SIGALRM) == 0 && alrm_hits == 5);
	}
	bad += check("getitimer after the stop: zero", getitimer(ITIMER_REAL, &old) == 0 &&
	                                                   tv_ns(old.it_value) == 0 &&
	                                                   tv_ns(old.it_interval) == 0);
	block(SIGALRM, SIG_UNBLOCK);

	/* POSIX timers, SIGEV_SIGNAL. */
	install(SIGUSR1, on_usr1, 1);
	block(SIGUSR1, SIG_BLOCK);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 1234;
	bad += check("timer_create CLOCK_MONOTONIC SIGEV_SIGNAL",
	             timer_create(CLOCK_MONOTONIC, &sev, &tm) == 0);
	memset(&its, 0, sizeof(its));
	its.it_value = ts_from_ns(30 * MS);
	start = now_ns(CLOCK_MONOTONIC);
	bad += check("timer_settime 30 ms one-shot", timer_settime(tm, 0, &its, NULL) == 0);
	bad += check("timer_gettime: counting down from 30 ms, no interval",
	             timer_gettime(tm, &got) == 0 && ts_ns(got.it_value) > 0 &&
	                 ts_ns(got.it_value) <= 30 * MS && ts_ns(got.it_interval) == 0);
	suspend_until(&usr1_hits, 1);
	took = now_ns(CLOCK_MONOTONIC) - start;
	bad += check("the timer's signal: SI_TIMER with the sigev value",
	             usr1_hits == 1 && usr1_code == SI_TIMER && usr1_value == 1234);
	bad += check("... not before 30 ms", took >= 30 * MS);
	bad += check("timer_gettime after it fired: zero",
	             timer_gettime(tm, &got) == 0 && ts_ns(got.it_value) == 0);

	its.it_value = ts_from_ns(10 * MS);
	its.it_interval = ts_from_ns(10 * MS);
	usr1_hits = 0;
	timer_settime(tm, 0, &its, NULL);
	sleep_ms(60); /* SIGUSR1 stays blocked: expirations pile up as overruns */
	suspend_until(&usr1_hits, 1);
	ok = timer_getoverrun(tm);
	bad += check("periodic 10 ms, blocked for 60 ms: at least 3 overruns", ok >= 3);
	bad += check("timer_getoverrun agrees with si_overrun", ok == usr1_overrun);
	memset(&its, 0, sizeof(its));
	bad += check("timer_settime zero disarms",
	             timer_settime(tm, 0, &its, &got) == 0 && ts_ns(got.it_interval) == 10 * MS);
	{
		/* Drop an expiration queued before the disarm (whether a
		 * deleted timer's pending signal is still delivered differs
		 * between Linux versions). */
		sigset_t s;
		struct timespec no_wait = {0, 0};

		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		while (sigtimedwait(&s, NULL, &no_wait) == SIGUSR1)
			;
	}
	its.it_value.tv_nsec = 1000000000;
	bad += check_sys("timer_settime tv_nsec 1e9", timer_settime(tm, 0, &its, NULL), EINVAL);
	bad += check("timer_delete", timer_delete(tm) == 0);
	bad += check_sys("timer_gettime of the deleted timer", timer_gettime(tm, &got), EINVAL);

	sev.sigev_value.sival_int = 99;
	usr1_hits = 0;
	timer_create(CLOCK_REALTIME, &sev, &tm);
	memset(&its, 0, sizeof(its));
	its.it_value = ts_in(CLOCK_REALTIME, 20);
	bad += check("timer_settime TIMER_ABSTIME on CLOCK_REALTIME",
	             timer_settime(tm, TIMER_ABSTIME, &its, NULL) == 0);
	suspend_until(&usr1_hits, 1);
	bad += check("... fires, not before that time on CLOCK_REALTIME",
	             now_ns(CLOCK_REALTIME) >= ts_ns(its.it_value));
	bad += check("... with its own sigev value", usr1_value == 99);
	timer_delete(tm);
	block(SIGUSR1, SIG_UNBLOCK);

	sev.sigev_notify = SIGEV_NONE;
	usr1_hits = 0;
	timer_create(CLOCK_MONOTONIC, &sev, &tm);
	its.it_value = ts_from_ns(20 * MS);
	timer_settime(tm, 0, &its, NULL);
	bad += check("SIGEV_NONE: timer_gettime counts down", timer_gettime(tm, &got) == 0 &&
	                                                          ts_ns(got.it_value) > 0 &&
	                                                          ts_ns(got.it_value) <= 20 * MS);
	sleep_ms(40);
	bad += check("... and sends nothing",
	             timer_gettime(tm, &got) == 0 && ts_ns(got.it_value) == 0 && usr1_hits == 0);
	timer_delete(tm);

	/* SIGEV_THREAD_ID, raw. */
	{
		struct ksigevent kev;
		pthread_t t;
		int kid = -1;

		install(SIGUSR2, on_usr2, 1);
		pthread_create(&t, NULL, target, NULL);
		wait_until(&target_ready, 60000);
		memset(&kev, 0, sizeof(kev));
		kev.signo = SIGUSR2;
		kev.notify = K_SIGEV_THREAD_ID;
		kev.tid = 0x3fffffff; /* above PID_MAX_LIMIT: nobody */
		bad += check_sys("SIGEV_THREAD_ID, a tid outside the process",
		                 syscall(SYS_timer_create, CLOCK_MONOTONIC, &kev, &kid), EINVAL);
		kev.tid = target_tid;
		bad += check("SIGEV_THREAD_ID timer_create for the other thread",
		             syscall(SYS_timer_create, CLOCK_MONOTONIC, &kev, &kid) == 0);
		memset(&its, 0, sizeof(its));
		its.it_value = ts_from_ns(20 * MS);
		bad += check("... timer_settime 20 ms",
		             syscall(SYS_timer_settime, kid, 0, &its, NULL) == 0);
		pthread_join(t, NULL);
		bad += check("... the handler ran in that thread",
		             target_got == 1 && usr2_tid == target_tid && usr2_code == SI_TIMER);
		bad += check("... not in main", tls_usr2 == 0);
		bad += check("... timer_delete", syscall(SYS_timer_delete, kid) == 0);
	}

	/* timerfd. */
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	bad += check("timerfd_create CLOCK_MONOTONIC", fd >= 0);
	bad += check("timerfd_gettime, disarmed: zero",
	             timerfd_gettime(fd, &got) == 0 && ts_ns(got.it_value) == 0);
	its.it_value = ts_from_ns(10 * MS);
	its.it_interval = ts_from_ns(10 * MS);
	bad += check("timerfd_settime 10 ms periodic", timerfd_settime(fd, 0, &its, NULL) == 0);
	bad += check("timerfd_gettime: the interval, a value within it",
	             timerfd_gettime(fd, &got) == 0 && ts_ns(got.it_interval) == 10 * MS &&
	                 ts_ns(got.it_value) > 0 && ts_ns(got.it_value) <= 10 * MS);
	v = 0;
	bad += check("blocking read: 8 bytes, at least one expiration",
	             read(fd, &v, sizeof(v)) == 8 && v >= 1);
	sleep_ms(55);
	v = 0;
	bad += check("after 55 ms unread: at least 5 expirations",
	             read(fd, &v, sizeof(v)) == 8 && v >= 5);
	bad += check_sys("read into 4 bytes", read(fd, &ok, 4), EINVAL);
	memset(&its, 0, sizeof(its));
	bad += check("timerfd_settime zero disarms, returning the old interval",
	             timerfd_settime(fd, 0, &its, &got) == 0 && ts_ns(got.it_interval) == 10 * MS);
	bad += check_sys("timerfd_settime with unknown flags",
	                 timerfd_settime(fd, 0x100, &its, NULL), EINVAL);
	close(fd);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	bad += check_sys("TFD_NONBLOCK read, not expired", read(fd, &v, sizeof(v)), EAGAIN);
	close(fd);
	bad += check_sys("timerfd_create with a bad clock", timerfd_create(12345, 0), EINVAL);
	fd = timerfd_create(CLOCK_REALTIME, 0);
	its.it_value = ts_in(CLOCK_REALTIME, 20);
	bad += check("timerfd_settime TFD_TIMER_ABSTIME on CLOCK_REALTIME",
	             timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0);
	v = 0;
	bad += check("... a blocking read returns 1 at that time",
	             read(fd, &v, sizeof(v)) == 8 && v == 1 &&
	                 now_ns(CLOCK_REALTIME) >= ts_ns(its.it_value));
	close(fd);

	/* eventfd. */
	fd = eventfd(3, 0);
	v = 0;
	bad += check("eventfd(3): read gives 3", read(fd, &v, 8) == 8 && v == 3);
	v = 5;
	ok = write(fd, &v, 8) == 8;
	v = 2;
	ok &= write(fd, &v, 8) == 8;
	v = 0;
	bad +=
	    check("writes of 5 and 2 add up: read gives 7", ok && read(fd, &v, 8) == 8 && v == 7);
	bad += check_sys("read into 4 bytes", read(fd, &ok, 4), EINVAL);
	v = ~0ull;
	bad += check_sys("write 2^64-1", write(fd, &v, 8), EINVAL);
	close(fd);
	fd = eventfd(0, EFD_NONBLOCK);
	bad += check_sys("EFD_NONBLOCK read at 0", read(fd, &v, 8), EAGAIN);
	v = ~0ull - 1;
	write(fd, &v, 8);
	v = 1;
	bad += check_sys("EFD_NONBLOCK write past the maximum", write(fd, &v, 8), EAGAIN);
	close(fd);
	fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	ok = 1;
	for (int i = 0; i < 3; i++) {
		v = 0;
		ok &= read(fd, &v, 8) == 8 && v == 1;
	}
	bad += check("EFD_SEMAPHORE: three reads of 1", ok);
	bad += check_sys("... then EAGAIN", read(fd, &v, 8), EAGAIN);
	close(fd);
	{
		pthread_t t;

		efd_blocking = eventfd(0, 0);
		pthread_create(&t, NULL, late_writer, NULL);
		v = 0;
		bad += check("a blocking read is woken by another thread's write",
		             read(efd_blocking, &v, 8) == 8 && v == 42);
		pthread_join(t, NULL);
		close(efd_blocking);
	}

	/* Sleeps. */
	bad += check_sleep("nanosleep 100 us", 0, 100000);
	bad += check_sleep("nanosleep 1.3 ms", 0, 1300000);
	bad += check_sleep("nanosleep 20 ms", 0, 20 * MS);
	bad += check_sleep("clock_nanosleep CLOCK_MONOTONIC 100 us", 1, 100000);
	bad += check_sleep("clock_nanosleep CLOCK_MONOTONIC 2.5 ms", 1, 2500000);
	bad += check_sleep("clock_nanosleep CLOCK_MONOTONIC TIMER_ABSTIME +300 us", 2, 300000);
	bad += check_sleep("clock_nanosleep CLOCK_MONOTONIC TIMER_ABSTIME +20 ms", 2, 20 * MS);
	bad += check_sleep("clock_nanosleep CLOCK_REALTIME TIMER_ABSTIME +2 ms", 3, 2 * MS);

	/* Interrupted sleeps. */
	install(SIGUSR1, on_usr1, 1);
	{
		pthread_t t;
		struct timespec req = {5, 0}, rem = {0, 0}, at;
		int r;

		kick_stop = 0;
		pthread_create(&t, NULL, kicker, NULL);
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
		bad += check_ret("clock_nanosleep 5 s interrupted", r, EINTR);
		bad += check("... the time left, 0 < rem <= 5 s (+1 ms)",
		             ts_ns(rem) > 0 && ts_ns(rem) <= 5000 * MS + MS);
		rem.tv_sec = 77;
		at = ts_in(CLOCK_MONOTONIC, 5000);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, &rem);
		kick_stop = 1;
		pthread_join(t, NULL);
		bad += check_ret("clock_nanosleep TIMER_ABSTIME interrupted", r, EINTR);
		bad += check("... rem untouched", rem.tv_sec == 77);
	}
	return bad;
}
