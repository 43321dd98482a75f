/*
 * `bothy run --vmm qemu`: boot the same kernel under QEMU's microvm with
 * the PVH entry. The program, its arguments and its stdin travel in an
 * initrd (cpio, kernel/arch/x86_64/pvh.h names the files); stdout and
 * stderr are COM1 and COM2; the exit status is one byte on COM3, which
 * goes into a pipe to bothy (isa-debug-exit, which then stops QEMU, can
 * only carry 7 bits, and its codes collide with QEMU's own).
 * --initrd: the user's archive is appended, byte for byte, after Bothy's
 * own (which ends with its TRAILER!!! and zeros up to a multiple of 512),
 * as Linux concatenates initramfs archives. -v is refused: there is no
 * monitor here to serve host directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kernel/arch/x86_64/pvh.h"
#include "cpio_out.h"
#include "monitor.h"

#define STDIN_MAX (256ul << 20)

/* Descriptors handed to QEMU: stdout, stderr, the status pipe. */
enum { QEMU_FD_OUT = 3, QEMU_FD_ERR, QEMU_FD_STATUS, QEMU_FD_FIRST_FREE };

static int memfd(const char *name)
{
	/* Inherited by QEMU and opened there by path; kept above its fds. */
	int fd = memfd_create(name, 0), hi;

	if (fd < 0 || (hi = fcntl(fd, F_DUPFD, QEMU_FD_FIRST_FREE)) < 0)
		die(BOTHY_EXIT_MONITOR, "memfd_create: %s", strerror(errno));
	close(fd);
	return hi;
}

/* All of stdin, unless it is a terminal (then the program sees EOF). */
static char *slurp_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	*len = 0;
	if (isatty(0) || !buf)
		return buf;
	while ((r = read(0, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break; /* stdin closed or unreadable: what we have */
		n += r;
		if (n == cap) {
			if (cap >= STDIN_MAX)
				die(BOTHY_EXIT_MONITOR, "--vmm qemu: stdin larger than %lu MiB",
				    STDIN_MAX >> 20);
			cap *= 2;
			if (!(buf = realloc(buf, cap)))
				die(BOTHY_EXIT_MONITOR, "out of memory");
		}
	}
	*len = n;
	return buf;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die(BOTHY_EXIT_MONITOR, "cannot write the initrd: %s",
			    w ? strerror(errno) : "short write");
		p += w;
		n -= (size_t)w;
	}
}

