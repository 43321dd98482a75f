/*
 * Helpers of the file-system probes (tests/guest/fs_*.c), on top of
 * guest.h.
 *
 * A probe works in a directory of its own: a fresh "PROBE" directory
 * inside argv[1] when it is given (the runner passes a share, e.g. /work
 * under `bothy run -v HOST:/work`, and a host directory natively), else a
 * fresh directory under /tmp that the probe creates and removes at the
 * end. It chdirs there and uses relative names, so nothing it prints
 * depends on where that directory is. What it leaves in argv[1] is part
 * of the result: the runner compares the host tree after the native run
 * with the tree after the bothy run.
 *
 * Lines read "WHAT: ok", "WHAT: fails with ENAME", "WHAT: VALUE" or
 * "WHAT: FAILED (...)"; a probe exits with the number of failed checks
 * (0 on Linux).
 */
#ifndef FS_PROBE_H
#define FS_PROBE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

/* The errno names the probes print; "errno N" for any other value. */
static inline const char *fs_errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
	    {EPERM, "EPERM"},           {ENOENT, "ENOENT"},
	    {EINTR, "EINTR"},           {EIO, "EIO"},
	    {ENXIO, "ENXIO"},           {E2BIG, "E2BIG"},
	    {ENOEXEC, "ENOEXEC"},       {EBADF, "EBADF"},
	    {EAGAIN, "EAGAIN"},         {ENOMEM, "ENOMEM"},
	    {EACCES, "EACCES"},         {EFAULT, "EFAULT"},
	    {EBUSY, "EBUSY"},           {EEXIST, "EEXIST"},
	    {EXDEV, "EXDEV"},           {ENODEV, "ENODEV"},
	    {ENOTDIR, "ENOTDIR"},       {EISDIR, "EISDIR"},
	    {EINVAL, "EINVAL"},         {ENFILE, "ENFILE"},
	    {EMFILE, "EMFILE"},         {ENOTTY, "ENOTTY"},
	    {ETXTBSY, "ETXTBSY"},       {EFBIG, "EFBIG"},
	    {ENOSPC, "ENOSPC"},         {ESPIPE, "ESPIPE"},
	    {EROFS, "EROFS"},           {EMLINK, "EMLINK"},
	    {EPIPE, "EPIPE"},           {ERANGE, "ERANGE"},
	    {ENOSYS, "ENOSYS"},         {ENOTEMPTY, "ENOTEMPTY"},
	    {ELOOP, "ELOOP"},           {ENAMETOOLONG, "ENAMETOOLONG"},
	    {EOPNOTSUPP, "EOPNOTSUPP"}, {EOVERFLOW, "EOVERFLOW"},
	    {ENOLCK, "ENOLCK"},         {EDEADLK, "EDEADLK"},
	};
	static char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(other, sizeof(other), "errno %d", err);
	return other;
}

/*
 * fs_fails_with - the body of expect_fail: @ret and @err are a call's
 * return value and errno. Prints "WHAT: fails with EWANT" or what
 * happened instead. Returns 0 when @ret is -1 and @err is @want, else 1.
 */
static inline int fs_fails_with(const char *what, long ret, int err, int want)
{
	if (ret == -1 && err == want) {
		printf("%s: fails with %s\n", what, fs_errno_name(want));
		return 0;
	}
	if (ret == -1)
		printf("%s: FAILED (errno %s, ", what, fs_errno_name(err));
	else
		printf("%s: FAILED (returned %ld, ", what, ret);
	printf("want %s)\n", fs_errno_name(want));
	return 1;
}

/*
 * fs_succeeds - the body of expect_ok: prints "WHAT: ok" when @ret is not
 * -1, else "WHAT: FAILED (errno ENAME)". Returns 0 on success, else 1.
 */
static inline int fs_succeeds(const char *what, long ret, int err)
{
	if (ret != -1) {
		printf("%s: ok\n", what);
		return 0;
	}
	printf("%s: FAILED (errno %s)\n", what, fs_errno_name(err));
	return 1;
}

/* expect_fail - evaluate @call (libc style: -1 and errno on failure) and
 * check that it fails with @want. Evaluates to 0 when it does, else 1. */
#define expect_fail(what, call, want)                                                              \
	({                                                                                         \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		fs_fails_with(what, r_, errno, want);                                              \
	})

/* expect_ok - evaluate @call and check that it does not return -1.
 * Evaluates to 0 when it succeeds, else 1. */
#define expect_ok(what, call)                                                                      \
	({                                                                                         \
		long r_;                                                                           \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		fs_succeeds(what, r_, errno);                                                      \
	})

/* expect_eq - evaluate @call and check that it returns @want (a long);
 * prints "WHAT: WANT" or what it got. Evaluates to 0 when equal, else 1. */
