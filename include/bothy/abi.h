/*
 * The guest/monitor ABI of Bothy: the boot information the monitor hands
 * the kernel, the guest-physical address map, and the hypercalls.
 *
 * This header is the whole contract between kernel/ and monitor/. It uses
 * fixed-width types only, explicit padding, and a _Static_assert on every
 * struct size.
 *
 * Versioning rule: BOTHY_ABI_VERSION is raised by one whenever any struct,
 * field, constant or hypercall here changes meaning, size or position, or a
 * hypercall is added. The monitor refuses a kernel whose version differs
 * (the kernel carries its version in the ELF note BOTHY_NOTE_ABI), and the
 * kernel refuses boot information whose magic or version differs.
 *
 * Hypercalls (x86_64): the guest executes `outl %eax, $(BOTHY_HC_PORT_BASE +
 * nr)` with %eax = guest-physical address of the call's struct, which must
 * lie wholly in guest RAM and be 8-byte aligned. The monitor reads IN
 * fields, writes OUT fields, then resumes the vCPU. Guest pointers inside
 * the structs are guest-physical addresses; the monitor checks every one
 * (address and length, overflow-safe) before touching host memory.
 */
#ifndef BOTHY_ABI_H
#define BOTHY_ABI_H

#define BOTHY_ABI_VERSION 5 /* 5: virtio-mmio devices and the network configuration */
#define BOTHY_BOOT_MAGIC  0x59485442424f4f54ull /* "TOOBBTHY" little-endian */

/* ELF note (name "Bothy") in the kernel image carrying BOTHY_ABI_VERSION. */
#define BOTHY_NOTE_NAME "Bothy"
#define BOTHY_NOTE_ABI  0x42414249 /* n_type */

#ifndef __ASSEMBLY__ /* the rest is C (the kernel's boot.S needs the above) */
#include <stdint.h>

/* Guest-physical address map set up by the monitor (x86_64). */
#define BOTHY_GPA_BOOTINFO 0x1000ull /* struct bothy_boot_info, one page */
#define BOTHY_GPA_PML4     0x2000ull /* monitor-built boot page tables */
#define BOTHY_GPA_PDPT     0x3000ull
#define BOTHY_GPA_PD       0x4000ull    /* two PDs: 0x4000 and 0x5000 */
#define BOTHY_GPA_ARGS     0x10000ull   /* argv/envp/exe strings */
#define BOTHY_ARGS_MAX     0xf0000ull   /* bytes available for them */
#define BOTHY_GPA_KERNEL   0x100000ull  /* lowest address of the kernel image */
#define BOTHY_MEM_MIN      (4ull << 20) /* smallest guest RAM accepted */
#define BOTHY_MEM_MAX      (2ull << 30) /* the boot map covers 2 GiB */
/* virtio-mmio devices (virtio 1.2 section 4.2): device n's registers are
 * the page at BOTHY_GPA_VIRTIO + n * BOTHY_VIRTIO_STRIDE, above RAM and
 * outside the boot map (the kernel maps them uncached itself). */
#define BOTHY_GPA_VIRTIO    0xd0000000ull
#define BOTHY_VIRTIO_STRIDE 0x1000ull
#define BOTHY_VIRTIO_MAX    8

/* The kernel runs at KERNEL_VBASE + physical address (top 2 GiB). */
#define BOTHY_KERNEL_VBASE 0xffffffff80000000ull

/* Flags in bothy_boot_info.flags. */
#define BOTHY_BOOT_STDIN_TTY  (1u << 0) /* fd 0 is a terminal on the host */
#define BOTHY_BOOT_STDOUT_TTY (1u << 1)
#define BOTHY_BOOT_STDERR_TTY (1u << 2)
#define BOTHY_BOOT_TRACE      (1u << 3) /* print every system call */
#define BOTHY_BOOT_CRASH      (1u << 4) /* test hook: fault in the kernel at boot */
#define BOTHY_BOOT_FIXED_BASE (1u << 5) /* no address randomisation (--fixed-base) */

/*
 * Events: the monitor tells a running guest that something happened on the
 * host by setting bits in bothy_boot_info.events or .host_signals (atomic
 * OR) and then injecting interrupt BOTHY_VECTOR_EVENT into vCPU 0 (fixed
 * delivery, an MSI to APIC ID 0). The guest takes the words with an atomic
 * exchange to 0 and acts on every bit; an interrupt with no bit set is
 * harmless. Under QEMU there are no events.
 */
