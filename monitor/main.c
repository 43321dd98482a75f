/*
 * bothy: run one unmodified Linux program as a unikernel.
 *
 *   bothy run [options] PROGRAM [ARGS...]
 *
 * The flags follow `docker run` where it has them (-m, -e). Errors in the
 * command line end with one line and status BOTHY_EXIT_MONITOR (125).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "hostfs.h"
#include "monitor.h"

#define DEFAULT_MEM (128ull << 20)

void die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bothy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void usage(FILE *f)
{
	fputs("usage: bothy run [options] PROGRAM [ARGS...]\n"
	      "  -m, --memory SIZE     guest memory, e.g. 64M or 1G (default 128M; 4M..2G)\n"
	      "  -e, --env KEY=VALUE   set a variable in the program's environment\n"
	      "      --cpus N          vCPUs the guest may use (default 1; 1..64)\n"
	      "  -v, --volume HOSTDIR:/guest/dir[:ro]\n"
	      "                        share a host directory with the program (--vmm kvm)\n"
	      "      --initrd FILE     files for the guest's root file system (cpio newc)\n"
	      "      --root DIR[:rw]   a host tree as the guest's root, read-only unless :rw\n"
	      "                        (--vmm kvm; /tmp, /dev, /proc, /sys still the guest's)\n"
	      "      --vmm kvm|qemu    run under Bothy's KVM monitor (default) or QEMU\n"
	      "      --net slirp|tap:NAME|none\n"
	      "                        the guest's network card: user-mode NAT (default), a\n"
	      "                        host tap interface, or none\n"
	      "  -p, --publish [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]\n"
	      "                        forward a host port (on 127.0.0.1 unless HOSTADDR) to\n"
	      "                        the guest (--net slirp)\n"
	      "      --ip A.B.C.D/N|dhcp   the guest's address (slirp: 10.0.2.15/24; tap: dhcp)\n"
	      "      --gateway A.B.C.D --dns A.B.C.D\n"
	      "                        its router and name server (slirp: 10.0.2.2, 10.0.2.3)\n"
	      "      --mac XX:XX:XX:XX:XX:XX   its card's address (default 52:54:00:12:34:56)\n"
	      "      --fixed-base      load programs and libraries at fixed addresses (no\n"
	      "                        randomisation; like setarch -R), for reproducible runs\n"
	      "      --log LEVEL       error, warn (default), info or debug\n"
	      "      --trace           print every system call on stderr\n"
	      "      --kernel FILE     boot this kernel ELF instead of the built-in one\n"
	      "      --crash-kernel    (tests) make the kernel fault at boot\n"
	      "  -h, --help            this text\n"
	      "Environment: BOTHY_QEMU (QEMU binary), BOTHY_QEMU_ACCEL (kvm or tcg; default kvm, "
	      "but tcg on PVM hosts).\n",
	      f);
}

/* parse_size - "64M", "1G", "4096K" or bytes; 0 if malformed. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 0:
		break;
	default:
		return 0;
	}
	if ((*end == 'b' || *end == 'B') && shift)
		end++;
	if (*end || v > (~0ull >> shift))
		return 0;
	return v << shift;
}

static unsigned parse_log(const char *s)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (unsigned i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	die(BOTHY_EXIT_MONITOR, "--log: unknown level '%s' (error, warn, info, debug)", s);
}

static void add_env(struct options *o, char *kv)
{
	if (!strchr(kv, '=') || kv[0] == '=')
		die(BOTHY_EXIT_MONITOR, "-e: expected KEY=VALUE, got '%s'", kv);
	o->env = realloc(o->env, (o->envc + 2) * sizeof(*o->env));
	if (!o->env)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	o->env[o->envc++] = kv;
	o->env[o->envc] = NULL;
}

static void add_volume(struct options *o, const char *spec, int root)
{
	struct hostfs_share s;
	char err[512];

	if (o->nvolumes >= HOSTFS_SHARES_MAX)
		die(BOTHY_EXIT_MONITOR, "-v: more than %u host directories", HOSTFS_SHARES_MAX);
	if ((root ? hostfs_root_parse : hostfs_share_parse)(spec, &s, err, sizeof(err)))
		die(BOTHY_EXIT_MONITOR, "%s", err);
	for (unsigned i = 0; i < o->nvolumes; i++)
		if (!strcmp(o->volumes[i].guest, s.guest))
			die(BOTHY_EXIT_MONITOR, "'%s': %s is already the mount point of '%s'", spec,
			    s.guest, o->volumes[i].spec);
	o->volumes = realloc(o->volumes, (o->nvolumes + 1) * sizeof(*o->volumes));
	if (!o->volumes)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	o->volumes[o->nvolumes++] = s;
}

/* Why buf[0..len) is not a series of cpio newc archives, or NULL. Zero
 * bytes may follow each archive's TRAILER!!!, as in Linux's initramfs. */
