/*
 * fs_errno: the errno of each kind of failure, through the path calls and
 * their *at(2) forms: ENOENT (also for an empty path), ENOTDIR (a file as
 * a path component or as a dirfd), EISDIR, EEXIST, ENOTEMPTY, EXDEV,
 * ELOOP, ENAMETOOLONG, EBADF (a bad dirfd matters only for a relative
 * path), EACCES (what root still gets: X_OK without any execute bit),
 * EFAULT, EPERM, ESPIPE and EINVAL. EROFS is in fs_rofs, EMFILE in fs_fd.
 * Sources: open(2), stat(2), the errors of each call's man page, and
 * path_resolution(7).
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_errno variants=musl,glibc
// case: fs_errno_share variants=musl,glibc share=/work -- /work
#include <limits.h>
#include <sys/stat.h>
#include "fs_probe.h"

static struct stat st;
static char buf[PATH_MAX + 64];
static void *volatile nowhere; /* NULL, opaque to the compiler */

static int enoent(int dir)
{
	int bad = 0;

	bad += expect_fail("open \"\"", open("", O_RDONLY), ENOENT);
	bad += expect_fail("stat \"\"", stat("", &st), ENOENT);
	bad += expect_fail("stat missing", stat("missing", &st), ENOENT);
	bad += expect_fail("stat missing/x", stat("missing/x", &st), ENOENT);
	bad += expect_fail("lstat missing", lstat("missing", &st), ENOENT);
	bad += expect_fail("openat dir missing", openat(dir, "missing", O_RDONLY), ENOENT);
	bad += expect_fail("unlinkat dir missing", unlinkat(dir, "missing", 0), ENOENT);
	bad += expect_fail("readlinkat dir missing", readlinkat(dir, "missing", buf, 10), ENOENT);
	bad += expect_fail("access missing", access("missing", F_OK), ENOENT);
	bad += expect_fail("chmod missing", chmod("missing", 0644), ENOENT);
	bad += expect_fail("symlink into a missing directory", symlink("x", "missing/l"), ENOENT);
	bad += expect_fail("rename missing", rename("missing", "x"), ENOENT);
	bad += expect_fail("creat in a missing directory", creat("missing/f", 0644), ENOENT);
	bad += expect_fail("a dangling symlink", stat("dangling", &st), ENOENT);
	return bad;
}

