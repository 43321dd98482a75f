/*
 * The process: exit, identity, limits, uname, sysinfo, arch_prctl,
 * getrandom. Bothy runs one program as PID 1 of its own machine, as root
 * inside the guest.
 */
#include <arch.h>
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <random.h>
#include <sched.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>

#define PID               1
#define NGROUPS_MAX_BOTHY 256 /* Linux allows 65536; plenty for one program */
static char comm[16];
static struct rlimit64 rlimits[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = {RLIM_INFINITY, RLIM_INFINITY},
    [RLIMIT_FSIZE] = {RLIM_INFINITY, RLIM_INFINITY},
    [RLIMIT_DATA] = {RLIM_INFINITY, RLIM_INFINITY},
    [RLIMIT_STACK] = {USER_STACK_SIZE, RLIM_INFINITY},
    [RLIMIT_CORE] = {0, RLIM_INFINITY},
    [RLIMIT_NPROC] = {1024, 1024},
    [RLIMIT_NOFILE] = {1024, 4096},
    [RLIMIT_AS] = {RLIM_INFINITY, RLIM_INFINITY},
    /* The rest as a Debian machine's defaults: a limit of 0 here would
     * tell GNU sort it may use no memory (it then spills to temp files). */
    [5 /* RLIMIT_RSS */] = {RLIM_INFINITY, RLIM_INFINITY},
    [8 /* RLIMIT_MEMLOCK */] = {8ull << 20, 8ull << 20},
    [10 /* RLIMIT_LOCKS */] = {RLIM_INFINITY, RLIM_INFINITY},
    [11 /* RLIMIT_SIGPENDING */] = {1024, 1024},
    [12 /* RLIMIT_MSGQUEUE */] = {819200, 819200},
    [15 /* RLIMIT_RTTIME */] = {RLIM_INFINITY, RLIM_INFINITY},
};

long sys_exit_group(long status)
{
	proc_exit(status & 0xff);
}

long sys_exit(long status)
{
	sched_thread_exit(status & 0xff); /* the program ends with its last thread */
}

long sys_getpid(void)
{
	return fork_pid();
}

long sys_getppid(void)
{
	return fork_in_child() ? PID : 0;
}

long sys_getuid(void)
{
	return 0;
}

/* getgroups(2)/setgroups(2): root's supplementary groups, none at first. */
static uint32_t groups[NGROUPS_MAX_BOTHY];
static int ngroups;

long sys_getgroups(long size, long ulist)
{
	if ((int)size < 0)
		return -EINVAL;
	if ((int)size == 0)
		return ngroups;
	if ((int)size < ngroups)
		return -EINVAL;
	if (ngroups && copy_to_user(ulist, groups, ngroups * sizeof(groups[0])))
		return -EFAULT;
	return ngroups;
}

long sys_setgroups(long size, long ulist)
{
	uint32_t g[NGROUPS_MAX_BOTHY];

	if ((int)size < 0 || (int)size > NGROUPS_MAX_BOTHY)
		return -EINVAL;
	if (size && copy_from_user(g, ulist, size * sizeof(g[0])))
		return -EFAULT;
	memcpy(groups, g, size * sizeof(g[0]));
	ngroups = (int)size;
	return 0;
}

long sys_rseq(void)
{
	return -ENOSYS; /* glibc and musl carry on without it */
}

long sys_uname(long ubuf)
{
	struct new_utsname u;

	memset(&u, 0, sizeof(u));
	strncpy_kernel(u.sysname, "Linux");
	strncpy_kernel(u.nodename, "bothy");
	strncpy_kernel(u.release, "6.1.0-bothy");
	strncpy_kernel(u.version, "#1 SMP Bothy");
	strncpy_kernel(u.machine, arch_platform());
	strncpy_kernel(u.domainname, "(none)");
	return copy_to_user(ubuf, &u, sizeof(u));
}

long sys_prlimit64(long pid, long res, long unew, long uold)
{
	struct rlimit64 n;

	if (pid && pid != PID)
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	if (uold && copy_to_user(uold, &rlimits[res], sizeof(n)))
		return -EFAULT;
	if (unew) {
		if (copy_from_user(&n, unew, sizeof(n)))
			return -EFAULT;
		if (n.rlim_cur > n.rlim_max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE) { /* the descriptor table's size */
			if (n.rlim_max > FD_MAX)
				return -EPERM;
			fd_limit = (unsigned)n.rlim_cur;
		}
		rlimits[res] = n;
	}
	return 0;
}

