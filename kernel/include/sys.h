/* The system-call handlers (kernel/sys_*.c, kernel/signal.c), registered in
 * kernel/syscall_table.c. Each follows its Linux man page. */
#ifndef BOTHY_SYS_H
#define BOTHY_SYS_H
#include <syscall.h>

/* Copy a C string into a fixed-size kernel array, always terminated. */
#define strncpy_kernel(dst, src) snprintf((dst), sizeof(dst), "%s", (src))
/* The last component of proc_exe_path. */
const char *proc_exe_basename(void);

/* kernel/sys_fs.c */
long sys_read(long fd, long buf, long len);
long sys_write(long fd, long buf, long len);
long sys_readv(long fd, long iov, long cnt);
long sys_writev(long fd, long iov, long cnt);
long sys_pread64(long fd, long buf, long len, long off);
long sys_pwrite64(long fd, long buf, long len, long off);
long sys_preadv(long fd, long iov, long cnt, long off);
long sys_pwritev(long fd, long iov, long cnt, long off);
long sys_close(long fd);
long sys_close_range(long first, long last, long flags);
long sys_ioctl(long fd, long cmd, long arg);
long sys_fstat(long fd, long ubuf);
long sys_stat(long upath, long ubuf);
long sys_lstat(long upath, long ubuf);
long sys_newfstatat(long dirfd, long upath, long ubuf, long flags);
long sys_statx(long dirfd, long upath, long flags, long mask, long ubuf);
long sys_lseek(long fd, long off, long whence);
long sys_fcntl(long fd, long cmd, long arg);
long sys_flock(long fd, long op);
long sys_open(long upath, long flags, long mode);
long sys_openat(long dirfd, long upath, long flags, long mode);
long sys_creat(long upath, long mode);
long sys_access(long upath, long mode);
long sys_faccessat(long dirfd, long upath, long mode);
long sys_faccessat2(long dirfd, long upath, long mode, long flags);
long sys_readlink(long upath, long ubuf, long size);
long sys_readlinkat(long dirfd, long upath, long ubuf, long size);
long sys_getdents64(long fd, long ubuf, long len);
long sys_mknod(long upath, long mode, long dev);
long sys_mknodat(long dirfd, long upath, long mode, long dev);
long sys_mkdir(long upath, long mode);
long sys_mkdirat(long dirfd, long upath, long mode);
long sys_rmdir(long upath);
long sys_unlink(long upath);
long sys_unlinkat(long dirfd, long upath, long flags);
long sys_rename(long uold, long unew);
long sys_renameat(long olddirfd, long uold, long newdirfd, long unew);
long sys_renameat2(long olddirfd, long uold, long newdirfd, long unew, long flags);
long sys_link(long uold, long unew);
long sys_linkat(long olddirfd, long uold, long newdirfd, long unew, long flags);
long sys_symlink(long utarget, long upath);
long sys_symlinkat(long utarget, long dirfd, long upath);
long sys_truncate(long upath, long len);
long sys_ftruncate(long fd, long len);
long sys_fallocate(long fd, long mode, long off, long len);
long sys_fsync(long fd);
long sys_fdatasync(long fd);
long sys_sync(void);
long sys_syncfs(long fd);
long sys_chmod(long upath, long mode);
long sys_fchmod(long fd, long mode);
long sys_fchmodat(long dirfd, long upath, long mode);
long sys_chown(long upath, long uid, long gid);
long sys_fchown(long fd, long uid, long gid);
long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags);
long sys_lchown(long upath, long uid, long gid);
long sys_utimensat(long dirfd, long upath, long utimes, long flags);
long sys_statfs(long upath, long ubuf);
long sys_fstatfs(long fd, long ubuf);
long sys_fadvise64(long fd, long off, long len, long advice);
long sys_dup(long fd);
long sys_dup2(long oldfd, long newfd);
long sys_dup3(long oldfd, long newfd, long flags);
long sys_chdir(long upath);
long sys_fchdir(long fd);
long sys_getcwd(long ubuf, long size);
long sys_umask(long mask);
long sys_pipe(long ufds);
long sys_pipe2(long ufds, long flags);
long sys_sendfile(long outfd, long infd, long uoff, long count);
long sys_copy_file_range(long infd, long uinoff, long outfd, long uoutoff, long len, long flags);
long sys_splice(long infd, long uinoff, long outfd, long uoutoff, long len, long flags);

long sys_brk(long brk);
long sys_mmap(long addr, long len, long prot, long flags, long fd, long off);
long sys_munmap(long addr, long len);
long sys_mremap(long addr, long old_len, long new_len, long flags, long new_addr);
long sys_mprotect(long addr, long len, long prot);
long sys_madvise(long addr, long len, long advice);
long sys_msync(long addr, long len, long flags);
long sys_mincore(long addr, long len, long uvec);

long sys_clock_gettime(long clk, long uts);
long sys_clock_getres(long clk, long uts);
long sys_gettimeofday(long utv, long utz);
long sys_time(long ut);
long sys_nanosleep(long ureq, long urem);
long sys_futex(long uaddr, long op, long val, long utime, long uaddr2, long val3);
long sys_clock_nanosleep(long clk, long flags, long ureq, long urem);

/* kernel/fork.c */
long sys_clone(long flags, long newsp, long ptid, long ctid, long tls);
long sys_clone3(long uargs, long size);
long sys_fork(void);
long sys_vfork(void);
long sys_wait4(long pid, long ustatus, long options, long urusage);

