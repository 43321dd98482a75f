/* The system-call handlers (kernel/sys_*.c, kernel/signal.c), registered in
 * kernel/syscall_table.c. Each follows its Linux man page. */
#ifndef BOTHY_SYS_H
#define BOTHY_SYS_H
#include <syscall.h>

/* Copy a C string into a fixed-size kernel array, always terminated. */
#define strncpy_kernel(dst, src) snprintf((dst), sizeof(dst), "%s", (src))
/* The last component of proc_exe_path. */
const char *proc_exe_basename(void);

long sys_read(long fd, long buf, long len);
long sys_write(long fd, long buf, long len);
long sys_readv(long fd, long iov, long cnt);
long sys_writev(long fd, long iov, long cnt);
long sys_close(long fd);
long sys_ioctl(long fd, long cmd, long arg);
long sys_fstat(long fd, long ubuf);
long sys_newfstatat(long dirfd, long upath, long ubuf, long flags);
long sys_lseek(long fd, long off, long whence);
long sys_fcntl(long fd, long cmd, long arg);
long sys_open(long upath, long flags, long mode);
long sys_openat(long dirfd, long upath, long flags, long mode);
long sys_access(long upath, long mode);
long sys_readlink(long upath, long ubuf, long size);
long sys_readlinkat(long dirfd, long upath, long ubuf, long size);

long sys_brk(long brk);
long sys_mmap(long addr, long len, long prot, long flags, long fd, long off);
long sys_munmap(long addr, long len);
long sys_mprotect(long addr, long len, long prot);
long sys_madvise(long addr, long len, long advice);

long sys_clock_gettime(long clk, long uts);
long sys_clock_getres(long clk, long uts);
long sys_gettimeofday(long utv, long utz);
long sys_time(long ut);
long sys_nanosleep(long ureq, long urem);
long sys_clock_nanosleep(long clk, long flags, long ureq, long urem);

long sys_exit(long status);
long sys_exit_group(long status);
long sys_getpid(void);
long sys_getppid(void);
long sys_getuid(void);
long sys_set_tid_address(long tidptr);
long sys_set_robust_list(long head, long len);
long sys_rseq(void);
long sys_uname(long ubuf);
long sys_prlimit64(long pid, long res, long unew, long uold);
long sys_getrlimit(long res, long uold);
long sys_setrlimit(long res, long unew);
long sys_sysinfo(long ubuf);
long sys_sched_getaffinity(long pid, long len, long umask);
long sys_sched_yield(void);
long sys_arch_prctl(long code, long addr);
long sys_prctl(long op, long arg2);
long sys_getrandom(long ubuf, long len, long flags);

long sys_rt_sigaction(long sig, long uact, long uold, long size);
long sys_rt_sigprocmask(long how, long uset, long uold, long size);
long sys_sigaltstack(long uss, long uold);
long sys_kill(long pid, long sig);
long sys_tgkill(long tgid, long tid, long sig);
long sys_tkill(long tid, long sig);

#endif
