/*
 * fs_proc: the parts of /proc and /sys that programs read (proc(5),
 * Documentation/ABI/stable/sysfs-devices-system-cpu). Only formats are
 * checked, never values that differ between a host and a one-vCPU VM:
 * /proc/self (a link to the pid), /proc/self/exe (names the program and
 * opens it), /proc/self/fd (lists exactly the open descriptors),
 * /proc/self/cmdline, /proc/self/maps (the program's text and the stack),
 * /proc/cpuinfo, /proc/meminfo, /proc/filesystems,
 * /proc/sys/vm/overcommit_memory, /proc/sys/kernel/random/uuid and
 * /sys/devices/system/cpu/online.
 */
// case: fs_proc -- one "two words" ""
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include "fs_probe.h"

static char text[1 << 16], exe[PATH_MAX];

/* The whole of a /proc file into text (NUL-terminated); its length or -1. */
static ssize_t slurp(const char *path)
{
	return fs_get(path, text, sizeof(text) - 1);
}

/* Does text have a line that starts with @prefix? Returns the line. */
static char *line_starting(const char *prefix)
{
	size_t n = strlen(prefix);

	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, n))
			return l;
	return NULL;
}

/* Does /proc/self/cmdline hold argv[1..argc) after argv[0]? */
static int cmdline_is(int argc, char **argv)
{
	ssize_t n = slurp("/proc/self/cmdline"), off = 0;
	int words = 0;

	if (n <= 0 || text[n - 1] != 0)
		return 0;
	for (; off < n; off += strlen(text + off) + 1, words++)
		if (words > 0 && (words >= argc || strcmp(text + off, argv[words])))
			return 0;
	return words == argc;
}

static int self_links(int argc, char **argv)
{
	char s[64], magic[4];
	ssize_t n;
	int bad = 0, fd;

	n = readlink("/proc/self", s, sizeof(s) - 1);
	s[n > 0 ? n : 0] = 0;
	bad += check("/proc/self links to the pid", n > 0 && atoi(s) == getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	bad += check("/proc/self/exe is an absolute path", exe[0] == '/');
	bad += check("... with the program's name", !strcmp(base_name(exe), base_name(argv[0])));
	fd = open("/proc/self/exe", O_RDONLY);
	bad += check("opening it reads an ELF header",
	             fd >= 0 && read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4));
	close(fd);
	bad += check("/proc/self/cmdline holds argv, NUL-terminated", cmdline_is(argc, argv));
	return bad;
}

static int fd_listing(void)
{
	char list[128] = "", link[64];
	int bad = 0, p[2], fds[64], count = 0;
	DIR *d;
	struct dirent *e;
	ssize_t n;

	open("/dev/null", O_RDONLY);  /* 3 */
	pipe(p);                      /* 4, 5 */
	d = opendir("/proc/self/fd"); /* 6 */
	if (!d)
		return fs_succeeds("opendir /proc/self/fd", -1, errno);
	while ((e = readdir(d)) && count < 64)
		if (isdigit((unsigned char)e->d_name[0]))
			fds[count++] = atoi(e->d_name);
	closedir(d);
	for (int i = 0; i < count; i++)
		for (int j = i + 1; j < count; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j];
				fds[j] = t;
			}
	for (int i = 0; i < count; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), " %d", fds[i]);
	printf("/proc/self/fd lists:%s\n", list);
	n = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("/proc/self/fd/3 -> %s\n", link);
	n = readlink("/proc/self/fd/4", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	bad += check("/proc/self/fd/4 -> pipe:[N]", !strncmp(link, "pipe:[", 6));
	bad += expect_fail("readlink /proc/self/fd/99", readlink("/proc/self/fd/99", link, 10),
	                   ENOENT);
	close(3);
	close(4);
	close(5);
	return bad;
}

static int maps(void)
{
	int bad = 0, stack = 0, text_of_exe = 0, bad_lines = 0;

	if (slurp("/proc/self/maps") <= 0)
		return fs_succeeds("read /proc/self/maps", -1, errno);
	for (char *l = text; *l;) {
		char *end = strchr(l, '\n'), perms[5], path[PATH_MAX] = "";
		unsigned long lo, hi, off, ino;
		unsigned maj, mnr;
		int fields;

		if (!end)
			break;
		*end = 0;
		fields = sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %4095s", &lo, &hi, perms, &off, &maj,
		                &mnr, &ino, path);
		if (fields < 7 || lo >= hi)
			bad_lines++;
		stack += !strcmp(path, "[stack]");
		text_of_exe += !strcmp(path, exe) && perms[2] == 'x';
		l = end + 1;
	}
	bad += check("/proc/self/maps: every line is START-END PERMS OFFSET DEV INODE [PATH]",
	             bad_lines == 0);
	bad += check("... one line is [stack]", stack == 1);
	bad += check("... an executable line maps /proc/self/exe", text_of_exe >= 1);
	return bad;
}

static int system_files(void)
{
	char *l;
	int bad = 0;
	unsigned long kb;
	char unit[8] = "";

	bad += check("/proc/cpuinfo", slurp("/proc/cpuinfo") > 0);
	bad += check("... has a line \"processor\\t: 0\"", line_starting("processor\t: 0") != NULL);
	bad += check("/proc/meminfo", slurp("/proc/meminfo") > 0);
	l = line_starting("MemTotal:");
	bad += check("... has \"MemTotal: N kB\"",
	             l && sscanf(l, "MemTotal: %lu %7s", &kb, unit) == 2 && kb > 0 &&
	                 !strcmp(unit, "kB"));
	bad += check("/proc/filesystems", slurp("/proc/filesystems") > 0);
	bad += check("... has \"nodev\\tproc\"", line_starting("nodev\tproc\n") != NULL);
	for (l = text; *l && strchr(l, '\n'); l = strchr(l, '\n') + 1)
		if (strncmp(l, "nodev\t", 6) && l[0] != '\t')
			break;
	bad += check("... every line is [nodev]\\tNAME", text[0] && !*l);
	bad += check("/proc/sys/vm/overcommit_memory is 0, 1 or 2",
	             slurp("/proc/sys/vm/overcommit_memory") == 2 && strchr("012", text[0]) &&
	                 text[1] == '\n');
	return bad;
}

static int uuid_format(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-'
		         : !isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	}
	return s[36] == '\n' && s[37] == 0 && s[14] == '4' && strchr("89ab", s[19]);
}

static int random_and_cpus(void)
{
	char a[64];
	int bad = 0, ok = 1;

	slurp("/proc/sys/kernel/random/uuid");
	memcpy(a, text, sizeof(a) - 1);
	a[sizeof(a) - 1] = 0;
	bad += check("/proc/sys/kernel/random/uuid is a version-4 UUID", uuid_format(a));
	slurp("/proc/sys/kernel/random/uuid");
	bad += check("... a new one each read", uuid_format(text) && strcmp(a, text));

	if (slurp("/sys/devices/system/cpu/online") <= 0)
		ok = 0;
	for (char *p = text; ok && *p != '\n';) {
		char *end;

		strtoul(p, &end, 10);
		if (end == p)
			ok = 0;
		else if (*end == '-' || *end == ',')
			p = end + 1;
		else if (*end == '\n')
			p = end;
		else
			ok = 0;
	}
	bad += check("/sys/devices/system/cpu/online is a CPU list, e.g. 0-1",
	             ok && text[0] == '0' && strchr(text, '\n')[1] == 0);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	bad += self_links(argc, argv);
	bad += fd_listing();
	bad += maps();
	bad += system_files();
	bad += random_and_cpus();
	fflush(stdout);
	return bad;
}