#define BOTHY_VECTOR_EVENT 0xec
/* Device interrupts: virtio-mmio device n raises vector
 * BOTHY_VECTOR_VIRTIO + n on vCPU 0 (an edge MSI, fixed delivery to APIC
 * ID 0; irqfd where KVM offers it). The driver reads InterruptStatus and
 * acknowledges it as on any virtio-mmio interrupt line. */
#define BOTHY_VECTOR_VIRTIO 0xd0
#define BOTHY_EVENT_STDIN  (1ull << 0) /* fd 0 became readable (data, EOF or error) */

/* vCPUs: `bothy run --cpus N`, 1 <= N <= BOTHY_CPUS_MAX; vCPU n has APIC ID n. */
#define BOTHY_CPUS_MAX 64

/* Log levels in bothy_boot_info.log_level. */
enum bothy_log_level {
	BOTHY_LOG_ERROR = 0,
	BOTHY_LOG_WARN = 1, /* default: unsupported system calls, once each */
	BOTHY_LOG_INFO = 2,
	BOTHY_LOG_DEBUG = 3,
};

/*
 * The network configuration of the first virtio-net device (`bothy run
 * --ip`, `--gateway`, `--dns`, or what the --net backend implies). IPv4
 * addresses are in network byte order, as in struct in_addr. With
 * BOTHY_NET_DHCP the guest asks DHCP (RFC 2131) instead and ignores
 * ip4/prefix4/gateway4/dns4. With no BOTHY_NET_* flag at all the guest
 * configures nothing but the link (IPv6 link-local, SLAAC).
 */
#define BOTHY_NET_STATIC (1u << 0) /* use ip4/prefix4/gateway4/dns4 */
#define BOTHY_NET_DHCP   (1u << 1) /* ask DHCP */
struct bothy_net_config {
	uint32_t flags;    /* BOTHY_NET_* */
	uint32_t ip4;      /* the guest's address */
	uint32_t gateway4; /* 0: none */
	uint32_t dns4;     /* 0: none; becomes /etc/resolv.conf's nameserver */
	uint8_t prefix4;   /* netmask length, 0..32 */
	uint8_t pad[3];
	uint32_t mtu;      /* 0: 1500 */
	uint8_t hostname[32]; /* NUL-terminated; empty: "bothy" */
	uint8_t pad2[8];
};
_Static_assert(sizeof(struct bothy_net_config) == 64, "net config size");

/*
 * Boot information, at BOTHY_GPA_BOOTINFO. All addresses are
 * guest-physical. The strings area at args_gpa holds, NUL-terminated and in
 * this order: argc argument strings, envc environment strings ("KEY=VALUE"),
 * then the program's path as the guest sees it (AT_EXECFN, /proc/self/exe).
 */
struct bothy_boot_info {
	uint64_t magic;       /* BOTHY_BOOT_MAGIC */
	uint32_t version;     /* BOTHY_ABI_VERSION */
	uint32_t size;        /* sizeof(struct bothy_boot_info) */
	uint64_t mem_size;    /* RAM is [0, mem_size), bytes */
	uint64_t kernel_end;  /* first byte after the kernel image, page aligned */
	uint64_t prog_gpa;    /* program ELF file image, page aligned */
	uint64_t prog_size;   /* bytes */
	uint64_t initrd_gpa;  /* cpio (newc) archive, or 0 */
	uint64_t initrd_size; /* bytes */
	uint64_t args_gpa;    /* strings area, see above */
	uint64_t args_size;   /* bytes used in the strings area */
	uint32_t argc;
	uint32_t envc;
	uint64_t tsc_khz;      /* TSC frequency, 0 if unknown */
	uint64_t realtime_ns;  /* CLOCK_REALTIME, ns since the epoch ... */
	uint64_t realtime_tsc; /* ... when the TSC read this */
	uint32_t flags;        /* BOTHY_BOOT_* */
	uint32_t log_level;    /* enum bothy_log_level */
	uint32_t cpus;         /* vCPUs made: vCPU 0 runs, the rest wait for BOTHY_HC_CPU_ON */
	uint16_t tty_rows;     /* terminal size when stdout is a tty */
	uint16_t tty_cols;
	uint8_t seed[32];      /* random bytes from the host (getrandom(2)) */
	uint64_t events;       /* BOTHY_EVENT_* raised by the monitor, see above */
	uint64_t host_signals; /* bit sig-1: the host sent `bothy run` signal sig */
	/* virtio-mmio devices: virtio[0..nvirtio) (see BOTHY_GPA_VIRTIO) */
	uint32_t nvirtio;
	uint32_t pad0;
	struct bothy_virtio_dev {
		uint64_t gpa;    /* registers: BOTHY_GPA_VIRTIO + n * BOTHY_VIRTIO_STRIDE */
		uint32_t size;   /* bytes of register space (at most BOTHY_VIRTIO_STRIDE) */
		uint32_t vector; /* BOTHY_VECTOR_VIRTIO + n */
	} virtio[BOTHY_VIRTIO_MAX];
	struct bothy_net_config net; /* the first virtio-net device's addresses */
};
_Static_assert(sizeof(struct bothy_virtio_dev) == 16, "virtio dev size");
_Static_assert(sizeof(struct bothy_boot_info) == 176 + 8 + 16 * BOTHY_VIRTIO_MAX + 64,
               "boot info size");

