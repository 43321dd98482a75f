/* The Bothy monitor: declarations shared by the files of monitor/. */
#ifndef BOTHY_MONITOR_H
#define BOTHY_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <bothy/abi.h>

#include "net.h"

struct hostfs_share;

/* What `bothy run` was asked to do (monitor/main.c parses it). */
struct options {
	uint64_t mem_size;  /* bytes of guest RAM */
	unsigned cpus;      /* vCPUs, 1..BOTHY_CPUS_MAX (--cpus) */
	const char *vmm;    /* "kvm" or "qemu" */
	const char *kernel; /* kernel ELF file, or NULL for the embedded one */
	unsigned log_level; /* enum bothy_log_level */
	int trace;          /* --trace */
	int crash_kernel;   /* --crash-kernel: test the kernel fault path */
	int fixed_base;     /* --fixed-base: no address randomisation */
	char **env;         /* -e KEY=VALUE, NULL-terminated */
	int envc;
	struct hostfs_share *volumes; /* -v HOSTDIR:/guest/dir[:ro], checked and opened */
	unsigned nvolumes;
	int root;             /* --root was given: no default view (rootfs.c) */
	const char *initrd;   /* --initrd FILE, or NULL */
	int initrd_fd;        /* it, open for reading, a checked cpio archive */
	uint64_t initrd_size; /* bytes, > 0 */
	const char *program;  /* the path as given */
	char *exe_path;       /* its absolute path (realpath(3)) */
	char **argv;          /* argv[0] = program, NULL-terminated */
	int argc;
	struct net_options net; /* --net, -p, --ip, --gateway, --dns, --mac (net.h) */
};

/* A file mapped read-only into memory. */
struct image {
	const uint8_t *data;
	size_t size;
	int fd;
};

/* die - print "bothy: <message>" and exit with `status`. */
__attribute__((noreturn, format(printf, 2, 3))) void die(int status, const char *fmt, ...);

/*
 * program_open - map the program file and check that Bothy can run it.
 * Exits with BOTHY_EXIT_NOENT (127) if it does not exist, and with
 * BOTHY_EXIT_NOEXEC (126) and one line naming the reason if it is not a
 * static x86_64 ELF executable (monitor/program.c).
 */
void program_open(const char *path, struct image *img);

/*
 * kernel_open - the kernel ELF: `path`, or the one embedded in bothy.
 * Checks that it is an x86_64 ELF carrying the BOTHY_NOTE_ABI note with
 * this monitor's BOTHY_ABI_VERSION; exits 125 with a message otherwise.
 */
void kernel_open(const char *path, struct image *img);

/* kernel_symbolize - "name+0xoff" for kernel address addr, into buf. */
void kernel_symbolize(const struct image *k, uint64_t addr, char *buf, size_t len);

/* boot_strings - write argv, envp and exe path as the ABI's strings area
 * into buf[0..max). Returns the bytes used; exits 125 if they do not fit. */
size_t boot_strings(const struct options *o, char *buf, size_t max);
/* boot_flags - BOTHY_BOOT_* flags for the host's stdio and the options. */
uint32_t boot_flags(const struct options *o);

struct cpio_out;
/*
 * rootfs_write - append the program's default view to archive c: for a
 * dynamic program its interpreter and DT_NEEDED closure at their host
 * paths (closure.h), then a generated /etc (passwd, group, nsswitch.conf,
 * hosts, resolv.conf, mtab, the host's localtime, and ld.so.cache for
 * glibc). Returns 0 or -errno of reading the host's files or writing c.
 * rootfs_memfd - the same as a whole archive in a fresh memfd, padded with
 * zeros to whole pages; returns the descriptor (size in *size) or -errno.
 * monitor/rootfs.c; docs/files.md "The default view".
 */
int rootfs_write(struct cpio_out *c, const struct options *o);
int rootfs_memfd(const struct options *o, uint64_t *size);

/* run_kvm / run_qemu - run the program; return its exit status. */
int run_kvm(const struct options *o);
int run_qemu(const struct options *o);

#endif