long sys_exit(long status);
long sys_exit_group(long status);
long sys_getpid(void);
long sys_getppid(void);
long sys_getuid(void);
long sys_set_tid_address(long tidptr);
long sys_set_robust_list(long head, long len);
long sys_get_robust_list(long pid, long uhead, long ulen);
long sys_gettid(void);
long sys_getcpu(long ucpu, long unode);
long sys_sched_setaffinity(long pid, long len, long umask);
long sys_pause(void);
/* clock_cpu_valid - a CPU-time clock id of a live process or thread? 0 or
 * -EINVAL (kernel/sys_time.c). */
int clock_cpu_valid(long clk);
/* Scheduling policies (kernel/sched.c): recorded, not enforced. */
long sys_sched_setscheduler(long pid, long policy, long uparam);
long sys_sched_getscheduler(long pid);
long sys_sched_setparam(long pid, long uparam);
long sys_sched_getparam(long pid, long uparam);
long sys_sched_get_priority_max(long policy);
long sys_sched_get_priority_min(long policy);
long sys_sched_rr_get_interval(long pid, long uts);
long sys_rt_sigqueueinfo(long tgid, long sig, long uinfo);
long sys_rt_tgsigqueueinfo(long tgid, long tid, long sig, long uinfo);
/* kernel/timer.c: alarm(2), setitimer(2), timer_create(2), timerfd_create(2), eventfd(2). */
long sys_alarm(long seconds);
long sys_setitimer(long which, long unew, long uold);
long sys_getitimer(long which, long ucur);
long sys_timer_create(long clk, long usev, long uid);
long sys_timer_settime(long id, long flags, long unew, long uold);
long sys_timer_gettime(long id, long ucur);
long sys_timer_getoverrun(long id);
long sys_timer_delete(long id);
long sys_timerfd_create(long clk, long flags);
long sys_timerfd_settime(long fd, long flags, long unew, long uold);
long sys_timerfd_gettime(long fd, long ucur);
long sys_eventfd(long count);
long sys_eventfd2(long count, long flags);
/* kernel/fs/poll.c */
long sys_poll(long ufds, long nfds, long timeout_ms);
long sys_ppoll(long ufds, long nfds, long uts, long usig, long size);
long sys_select(long n, long urd, long uwr, long uex, long utv);
long sys_pselect6(long n, long urd, long uwr, long uex, long uts, long usig);
/* kernel/fs/eventpoll.c: epoll(7) */
long sys_epoll_create(long size);
long sys_epoll_create1(long flags);
long sys_epoll_ctl(long epfd, long op, long fd, long uev);
long sys_epoll_wait(long epfd, long uev, long maxevents, long timeout);
long sys_epoll_pwait(long epfd, long uev, long maxevents, long timeout, long usig, long size);
long sys_epoll_pwait2(long epfd, long uev, long maxevents, long uts, long usig, long size);
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

/* kernel/net/socket.c: the socket system calls (socket(2) ...). */
long sys_socket(long family, long type, long protocol);
long sys_socketpair(long family, long type, long protocol, long usv);
long sys_bind(long fd, long uaddr, long len);
long sys_connect(long fd, long uaddr, long len);
long sys_listen(long fd, long backlog);
long sys_accept(long fd, long uaddr, long ulen);
long sys_accept4(long fd, long uaddr, long ulen, long flags);
long sys_getsockname(long fd, long uaddr, long ulen);
long sys_getpeername(long fd, long uaddr, long ulen);
long sys_sendto(long fd, long ubuf, long len, long flags, long uaddr, long alen);
long sys_recvfrom(long fd, long ubuf, long len, long flags, long uaddr, long ulen);
long sys_sendmsg(long fd, long umsg, long flags);
long sys_recvmsg(long fd, long umsg, long flags);
long sys_sendmmsg(long fd, long umm, long vlen, long flags);
long sys_recvmmsg(long fd, long umm, long vlen, long flags, long uts);
long sys_shutdown(long fd, long how);
long sys_setsockopt(long fd, long level, long name, long optval, long optlen);
long sys_getsockopt(long fd, long level, long name, long optval, long uoptlen);
long sys_getrusage(long who, long uru);
long sys_times(long utms);

/* Extended attributes (kernel/sys_fs.c): none, as on a file system without them. */
long sys_getxattr(long upath, long uname, long uval, long size);
long sys_lgetxattr(long upath, long uname, long uval, long size);
long sys_fgetxattr(long fd, long uname, long uval, long size);
long sys_listxattr(long upath, long ulist, long size);
long sys_llistxattr(long upath, long ulist, long size);
long sys_flistxattr(long fd, long ulist, long size);
long sys_setxattr(long upath, long uname, long uval, long size, long flags);
long sys_lsetxattr(long upath, long uname, long uval, long size, long flags);
long sys_fsetxattr(long fd, long uname, long uval, long size, long flags);
long sys_removexattr(long upath, long uname);
long sys_lremovexattr(long upath, long uname);
long sys_fremovexattr(long fd, long uname);

long sys_getgroups(long size, long ulist);
long sys_setgroups(long size, long ulist);

/* Signals (kernel/signal.c). */
long sys_rt_sigreturn(void);
long sys_rt_sigpending(long uset, long size);
long sys_rt_sigsuspend(long umask, long size);
long sys_rt_sigtimedwait(long uset, long uinfo, long uts, long size);

#endif
