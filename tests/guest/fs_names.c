/*
 * fs_names: the name space. mkdir(2)/rmdir(2) and the link counts they
 * leave, link(2)/linkat(2) (AT_SYMLINK_FOLLOW), unlink(2), symlink(2)/
 * readlink(2)/lstat(2), loops and the limit of 40 links in one lookup
 * (path_resolution(7)), O_NOFOLLOW and O_PATH on a symlink, a trailing
 * slash, rename(2) and renameat2(2) (RENAME_NOREPLACE, RENAME_EXCHANGE)
 * with their errors, EXDEV into /proc, chdir(2)/fchdir(2)/
 * getcwd(2) (also of a removed directory) and NAME_MAX/PATH_MAX.
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_names variants=musl,glibc
// case: fs_names_share variants=musl,glibc share=/work -- /work
#include <limits.h>
#include <sys/stat.h>
#include "fs_probe.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#endif

static long renameat2_(const char *from, const char *to, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static long nlink_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

/* "file", "dir", "symlink"... for lstat(@path); "(ENAME)" if it fails. */
static const char *kind(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return fs_errno_name(errno);
	if (S_ISREG(st.st_mode))
		return "file";
	if (S_ISDIR(st.st_mode))
		return "dir";
	if (S_ISLNK(st.st_mode))
		return "symlink";
	if (S_ISCHR(st.st_mode))
		return "char device";
	return "other";
}

static int directories(void)
{
	int bad = 0;

	bad += expect_ok("mkdir d", mkdir("d", 0755));
	bad += expect_eq("nlink of a new directory", nlink_of("d"), 2);
	bad += expect_ok("mkdir d/s1", mkdir("d/s1", 0755));
	bad += expect_ok("mkdir d/s2/ (trailing slash)", mkdir("d/s2/", 0755));
	bad += expect_eq("nlink with two subdirectories", nlink_of("d"), 4);
	bad += expect_fail("mkdir of an existing name", mkdir("d", 0755), EEXIST);
	bad += expect_fail("mkdir in a missing directory", mkdir("nodir/x", 0755), ENOENT);
	fs_put("f", "f-data", 6, 0644);
	bad += expect_fail("mkdir under a file", mkdir("f/x", 0755), ENOTDIR);
	bad += expect_ok("rmdir d/s2/ (trailing slash)", rmdir("d/s2/"));
	bad += expect_eq("nlink after rmdir", nlink_of("d"), 3);
	bad += expect_fail("rmdir of a non-empty directory", rmdir("d"), ENOTEMPTY);
	bad += expect_fail("rmdir d/s1/.", rmdir("d/s1/."), EINVAL);
	bad += expect_fail("rmdir d/s1/..", rmdir("d/s1/.."), ENOTEMPTY);
	bad += expect_fail("rmdir of a file", rmdir("f"), ENOTDIR);
	bad += expect_fail("rmdir of a missing name", rmdir("missing"), ENOENT);
	bad += expect_fail("unlink of a directory", unlink("d"), EISDIR);
	bad += expect_fail("unlink of a missing name", unlink("missing"), ENOENT);
	return bad;
}

