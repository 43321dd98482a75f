/*
 * fs_getdents: a directory of N entries (argv[2], default and at most
 * 2000; hard links of one file, so one system call each; names of varying
 * length). getdents64(2) with a small buffer returns every name once,
 * with "." and "..", d_type and 8-byte aligned records; readdir(3)
 * agrees; seekdir(3) goes back to a telldir(3) position; lseek(2) to 0
 * starts over; a buffer too small for one record is EINVAL. Then the
 * rm -r pattern: read a batch, unlink it, read on; every entry is removed
 * exactly once and rmdir(2) succeeds.
 * About 2 N system calls, which cost milliseconds each under the KVM
 * monitor on a PVM host: one variant, 500 entries in a share.
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_getdents variants=musl timeout=120
// case: fs_getdents_share variants=musl share=/work -- /work 500
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs_probe.h"

#define N_MAX 2000

static int nentries = N_MAX; /* the N of the comment above */

struct dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static unsigned char seen[N_MAX];
static char buf[4096];

static void entry_name(char *s, size_t cap, int i)
{
	snprintf(s, cap, "n%04d%.*s", i, i % 13, "xxxxxxxxxxxxx");
}

/* The entry number of @name ("n0042xxx"), or -1. */
static int entry_number(const char *name)
{
	int i = -1;

	if (name[0] != 'n' || sscanf(name + 1, "%4d", &i) != 1 || i < 0 || i >= nentries)
		return -1;
	return i;
}

static long nlink_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

static int make_entries(void)
{
	char name[32];
	int bad = 0;

	mkdir("many", 0755);
	close(open("many/n0000", O_WRONLY | O_CREAT, 0644));
	for (int i = 1; i < nentries; i++) {
		char path[48];

		entry_name(name, sizeof(name), i);
		snprintf(path, sizeof(path), "many/%s", name);
		if (link("many/n0000", path) != 0)
			bad = 1;
	}
	bad = check("make N names (1 file, N - 1 links)", !bad);
	return bad + expect_eq("st_nlink of the file", nlink_of("many/n0000"), nentries);
}

/* Read the whole directory with getdents64 into @buf-sized batches;
 * check each record. Returns the failures. */
static int raw_listing(int fd)
{
	long n;
	int bad = 0, dots = 0, names = 0, odd = 0, dup = 0, types = 0;

	memset(seen, 0, sizeof(seen));
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64_ *d = (struct dirent64_ *)(buf + off);
			int i = entry_number(d->d_name);

			if (d->d_reclen % 8 || d->d_reclen == 0)
				odd++;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) {
				dots++;
				types += d->d_type != DT_DIR;
			} else if (i < 0) {
				odd++;
			} else {
				dup += seen[i]++ != 0;
				names++;
				types += d->d_type != DT_REG;
			}
			off += d->d_reclen ? d->d_reclen : n;
		}
	}
	bad += expect_eq("getdents64 at the end", n, 0);
	bad += expect_eq("names (each once)", names - dup, nentries);
	bad += expect_eq("repeated names", dup, 0);
	bad += expect_eq(". and ..", dots, 2);
	bad += expect_eq("records with a wrong d_type", types, 0);
	bad += expect_eq("records with an odd d_reclen or name", odd, 0);
	return bad;
}

static int libc_listing(void)
{
	DIR *d = opendir("many");
	struct dirent *e;
	long pos = -1;
	int bad = 0, count = 0;
	char at[NAME_MAX + 1] = "", again[NAME_MAX + 1] = "";

	if (!d)
		return check("opendir many", 0);
	while ((e = readdir(d))) {
		if (++count == nentries / 2)
			pos = telldir(d);
		else if (count == nentries / 2 + 1)
			snprintf(at, sizeof(at), "%s", e->d_name);
	}
	bad += expect_eq("readdir returns", count, nentries + 2);
	seekdir(d, pos);
	e = readdir(d);
	snprintf(again, sizeof(again), "%s", e ? e->d_name : "(none)");
	bad += check("seekdir to a telldir position reads the same entry next", !strcmp(at, again));
	rewinddir(d);
	count = 0;
	while (readdir(d))
		count++;
	bad += expect_eq("after rewinddir, readdir returns", count, nentries + 2);
	closedir(d);
	return bad;
}

/* Does the getdents64 result @n in buf hold exactly "." and ".."? */
static int just_dots(long n)
{
	long off = 0;
	int dots = 0;

	while (off < n) {
		struct dirent64_ *d = (struct dirent64_ *)(buf + off);

		dots += !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
		if (!d->d_reclen)
			return 0;
		off += d->d_reclen;
	}
	return off == n && dots == 2 && n > 0;
}

/* rm -r: read a batch, unlink what it names, read on. */
static int remove_all(int fd)
{
	long n;
	int bad = 0, removed = 0, failed = 0;

	memset(seen, 0, sizeof(seen));
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64_ *d = (struct dirent64_ *)(buf + off);
			int i = entry_number(d->d_name);

			if (i >= 0 && !seen[i]++) {
				if (unlinkat(fd, d->d_name, 0) == 0)
					removed++;
				else
					failed++;
			}
			off += d->d_reclen ? d->d_reclen : n;
		}
	}
	bad += expect_eq("unlinked while reading", removed, nentries);
	bad += expect_eq("unlinks that failed", failed, 0);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, fd, empty;
	long n;

	fs_close_extra();
	umask(022);
	if (argc > 2 && (nentries = atoi(argv[2])) < 10)
		nentries = 10;
	if (nentries > N_MAX)
		nentries = N_MAX;
	printf("entries: %d\n", nentries);
	fs_enter(argc > 2 ? 2 : argc, argv, "fs_getdents");
	mkdir("empty", 0755);
	empty = open("empty", O_RDONLY | O_DIRECTORY);
	bad += expect_fail("getdents64 into 10 bytes", syscall(SYS_getdents64, empty, buf, 10),
	                   EINVAL);
	n = syscall(SYS_getdents64, empty, buf, sizeof(buf));
	bad += check("an empty directory lists . and .. only", just_dots(n));
	close(empty);

	bad += make_entries();
	fd = open("many", O_RDONLY | O_DIRECTORY);
	bad += raw_listing(fd);
	bad += expect_eq("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
	bad += check("getdents64 starts over", syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	bad += libc_listing();
	bad += expect_fail("rmdir of it", rmdir("many"), ENOTEMPTY);
	lseek(fd, 0, SEEK_SET);
	bad += remove_all(fd);
	close(fd);
	bad += expect_ok("then rmdir", rmdir("many"));
	return fs_leave(bad);
}