static int enotdir(int filefd)
{
	int bad = 0;

	bad += expect_fail("stat file/x", stat("file/x", &st), ENOTDIR);
	bad +=
	    expect_fail("open file/x O_CREAT", open("file/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
	bad += expect_fail("mkdir file/x", mkdir("file/x", 0755), ENOTDIR);
	bad += expect_fail("unlink file/x", unlink("file/x"), ENOTDIR);
	bad += expect_fail("openat with a file as dirfd", openat(filefd, "x", O_RDONLY), ENOTDIR);
	bad += expect_fail("mkdirat with a file as dirfd", mkdirat(filefd, "x", 0755), ENOTDIR);
	bad += expect_fail("fstatat with a file as dirfd", fstatat(filefd, "x", &st, 0), ENOTDIR);
	bad += expect_fail("O_DIRECTORY on a file", open("file", O_RDONLY | O_DIRECTORY), ENOTDIR);
	bad += expect_fail("getdents64 on a file",
	                   syscall(SYS_getdents64, filefd, buf, sizeof(buf)), ENOTDIR);
	bad += expect_fail("rmdir of a file", rmdir("file"), ENOTDIR);
	bad += expect_fail("rename a directory over a file", rename("dir", "file"), ENOTDIR);
	return bad;
}

static int eisdir(int dir)
{
	int bad = 0;

	bad += expect_fail("open a directory O_WRONLY", open("dir", O_WRONLY), EISDIR);
	bad += expect_fail("openat a directory O_RDWR", openat(dir, "dir", O_RDWR), EISDIR);
	bad += expect_fail("read a directory", read(dir, buf, 10), EISDIR);
	bad += expect_fail("pread a directory", pread(dir, buf, 10, 0), EISDIR);
	bad += expect_fail("unlink a directory", unlink("dir"), EISDIR);
	bad += expect_fail("rename a file over a directory", rename("file", "dir"), EISDIR);
	bad += expect_fail("truncate a directory", truncate("dir", 0), EISDIR);
	return bad;
}

static int eexist(int dir)
{
	int bad = 0;

	bad += expect_fail("mkdir existing", mkdir("dir", 0755), EEXIST);
	bad += expect_fail("mkdirat over a file", mkdirat(dir, "file", 0755), EEXIST);
	bad += expect_fail("O_CREAT|O_EXCL existing", open("file", O_RDWR | O_CREAT | O_EXCL, 0644),
	                   EEXIST);
	bad += expect_fail("O_CREAT|O_EXCL on a directory",
	                   open("dir", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	bad += expect_fail("link onto existing", link("file", "dir"), EEXIST);
	bad += expect_fail("symlink onto existing", symlinkat("x", dir, "file"), EEXIST);
	bad += expect_fail("mknod onto existing", mknod("file", S_IFREG | 0644, 0), EEXIST);
	bad += expect_fail("renameat2 RENAME_NOREPLACE",
	                   syscall(SYS_renameat2, dir, "file", dir, "dir", 1), EEXIST);
	return bad;
}

static int enotempty(int dir)
{
	int bad = 0;

	bad += expect_fail("rmdir non-empty", rmdir("full"), ENOTEMPTY);
	bad += expect_fail("unlinkat AT_REMOVEDIR non-empty", unlinkat(dir, "full", AT_REMOVEDIR),
	                   ENOTEMPTY);
	bad += expect_fail("rename onto a non-empty directory", rename("dir", "full"), ENOTEMPTY);
	bad += expect_fail("rename into /proc", rename("file", "/proc/bothy-test"), EXDEV);
	bad +=
	    expect_fail("rename a directory into /proc", rename("dir", "/proc/bothy-test"), EXDEV);
	return bad;
}

static int eloop_enametoolong(void)
{
	static char name[NAME_MAX + 2], target[PATH_MAX + 1];
	int bad = 0;

	bad += expect_fail("stat a self loop", stat("loop", &st), ELOOP);
	bad += expect_fail("chdir into a self loop", chdir("loop"), ELOOP);
	bad += expect_fail("mkdir under a self loop", mkdir("loop/x", 0755), ELOOP);
	bad +=
	    expect_fail("O_NOFOLLOW on a symlink", open("dangling", O_RDONLY | O_NOFOLLOW), ELOOP);
	memset(name, 'n', NAME_MAX + 1);
	bad += expect_fail("stat a 256-byte name", stat(name, &st), ENAMETOOLONG);
	bad += expect_fail("symlink named 256 bytes", symlink("x", name), ENAMETOOLONG);
	bad += expect_fail("rename to 256 bytes", rename("file", name), ENAMETOOLONG);
	memset(target, 't', PATH_MAX);
	bad += expect_fail("symlink to a PATH_MAX-byte target", symlink(target, "longtarget"),
	                   ENAMETOOLONG);
	return bad;
}

static int ebadf(void)
{
	int bad = 0, fd;

	bad += expect_fail("read(-1)", read(-1, buf, 1), EBADF);
	bad += expect_fail("fstat(99)", fstat(99, &st), EBADF);
	bad += expect_fail("lseek(99)", lseek(99, 0, SEEK_SET), EBADF);
	bad += expect_fail("ftruncate(99)", ftruncate(99, 0), EBADF);
	bad += expect_fail("fchmod(99)", fchmod(99, 0644), EBADF);
	bad += expect_fail("fchown(99)", fchown(99, 0, 0), EBADF);
	bad += expect_fail("getdents64(99)", syscall(SYS_getdents64, 99, buf, sizeof(buf)), EBADF);
	bad += expect_fail("openat(99, relative)", openat(99, "file", O_RDONLY), EBADF);
	bad += expect_fail("mkdirat(99, relative)", mkdirat(99, "x", 0755), EBADF);
	bad += expect_fail("fstatat(99, \"\", AT_EMPTY_PATH)", fstatat(99, "", &st, AT_EMPTY_PATH),
	                   EBADF);
	fd = openat(99, "/dev/null", O_RDONLY);
	bad += expect_ok("openat(99, absolute) ignores the dirfd", fd);
	close(fd);
	bad += expect_fail("close twice", close(fd), EBADF);
	return bad;
}

static int eacces_and_others(void)
{
	int bad = 0, fd, p[2];

	fs_put("noexec", "#!/bin/sh\n", 10, 0644);
	fs_put("mode0", "secret", 6, 0);
	bad += expect_fail("access X_OK without any x bit", access("noexec", X_OK), EACCES);
	bad += expect_fail("faccessat X_OK, AT_EACCESS",
	                   faccessat(AT_FDCWD, "noexec", X_OK, AT_EACCESS), EACCES);
	bad += expect_ok("root may read and write a mode-0 file", access("mode0", R_OK | W_OK));
	fd = open("mode0", O_RDWR);
	bad += expect_ok("... and open it O_RDWR", fd);
	close(fd);
	chmod("noexec", 0744);
	bad += expect_ok("access X_OK once the owner has x", access("noexec", X_OK));
	bad += expect_ok("access X_OK on a directory", access("dir", X_OK));

	bad += expect_fail("open(NULL)", open(nowhere, O_RDONLY), EFAULT);
	bad += expect_fail("stat into NULL", syscall(SYS_newfstatat, AT_FDCWD, "file", nowhere, 0),
	                   EFAULT);
	bad += expect_fail("link of a directory", link("dir", "dirlink"), EPERM);
	bad +=
	    expect_fail("readlink with size 0", syscall(SYS_readlink, "dangling", buf, 0), EINVAL);
	bad += expect_fail("readlink of a file", readlink("file", buf, 10), EINVAL);
	pipe(p);
	bad += expect_fail("lseek on a pipe", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	bad += expect_fail("pread on a pipe", pread(p[0], buf, 1, 0), ESPIPE);
	close(p[0]);
	close(p[1]);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, dir, filefd;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_errno");
	fs_put("file", "data", 4, 0644);
	mkdir("dir", 0755);
	mkdir("full", 0755);
	fs_put("full/x", "x", 1, 0644);
	symlink("nowhere", "dangling");
	symlink("loop", "loop");
	dir = open(".", O_RDONLY | O_DIRECTORY);
	filefd = open("file", O_RDONLY);
	bad += enoent(dir);
	bad += enotdir(filefd);
	bad += eisdir(dir);
	bad += eexist(dir);
	bad += enotempty(dir);
	bad += eloop_enametoolong();
	bad += ebadf();
	bad += eacces_and_others();
	close(dir);
	close(filefd);
	return fs_leave(bad);
}
