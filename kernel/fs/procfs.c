/*
 * procfs, mounted at /proc (proc(5)): the one process, /proc/1 (and the
 * link self -> 1), system-wide files (cpuinfo, meminfo, mounts, stat ...)
 * and the sysctls under /proc/sys that programs read. Contents follow
 * Linux's formats byte for byte where programs parse them.
 *
 * Write answers are Linux's for the kind of file: top-level files fail
 * write(2) with EIO, per-process files with EINVAL; sysctls that are
 * read-only on Linux refuse open for writing with EACCES, and the ones
 * Linux lets root change with EROFS (we keep them fixed).
 */
#include <arch.h>
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <random.h>
#include <string.h>
#include <sys.h>

#include "synth.h"

#define PID         1
#define UTS_RELEASE "6.1.0-bothy" /* as sys_uname() says */
#define UTS_VERSION "#1 SMP Bothy"
#define ST_DEV_PROC 0x15
#define NS_PER_TICK (1000000000ull / USER_HZ)
#define KB(bytes)   ((unsigned long)((bytes) >> 10))

static char boot_id[40]; /* made on first use */

/* --- helpers --- */

static unsigned long ticks(uint64_t ns)
{
	return (unsigned long)(ns / NS_PER_TICK);
}

/* "1.23": a count of hundredths. */
static void put_hundredths(struct synth_buf *s, uint64_t v)
{
	synth_printf(s, "%lu.%02lu", (unsigned long)(v / 100), (unsigned long)(v % 100));
}

static void uuid_format(char *out, size_t size)
{
	uint8_t u[16];

	random_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 (RFC 4122): random */
	u[8] = (u[8] & 0x3f) | 0x80; /* variant 10 */
	snprintf(out, size,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0],
	         u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
	         u[14], u[15]);
}

/* The name prctl(PR_SET_NAME) starts from: the program's, cut to 15 bytes. */
static void put_comm(struct synth_buf *s)
{
	const char *name = proc_exe_basename();

	synth_write(s, name, strnlen(name, 15));
}

static int have_tty(void)
{
	return console_is_tty(0) || console_is_tty(1);
}

/* The address space in numbers (bytes), from the areas. */
struct vm_stats {
	uint64_t size, exec, data, stack;
	uint64_t code_start, code_end; /* the program's first executable area */
};

static int is_stack(const struct vm_area_info *a)
{
	return a->name && !strcmp(a->name, "[stack]");
}

static void vm_stats_add(const struct vm_area_info *a, void *arg)
{
	struct vm_stats *v = arg;
	uint64_t len = a->end - a->start;

	v->size += len;
	if (is_stack(a))
		v->stack += len;
	else if (a->prot & PROT_EXEC)
		v->exec += len;
	else if (a->prot & PROT_WRITE)
		v->data += len;
	if ((a->prot & PROT_EXEC) && a->name == proc_exe_path && !v->code_end)
		v->code_start = a->start, v->code_end = a->end;
}

static void vm_stats(struct vm_stats *v)
{
	*v = (struct vm_stats){0};
	vm_for_each(vm_stats_add, v);
}

/* Resident memory: what is in use, at most the address space's size. */
static uint64_t rss_bytes(const struct vm_stats *v)
{
	return MIN(mm_total_bytes() - mm_free_bytes(), v->size);
}

/* --- /proc/1 --- */

/*
 * argv and envp as NUL-separated strings: from the boot information's
 * strings area (argc strings, then envc), which stays in place for good
 * (reserved low memory, or the initrd). *len gets the bytes.
 */
static const char *boot_strings(unsigned first, unsigned n, size_t *len)
{
	const char *p = PHYS_TO_VIRT(boot_info->args_gpa), *end = p + boot_info->args_size, *start;
	unsigned i;

	for (i = 0; i < first && p < end; i++)
		p += strnlen(p, end - p) + 1;
	start = MIN(p, end);
	for (i = 0; i < n && p < end; i++)
		p += strnlen(p, end - p) + 1;
	*len = MIN(p, end) - start;
	return start;
}

static void show_cmdline(struct synth_buf *s, long id)
{
	size_t len;
	const char *p = boot_strings(0, boot_info->argc, &len);

	(void)id;
	synth_write(s, p, len);
}

static void show_environ(struct synth_buf *s, long id)
{
	size_t len;
	const char *p = boot_strings(boot_info->argc, boot_info->envc, &len);

	(void)id;
	synth_write(s, p, len);
}

