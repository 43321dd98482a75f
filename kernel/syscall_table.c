/*
 * The system-call table, indexed by the architecture's Linux numbers
 * (<asm/unistd_64.h>, generated into build/gen). One line per call: a
 * call not listed here returns -ENOSYS and is logged once.
 */
#include <syscall_nr.h>
#include <sys.h>

#define SC(name, fn) [__NR_##name] = (syscall_fn)(void (*)(void))(fn)

const syscall_fn syscall_table[] = {
    SC(read, sys_read),
    SC(write, sys_write),
    SC(readv, sys_readv),
    SC(writev, sys_writev),
    SC(close, sys_close),
    SC(ioctl, sys_ioctl),
    SC(fstat, sys_fstat),
    SC(newfstatat, sys_newfstatat),
    SC(lseek, sys_lseek),
    SC(fcntl, sys_fcntl),
    SC(open, sys_open),
    SC(openat, sys_openat),
    SC(access, sys_access),
    SC(readlink, sys_readlink),
    SC(readlinkat, sys_readlinkat),
    SC(brk, sys_brk),
    SC(mmap, sys_mmap),
    SC(munmap, sys_munmap),
    SC(mprotect, sys_mprotect),
    SC(madvise, sys_madvise),
    SC(clock_gettime, sys_clock_gettime),
    SC(clock_getres, sys_clock_getres),
    SC(gettimeofday, sys_gettimeofday),
    SC(time, sys_time),
    SC(nanosleep, sys_nanosleep),
    SC(clock_nanosleep, sys_clock_nanosleep),
    SC(exit, sys_exit),
    SC(exit_group, sys_exit_group),
    SC(getpid, sys_getpid),
    SC(gettid, sys_getpid),
    SC(getppid, sys_getppid),
    SC(getuid, sys_getuid),
    SC(geteuid, sys_getuid),
    SC(getgid, sys_getuid),
    SC(getegid, sys_getuid),
    SC(set_tid_address, sys_set_tid_address),
    SC(set_robust_list, sys_set_robust_list),
    SC(rseq, sys_rseq),
    SC(uname, sys_uname),
    SC(prlimit64, sys_prlimit64),
    SC(getrlimit, sys_getrlimit),
    SC(setrlimit, sys_setrlimit),
    SC(sysinfo, sys_sysinfo),
    SC(sched_getaffinity, sys_sched_getaffinity),
    SC(sched_yield, sys_sched_yield),
    SC(arch_prctl, sys_arch_prctl),
    SC(prctl, sys_prctl),
    SC(getrandom, sys_getrandom),
    SC(rt_sigaction, sys_rt_sigaction),
    SC(rt_sigprocmask, sys_rt_sigprocmask),
    SC(sigaltstack, sys_sigaltstack),
    SC(kill, sys_kill),
    SC(tgkill, sys_tgkill),
    SC(tkill, sys_tkill),
};

const unsigned long syscall_table_size = sizeof(syscall_table) / sizeof(syscall_table[0]);