static const char *cpio_problem(const uint8_t *buf, size_t len, char *why, size_t n)
{
	static const struct {
		const char *magic, *name;
	} packed[] = {
	    {"\x1f\x8b", "gzip"},
	    {"\xfd\x37\x7a\x58\x5a", "xz"},
	    {"\x28\xb5\x2f\xfd", "zstd"},
	    {"BZh", "bzip2"},
	};
	struct cpio_entry e;
	size_t off = 0;
	int r;

	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++)
		if (len >= strlen(packed[i].magic) &&
		    !memcmp(buf, packed[i].magic, strlen(packed[i].magic))) {
			snprintf(why, n, "is %s-compressed: give the uncompressed cpio archive",
			         packed[i].name);
			return why;
		}
	while (off < len) {
		size_t start = off;
		while ((r = cpio_next(buf, len, &off, &e)) == 1)
			;
		if (r < 0) {
			snprintf(why, n, "%s at byte %zu (expected cpio newc archives, 070701)",
			         off == start ? "not a cpio archive" : "malformed cpio entry", off);
			return why;
		}
		while (off < len && buf[off] == 0)
			off++;
		if (off < len && off % 4) {
			snprintf(why, n, "malformed: data at byte %zu after a TRAILER!!!", off);
			return why;
		}
	}
	return NULL;
}

/* --initrd FILE: open and check it (the whole archive) before any VM. */
static void initrd_open(struct options *o, const char *path)
{
	struct stat st;
	char why[128];
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(BOTHY_EXIT_MONITOR, "--initrd %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(BOTHY_EXIT_MONITOR, "--initrd %s: not a regular file", path);
	if (st.st_size == 0)
		die(BOTHY_EXIT_MONITOR, "--initrd %s: empty file, not a cpio archive", path);
	if (st.st_size > (off_t)BOTHY_MEM_MAX)
		die(BOTHY_EXIT_MONITOR, "--initrd %s: larger than the largest guest memory (2G)",
		    path);
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die(BOTHY_EXIT_MONITOR, "--initrd %s: %s", path, strerror(errno));
	if (cpio_problem(p, st.st_size, why, sizeof(why)))
		die(BOTHY_EXIT_MONITOR, "--initrd %s: %s", path, why);
	munmap(p, st.st_size);
	if (o->initrd_fd >= 0)
		close(o->initrd_fd);
	o->initrd = path;
	o->initrd_fd = fd;
	o->initrd_size = (uint64_t)st.st_size;
}

enum {
	OPT_VMM = 256,
	OPT_LOG,
	OPT_TRACE,
	OPT_KERNEL,
	OPT_CRASH,
	OPT_INITRD,
	OPT_ROOT,
	OPT_FIXED,
	OPT_CPUS,
	OPT_NET,
	OPT_IP,
	OPT_GATEWAY,
	OPT_DNS,
	OPT_MAC
};

/* The network options (net.h): one line naming the flag on a bad value. */
static void parse_net_option(struct options *o, int c, const char *arg)
{
	char err[200];
	int r = 0;

	switch (c) {
	case OPT_NET:
		r = net_parse_mode(&o->net, arg, err, sizeof(err));
		break;
	case 'p':
		r = net_parse_forward(&o->net, arg, err, sizeof(err));
		break;
	case OPT_IP:
		r = net_parse_ip(&o->net, arg, err, sizeof(err));
		break;
	case OPT_GATEWAY:
		r = net_parse_addr("--gateway", arg, &o->net.gateway4, err, sizeof(err));
		o->net.gateway_set = 1;
		break;
	case OPT_DNS:
		r = net_parse_addr("--dns", arg, &o->net.dns4, err, sizeof(err));
		o->net.dns_set = 1;
		break;
	case OPT_MAC:
		r = net_parse_mac(&o->net, arg, err, sizeof(err));
		break;
	}
	if (r)
		die(BOTHY_EXIT_MONITOR, "%s", err);
}

/* The options together: -p needs slirp, the addresses must agree. */
static void check_net(const struct options *o)
{
	struct bothy_net_config c;
	uint8_t mac[6];
	char err[200];

	if (o->net.nfwd && o->net.mode != NET_SLIRP)
		die(BOTHY_EXIT_MONITOR, "-p %s: forwarding ports needs --net slirp",
		    o->net.fwd[0].spec);
	if (o->net.mode == NET_NONE &&
	    (o->net.ip_set || o->net.gateway_set || o->net.dns_set || o->net.mac_set))
		die(BOTHY_EXIT_MONITOR,
		    "--net none: --ip, --gateway, --dns and --mac need a network");
	if (net_config(&o->net, &c, mac, err, sizeof(err)))
		die(BOTHY_EXIT_MONITOR, "%s", err);
}

/* --cpus N: a decimal count of vCPUs, 1..BOTHY_CPUS_MAX. */
static unsigned parse_cpus(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s < '0' || *s > '9' || v < 1 || v > BOTHY_CPUS_MAX)
		die(BOTHY_EXIT_MONITOR, "--cpus: '%s' is not a number of vCPUs from 1 to %d", s,
		    BOTHY_CPUS_MAX);
	return (unsigned)v;
}

/* Does option `val` take a value? (For getopt's '?', which means either
 * an unknown option or a missing value.) */