#define expect_eq(what, call, want)                                                                \
	({                                                                                         \
		long r_, w_ = (long)(want);                                                        \
		errno = 0;                                                                         \
		r_ = (long)(call);                                                                 \
		fs_equals(what, r_, errno, w_);                                                    \
	})

static inline int fs_equals(const char *what, long ret, int err, long want)
{
	if (ret == want) {
		printf("%s: %ld\n", what, want);
		return 0;
	}
	if (ret == -1)
		printf("%s: FAILED (errno %s, want %ld)\n", what, fs_errno_name(err), want);
	else
		printf("%s: FAILED (got %ld, want %ld)\n", what, ret, want);
	return 1;
}

/* expect_rc - for calls that return 0 or an error number instead of
 * setting errno (posix_fadvise(3)): check that @call returns @want (0 or
 * an E* constant). Prints "WHAT: returns NAME". Evaluates to 0 when equal. */
#define expect_rc(what, call, want)                                                                \
	({                                                                                         \
		int r_ = (call), w_ = (want);                                                      \
		printf("%s: %s%s%s\n", what, r_ == w_ ? "returns " : "FAILED (returned ",          \
		       r_ ? fs_errno_name(r_) : "0", r_ == w_ ? "" : ")");                         \
		r_ != w_;                                                                          \
	})

/* The state fs_enter sets up for fs_leave. */
static char fs_tmp_dir[64];

/*
 * fs_enter - make the probe's directory and chdir into it: "NAME" inside
 * argv[1] when the probe has an argument, else a fresh /tmp/NAME-XXXXXX.
 * Exits with status 100 and a message when that fails (nothing to test).
 */
static inline void fs_enter(int argc, char **argv, const char *name)
{
	if (argc > 1) {
		if (chdir(argv[1]) != 0 || mkdir(name, 0755) != 0 || chdir(name) != 0) {
			printf("cannot make %s in the given directory: %s\n", name,
			       fs_errno_name(errno));
			exit(100);
		}
		return;
	}
	snprintf(fs_tmp_dir, sizeof(fs_tmp_dir), "/tmp/%s-XXXXXX", name);
	if (!mkdtemp(fs_tmp_dir) || chdir(fs_tmp_dir) != 0) {
		printf("cannot make a directory under /tmp: %s\n", fs_errno_name(errno));
		exit(100);
	}
}

/* fs_remove_at - remove @name in directory @at and everything under it.
 * Returns 0, or -1 with errno set by the first failure. */
static inline int fs_remove_at(int at, const char *name)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, err = 0;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fs_remove_at(dirfd(d), e->d_name) != 0)
			err = errno;
	closedir(d);
	if (err) {
		errno = err;
		return -1;
	}
	return unlinkat(at, name, AT_REMOVEDIR);
}

/*
 * fs_leave - end a probe that failed @bad checks: remove the /tmp
 * directory fs_enter made (a directory given in argv[1] is left for the
 * runner to compare). Returns the probe's exit status.
 */
static inline int fs_leave(int bad)
{
	if (fs_tmp_dir[0] && (chdir("/") != 0 || fs_remove_at(AT_FDCWD, fs_tmp_dir) != 0))
		bad += check("remove the probe's /tmp directory", 0);
	fflush(stdout);
	return bad > 99 ? 99 : bad;
}

/* fs_put - create or replace @path with @len bytes of @data, mode @mode
 * (before the umask). Returns 0, or -1 with errno set. */
static inline int fs_put(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	if (close(fd) != 0 || n != (ssize_t)len)
		return -1;
	return 0;
}

/* fs_get - read up to @cap bytes of @path into @buf (NUL-terminated when
 * there is room). Returns the byte count, or -1 with errno set. */
static inline ssize_t fs_get(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < cap && (n = read(fd, (char *)buf + total, cap - total)) > 0)
		total += n;
	close(fd);
	if ((size_t)total < cap)
		((char *)buf)[total] = 0;
	return total;
}

/* fs_size - st_size of @path (following symlinks), or -1 with errno. */
static inline long long fs_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* fs_fill - @len bytes of a pattern that depends on @seed and the offset
 * @off of the first byte in its file. */
static inline void fs_fill(void *buf, size_t len, unsigned seed, size_t off)
{
	unsigned char *b = buf;

	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(((off + i) * 131u + seed * 7u + ((off + i) >> 9)) & 0xff);
}

/* fs_close_extra - close every descriptor above stderr that the runner or
 * a shell may have left open, so fd numbers are the same everywhere. */
static inline void fs_close_extra(void)
{
	syscall(SYS_close_range, 3u, ~0u, 0u); /* fs_fd checks that it works */
}

#endif
