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
 * The network (--net, -p, --ip, ...): QEMU's own -netdev user (slirp) or
 * tap with a virtio-net-device, which microvm puts on a virtio-mmio slot
 * and names on the kernel command line (auto-kernel-cmdline); the guest's
 * addresses follow with -append as bothy.ip=, bothy.gateway=, bothy.dns=
 * (kernel/lib/bootcmd.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/syscall.h>
#include <dirent.h>

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

/* sprintf into a fresh string; exits on out of memory. */
__attribute__((format(printf, 1, 2))) static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	return s;
}

static char *ip_str(uint32_t a)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return xasprintf("%s", buf);
}

/* -p: QEMU would only say "could not set up host forwarding rule" and
 * stop; try each host port here first and name the one in use. */
static void ports_check(const struct net_options *no)
{
	for (unsigned i = 0; i < no->nfwd; i++) {
		const struct net_forward *f = &no->fwd[i];
		struct sockaddr_in sa = {
		    .sin_family = AF_INET, .sin_port = htons(f->host_port), .sin_addr = f->host};
		int one = 1,
		    fd = socket(AF_INET, (f->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die(BOTHY_EXIT_MONITOR, "socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die(BOTHY_EXIT_MONITOR, "-p %s: cannot listen on %s:%u/%s: %s", f->spec,
			    ip_str(f->host.s_addr), f->host_port, f->udp ? "udp" : "tcp",
			    strerror(errno));
		close(fd);
	}
}

/*
 * widen_backlogs: QEMU's user network (libslirp) listens for each hostfwd
 * with a backlog of 1, and a client opening many connections at once
 * (redis-benchmark's 50) has the final ACKs that find the queue full
 * dropped by the host kernel: those clients wait out retransmission
 * backoff and end with "Connection reset by peer". Bothy's own monitor
 * re-listens its sockets (net_slirp.c); here the listening sockets are
 * QEMU's, so they are borrowed with pidfd_getfd(2) (QEMU is our child:
 * ptrace access mode allows it) and listen(2) is called again with
 * SOMAXCONN, which only changes the backlog of the shared socket. QEMU
 * makes them while it starts; this looks for up to 5 s and gives up
 * quietly (an older kernel, a stricter Yama scope: the backlog stays 1).
 */
static void widen_backlogs(pid_t qemu, const struct net_options *no)
{
	unsigned want = 0, found = 0;
	uint64_t done = 0; /* bit i: forward i's socket was widened */
	char dir[64];
	int pfd;

	for (unsigned i = 0; i < no->nfwd && i < 64; i++)
		want += !no->fwd[i].udp;
	if (!want || (pfd = (int)syscall(SYS_pidfd_open, qemu, 0)) < 0)
		return;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)qemu);
	for (int tries = 0; tries < 500 && found < want; tries++) {
		siginfo_t si = {0};
		struct dirent *e;
		DIR *d;
		if (waitid(P_PID, (id_t)qemu, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
			break; /* QEMU has already ended */
		if (!(d = opendir(dir)))
			break;
		while ((e = readdir(d)) && found < want) {
			struct sockaddr_in sa;
			socklen_t len = sizeof(sa);
			int on = 0, fd, target = atoi(e->d_name);
			socklen_t olen = sizeof(on);
			if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
			    (fd = (int)syscall(SYS_pidfd_getfd, pfd, target, 0)) < 0)
				continue;
			if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) == 0 && on &&
			    getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
			    sa.sin_family == AF_INET)
				for (unsigned i = 0; i < no->nfwd && i < 64; i++)
					if (!no->fwd[i].udp && !(done & 1ull << i) &&
					    ntohs(sa.sin_port) == no->fwd[i].host_port &&
					    listen(fd, SOMAXCONN) == 0) {
						done |= 1ull << i;
						found++;
						break;
					}
			close(fd);
		}
		closedir(d);
		if (found < want)
			usleep(10000);
	}
	close(pfd);
}

/*
 * The QEMU arguments for the network of o into args[*n..] (room for 8):
 * -global (virtio 1.x transports), -netdev, -device and -append. --net none: nothing (-nodefaults
 * makes no card).
 */
