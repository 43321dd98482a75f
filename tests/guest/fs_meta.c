/*
 * fs_meta: what stat(2) shows and the calls that change it. umask(2) on
 * the modes of creat/mkdir (not chmod, not symlinks); stat/lstat/fstat
 * and newfstatat (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW); statx(2) basic
 * fields; chmod(2)/fchmod and chown(2)/fchown/lchown (which clears
 * set-user-ID); utimensat(2) (exact times, UTIME_NOW, UTIME_OMIT,
 * AT_SYMLINK_NOFOLLOW), futimens, and the times that write, truncate and
 * creating a name update; access(2)/faccessat(2)/faccessat2;
 * statfs(2)/fstatfs. Times are printed only when the test set them.
 * Runs as root (as bothy's program does) in a fresh /tmp directory, or in
 * argv[1] (see fs_probe.h).
 */
// case: fs_meta variants=musl,glibc
// case: fs_meta_share variants=musl,glibc share=/work -- /work
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include "fs_probe.h"

/* struct statx as the kernel writes it (statx(2)); musl 1.2.3 has none. */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct statx_ {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#define STATX_BASIC_STATS_ 0x7ffu

static long statx_(int dirfd, const char *path, int flags, struct statx_ *sx)
{
	return syscall(SYS_statx, dirfd, path, flags, STATX_BASIC_STATS_, sx);
}

static long faccessat2_(const char *path, int mode, int flags)
{
	return syscall(SYS_faccessat2, AT_FDCWD, path, mode, flags);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (unsigned)st.st_mode : 0;
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* Is @t within the seconds [@t0 - 2, @t1 + 2]? File times come from a
 * coarser clock than clock_gettime (and, in a share, from the host's). */
static int between(struct timespec t, time_t t0, time_t t1)
{
	return t.tv_sec >= t0 - 2 && t.tv_sec <= t1 + 2;
}

static int umask_modes(void)
{
	int bad = 0;

	bad += check("umask(027) returns the old mask, 022", umask(027) == 022);
	close(creat("u_file", 0666));
	mkdir("u_dir", 0777);
	close(open("u_open", O_WRONLY | O_CREAT, 0777));
	symlink("u_file", "u_link");
	printf("creat 0666: 0%o\n", mode_of("u_file"));
	printf("mkdir 0777: 0%o\n", mode_of("u_dir"));
	printf("open 0777: 0%o\n", mode_of("u_open"));
	printf("symlink: 0%o\n", mode_of("u_link"));
	chmod("u_file", 0777);
	printf("chmod 0777 ignores the umask: 0%o\n", mode_of("u_file"));
	bad += check("umask(022) returns 027", umask(022) == 027);
	return bad;
}

static int stats(void)
{
	struct stat a, b, l;
	int bad = 0, fd, dir = open(".", O_RDONLY | O_DIRECTORY);
	static char data[10000];

	fs_put("f", data, sizeof(data), 0644);
	fs_put("g", "g", 1, 0600);
	symlink("f", "sl");
	fd = open("f", O_RDONLY);
	bad += expect_ok("stat f", stat("f", &a));
	printf("st_mode 0%o st_nlink %ld st_uid %d st_gid %d st_size %lld\n", (unsigned)a.st_mode,
	       (long)a.st_nlink, (int)a.st_uid, (int)a.st_gid, (long long)a.st_size);
	bad += check("st_blksize > 0", a.st_blksize > 0);
	bad += check("st_blocks covers the data", a.st_blocks * 512 >= a.st_size);
	bad += expect_ok("fstat", fstat(fd, &b));
	bad += check("fstat: same st_dev, st_ino", a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	stat("g", &b);
	bad += check("another file: same st_dev, another st_ino",
	             a.st_dev == b.st_dev && a.st_ino != b.st_ino);
	bad += expect_ok("lstat sl", lstat("sl", &l));
	printf("lstat sl: st_mode 0%o st_size %lld\n", (unsigned)l.st_mode, (long long)l.st_size);
	bad += expect_ok("newfstatat(fd, \"\", AT_EMPTY_PATH)", fstatat(fd, "", &b, AT_EMPTY_PATH));
	bad += check("... is the file", b.st_ino == a.st_ino);
	bad += expect_ok("newfstatat(AT_FDCWD, \"\", AT_EMPTY_PATH)",
	                 fstatat(AT_FDCWD, "", &b, AT_EMPTY_PATH));
	bad += check("... is the working directory", S_ISDIR(b.st_mode));
	bad += expect_fail("newfstatat(fd, \"\") without AT_EMPTY_PATH", fstatat(fd, "", &b, 0),
	                   ENOENT);
	bad += expect_ok("newfstatat(dirfd, \"sl\", AT_SYMLINK_NOFOLLOW)",
	                 fstatat(dir, "sl", &b, AT_SYMLINK_NOFOLLOW));
	bad += check("... is the symlink", b.st_ino == l.st_ino && S_ISLNK(b.st_mode));
	bad += expect_ok("newfstatat(dirfd, \"sl\", 0)", fstatat(dir, "sl", &b, 0));
	bad += check("... is the file", b.st_ino == a.st_ino);
	bad += expect_fail("newfstatat with flags 0x1", fstatat(dir, "f", &b, 1), EINVAL);
	close(fd);
	close(dir);
	return bad;
}

static int statx_fields(void)
{
	struct statx_ sx;
	struct stat st;
	int bad = 0, fd = open("f", O_RDONLY);

	stat("f", &st);
	bad += expect_ok("statx f", statx_(AT_FDCWD, "f", 0, &sx));
	bad += check("stx_mask has STATX_BASIC_STATS",
	             (sx.stx_mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_);
	bad += check("mode, nlink, uid, gid, ino, size, blocks as stat",
	             sx.stx_mode == st.st_mode && sx.stx_nlink == st.st_nlink &&
	                 sx.stx_uid == st.st_uid && sx.stx_gid == st.st_gid &&
	                 sx.stx_ino == st.st_ino && sx.stx_size == (uint64_t)st.st_size &&
	                 sx.stx_blocks == (uint64_t)st.st_blocks);
	bad += check("stx_mtime as stat", sx.stx_mtime.tv_sec == st.st_mtim.tv_sec &&
	                                      sx.stx_mtime.tv_nsec == st.st_mtim.tv_nsec);
	bad += check("stx_blksize > 0", sx.stx_blksize > 0);
	bad += expect_ok("statx(fd, \"\", AT_EMPTY_PATH)", statx_(fd, "", AT_EMPTY_PATH, &sx));
	bad += check("... is the file", sx.stx_ino == st.st_ino);
	bad += expect_ok("statx sl AT_SYMLINK_NOFOLLOW",
	                 statx_(AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, &sx));
	printf("... stx_mode 0%o\n", sx.stx_mode);
	bad += expect_fail("statx missing", statx_(AT_FDCWD, "missing", 0, &sx), ENOENT);
	bad += expect_fail("statx with bad flags", statx_(AT_FDCWD, "f", 0x40000000, &sx), EINVAL);
	close(fd);
	return bad;
}

static int modes_and_owners(void)
{
	int bad = 0, fd = open("g", O_RDONLY);
	struct stat st;

	bad += expect_ok("chmod 0600", chmod("f", 0600));
	printf("mode: 0%o\n", mode_of("f"));
	bad += expect_ok("fchmod 04755", fchmod(fd, 04755));
	printf("mode: 0%o\n", mode_of("g"));
	bad += expect_ok("chmod through a symlink", chmod("sl", 0640));
	printf("the target: 0%o, the symlink: 0%o\n", mode_of("f"), mode_of("sl"));
	bad += expect_ok("chmod of a directory 01777", chmod("u_dir", 01777));
	printf("mode: 0%o\n", mode_of("u_dir"));

	bad += expect_ok("chown 1234:5678", chown("f", 1234, 5678));
	stat("f", &st);
	printf("owner: %d:%d\n", (int)st.st_uid, (int)st.st_gid);
	bad += expect_ok("chown -1:42 keeps the uid", chown("f", -1, 42));
	stat("f", &st);
	printf("owner: %d:%d\n", (int)st.st_uid, (int)st.st_gid);
	bad += expect_ok("fchown 7:7 of a set-user-ID file", fchown(fd, 7, 7));
	printf("mode after it: 0%o\n", mode_of("g"));
	bad += expect_ok("lchown 99:99 of a symlink", lchown("sl", 99, 99));
	lstat("sl", &st);
	printf("the symlink: %d:%d, ", (int)st.st_uid, (int)st.st_gid);
	stat("sl", &st);
	printf("its target: %d:%d\n", (int)st.st_uid, (int)st.st_gid);
	bad += expect_ok("fchownat AT_SYMLINK_NOFOLLOW 0:0",
	                 fchownat(AT_FDCWD, "sl", 0, 0, AT_SYMLINK_NOFOLLOW));
	close(fd);
	return bad;
}

static int times(void)
{
	struct timespec set[2] = {{1000000000, 500000000}, {1234567890, 123456789}};
	struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	struct stat st, dir0, dir1;
	int bad = 0, fd;
	time_t t0 = now(), t1;

	bad += expect_ok("utimensat with exact times", utimensat(AT_FDCWD, "f", set, 0));
	stat("f", &st);
	printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	bad += check("the change time is now", between(st.st_ctim, t0, now()));
	bad += expect_ok("utimensat UTIME_OMIT, UTIME_NOW", utimensat(AT_FDCWD, "f", omit_now, 0));
	t1 = now();
	stat("f", &st);
	bad +=
	    check("atime kept", st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 500000000);
	bad += check("mtime is now", between(st.st_mtim, t0, t1));
	bad += expect_ok("utimensat AT_SYMLINK_NOFOLLOW on a symlink",
	                 utimensat(AT_FDCWD, "sl", set, AT_SYMLINK_NOFOLLOW));
	lstat("sl", &st);
	bad += check("the symlink's mtime is set", st.st_mtim.tv_sec == 1234567890);
	stat("sl", &st);
	bad += check("the target's is not", st.st_mtim.tv_sec != 1234567890);
	fd = open("g", O_RDWR);
	bad += expect_ok("futimens", futimens(fd, set));
	fstat(fd, &st);
	bad += check("... sets mtime",
	             st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789);
	write(fd, "x", 1);
	fstat(fd, &st);
	bad += check("a write makes mtime now", between(st.st_mtim, t0, now()));
	futimens(fd, set);
	ftruncate(fd, 0);
	fstat(fd, &st);
	bad += check("ftruncate makes mtime now", between(st.st_mtim, t0, now()));
	futimens(fd, set);
	pread(fd, set, 0, 0);
	fstat(fd, &st);
	bad += check("a read leaves mtime", st.st_mtim.tv_sec == 1234567890);
	bad += expect_ok("futimens(NULL)", futimens(fd, NULL));
	fstat(fd, &st);
	bad += check("... makes atime and mtime now",
	             between(st.st_atim, t0, now()) && between(st.st_mtim, t0, now()));
	close(fd);
	mkdir("tdir", 0755);
	utimensat(AT_FDCWD, "tdir", set, 0);
	stat("tdir", &dir0);
	fs_put("tdir/new", "", 0, 0644);
	stat("tdir", &dir1);
	bad += check("creating a name updates the directory's mtime",
	             dir0.st_mtim.tv_sec == 1234567890 && between(dir1.st_mtim, t0, now()));
	bad += expect_fail("utimensat of a missing file", utimensat(AT_FDCWD, "missing", set, 0),
	                   ENOENT);
	set[1].tv_nsec = 1000000000;
	bad += expect_fail("utimensat with tv_nsec 1e9", utimensat(AT_FDCWD, "f", set, 0), EINVAL);
	return bad;
}

static int accessing(void)
{
	int bad = 0, dir = open(".", O_RDONLY | O_DIRECTORY);

	symlink("missing", "dangling");
	chmod("f", 0644);
	bad += expect_ok("access R_OK|W_OK", access("f", R_OK | W_OK));
	bad += expect_fail("access X_OK of 0644", access("f", X_OK), EACCES);
	bad += expect_ok("access X_OK of 04755", access("g", X_OK));
	bad += expect_fail("access F_OK of a missing file", access("missing", F_OK), ENOENT);
	bad += expect_fail("access with mode 8", access("f", 8), EINVAL);
	bad += expect_ok("faccessat(dirfd, \"f\", R_OK)", faccessat(dir, "f", R_OK, 0));
	bad += expect_ok("faccessat2 AT_SYMLINK_NOFOLLOW on a dangling symlink",
	                 faccessat2_("dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	bad += expect_fail("faccessat2 without it", faccessat2_("dangling", F_OK, 0), ENOENT);
	bad += expect_fail("faccessat2 AT_EACCESS X_OK of 0644", faccessat2_("f", X_OK, AT_EACCESS),
	                   EACCES);
	bad += expect_fail("faccessat2 with flags 0x1", faccessat2_("f", F_OK, 1), EINVAL);
	close(dir);
	return bad;
}

static int filesystem(void)
{
	struct statfs a, b;
	int bad = 0, fd = open("f", O_RDONLY);

	bad += expect_ok("statfs .", statfs(".", &a));
	bad += expect_eq("f_namelen", a.f_namelen, 255);
	bad += check("f_bsize > 0", a.f_bsize > 0);
	bad += check("not read-only (f_flags)", !(a.f_flags & ST_RDONLY));
	bad += expect_ok("fstatfs", fstatfs(fd, &b));
	bad +=
	    check("same f_type and f_namelen", a.f_type == b.f_type && a.f_namelen == b.f_namelen);
	bad += expect_fail("statfs of a missing path", statfs("missing", &a), ENOENT);
	bad += expect_fail("fstatfs of a closed fd", fstatfs(99, &a), EBADF);
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_meta");
	bad += umask_modes();
	bad += stats();
	bad += statx_fields();
	bad += modes_and_owners();
	bad += times();
	bad += accessing();
	bad += filesystem();
	return fs_leave(bad);
}