/* Copy `size` bytes of file `from` (from its start) to the end of fd. */
static void append_file(int fd, int from, uint64_t size, const char *name)
{
	static char buf[1 << 16];

	for (uint64_t off = 0; off < size;) {
		ssize_t n = pread(from, buf, sizeof(buf), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(BOTHY_EXIT_MONITOR, "cannot read %s: %s", name,
			    n ? strerror(errno) : "it became shorter");
		write_all(fd, buf, (size_t)n);
		off += (uint64_t)n;
	}
}

static int make_initrd(const struct options *o, const struct image *prog)
{
	int fd = memfd("bothy-initrd");
	struct cpio_out c;
	size_t in_len, slen;
	int r;
	char *in = slurp_stdin(&in_len);
	char *args = malloc(sizeof(struct pvh_args) + BOTHY_ARGS_MAX);
	struct pvh_args *a = (struct pvh_args *)args;

	if (!args || !in)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	memset(a, 0, sizeof(*a));
	a->argc = o->argc;
	a->envc = o->envc;
	a->flags = boot_flags(o) & ~BOTHY_BOOT_STDIN_TTY;
	a->log_level = o->log_level;
	if (getrandom(a->seed, sizeof(a->seed), 0) != sizeof(a->seed))
		die(BOTHY_EXIT_MONITOR, "getrandom: %s", strerror(errno));
	slen = boot_strings(o, args + sizeof(*a), BOTHY_ARGS_MAX);
	cpio_out_open(&c, fd);
	cpio_out_dir(&c, ".bothy", 0755);
	cpio_out_file(&c, PVH_FILE_PROGRAM, 0755, prog->data, prog->size, 4096);
	cpio_out_file(&c, PVH_FILE_ARGS, 0644, args, sizeof(*a) + slen, 4);
	if (!isatty(0))
		cpio_out_file(&c, PVH_FILE_STDIN, 0644, in, in_len, 4);
	if ((r = rootfs_write(&c, o)) && !c.err)
		die(BOTHY_EXIT_MONITOR, "cannot make the guest's files: %s", strerror(-r));
	if (cpio_out_finish(&c))
		die(BOTHY_EXIT_MONITOR, "cannot write the initrd: %s", strerror(-c.err));
	if (o->initrd)
		append_file(fd, o->initrd_fd, o->initrd_size, o->initrd);
	free(in);
	free(args);
	return fd;
}

static int kernel_fd(const struct image *k)
{
	int fd = memfd("bothy-kernel");

	if (write(fd, k->data, k->size) != (ssize_t)k->size)
		die(BOTHY_EXIT_MONITOR, "cannot write the kernel for QEMU: %s", strerror(errno));
	return fd;
}

/*
 * KVM when /dev/kvm opens, except on PVM hosts (software nested
 * virtualization), where QEMU+KVM boots 3-4x slower than QEMU's TCG
 * (bench/boot/run.sh): there ring-0 code is emulated instruction by
 * instruction, while TCG translates it.
 */
static const char *accel(void)
{
	const char *a = getenv("BOTHY_QEMU_ACCEL");
	int fd;

	if (a && *a)
		return a;
	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return "tcg";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "tcg";
	close(fd);
	return "kvm";
}

int run_qemu(const struct options *o)
{
	struct image kernel, prog;
	char kpath[64], ipath[64], mem[32], smp[16], *qemu = getenv("BOTHY_QEMU");
	const char *acc;
	int status, pipefd[2];
	unsigned char code;
	pid_t pid;

	if (o->nvolumes)
		die(BOTHY_EXIT_MONITOR, "-v needs --vmm kvm (QEMU has no monitor to serve host "
		                        "directories; use --initrd)");
	program_open(o->program, &prog);
	kernel_open(o->kernel, &kernel);
	snprintf(kpath, sizeof(kpath), "/proc/self/fd/%d", kernel_fd(&kernel));
	snprintf(ipath, sizeof(ipath), "/proc/self/fd/%d", make_initrd(o, &prog));
	snprintf(mem, sizeof(mem), "%luM", (unsigned long)(o->mem_size >> 20));
	snprintf(smp, sizeof(smp), "%u", o->cpus);
	acc = accel();
	if (!qemu)
		qemu = "qemu-system-x86_64";
	char *argv[] = {
	    qemu,
	    "-M",
	    "microvm,rtc=on",
	    "-accel",
	    (char *)acc,
	    "-cpu",
	    !strcmp(acc, "kvm") ? "host" : "max",
	    "-m",
	    mem,
	    "-smp",
	    smp,
	    "-nodefaults",
	    "-no-user-config",
	    "-nographic",
	    "-no-reboot",
	    "-kernel",
	    kpath,
	    "-initrd",
	    ipath,
	    /* Our own stdout and stderr (not reopened by path), so that QEMU's
	     * writes share the caller's file offsets; append=on, as QEMU would
	     * otherwise truncate them. */
	    "-add-fd",
	    "fd=4,set=2",
	    "-add-fd",
	    "fd=5,set=3",
	    "-chardev",
	    "stdio,id=out,signal=off",
	    "-chardev",
	    "file,id=err,path=/dev/fdset/2,append=on",
	    "-chardev",
	    "file,id=status,path=/dev/fdset/3,append=on",
	    "-serial",
	    "chardev:out",
	    "-device",
	    "isa-serial,chardev=err,iobase=0x2f8,irq=3",
	    "-device",
	    "isa-serial,chardev=status,iobase=0x3e8,irq=4",
	    "-device",
	    "isa-debug-exit,iobase=0xf4,iosize=4",
	    NULL,
	};
	if (pipe2(pipefd, O_CLOEXEC) < 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0)
		die(BOTHY_EXIT_MONITOR, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die(BOTHY_EXIT_MONITOR, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(1, QEMU_FD_OUT);
		dup2(2, QEMU_FD_ERR);
		dup2(pipefd[1], QEMU_FD_STATUS);
		dup2(null, 0);
		for (int fd = QEMU_FD_OUT; fd < QEMU_FD_FIRST_FREE; fd++)
			fcntl(fd, F_SETFD, 0); /* dup2 onto itself keeps O_CLOEXEC */
		execvp(qemu, argv);
		fprintf(stderr, "bothy: cannot run %s: %s (install qemu-system-x86)\n", qemu,
		        strerror(errno));
		_exit(BOTHY_EXIT_MONITOR);
	}
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(BOTHY_EXIT_MONITOR, "waitpid: %s", strerror(errno));
	if (read(pipefd[0], &code, 1) == 1)
		return code;
	if (WIFSIGNALED(status))
		die(BOTHY_EXIT_MONITOR, "QEMU was killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) == 1 || WEXITSTATUS(status) == BOTHY_EXIT_MONITOR)
		die(BOTHY_EXIT_MONITOR, "QEMU failed (status %d)", WEXITSTATUS(status));
	die(BOTHY_EXIT_KERNEL_FAULT,
	    "QEMU exited (status %d) without the program's exit status: QEMU failed to start or "
	    "the guest kernel stopped",
	    WEXITSTATUS(status));
}
