/*
 * timeit - run a command N times and report its wall-clock time, end to
 * end, as the user sees it: from just before fork(2) to waitpid(2)
 * returning, on CLOCK_MONOTONIC.
 *
 * Usage: timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] CMD [ARGS...]
 *   -n RUNS       timed runs (default 20)
 *   -w WARMUP     untimed runs first, to warm the page cache (default 2)
 *   -t TIMEOUT_S  kill a run with SIGKILL after this many seconds (default 60)
 *
 * Each run gets stdin from /dev/null and stdout to /dev/null; stderr is
 * inherited. On success prints one line on stdout:
 *   "MEDIAN_MS MIN_MS P90_MS RUNS"
 * Exit status: 0 when every run exited 0; 1 when a run failed or timed out
 * (one line on stderr says which and how); 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX 10000
/* For messages: "run N" or "warm-up N". */
#define RUN_NAME(nr) ((nr) < 0 ? "warm-up" : "run"), ((nr) < 0 ? -(nr) : (nr))

struct opts {
	int runs;
	int warmup;
	int timeout_s;
	char **argv; /* the command, NULL-terminated */
};

/* now_ns - CLOCK_MONOTONIC in nanoseconds. clock_gettime(2). */
static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * child_exec - in the child: redirect stdin and stdout to /dev/null and
 * execvp(3) argv. Never returns; exits 127 if the command cannot be run.
 */
static void child_exec(char **argv)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	if (fd > 1)
		close(fd);
	execvp(argv[0], argv);
	fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * wait_timeout - wait for child `pid` at most `timeout_s` seconds (using a
 * pidfd, pidfd_open(2)), then SIGKILL it. Falls back to an unbounded wait
 * where pidfds are missing. Returns the wait status, or -1 on error.
 */
static int wait_timeout(pid_t pid, int timeout_s)
{
	int status, pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pfd >= 0) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int n;

		do
			n = poll(&p, 1, timeout_s * 1000);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			kill(pid, SIGKILL);
		close(pfd);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/*
 * run_once - run the command once (run number nr, counted from 1; negative
 * for a warm-up run); store its duration in *ns.
 * Returns 0 if it exited 0, otherwise prints why on stderr and returns -1.
 */
static int run_once(const struct opts *o, int nr, long long *ns)
{
	long long t0 = now_ns();
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		perror("timeit: fork");
		return -1;
	}
	if (pid == 0)
		child_exec(o->argv);
	status = wait_timeout(pid, o->timeout_s);
	*ns = now_ns() - t0;
	if (status == -1)
		perror("timeit: waitpid");
	else if (WIFSIGNALED(status))
		fprintf(stderr, "timeit: %s %d: %s killed by signal %d%s\n", RUN_NAME(nr),
		        o->argv[0], WTERMSIG(status),
		        WTERMSIG(status) == SIGKILL ? " (timeout?)" : "");
	else if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "timeit: %s %d: %s exited with status %d\n", RUN_NAME(nr),
		        o->argv[0], WEXITSTATUS(status));
	else
		return 0;
	return -1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* ms - nanoseconds to milliseconds. */
static double ms(long long ns)
{
	return ns / 1e6;
}

/* report - print "MEDIAN MIN P90 RUNS" (ms) for the n sorted samples t[]. */
static void report(const long long *t, int n)
{
	double median = n % 2 ? ms(t[n / 2]) : (ms(t[n / 2 - 1]) + ms(t[n / 2])) / 2;
	int p90 = (9 * n + 9) / 10 - 1; /* nearest rank: ceil(0.9 n) - 1 */

	printf("%.3f %.3f %.3f %d\n", median, ms(t[0]), ms(t[p90]), n);
}

static int usage(void)
{
	fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] CMD [ARGS...]\n");
	return 2;
}

/* parse_int - parse a decimal in [lo, hi] into *v; returns 0 or -1. */
static int parse_int(const char *s, int lo, int hi, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < lo || n > hi)
		return -1;
	*v = (int)n;
	return 0;
}

/* parse_args - fill *o from the command line; returns 0 or -1. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c, bad = 0;

	*o = (struct opts){.runs = 20, .warmup = 2, .timeout_s = 60};
	while ((c = getopt(argc, argv, "+n:w:t:")) != -1) {
		if (c == 'n')
			bad |= parse_int(optarg, 1, RUNS_MAX, &o->runs);
		else if (c == 'w')
			bad |= parse_int(optarg, 0, RUNS_MAX, &o->warmup);
		else if (c == 't')
			bad |= parse_int(optarg, 1, 86400, &o->timeout_s);
		else
			bad = -1;
	}
	if (bad || optind >= argc)
		return -1;
	o->argv = argv + optind;
	return 0;
}

int main(int argc, char **argv)
{
	static long long t[RUNS_MAX];
	struct opts o;
	long long ignored;
	int i;

	if (parse_args(argc, argv, &o) < 0)
		return usage();
	for (i = 0; i < o.warmup; i++)
		if (run_once(&o, -(i + 1), &ignored) < 0)
			return 1;
	for (i = 0; i < o.runs; i++)
		if (run_once(&o, i + 1, &t[i]) < 0)
			return 1;
	qsort(t, o.runs, sizeof(t[0]), cmp_ll);
	report(t, o.runs);
	return 0;
}