static void net_args(const struct options *o, char **args, unsigned *n)
{
	const struct net_options *no = &o->net;
	struct bothy_net_config c;
	uint8_t mac[6];
	char err[200], *netdev, *cmdline;

	if (no->mode == NET_NONE)
		return;
	if (net_config(no, &c, mac, err, sizeof(err)))
		die(BOTHY_EXIT_MONITOR, "%s", err);
	ports_check(no);
	if (no->mode == NET_TAP) {
		netdev = xasprintf("tap,id=n0,ifname=%s,script=no,downscript=no", no->tap);
	} else {
		uint32_t ip = c.ip4 ? c.ip4 : htonl(0x0a00020f); /* DHCP: 10.0.2.15 */
		unsigned prefix = c.flags & BOTHY_NET_STATIC ? c.prefix4 : 24;
		uint32_t net = ip & (prefix ? htonl(~0u << (32 - prefix)) : 0);
		netdev =
		    xasprintf("user,id=n0,net=%s/%u,dhcpstart=%s", ip_str(net), prefix, ip_str(ip));
		if (c.gateway4)
			netdev = xasprintf("%s,host=%s", netdev, ip_str(c.gateway4));
		if (c.dns4)
			netdev = xasprintf("%s,dns=%s", netdev, ip_str(c.dns4));
		for (unsigned i = 0; i < no->nfwd; i++)
			netdev = xasprintf(
			    "%s,hostfwd=%s:%s:%u-%s:%u", netdev, no->fwd[i].udp ? "udp" : "tcp",
			    no->fwd[i].host.s_addr ? ip_str(no->fwd[i].host.s_addr) : "",
			    no->fwd[i].host_port, ip_str(ip), no->fwd[i].guest_port);
	}
	if (c.flags & BOTHY_NET_STATIC) {
		cmdline = xasprintf("bothy.ip=%s/%u", ip_str(c.ip4), c.prefix4);
		if (c.gateway4)
			cmdline = xasprintf("%s bothy.gateway=%s", cmdline, ip_str(c.gateway4));
		if (c.dns4)
			cmdline = xasprintf("%s bothy.dns=%s", cmdline, ip_str(c.dns4));
	} else {
		cmdline = xasprintf("bothy.ip=dhcp");
	}
	/* microvm's virtio-mmio transports are legacy (version 1) unless told */
	args[(*n)++] = "-global";
	args[(*n)++] = "virtio-mmio.force-legacy=false";
	args[(*n)++] = "-netdev";
	args[(*n)++] = netdev;
	args[(*n)++] = "-device";
	args[(*n)++] = xasprintf("virtio-net-device,netdev=n0,mac=%02x:%02x:%02x:%02x:%02x:%02x",
	                         mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	args[(*n)++] = "-append";
	args[(*n)++] = cmdline;
}

/*
 * wait_qemu - wait for QEMU (pid) to end, its wait status into *status.
 * Meanwhile, if bothy's stdout is a pipe or socket whose reader has gone
 * (POLLERR or POLLHUP on our end), end QEMU with SIGKILL: QEMU ignores
 * SIGPIPE and drops the guest's output, so `bothy run --vmm qemu yes |
 * head -1` never ended, where under the KVM monitor the program gets its
 * SIGPIPE. Returns 1 if QEMU was ended for that, else 0.
 */
static int wait_qemu(pid_t pid, int *status)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), broken = 0;
	struct stat st;

	if (pfd >= 0 && fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		struct pollfd p[2] = {{.fd = pfd, .events = POLLIN}, {.fd = 1, .events = 0}};
		for (;;) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p[0].revents)
				break; /* QEMU ended */
			if (p[1].revents & (POLLERR | POLLHUP)) {
				kill(pid, SIGKILL); /* SIGTERM: QEMU would say so on stderr */
				broken = 1;
				break;
			}
		}
	}
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			die(BOTHY_EXIT_MONITOR, "waitpid: %s", strerror(errno));
	return broken;
}

int run_qemu(const struct options *o)
{
	struct image kernel, prog;
	char kpath[64], ipath[64], mem[32], smp[16], *qemu = getenv("BOTHY_QEMU");
	const char *acc;
	int status, broken, pipefd[2];
	unsigned char code;
	pid_t pid, parent;

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
	char *base[] = {
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
	};
	char *argv[sizeof(base) / sizeof(base[0]) + 9];
	unsigned argc = sizeof(base) / sizeof(base[0]);

	memcpy(argv, base, sizeof(base));
	net_args(o, argv, &argc);
	argv[argc] = NULL;
	if (getenv("BOTHY_QEMU_SHOW"))
		for (unsigned i = 0; i <= argc; i++)
			fprintf(stderr, "%s%s", argv[i] ? argv[i] : "\n", argv[i] ? " " : "");
	if (pipe2(pipefd, O_CLOEXEC) < 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0)
		die(BOTHY_EXIT_MONITOR, "pipe: %s", strerror(errno));
	fflush(stdout);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		die(BOTHY_EXIT_MONITOR, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		/* bothy killed (SIGTERM from a user or a test): QEMU goes too,
		 * not left running its guest as an orphan. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(BOTHY_EXIT_MONITOR); /* bothy died before prctl */
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
	if (o->net.mode == NET_SLIRP)
		widen_backlogs(pid, &o->net);
	broken = wait_qemu(pid, &status);
	if (read(pipefd[0], &code, 1) == 1)
		return code;
	if (broken) {
		/* As the KVM monitor's kernel says it, and as the shell counts it. */
		fprintf(stderr, "bothy: %s: killed by signal %d (SIGPIPE)\n", o->program, SIGPIPE);
		return 128 + SIGPIPE;
	}
	if (WIFSIGNALED(status))
		die(BOTHY_EXIT_MONITOR, "QEMU was killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) == 1 || WEXITSTATUS(status) == BOTHY_EXIT_MONITOR)
		die(BOTHY_EXIT_MONITOR, "QEMU failed (status %d)", WEXITSTATUS(status));
	die(BOTHY_EXIT_KERNEL_FAULT,
	    "QEMU exited (status %d) without the program's exit status: QEMU failed to start or "
	    "the guest kernel stopped",
	    WEXITSTATUS(status));
}
