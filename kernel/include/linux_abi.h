/* Linux user-ABI structures and constants shared by all architectures. */
#ifndef BOTHY_LINUX_ABI_H
#define BOTHY_LINUX_ABI_H
#include <stdint.h>
#include <arch/linux_abi.h>

struct kernel_timespec {
	int64_t tv_sec, tv_nsec;
};
struct kernel_timeval {
	int64_t tv_sec, tv_usec;
};
struct iovec {
	uint64_t iov_base, iov_len;
};
struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
struct rlimit64 {
	uint64_t rlim_cur, rlim_max;
};
struct sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char _f[4];
};
_Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo");
struct winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
struct termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};
_Static_assert(sizeof(struct termios) == 36, "struct termios (TCGETS)");

/* statfs(2): struct statfs (64-bit layout, asm-generic/statfs.h). */
struct kernel_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags;
	int64_t f_spare[4];
};
_Static_assert(sizeof(struct kernel_statfs) == 120, "struct statfs");
#define ST_RDONLY        1
#define RAMFS_MAGIC      0x858458f6
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC      0x62656572
#define TMPFS_MAGIC      0x01021994

/* statx(2) (include/uapi/linux/stat.h). */
struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};
struct statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, __spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t __spare3[12];
};
_Static_assert(sizeof(struct statx) == 256, "struct statx");
#define STATX_BASIC_STATS 0x7ffu

/* getdents64(2) record header; the name follows, NUL-terminated. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* flock/fcntl locks (fcntl(2)). */
struct flock64 {
	int16_t l_type, l_whence;
	int32_t __pad;
	int64_t l_start, l_len;
	int32_t l_pid, __pad2;
};
_Static_assert(sizeof(struct flock64) == 32, "struct flock");
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define TIMER_ABSTIME            1

#define RLIMIT_CPU    0
#define RLIMIT_FSIZE  1
#define RLIMIT_DATA   2
#define RLIMIT_STACK  3
#define RLIMIT_CORE   4
#define RLIMIT_NPROC  6
#define RLIMIT_NOFILE 7
#define RLIMIT_AS     9
#define RLIM_NLIMITS  16
#define RLIM_INFINITY (~0ull)

#define TCGETS     0x5401
#define TIOCGWINSZ 0x5413
#define TIOCGPGRP  0x540f
#define FIONBIO    0x5421
#define FIONREAD   0x541b
#define FIOCLEX    0x5451
#define FIONCLEX   0x5450

#define AT_FDCWD            -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_EACCESS          0x200
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000
#define RENAME_NOREPLACE    1
#define RENAME_EXCHANGE     2
#define RENAME_WHITEOUT     4
#define SEEK_SET            0
#define SEEK_CUR            1
#define SEEK_END            2
#define SEEK_DATA           3
#define SEEK_HOLE           4
#define F_OK                0
#define X_OK                1
#define W_OK                2
#define R_OK                4

#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFREG 0100000

#define GRND_NONBLOCK 1
#define GRND_RANDOM   2
#define GRND_INSECURE 4

#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4
#define MADV_FREE       8

#define PR_SET_PDEATHSIG    1
#define PR_GET_PDEATHSIG    2
#define PR_GET_DUMPABLE     3
#define PR_SET_DUMPABLE     4
#define PR_SET_NAME         15
#define PR_GET_NAME         16
#define PR_CAPBSET_READ     23
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define CAP_LAST_CAP        40 /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */

/* getrusage(2) and times(2); USER_HZ is also /proc's clock tick. */
#define USER_HZ         100 /* sysconf(_SC_CLK_TCK) */
#define RUSAGE_SELF     0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1
struct rusage {
	struct {
		int64_t tv_sec, tv_usec;
	} ru_utime, ru_stime;
	int64_t ru_maxrss; /* KiB */
	int64_t ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap, ru_inblock,
	    ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};
_Static_assert(sizeof(struct rusage) == 144, "struct rusage");
struct tms {
	int64_t tms_utime, tms_stime, tms_cutime, tms_cstime; /* clock ticks (USER_HZ) */
};

#define SIG_DFL     0
#define SIG_IGN     1
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define NSIG        64
struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};
#define SA_SIGINFO   0x00000004u
#define SA_ONSTACK   0x08000000u
#define SA_RESTART   0x10000000u
#define SA_NODEFER   0x40000000u
#define SA_RESETHAND 0x80000000u
#define SA_RESTORER  0x04000000u

/* siginfo_t (128 bytes), the fields Bothy fills: kill's sender, a
 * fault's address. */
struct siginfo_k {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		uint64_t addr;
		uint8_t bytes[112];
	};
};
_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo_t");
#define SI_USER     0
#define SI_KERNEL   0x80
#define SI_TKILL    (-6)
#define SI_TIMER    (-2)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define FPE_INTDIV  1
#define ILL_ILLOPN  2
#define BUS_ADRERR  2
#define TRAP_BRKPT  1

/* stack_t (sigaltstack(2)). */
struct sigaltstack_k {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};
_Static_assert(sizeof(struct sigaltstack_k) == 24, "stack_t");
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ   2048

/* poll(2) events. */
#define POLLIN     0x001
#define POLLPRI    0x002
#define POLLOUT    0x004
#define POLLERR    0x008
#define POLLHUP    0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

#endif