/* Hypercall numbers; port = BOTHY_HC_PORT_BASE + nr. */
#define BOTHY_HC_PORT_BASE 0x500
enum bothy_hypercall {
	BOTHY_HC_RESERVED = 0,
	BOTHY_HC_WRITE = 1, /* struct bothy_hc_write */
	BOTHY_HC_READ = 2,  /* struct bothy_hc_read */
	BOTHY_HC_EXIT = 3,  /* struct bothy_hc_exit; does not return */
	BOTHY_HC_PANIC = 4, /* struct bothy_hc_panic; does not return */
	BOTHY_HC_FS = 5,    /* struct bothy_hc_fs: host directories (-v) */
	BOTHY_HC_CPU_ON = 6, /* struct bothy_hc_cpu_on: start another vCPU */
	BOTHY_HC_MAX,
};

/* Write to the host's stdout (fd 1) or stderr (fd 2); cf. write(2). */
struct bothy_hc_write {
	uint64_t fd;  /* IN: 1 or 2 */
	uint64_t buf; /* IN: guest-physical address */
	uint64_t len; /* IN: bytes */
	int64_t ret;  /* OUT: bytes written, or -errno */
};
_Static_assert(sizeof(struct bothy_hc_write) == 32, "hc_write size");

/*
 * Read from the host's stdin (fd 0); read(2), 0 at end of file. It never
 * blocks: with no byte ready it returns -EAGAIN, and the monitor then
 * raises BOTHY_EVENT_STDIN once fd 0 is readable (one event per -EAGAIN).
 */
struct bothy_hc_read {
	uint64_t fd;  /* IN: 0 */
	uint64_t buf; /* IN: guest-physical address */
	uint64_t len; /* IN: bytes */
	int64_t ret;  /* OUT: bytes read, 0 at EOF, or -errno */
};
_Static_assert(sizeof(struct bothy_hc_read) == 32, "hc_read size");

/*
 * Start vCPU `cpu` (1 <= cpu < boot_info.cpus), which the monitor made
 * stopped. It starts in the boot vCPU's initial 64-bit state (CPL 0, the
 * monitor's boot page tables at BOTHY_GPA_PML4, interrupts off) at kernel
 * virtual address `rip`, with %rsp = rsp and %rdi = arg. ret: 0, -EINVAL
 * for a cpu out of range, -EBUSY if that vCPU was started already. (As
 * PSCI's CPU_ON on Arm.)
 */
struct bothy_hc_cpu_on {
	uint64_t cpu; /* IN */
	uint64_t rip; /* IN */
	uint64_t rsp; /* IN */
	uint64_t arg; /* IN */
	int64_t ret;  /* OUT */
};
_Static_assert(sizeof(struct bothy_hc_cpu_on) == 40, "hc_cpu_on size");

/* End the VM; `bothy run` exits with `status` (0..255). */
struct bothy_hc_exit {
	uint64_t status; /* IN */
};
_Static_assert(sizeof(struct bothy_hc_exit) == 8, "hc_exit size");

/*
 * The kernel faulted: the monitor prints the registers and a backtrace
 * symbolized from the kernel ELF's symbol table, then exits with
 * BOTHY_EXIT_KERNEL_FAULT.
 */
#define BOTHY_PANIC_FRAMES 16
struct bothy_hc_panic {
	uint64_t vector;                     /* IN: exception vector, or ~0 for a software panic */
	uint64_t error;                      /* IN: exception error code */
	uint64_t cr2;                        /* IN: faulting address for #PF */
	uint64_t rip, rsp, rbp, rflags;      /* IN */
	uint64_t nframes;                    /* IN: entries used in frames[] */
	uint64_t frames[BOTHY_PANIC_FRAMES]; /* IN: return addresses */
};
_Static_assert(sizeof(struct bothy_hc_panic) == 64 + 8 * BOTHY_PANIC_FRAMES, "hc_panic size");