static int needs_value(const struct option *opts, int val)
{
	for (; val && opts->name; opts++)
		if (opts->val == val)
			return opts->has_arg == required_argument;
	return 0;
}

static void parse_run(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"memory", required_argument, 0, 'm'},
	    {"env", required_argument, 0, 'e'},
	    {"cpus", required_argument, 0, OPT_CPUS},
	    {"volume", required_argument, 0, 'v'},
	    {"initrd", required_argument, 0, OPT_INITRD},
	    {"root", required_argument, 0, OPT_ROOT},
	    {"vmm", required_argument, 0, OPT_VMM},
	    {"log", required_argument, 0, OPT_LOG},
	    {"trace", no_argument, 0, OPT_TRACE},
	    {"kernel", required_argument, 0, OPT_KERNEL},
	    {"help", no_argument, 0, 'h'},
	    {"crash-kernel", no_argument, 0, OPT_CRASH},
	    {"fixed-base", no_argument, 0, OPT_FIXED},
	    {"net", required_argument, 0, OPT_NET},
	    {"publish", required_argument, 0, 'p'},
	    {"ip", required_argument, 0, OPT_IP},
	    {"gateway", required_argument, 0, OPT_GATEWAY},
	    {"dns", required_argument, 0, OPT_DNS},
	    {"mac", required_argument, 0, OPT_MAC},
	    {0, 0, 0, 0},
	};
	int c;

	opterr = 0;
	/* "+": stop at the program name; its own flags are its own. */
	while ((c = getopt_long(argc, argv, "+m:e:v:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->mem_size = parse_size(optarg);
			if (o->mem_size < BOTHY_MEM_MIN || o->mem_size > BOTHY_MEM_MAX ||
			    o->mem_size % 4096)
				die(BOTHY_EXIT_MONITOR,
				    "-m: '%s' is not a memory size from 4M to 2G (e.g. 64M)",
				    optarg);
			break;
		case 'e':
			add_env(o, optarg);
			break;
		case OPT_CPUS:
			o->cpus = parse_cpus(optarg);
			break;
		case 'v':
			add_volume(o, optarg, 0);
			break;
		case OPT_INITRD:
			initrd_open(o, optarg);
			break;
		case OPT_ROOT:
			add_volume(o, optarg, 1);
			o->root = 1;
			break;
		case OPT_VMM:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "qemu"))
				die(BOTHY_EXIT_MONITOR, "--vmm: '%s' is not kvm or qemu", optarg);
			o->vmm = optarg;
			break;
		case OPT_LOG:
			o->log_level = parse_log(optarg);
			break;
		case OPT_TRACE:
			o->trace = 1;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_FIXED:
			o->fixed_base = 1;
			break;
		case OPT_CRASH:
			o->crash_kernel = 1;
			break;
		case OPT_NET:
		case 'p':
		case OPT_IP:
		case OPT_GATEWAY:
		case OPT_DNS:
		case OPT_MAC:
			parse_net_option(o, c, optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
		case '?':
		default:
			if (needs_value(longopts, optopt) && !strchr(argv[optind - 1], '='))
				die(BOTHY_EXIT_MONITOR, "option %s needs a value",
				    argv[optind - 1]);
			die(BOTHY_EXIT_MONITOR, "unknown option '%s' (bothy run --help)",
			    argv[optind - 1]);
		}
	}
	for (unsigned i = 0; i < o->nvolumes; i++)
		if (!strcmp(o->volumes[i].guest, "/") && o->initrd)
			die(BOTHY_EXIT_MONITOR,
			    "--root and --initrd both give the guest's root: use one");
	check_net(o);
	if (optind >= argc)
		die(BOTHY_EXIT_MONITOR, "no program given (bothy run [options] PROGRAM [ARGS...])");
	o->program = argv[optind];
	o->argv = &argv[optind];
	o->argc = argc - optind;
}

int main(int argc, char **argv)
{
	struct options o = {.mem_size = DEFAULT_MEM,
	                    .cpus = 1,
	                    .vmm = "kvm",
	                    .log_level = BOTHY_LOG_WARN,
	                    .initrd_fd = -1};
	static char *no_env[] = {NULL};

	if (argc < 2) {
		usage(stderr);
		return BOTHY_EXIT_MONITOR;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "run"))
		die(BOTHY_EXIT_MONITOR, "unknown command '%s' (try: bothy run PROGRAM)", argv[1]);
	parse_run(&o, argc - 1, argv + 1); /* o.env grows from NULL with each -e */
	/* A host peer that closes its connection must not kill bothy through
	 * slirp's send(2); a closed stdout reaches the program as EPIPE and the
	 * guest kernel raises its SIGPIPE (as QEMU, which ignores it too). */
	signal(SIGPIPE, SIG_IGN);
	if (!o.env)
		o.env = no_env;
	o.exe_path = realpath(o.program, NULL);
	if (!o.exe_path)
		o.exe_path = (char *)o.program;
	return strcmp(o.vmm, "qemu") ? run_kvm(&o) : run_qemu(&o);
}