static void show_comm(struct synth_buf *s, long id)
{
	(void)id;
	put_comm(s);
	synth_puts(s, "\n");
}

/* proc_pid_stat(5): 52 fields; what we do not track is 0. */
static void show_stat(struct synth_buf *s, long id)
{
	struct vm_stats v;
	int tty = have_tty();

	(void)id;
	vm_stats(&v);
	synth_puts(s, "1 (");
	put_comm(s);
	synth_printf(s, ") R 0 1 1 %u %d 4194304 0 0 0 0 %lu 0 0 0 20 0 1 0 0 ",
	             tty ? (unsigned)DEV_CONSOLE : 0, tty ? PID : -1, ticks(time_monotonic_ns()));
	synth_printf(s, "%lu %lu 18446744073709551615 %lu %lu %lu ", (unsigned long)v.size,
	             (unsigned long)(rss_bytes(&v) / PAGE_SIZE), (unsigned long)v.code_start,
	             (unsigned long)v.code_end, (unsigned long)(USER_STACK_TOP - 8));
	synth_puts(s, "0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
}

static void show_statm(struct synth_buf *s, long id)
{
	struct vm_stats v;

	(void)id;
	vm_stats(&v);
	synth_printf(s, "%lu %lu 0 %lu 0 %lu 0\n", (unsigned long)(v.size / PAGE_SIZE),
	             (unsigned long)(rss_bytes(&v) / PAGE_SIZE),
	             (unsigned long)(v.exec / PAGE_SIZE),
	             (unsigned long)((v.data + v.stack) / PAGE_SIZE));
}

static void status_kb(struct synth_buf *s, const char *label, uint64_t bytes)
{
	synth_printf(s, "%s:\t%8lu kB\n", label, KB(bytes));
}

static void show_status(struct synth_buf *s, long id)
{
	static const char ids[] = "Tgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\nTracerPid:\t0\n"
	                          "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n"
	                          "NStgid:\t1\nNSpid:\t1\nNSpgid:\t1\nNSsid:\t1\n";
	static const char sig[] = "Threads:\t1\nSigQ:\t0/63432\nSigPnd:\t0000000000000000\n"
	                          "ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
	                          "SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"
	                          "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
	                          "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
	                          "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
	                          "Seccomp_filters:\t0\n";
	unsigned ncpus = boot_info->cpus ? boot_info->cpus : 1;
	struct vm_stats v;
	uint64_t rss;

	(void)id;
	vm_stats(&v);
	rss = rss_bytes(&v);
	synth_puts(s, "Name:\t");
	put_comm(s);
	synth_puts(s, "\nUmask:\t");
	synth_octal(s, vfs_umask, 4);
	synth_puts(s, "\nState:\tR (running)\n");
	synth_puts(s, ids);
	status_kb(s, "VmPeak", v.size);
	status_kb(s, "VmSize", v.size);
	status_kb(s, "VmLck", 0);
	status_kb(s, "VmPin", 0);
	status_kb(s, "VmHWM", rss);
	status_kb(s, "VmRSS", rss);
	status_kb(s, "RssAnon", rss);
	status_kb(s, "RssFile", 0);
	status_kb(s, "RssShmem", 0);
	status_kb(s, "VmData", v.data);
	status_kb(s, "VmStk", v.stack);
	status_kb(s, "VmExe", v.exec);
	status_kb(s, "VmLib", 0);
	status_kb(s, "VmPTE", 0);
	status_kb(s, "VmSwap", 0);
	synth_puts(s, sig);
	synth_printf(s, "Cpus_allowed:\t%lx\n", (unsigned long)((1ull << ncpus) - 1));
	if (ncpus > 1)
		synth_printf(s, "Cpus_allowed_list:\t0-%u\n", ncpus - 1);
	else
		synth_puts(s, "Cpus_allowed_list:\t0\n");
	synth_puts(s, "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n"
	              "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

/* --- /proc/1/maps --- */

/* The line being gathered: adjacent areas alike are shown as one, as
 * Linux merges them. */
struct maps {
	struct synth_buf *s;
	struct vm_area_info a;
};

static int same_name(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

/* "start-end perms offset major:minor inode", then the name from column 73
 * (Linux's show_map_vma()). */
static void maps_line(struct maps *m)
{
	const struct vm_area_info *a = &m->a;
	size_t from = m->s->len;

	if (a->start == a->end)
		return;
	synth_printf(
	    m->s, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu", (unsigned long)a->start,
	    (unsigned long)a->end, a->prot & PROT_READ ? 'r' : '-',
	    a->prot & PROT_WRITE ? 'w' : '-', a->prot & PROT_EXEC ? 'x' : '-',
	    a->shared ? 's' : 'p', (unsigned long)a->off, (unsigned)((a->dev >> 8) & 0xfff),
	    (unsigned)((a->dev & 0xff) | ((a->dev >> 12) & 0xfff00)), (unsigned long)a->ino);
	if (a->name) {
		synth_pad(m->s, from, 72);
		synth_puts(m->s, " ");
		synth_puts(m->s, a->name);
	}
	synth_puts(m->s, "\n");
}

static void maps_area(const struct vm_area_info *a, void *arg)
{
	struct maps *m = arg;
	struct vm_area_info *l = &m->a;

	if (l->end == a->start && l->prot == a->prot && l->shared == a->shared &&
	    l->dev == a->dev && l->ino == a->ino && same_name(l->name, a->name) &&
	    (!a->ino || a->off == l->off + (l->end - l->start))) {
		l->end = a->end;
		return;
	}
	maps_line(m);
	*l = *a;
}

static void show_maps(struct synth_buf *s, long id)
{
	struct maps m = {.s = s};

	(void)id;
	vm_for_each(maps_area, &m);
	maps_line(&m);
}

/* --- mounts --- */

/* A path as /proc/mounts writes it: space, tab, newline and backslash
 * as octal escapes (Linux's mangle()). */
static void put_escaped(struct synth_buf *s, const char *p)
{
	const char *run = p;

	for (; *p; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\\')
			continue;
		synth_write(s, run, p - run);
		synth_puts(s, "\\");
		synth_octal(s, (unsigned char)*p, 3);
		run = p + 1;
	}
	synth_write(s, run, p - run);
}

static void mounts_line(const char *path, struct super_block *sb, void *arg)
{
	struct synth_buf *s = arg;

	synth_puts(s, "none ");
	put_escaped(s, path);
	synth_printf(s, " %s %s 0 0\n", sb->type, sb->flags & SB_RDONLY ? "ro" : "rw");
}

static void show_mounts(struct synth_buf *s, long id)
{
	(void)id;
	vfs_for_each_mount(mounts_line, s);
}

/* The file system types in use, each once. */
struct fs_types {
	const char *type[16];
	unsigned n;
};

static void fs_type_add(const char *path, struct super_block *sb, void *arg)
{
	struct fs_types *t = arg;

	(void)path;
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->type[i], sb->type))
			return;
	if (t->n < ARRAY_SIZE(t->type))
		t->type[t->n++] = sb->type;
}

static void show_filesystems(struct synth_buf *s, long id)
{
	struct fs_types t = {.n = 0};

	(void)id;
	vfs_for_each_mount(fs_type_add, &t);
	for (unsigned i = 0; i < t.n; i++)
		synth_printf(s, "nodev\t%s\n", t.type[i]);
}

/* --- /proc/1/cwd, exe --- */

static void show_cwd(struct synth_buf *s, long id)
{
	char *p = synth_reserve(s, PATH_MAX);
	long r;

	(void)id;
	if (!p)
		return;
	if ((r = path_of(vfs_cwd(), p, PATH_MAX)) < 0)
		s->err = (int)r;
	else
		s->len += (size_t)r - 1; /* r counts the NUL */
}

static long exe_readlink(struct inode *inode, char *buf, size_t size)
{
	size_t len = MIN(strlen(proc_exe_path), size);

	(void)inode;
	memcpy(buf, proc_exe_path, len);
	return (long)len;
}

/* open("/proc/self/exe") opens the program's file itself (a magic link). */
static int exe_get_link(struct inode *inode, struct inode **out)
{
	(void)inode;
	if (!vfs_exe)
		return -ENOENT;
	*out = iget(vfs_exe);
	return 0;
}

static const struct inode_ops exe_link_iops = {
    .readlink = exe_readlink,
    .get_link = exe_get_link,
    .statfs = synth_statfs,
};

/* --- /proc/1/fd and fdinfo --- */

static void fd_mark(int fd, struct file *f, void *arg)
{
	uint64_t *ids = arg;

	(void)f;
	if (fd < SYNTH_DYN_MAX)
		ids[fd / 64] |= 1ull << (fd % 64);
}

static void fd_list(uint64_t *ids)
{
	memset(ids, 0, SYNTH_DYN_MAX / 8);
	fd_for_each(fd_mark, ids);
}

/* lr-x, l-wx or lrwx as the descriptor's access mode, like Linux. */
static int fd_link_setup(struct inode *inode, long id)
{
	struct file *f = fget((int)id);
	unsigned acc;

	if (!f)
		return -ENOENT;
	acc = f->flags & O_PATH ? 3 : f->flags & O_ACCMODE;
	inode->mode = S_IFLNK;
	inode->size = 64; /* what Linux gives these links */
	if (acc == O_RDONLY || acc == O_RDWR)
		inode->mode |= 0500;
	if (acc == O_WRONLY || acc == O_RDWR)
		inode->mode |= 0300;
	fput(f);
	return 0;
}

static int fd_exists(struct inode *inode, long id)
{
	struct file *f = fget((int)id);

	(void)inode;
	fput(f);
	return f ? 0 : -ENOENT;
}

/* What readlink(2) gives for descriptor fd: its path, or "pipe:[ino]" and
 * the like for what has no name. */
static long fd_readlink(struct inode *inode, char *buf, size_t size)
{
	struct file *f = fget((int)synth_id(inode));
	char tmp[48];
	const char *name = tmp;
	size_t len;

	if (!f)
		return -ENOENT;
	if (f->path)
		name = f->path;
	else if (f->inode && S_ISFIFO(f->inode->mode))
		snprintf(tmp, sizeof(tmp), "pipe:[%lu]", (unsigned long)f->inode->ino);
	else if (f->inode && (f->inode->mode & S_IFMT) == S_IFSOCK)
		snprintf(tmp, sizeof(tmp), "socket:[%lu]", (unsigned long)f->inode->ino);
	else
		snprintf(tmp, sizeof(tmp), "anon_inode:[%s]", "unknown");
	len = MIN(strlen(name), size);
	memcpy(buf, name, len);
	fput(f);
	return (long)len;
}

/* open("/proc/self/fd/N") opens descriptor N's inode afresh. */
static int fd_get_link(struct inode *inode, struct inode **out)
{
	struct file *f = fget((int)synth_id(inode));
	int r = -ENOENT;

	if (f && f->inode) {
		*out = iget(f->inode);
		r = 0;
	}
	fput(f);
	return r;
}

static const struct inode_ops fd_link_iops = {
    .readlink = fd_readlink,
    .get_link = fd_get_link,
    .statfs = synth_statfs,
};

static void show_fdinfo(struct synth_buf *s, long id)
{
	struct file *f = fget((int)id);
	unsigned flags;

	if (!f) {
		s->err = -ENOENT;
		return;
	}
	flags = f->flags | (fd_cloexec_get((int)id) ? O_CLOEXEC : 0);
	synth_printf(s, "pos:\t%lu\nflags:\t0", (unsigned long)f->pos);
	synth_octal(s, flags, 1);
	synth_printf(s, "\nmnt_id:\t0\nino:\t%lu\n", (unsigned long)(f->inode ? f->inode->ino : 0));
	fput(f);
}

static struct synth_node fd_link = {
    .mode = S_IFLNK | 0700,
    .setup = fd_link_setup,
    .iop = &fd_link_iops,
};
static struct synth_node fdinfo_file = {
    .mode = S_IFREG | 0444,
    .show = show_fdinfo,
    .setup = fd_exists,
};
static const struct synth_dyn fd_dyn = {&fd_link, "", fd_list};
static const struct synth_dyn fdinfo_dyn = {&fdinfo_file, "", fd_list};

static struct synth_node pid_nodes[] = {
    {.name = "exe", .mode = S_IFLNK | 0777, .iop = &exe_link_iops}, /* first: see proc_nodes */
    {.name = "fd", .mode = S_IFDIR | 0500, .dyn = &fd_dyn},
    {.name = "fdinfo", .mode = S_IFDIR | 0500, .dyn = &fdinfo_dyn},
    {.name = "environ", .mode = S_IFREG | 0400, .show = show_environ},
    SYNTH_FILE("status", 0444, show_status),
    SYNTH_FILE("comm", 0644, show_comm),
    SYNTH_FILE("cmdline", 0444, show_cmdline),
    SYNTH_FILE("stat", 0444, show_stat),
    SYNTH_FILE("statm", 0444, show_statm),
    SYNTH_FILE("maps", 0444, show_maps),
    SYNTH_LINK_FN("cwd", show_cwd),
    SYNTH_LINK("root", "/"),
    SYNTH_FILE("mounts", 0444, show_mounts),
    SYNTH_END,
};

/* --- system-wide files --- */

#define TOP(n, fn)                                                                                 \
	{                                                                                          \
		.name = (n), .mode = S_IFREG | 0444, .flags = SYNTH_W_EIO, .show = (fn)            \
	}

static void show_cpuinfo(struct synth_buf *s, long id)
{
	unsigned ncpus = boot_info->cpus ? boot_info->cpus : 1;
	char *p;
	int n;

	(void)id;
	for (unsigned c = 0; c < ncpus; c++) {
		if (!(p = synth_reserve(s, 4096)))
			return;
		n = arch_cpuinfo(p, s->cap - s->len, c);
		if (s->len + n >= s->cap) { /* did not fit */
			if (!(p = synth_reserve(s, n)))
				return;
			arch_cpuinfo(p, s->cap - s->len, c);
		}
		s->len += n;
	}
}

/* meminfo: labels padded to 16 columns, values in 8 (Linux's show_val_kb). */
static void show_meminfo(struct synth_buf *s, long id)
{
	uint64_t total = mm_total_bytes(), free = mm_free_bytes(), used = total - free;
	const struct {
		const char *label;
		uint64_t kb;
	} rows[] = {
	    {"MemTotal:       ", KB(total)},
	    {"MemFree:        ", KB(free)},
	    {"MemAvailable:   ", KB(free)},
	    {"Buffers:        ", 0},
	    {"Cached:         ", 0},
	    {"SwapCached:     ", 0},
	    {"Active:         ", KB(used)},
	    {"Inactive:       ", 0},
	    {"SwapTotal:      ", 0},
	    {"SwapFree:       ", 0},
	    {"Dirty:          ", 0},
	    {"Writeback:      ", 0},
	    {"AnonPages:      ", KB(used)},
	    {"Mapped:         ", 0},
	    {"Shmem:          ", 0},
	    {"Slab:           ", 0},
	    {"CommitLimit:    ", KB(total / 2)},
	    {"Committed_AS:   ", KB(used)},
	    {"VmallocTotal:   ", 34359738367ull},
	    {"VmallocUsed:    ", 0},
	    {"VmallocChunk:   ", 0},
	};

	(void)id;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		synth_printf(s, "%s%8lu kB\n", rows[i].label, (unsigned long)rows[i].kb);
	synth_puts(s, "HugePages_Total:       0\nHugePages_Free:        0\n"
	              "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
	              "Hugepagesize:       2048 kB\n");
}

static void show_uptime(struct synth_buf *s, long id)
{
	(void)id;
	put_hundredths(s, time_monotonic_ns() / 10000000);
	synth_puts(s, " 0.00\n");
}

/* /proc/stat: one busy CPU 0 (the program), the others idle. */
static void show_proc_stat(struct synth_buf *s, long id)
{
	unsigned ncpus = boot_info->cpus ? boot_info->cpus : 1;
	unsigned long t = ticks(time_monotonic_ns()), idle = t * (ncpus - 1);
	uint64_t btime = (time_realtime_ns() - time_monotonic_ns()) / 1000000000;

	(void)id;
	synth_printf(s, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", t, idle);
	for (unsigned c = 0; c < ncpus; c++)
		synth_printf(s, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", c, c ? 0 : t, c ? t : 0);
	synth_printf(s, "intr 0\nctxt 0\nbtime %lu\nprocesses 1\nprocs_running 1\n",
	             (unsigned long)btime);
	synth_puts(s, "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

static void show_uuid(struct synth_buf *s, long id)
{
	char u[40];

	(void)id;
	uuid_format(u, sizeof(u));
	synth_puts(s, u);
}

static void show_boot_id(struct synth_buf *s, long id)
{
	(void)id;
	if (!boot_id[0])
		uuid_format(boot_id, sizeof(boot_id));
	synth_puts(s, boot_id);
}

/* --- /proc/sys --- */

/* A sysctl Linux lets root change (0644), and one it never does (0444). */
#define SYSCTL_RW(n, str)                                                                          \
	{                                                                                          \
		.name = (n), .mode = S_IFREG | 0644, .flags = SYNTH_W_EROFS, .text = (str)         \
	}
#define SYSCTL_RO(n, str)                                                                          \
	{                                                                                          \
		.name = (n), .mode = S_IFREG | 0444, .flags = SYNTH_W_EACCES, .text = (str)        \
	}

static struct synth_node sys_random[] = {
    {.name = "boot_id", .mode = S_IFREG | 0444, .flags = SYNTH_W_EACCES, .show = show_boot_id},
    SYSCTL_RO("entropy_avail", "256\n"),
    SYSCTL_RO("poolsize", "256\n"),
    {.name = "uuid", .mode = S_IFREG | 0444, .flags = SYNTH_W_EACCES, .show = show_uuid},
    SYNTH_END,
};
static struct synth_node sys_kernel[] = {
    SYSCTL_RO("cap_last_cap", "40\n"),
    SYSCTL_RW("domainname", "(none)\n"),
    SYSCTL_RW("hostname", "bothy\n"),
    SYSCTL_RW("ngroups_max", "65536\n"),
    SYSCTL_RO("osrelease", UTS_RELEASE "\n"),
    SYSCTL_RO("ostype", "Linux\n"),
    SYSCTL_RW("overflowgid", "65534\n"),
    SYSCTL_RW("overflowuid", "65534\n"),
    SYSCTL_RW("pid_max", "4194304\n"),
    SYNTH_DIR("random", 0555, sys_random),
    SYSCTL_RW("threads-max", "63432\n"),
    SYSCTL_RO("version", UTS_VERSION "\n"),
    SYNTH_END,
};
static struct synth_node sys_vm[] = {
    SYSCTL_RW("max_map_count", "65530\n"),
    SYSCTL_RW("overcommit_memory", "0\n"),
    SYSCTL_RW("overcommit_ratio", "50\n"),
    SYSCTL_RW("swappiness", "60\n"),
    SYNTH_END,
};
static struct synth_node sys_net_core[] = {
    SYSCTL_RW("somaxconn", "4096\n"),
    SYNTH_END,
};
static struct synth_node sys_net[] = {
    SYNTH_DIR("core", 0555, sys_net_core),
    SYNTH_END,
};
static struct synth_node sys_fs[] = {
    SYSCTL_RW("file-max", "9223372036854775807\n"),
    SYSCTL_RW("nr_open", "1048576\n"),
    SYSCTL_RW("pipe-max-size", "1048576\n"),
    SYNTH_END,
};
static struct synth_node sys_nodes[] = {
    SYNTH_DIR("fs", 0555, sys_fs),
    SYNTH_DIR("kernel", 0555, sys_kernel),
    SYNTH_DIR("net", 0555, sys_net),
    SYNTH_DIR("vm", 0555, sys_vm),
    SYNTH_END,
};

/* "self" first: every static glibc program looks up /proc/self/exe at start. */
static struct synth_node proc_nodes[] = {
    SYNTH_LINK("self", "1"),
    SYNTH_DIR("1", 0555, pid_nodes),
    SYNTH_DIR("sys", 0555, sys_nodes),
    TOP("cpuinfo", show_cpuinfo),
    TOP("filesystems", show_filesystems),
    {.name = "loadavg",
     .mode = S_IFREG | 0444,
     .flags = SYNTH_W_EIO,
     .text = "0.00 0.00 0.00 1/1 1\n"},
    TOP("meminfo", show_meminfo),
    SYNTH_LINK("mounts", "self/mounts"),
    TOP("stat", show_proc_stat),
    TOP("uptime", show_uptime),
    {.name = "version",
     .mode = S_IFREG | 0444,
     .flags = SYNTH_W_EIO,
     .text = "Linux version " UTS_RELEASE " (bothy@bothy) (gcc) " UTS_VERSION "\n"},
    SYNTH_LINK("thread-self", "1"),
    SYNTH_END,
};
static struct synth_node proc_root = SYNTH_DIR("proc", 0555, proc_nodes);

/* --- the file system --- */

static struct super_block proc_sb = {
    .type = "proc",
    .dev = ST_DEV_PROC,
    .statfs_type = PROC_SUPER_MAGIC,
};

/* procfs_new - the /proc file system (one per boot: later calls return the
 * same super block). NULL if out of memory. */
struct super_block *procfs_new(void)
{
	if (!proc_sb.root && synth_mount(&proc_sb, &proc_root))
		return NULL;
	return &proc_sb;
}