/*
 * Host directories (`bothy run -v HOSTDIR:/guest/dir[:ro]`), in the manner
 * of FUSE/virtiofs: the monitor keeps a table of host file descriptors and
 * the guest names them by handle. A handle is either a *node* (an O_PATH
 * descriptor of one file, directory or symlink, from SHARE, LOOKUP, CREATE,
 * MKDIR or SYMLINK) or an *open file* (a descriptor opened for I/O, from
 * OPEN or CREATE). The guest's VFS resolves paths itself, one walk at a
 * time, and interprets symlinks in the guest's namespace; the monitor never
 * follows a symlink and never accepts "..", "." or "/" inside a name, so no
 * guest path can reach outside HOSTDIR (see docs/files.md).
 *
 * Every op reads the IN fields of struct bothy_hc_fs and writes `ret`
 * (0 or a count on success, -errno on failure) and its OUT fields. Names
 * and buffers are guest-physical [gpa, gpa+len) ranges; bulk data moves as
 * an array of struct bothy_fs_seg so one exit carries a whole read(2).
 * A read-only share (":ro") fails every change with -EROFS.
 *
 * Common errors: a range outside guest RAM -EFAULT; a name that is empty,
 * ".", "..", or holds '/' or NUL -EINVAL, longer than BOTHY_FS_NAME_MAX
 * -ENAMETOOLONG; a handle that is 0, forgotten, or of the wrong kind
 * -EBADF; a full handle table -ENFILE; an unknown op -ENOSYS. Other errors
 * are the host's own for the same call. Handles are opaque and never 0.
 * Flags and modes are Linux's; the monitor applies no umask of its own.
 */
enum bothy_fs_op {
	/* share #arg[0]: OUT node = its root, attr, arg[1] = BOTHY_FS_SHARE_*,
	 * and its guest mount path (NUL-terminated) into buf[0..len);
	 * -ENOENT past the last share. */
	BOTHY_FS_SHARE = 1,
	/* walk the path name[0..name_len) from directory `node`: components
	 * separated by "/", none empty, "." or ".." (else -EINVAL, nothing
	 * walked); at most BOTHY_FS_PATH_MAX bytes. OUT node (a new handle),
	 * attr, and arg[1] = bytes of name consumed. The walk stops early,
	 * with ret 0, after a component that is a symlink or not a directory,
	 * or before one that fails; arg[1] < name_len then, and counts the '/'
	 * after the last component walked, so name + arg[1] is the rest of
	 * the path. An error on the first component is -errno. */
	BOTHY_FS_LOOKUP = 2,
	BOTHY_FS_FORGET = 3,  /* release handle `node` (node or open file) */
	BOTHY_FS_GETATTR = 4, /* OUT attr of node or open file `node` */
	/* change node or open file `node`: arg[0] = BOTHY_FS_SET_* mask;
	 * attr.mode (only its 07777 bits are used), attr.uid/gid, attr.size,
	 * attr.atime/mtime (nsec may be UTIME_NOW or UTIME_OMIT). OUT attr.
	 * chown(2), chmod(2) (-EOPNOTSUPP for a symlink), truncate(2)
	 * (regular files only), utimensat(2), in that order. */
	BOTHY_FS_SETATTR = 5,
	/* open node `node` for I/O with open(2) flags arg[0] (O_ACCMODE,
	 * O_APPEND, O_TRUNC, O_DIRECTORY, O_NONBLOCK honoured, others
	 * ignored); OUT arg[1] = open-file handle, attr. Only regular files
	 * and directories: a symlink is -ELOOP, anything else -ENXIO. */
	BOTHY_FS_OPEN = 6,
	/* create name in directory `node` (O_CREAT semantics; arg[0] = open
	 * flags: O_ACCMODE, O_APPEND, O_TRUNC, O_EXCL, O_NONBLOCK; arg[2] =
	 * mode); OUT node, arg[1] = open-file handle, attr. An existing name
	 * is opened only if it is a regular file (directory -EISDIR, symlink
	 * -ELOOP, anything else -ENXIO). */
	BOTHY_FS_CREATE = 7,
	BOTHY_FS_MKDIR = 8, /* name in directory `node`, mode arg[2]; OUT node, attr */
	/* name in `node` -> target buf[0..len) (1 to BOTHY_FS_PATH_MAX - 1
	 * bytes, no NUL); OUT node, attr */
	BOTHY_FS_SYMLINK = 9,
	BOTHY_FS_LINK = 10,   /* new name in directory arg[0] for node `node` */
	BOTHY_FS_UNLINK = 11, /* name in directory `node`; arg[0] = AT_REMOVEDIR or 0 */
	/* rename name in directory `node` to buf[0..len) in directory arg[0]
	 * (same share, else -EXDEV); arg[1] = renameat2(2) flags
	 * (RENAME_NOREPLACE, RENAME_EXCHANGE; others -EINVAL) */
	BOTHY_FS_RENAME = 12,
	/* symlink node `node`: its target into buf[0..len) (no NUL added),
	 * ret = bytes; -EINVAL if not a symlink */
	BOTHY_FS_READLINK = 13,
	/* open file `node`: pread/pwrite at offset arg[0] through arg[1]
	 * segments at buf (struct bothy_fs_seg[], len = bytes of that array:
	 * exactly arg[1] * 16, and arg[1] <= BOTHY_FS_SEGS_MAX, else -EINVAL).
	 * ret = bytes moved. arg[0] is ignored for WRITE to a file opened
	 * O_APPEND. */
	BOTHY_FS_READ = 14,
	BOTHY_FS_WRITE = 15,
	/* open directory `node`: linux_dirent64 records from position arg[0]
	 * (0 = start, else a d_off returned before) into buf[0..len); ret =
	 * bytes, 0 at the end. getdents64(2): the host's records as they are,
	 * "." and ".." included (d_ino of ".." at a share's root is the
	 * host's). */
	BOTHY_FS_READDIR = 16,
	BOTHY_FS_FSYNC = 17, /* open file `node`; arg[0] = 1 for fdatasync */
	/* node or open file: OUT struct bothy_fs_statfs into buf[0..len),
	 * len >= its size; flags has ST_RDONLY (1) on a read-only share */
	BOTHY_FS_STATFS = 18,
	BOTHY_FS_FALLOCATE = 19, /* open file: mode arg[0], offset arg[1], length arg[2] */
	BOTHY_FS_OP_MAX,
};