long sys_getrlimit(long res, long uold)
{
	return sys_prlimit64(0, res, 0, uold);
}

long sys_setrlimit(long res, long unew)
{
	return sys_prlimit64(0, res, unew, 0);
}

/*
 * getrusage(2) and times(2). The program is alone on its vCPU, so its CPU
 * time is the time since boot (as CLOCK_PROCESS_CPUTIME_ID says), all
 * counted as user time; ru_maxrss is the most memory in use seen at these
 * calls (kernel included), in KiB. Children (fork) are not counted.
 */
static uint64_t maxrss_kib(void)
{
	static uint64_t max;
	uint64_t now = (mm_total_bytes() - mm_free_bytes()) >> 10;

	return max = MAX(max, now);
}

long sys_getrusage(long who, long uru)
{
	struct rusage ru;
	uint64_t ns = time_monotonic_ns();

	who = (int)who; /* an int in Linux; glibc passes it zero-extended */
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN) {
		ru.ru_utime.tv_sec = ns / 1000000000;
		ru.ru_utime.tv_usec = ns % 1000000000 / 1000;
		ru.ru_maxrss = maxrss_kib();
	}
	return copy_to_user(uru, &ru, sizeof(ru));
}

long sys_times(long utms)
{
	int64_t ticks = time_monotonic_ns() / (1000000000 / USER_HZ);
	struct tms t = {ticks, 0, 0, 0};

	if (utms && copy_to_user(utms, &t, sizeof(t)))
		return -EFAULT;
	return ticks;
}

long sys_sysinfo(long ubuf)
{
	struct sysinfo si;

	memset(&si, 0, sizeof(si));
	si.uptime = time_monotonic_ns() / 1000000000;
	si.totalram = mm_total_bytes();
	si.freeram = mm_free_bytes();
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user(ubuf, &si, sizeof(si));
}

long sys_arch_prctl(long code, long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if ((uint64_t)addr >= 0x0000800000000000ull)
			return -EPERM;
		arch_set_tls(addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &current->arch.fs_base, sizeof(uint64_t));
	default:
		return -EINVAL;
	}
}

long sys_prctl(long op, long arg2)
{
	static long dumpable = 1, no_new_privs;

	switch (op) {
	case PR_CAPBSET_READ: /* root with every capability */
		return arg2 >= 0 && arg2 <= CAP_LAST_CAP ? 1 : -EINVAL;
	case PR_GET_DUMPABLE:
		return dumpable;
	case PR_SET_DUMPABLE:
		if (arg2 != 0 && arg2 != 1)
			return -EINVAL;
		dumpable = arg2;
		return 0;
	case PR_SET_PDEATHSIG: /* PID 1 has no parent to lose */
		return arg2 >= 0 && arg2 <= 64 ? 0 : -EINVAL;
	case PR_GET_PDEATHSIG: {
		int zero = 0;
		return copy_to_user(arg2, &zero, sizeof(zero));
	}
	case PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1)
			return -EINVAL;
		no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return no_new_privs;
	case PR_SET_NAME: {
		long n = strncpy_from_user(comm, arg2, sizeof(comm));
		if (n == -ENAMETOOLONG)
			comm[sizeof(comm) - 1] = 0;
		return n == -EFAULT ? -EFAULT : 0;
	}
	case PR_GET_NAME:
		if (!comm[0])
			strncpy_kernel(comm, proc_exe_basename());
		return copy_to_user(arg2, comm, sizeof(comm));
	default:
		return -EINVAL;
	}
}

long sys_getrandom(long ubuf, long len, long flags)
{
	uint8_t tmp[256];
	long done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (len < 0)
		return -EINVAL;
	len = MIN(len, 33554431); /* Linux's cap per call */
	while (done < len) {
		size_t n = MIN((size_t)(len - done), sizeof(tmp));
		random_bytes(tmp, n);
		if (copy_to_user(ubuf + done, tmp, n))
			return done ? done : -EFAULT;
		done += n;
	}
	return done;
}
