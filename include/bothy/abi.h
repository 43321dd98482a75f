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

#include <stdint.h>

#define BOTHY_ABI_VERSION 1
#define BOTHY_BOOT_MAGIC  0x59485442424f4f54ull /* "TOOBBTHY" little-endian */

/* ELF note (name "Bothy") in the kernel image carrying BOTHY_ABI_VERSION. */
#define BOTHY_NOTE_NAME "Bothy"
#define BOTHY_NOTE_ABI  0x42414249u /* n_type */

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

/* The kernel runs at KERNEL_VBASE + physical address (top 2 GiB). */
#define BOTHY_KERNEL_VBASE 0xffffffff80000000ull

/* Flags in bothy_boot_info.flags. */
#define BOTHY_BOOT_STDIN_TTY  (1u << 0) /* fd 0 is a terminal on the host */
#define BOTHY_BOOT_STDOUT_TTY (1u << 1)
#define BOTHY_BOOT_STDERR_TTY (1u << 2)
#define BOTHY_BOOT_TRACE      (1u << 3) /* print every system call */
#define BOTHY_BOOT_CRASH      (1u << 4) /* test hook: fault in the kernel at boot */

/* Log levels in bothy_boot_info.log_level. */
enum bothy_log_level {
	BOTHY_LOG_ERROR = 0,
	BOTHY_LOG_WARN = 1, /* default: unsupported system calls, once each */
	BOTHY_LOG_INFO = 2,
	BOTHY_LOG_DEBUG = 3,
};

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
	uint32_t cpus;         /* vCPUs started (1 for now) */
	uint16_t tty_rows;     /* terminal size when stdout is a tty */
	uint16_t tty_cols;
	uint8_t seed[32]; /* random bytes from the host (getrandom(2)) */
};
_Static_assert(sizeof(struct bothy_boot_info) == 160, "boot info size");

/* Hypercall numbers; port = BOTHY_HC_PORT_BASE + nr. */
#define BOTHY_HC_PORT_BASE 0x500
enum bothy_hypercall {
	BOTHY_HC_RESERVED = 0,
	BOTHY_HC_WRITE = 1, /* struct bothy_hc_write */
	BOTHY_HC_READ = 2,  /* struct bothy_hc_read */
	BOTHY_HC_EXIT = 3,  /* struct bothy_hc_exit; does not return */
	BOTHY_HC_PANIC = 4, /* struct bothy_hc_panic; does not return */
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

/* Read from the host's stdin (fd 0); blocks; 0 at end of file. read(2). */
struct bothy_hc_read {
	uint64_t fd;  /* IN: 0 */
	uint64_t buf; /* IN: guest-physical address */
	uint64_t len; /* IN: bytes */
	int64_t ret;  /* OUT: bytes read, 0 at EOF, or -errno */
};
_Static_assert(sizeof(struct bothy_hc_read) == 32, "hc_read size");

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

/* Exit statuses of `bothy run` that are not the program's own. */
#define BOTHY_EXIT_KERNEL_FAULT 123 /* the Bothy kernel faulted or panicked */
#define BOTHY_EXIT_MONITOR      125 /* bad command line or monitor failure */
#define BOTHY_EXIT_NOEXEC       126 /* the program cannot be executed */
#define BOTHY_EXIT_NOENT        127 /* the program file does not exist */

#endif /* BOTHY_ABI_H */