#define BOTHY_FS_SHARE_RO 1u /* the share was given ":ro" */

#define BOTHY_FS_SET_MODE  1u
#define BOTHY_FS_SET_UID   2u
#define BOTHY_FS_SET_GID   4u
#define BOTHY_FS_SET_SIZE  8u
#define BOTHY_FS_SET_ATIME 16u
#define BOTHY_FS_SET_MTIME 32u

#define BOTHY_FS_NAME_MAX 255u  /* bytes in one component (NAME_MAX) */
#define BOTHY_FS_PATH_MAX 4096u /* bytes in a LOOKUP path or symlink target */
#define BOTHY_FS_SEGS_MAX 1024u /* segments in one READ or WRITE */

/* struct stat's fields as the host's stat(2) gives them. */
struct bothy_fs_attr {
	uint64_t ino;
	uint64_t size;   /* bytes */
	uint64_t blocks; /* 512-byte units */
	uint64_t rdev;
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec;
	uint32_t mode; /* S_IFMT | permissions */
	uint32_t nlink;
	uint32_t uid, gid;
	uint32_t blksize;
};
_Static_assert(sizeof(struct bothy_fs_attr) == 88, "fs attr size");

/* One guest-physical piece of an I/O buffer. */
struct bothy_fs_seg {
	uint64_t gpa;
	uint64_t len; /* bytes */
};
_Static_assert(sizeof(struct bothy_fs_seg) == 16, "fs seg size");

/* statfs(2) of a share's host file system. */
struct bothy_fs_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};
_Static_assert(sizeof(struct bothy_fs_statfs) == 80, "fs statfs size");

struct bothy_hc_fs {
	uint32_t op;               /* IN: enum bothy_fs_op */
	uint32_t name_len;         /* IN: bytes at name (no NUL needed) */
	uint64_t node;             /* IN: handle the op works on; OUT: new node handle */
	uint64_t name;             /* IN: guest-physical address of a name or path */
	uint64_t buf;              /* IN: guest-physical buffer ... */
	uint64_t len;              /* IN: ... and its length in bytes */
	uint64_t arg[3];           /* IN/OUT: per op, above */
	int64_t ret;               /* OUT: result or -errno */
	struct bothy_fs_attr attr; /* IN (SETATTR) / OUT */
};
_Static_assert(sizeof(struct bothy_hc_fs) == 72 + 88, "hc_fs size");

/* Exit statuses of `bothy run` that are not the program's own. */
#define BOTHY_EXIT_KERNEL_FAULT 123 /* the Bothy kernel faulted or panicked */
#define BOTHY_EXIT_MONITOR      125 /* bad command line or monitor failure */
#define BOTHY_EXIT_NOEXEC       126 /* the program cannot be executed */
#define BOTHY_EXIT_NOENT        127 /* the program file does not exist */

#endif /* __ASSEMBLY__ */
#endif /* BOTHY_ABI_H */