static int hard_links(void)
{
	int bad = 0, fd;
	struct stat st;

	bad += expect_eq("nlink of a new file", nlink_of("f"), 1);
	bad += expect_ok("link f h1", link("f", "h1"));
	bad += expect_ok("link h1 d/h2", link("h1", "d/h2"));
	bad += expect_eq("nlink after two links", nlink_of("f"), 3);
	fd = open("d/h2", O_RDONLY);
	fstat(fd, &st);
	bad += expect_eq("fstat through the other name: nlink", st.st_nlink, 3);
	close(fd);
	bad += expect_ok("unlink h1", unlink("h1"));
	bad += expect_eq("nlink", nlink_of("f"), 2);
	bad += expect_fail("link to an existing name", link("f", "d/h2"), EEXIST);
	bad += expect_fail("link of a directory", link("d", "dlink"), EPERM);
	bad += expect_fail("link of a missing file", link("missing", "x"), ENOENT);
	bad += expect_ok("symlink sf -> f", symlink("f", "sf"));
	bad +=
	    expect_ok("linkat of a symlink, no flags", linkat(AT_FDCWD, "sf", AT_FDCWD, "hs", 0));
	printf("hs is a: %s\n", kind("hs"));
	bad += expect_ok("linkat AT_SYMLINK_FOLLOW",
	                 linkat(AT_FDCWD, "sf", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
	printf("hf is a: %s\n", kind("hf"));
	bad += expect_eq("nlink of f", nlink_of("f"), 3);
	bad += expect_eq("nlink of sf", nlink_of("sf"), 2);
	return bad;
}

static int symlinks(void)
{
	char t[64];
	int bad = 0, fd;
	struct stat st;

	memset(t, 'x', sizeof(t));
	bad += expect_eq("readlink sf", readlink("sf", t, sizeof(t)), 1);
	bad += check("... no NUL added", t[0] == 'f' && t[1] == 'x');
	bad += expect_ok("symlink long -> d/s1/../../f", symlink("d/s1/../../f", "long"));
	bad += expect_eq("readlink into 4 bytes", readlink("long", t, 4), 4);
	bad += check("... the first 4 bytes", !memcmp(t, "d/s1", 4));
	bad += expect_eq("lstat: st_size is the target's length", (lstat("long", &st), st.st_size),
	                 12);
	printf("lstat long: %s; stat long: st_size %lld\n", kind("long"),
	       (stat("long", &st), (long long)st.st_size));
	bad += expect_fail("readlink of a file", readlink("f", t, sizeof(t)), EINVAL);
	bad += expect_fail("readlink of a missing name", readlink("missing", t, sizeof(t)), ENOENT);
	bad += expect_ok("symlink sd -> d", symlink("d", "sd"));
	bad +=
	    expect_ok("symlink d/up -> ../f (relative to its directory)", symlink("../f", "d/up"));
	bad += expect_eq("read through sd/up", fs_get("sd/up", t, sizeof(t)), 6);
	bad +=
	    expect_ok("symlink devnull -> /dev/null (absolute)", symlink("/dev/null", "devnull"));
	printf("stat devnull: %s\n",
	       (stat("devnull", &st), S_ISCHR(st.st_mode)) ? "char device" : "?");
	bad += expect_fail("symlink over an existing name", symlink("x", "f"), EEXIST);
	bad += expect_fail("symlink with an empty target", symlink("", "empty"), ENOENT);

	bad += expect_fail("O_NOFOLLOW on a symlink", open("sf", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = open("sd/h2", O_RDONLY | O_NOFOLLOW);
	bad += expect_ok("O_NOFOLLOW with a symlink before the last component", fd);
	close(fd);
	fd = open("sf", O_PATH | O_NOFOLLOW);
	bad += expect_ok("O_PATH|O_NOFOLLOW on a symlink", fd);
	printf("fstat of that fd: %s\n", (fstat(fd, &st), S_ISLNK(st.st_mode)) ? "symlink" : "?");
	bad += expect_eq("readlinkat(fd, \"\")", readlinkat(fd, "", t, sizeof(t)), 1);
	close(fd);
	return bad;
}

static int loops(void)
{
	char a[16], b[16];
	int bad = 0, fd;
	struct stat st;

	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	symlink("self", "self");
	bad += expect_fail("open of a 2-link loop", open("loop1", O_RDONLY), ELOOP);
	bad += expect_fail("stat of a self loop", stat("self", &st), ELOOP);
	bad += expect_ok("lstat of a self loop", lstat("self", &st));
	bad += expect_fail("a loop inside a path", stat("loop1/x", &st), ELOOP);
	bad += expect_fail("O_CREAT through a loop", open("self", O_WRONLY | O_CREAT, 0644), ELOOP);
	/* c0 -> f, c1 -> c0, ..., c40 -> c39: c39 needs 40 links, c40 41. */
	symlink("f", "c0");
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof(a), "c%d", i - 1);
		snprintf(b, sizeof(b), "c%d", i);
		symlink(a, b);
	}
	fd = open("c39", O_RDONLY);
	bad += expect_ok("open through a chain of 40 symlinks", fd);
	close(fd);
	bad += expect_fail("open through a chain of 41 symlinks", open("c40", O_RDONLY), ELOOP);
	bad += expect_ok("lstat of the 41st", lstat("c40", &st));
	return bad;
}

static int trailing_slash(void)
{
	struct stat st;
	int bad = 0;

	bad += expect_fail("open f/", open("f/", O_RDONLY), ENOTDIR);
	bad += expect_fail("stat f/", stat("f/", &st), ENOTDIR);
	bad += expect_fail("lstat sf/ (symlink to a file)", lstat("sf/", &st), ENOTDIR);
	bad +=
	    expect_fail("open new/ with O_CREAT", open("new/", O_WRONLY | O_CREAT, 0644), EISDIR);
	bad += expect_ok("lstat sd/ (symlink to a directory) follows", lstat("sd/", &st));
	printf("lstat sd/ is a: %s\n", S_ISDIR(st.st_mode) ? "dir" : "?");
	bad += expect_fail("unlink f/", unlink("f/"), ENOTDIR);
	bad += expect_fail("rename f to x/", rename("f", "x/"), ENOTDIR);
	return bad;
}

static int renames(void)
{
	int bad = 0;

	mkdir("r", 0755);
	mkdir("r/empty", 0755);
	mkdir("r/full", 0755);
	fs_put("r/full/x", "x", 1, 0644);
	fs_put("r/file", "file", 4, 0644);
	mkdir("r/dir", 0755);
	bad += expect_ok("rename a directory over an empty one", rename("r/dir", "r/empty"));
	printf("r/dir: %s, r/empty: %s\n", kind("r/dir"), kind("r/empty"));
	bad += expect_fail("rename a directory over a non-empty one", rename("r/empty", "r/full"),
	                   ENOTEMPTY);
	bad += expect_fail("rename a file over a directory", rename("r/file", "r/empty"), EISDIR);
	bad += expect_fail("rename a directory over a file", rename("r/empty", "r/file"), ENOTDIR);
	bad +=
	    expect_fail("rename a directory into itself", rename("r/full", "r/full/sub"), EINVAL);
	bad += expect_ok("rename a file to itself", rename("r/file", "r/file"));
	link("r/file", "r/file2");
	bad += expect_ok("rename between two links of one file", rename("r/file", "r/file2"));
	printf("after it: r/file %s, r/file2 %s\n", kind("r/file"), kind("r/file2"));
	bad += expect_fail("rename of a missing name", rename("r/missing", "r/x"), ENOENT);
	bad += expect_fail("rename into a missing directory", rename("r/file", "r/no/x"), ENOENT);
	bad += expect_fail("rename of .", rename(".", "r/x"), EBUSY);
	bad += expect_ok("rename a directory with its contents", rename("r/full", "r/moved"));
	printf("r/moved/x: %s\n", kind("r/moved/x"));

	bad += expect_fail("RENAME_NOREPLACE onto a file",
	                   renameat2_("r/file", "r/file2", RENAME_NOREPLACE), EEXIST);
	bad += expect_ok("RENAME_NOREPLACE to a new name",
	                 renameat2_("r/file", "r/file3", RENAME_NOREPLACE));
	bad += expect_ok("RENAME_EXCHANGE of a file and a directory",
	                 renameat2_("r/file3", "r/moved", RENAME_EXCHANGE));
	printf("r/file3: %s, r/moved: %s, r/file3/x: %s\n", kind("r/file3"), kind("r/moved"),
	       kind("r/file3/x"));
	bad += expect_fail("RENAME_EXCHANGE with a missing name",
	                   renameat2_("r/moved", "r/none", RENAME_EXCHANGE), ENOENT);
	bad += expect_fail("RENAME_NOREPLACE|RENAME_EXCHANGE",
	                   renameat2_("r/moved", "r/file3", RENAME_NOREPLACE | RENAME_EXCHANGE),
	                   EINVAL);
	/* /proc is another file system everywhere. */
	bad += expect_fail("rename into /proc", rename("r/moved", "/proc/bothy-test"), EXDEV);
	return bad;
}

/* getcwd(2) as the kernel gives it: the length with the NUL, or -1. */
static long raw_getcwd(char *buf, size_t size)
{
	return syscall(SYS_getcwd, buf, size);
}

static int working_directory(void)
{
	char start[PATH_MAX], now[PATH_MAX];
	size_t n;
	int bad = 0, home = open(".", O_RDONLY | O_DIRECTORY), f = open("f", O_RDONLY);

	if (!getcwd(start, sizeof(start)))
		return check("getcwd", 0);
	n = strlen(start);
	mkdir("cd", 0755);
	mkdir("cd/sub", 0755);
	bad += expect_ok("chdir cd/sub", chdir("cd/sub"));
	printf("getcwd: START%s\n",
	       getcwd(now, sizeof(now)) && !strncmp(now, start, n) ? now + n : "?");
	bad += expect_ok("chdir ..", chdir(".."));
	printf("getcwd: START%s\n",
	       getcwd(now, sizeof(now)) && !strncmp(now, start, n) ? now + n : "?");
	bad += check("the kernel's getcwd returns the length with the NUL",
	             raw_getcwd(now, sizeof(now)) == (long)n + 4);
	bad += expect_fail("getcwd into a short buffer", raw_getcwd(now, n), ERANGE);
	bad += expect_ok("fchdir back", fchdir(home));
	bad += expect_ok("chdir through a symlink (sd)", chdir("sd"));
	printf("getcwd: START%s\n",
	       getcwd(now, sizeof(now)) && !strncmp(now, start, n) ? now + n : "?");
	fchdir(home);
	bad += expect_fail("chdir to a file", chdir("f"), ENOTDIR);
	bad += expect_fail("chdir to a missing name", chdir("missing"), ENOENT);
	bad += expect_fail("fchdir to a file", fchdir(f), ENOTDIR);
	bad += expect_fail("fchdir to a closed fd", fchdir(99), EBADF);
	mkdir("doomed", 0755);
	chdir("doomed");
	bad += expect_ok("rmdir of the working directory", rmdir("../doomed"));
	bad += expect_fail("getcwd after that", raw_getcwd(now, sizeof(now)), ENOENT);
	bad += expect_fail("create a file there", open("x", O_WRONLY | O_CREAT, 0644), ENOENT);
	bad += expect_ok("fchdir back", fchdir(home));
	close(home);
	close(f);
	return bad;
}

static int name_limits(void)
{
	static char name[NAME_MAX + 2], path[PATH_MAX + 100];
	int bad = 0, fd;

	memset(name, 'n', NAME_MAX);
	fd = open(name, O_WRONLY | O_CREAT, 0644);
	bad += expect_ok("create a name of NAME_MAX (255) bytes", fd);
	close(fd);
	bad += expect_ok("unlink it", unlink(name));
	name[NAME_MAX] = 'n';
	bad += expect_fail("create a name of 256 bytes", open(name, O_WRONLY | O_CREAT, 0644),
	                   ENAMETOOLONG);
	bad += expect_fail("mkdir of 256 bytes", mkdir(name, 0755), ENAMETOOLONG);
	bad += expect_fail("stat of 256 bytes", access(name, F_OK), ENAMETOOLONG);
	for (size_t i = 0; i + 2 < sizeof(path); i += 2)
		memcpy(path + i, "./", 2);
	path[PATH_MAX + 10] = 0;
	bad += expect_fail("a path longer than PATH_MAX", access(path, F_OK), ENAMETOOLONG);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_names");
	bad += directories();
	bad += hard_links();
	bad += symlinks();
	bad += loops();
	bad += trailing_slash();
	bad += renames();
	bad += working_directory();
	bad += name_limits();
	return fs_leave(bad);
}
