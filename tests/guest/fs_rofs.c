/*
 * fs_rofs: a read-only file system (a share given ":ro"; natively the
 * runner bind-mounts the directory read-only). Reading works; every
 * change fails, with EROFS where Linux gives it and the errno Linux
 * checks first elsewhere (EEXIST, EINVAL, EBADF, EACCES, EXDEV); statfs
 * shows ST_RDONLY; /tmp stays writable. argv[1] is a directory of the
 * read-only tree; the probe picks the first regular file, directory and
 * symlink in it by name, and prints no names.
 * Source: open(2), mount(2) MS_RDONLY, the EROFS entries of each call.
 */
// case: fs_rofs variants=musl,glibc share=/work:ro tree=small -- /work/t
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include "fs_probe.h"

static char file[256], dir[256], link_[256];

/* The alphabetically first entry of each kind in the working directory. */
static int pick_entries(void)
{
	struct dirent **list;
	int n = scandir(".", &list, NULL, alphasort);
	struct stat st;

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char *slot = NULL;

		if (name[0] == '.' || lstat(name, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			slot = file;
		else if (S_ISDIR(st.st_mode))
			slot = dir;
		else if (S_ISLNK(st.st_mode))
			slot = link_;
		if (slot && !slot[0])
			snprintf(slot, 256, "%s", name);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return file[0] && dir[0] && link_[0];
}

static int reads(void)
{
	char buf[64];
	struct statfs sf;
	struct stat st;
	int bad = 0, fd = open(file, O_RDONLY), d = open(dir, O_RDONLY | O_DIRECTORY);
	void *m;

	bad += expect_ok("statfs", statfs(".", &sf));
	bad += check("... f_flags has ST_RDONLY", sf.f_flags & ST_RDONLY);
	bad += expect_ok("open a file O_RDONLY", fd);
	bad += check("read it", read(fd, buf, sizeof(buf)) > 0);
	bad += expect_ok("stat it", fstat(fd, &st));
	bad += expect_ok("access R_OK", access(file, R_OK));
	bad += expect_ok("open a directory and list it", d);
	bad += check("getdents64", syscall(SYS_getdents64, d, buf, sizeof(buf)) > 0);
	bad += check("readlink", readlink(link_, buf, sizeof(buf)) > 0);
	bad += expect_ok("fsync of a read-only fd", fsync(fd));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	bad += check("MAP_PRIVATE PROT_WRITE", m != MAP_FAILED);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	close(fd);
	close(d);
	return bad;
}

static int opens(void)
{
	int bad = 0, fd;

	bad += expect_fail("access W_OK", access(file, W_OK), EROFS);
	bad += expect_fail("access W_OK of a directory", access(dir, W_OK), EROFS);
	bad += expect_fail("open O_WRONLY", open(file, O_WRONLY), EROFS);
	bad += expect_fail("open O_RDWR", open(file, O_RDWR), EROFS);
	bad += expect_fail("open O_RDONLY|O_TRUNC", open(file, O_RDONLY | O_TRUNC), EROFS);
	bad += expect_fail("open O_WRONLY|O_APPEND", open(file, O_WRONLY | O_APPEND), EROFS);
	bad += expect_fail("O_CREAT of a new name", open("new", O_WRONLY | O_CREAT, 0644), EROFS);
	bad += expect_fail("O_CREAT|O_EXCL of an existing name",
	                   open(file, O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	fd = open(file, O_RDONLY | O_CREAT, 0644);
	bad += expect_ok("O_RDONLY|O_CREAT of an existing file", fd);
	bad += expect_fail("ftruncate of it", ftruncate(fd, 0), EINVAL);
	bad += expect_fail("fallocate on it", fallocate(fd, 0, 0, 10), EBADF);
	bad += expect_fail("fchmod of it", fchmod(fd, 0600), EROFS);
	bad += expect_fail("fchown of it", fchown(fd, 1, 1), EROFS);
	bad += expect_fail("futimens of it", futimens(fd, NULL), EROFS);
	bad += expect_fail("MAP_SHARED PROT_WRITE of it",
	                   mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0,
	                   EACCES);
	close(fd);
	return bad;
}

static int names(void)
{
	int bad = 0;
	char sub[300];

	snprintf(sub, sizeof(sub), "%s/new", dir);
	bad += expect_fail("unlink a file", unlink(file), EROFS);
	bad += expect_fail("unlink a symlink", unlink(link_), EROFS);
	bad += expect_fail("rmdir a directory", rmdir(dir), EROFS);
	bad += expect_fail("mkdir a new name", mkdir("new", 0755), EROFS);
	bad += expect_fail("mkdir in a subdirectory", mkdir(sub, 0755), EROFS);
	bad += expect_fail("mkdir of an existing name", mkdir(dir, 0755), EEXIST);
	bad += expect_fail("rename a file", rename(file, "new"), EROFS);
	bad += expect_fail("rename a file over a symlink", rename(file, link_), EROFS);
	bad += expect_fail("rename into /proc", rename(file, "/proc/bothy-test"), EXDEV);
	bad += expect_fail("RENAME_EXCHANGE",
	                   syscall(SYS_renameat2, AT_FDCWD, file, AT_FDCWD, dir, 2), EROFS);
	bad += expect_fail("link", link(file, "new"), EROFS);
	bad += expect_fail("symlink", symlink(file, "new"), EROFS);
	bad += expect_fail("mknod a FIFO", mknod("new", S_IFIFO | 0644, 0), EROFS);
	bad += expect_fail("chmod", chmod(file, 0600), EROFS);
	bad += expect_fail("chmod a directory", chmod(dir, 0700), EROFS);
	bad += expect_fail("chown", chown(file, 1, 1), EROFS);
	bad += expect_fail("lchown a symlink", lchown(link_, 1, 1), EROFS);
	bad += expect_fail("utimensat", utimensat(AT_FDCWD, file, NULL, 0), EROFS);
	bad += expect_fail("utimensat AT_SYMLINK_NOFOLLOW",
	                   utimensat(AT_FDCWD, link_, NULL, AT_SYMLINK_NOFOLLOW), EROFS);
	bad += expect_fail("truncate", truncate(file, 0), EROFS);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	if (argc < 2 || chdir(argv[1]) != 0 || !pick_entries()) {
		printf("usage: fs_rofs DIR (a read-only directory with a file, a directory and a "
		       "symlink)\n");
		return 2;
	}
	bad += reads();
	bad += opens();
	bad += names();
	bad += expect_ok("/tmp is still writable", fs_put("/tmp/fs_rofs.tmp", "x", 1, 0644));
	unlink("/tmp/fs_rofs.tmp");
	fflush(stdout);
	return bad;
}
