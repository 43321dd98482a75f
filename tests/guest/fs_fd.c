/*
 * fs_fd: the descriptor table. New descriptors take the lowest free
 * number; dup(2)/dup2(2)/dup3(2) and F_DUPFD share the open file
 * description (offset, status flags) but not FD_CLOEXEC; fcntl(2)
 * F_GETFD/F_SETFD/F_GETFL/F_SETFL/F_DUPFD/F_DUPFD_CLOEXEC; close_range(2)
 * (with CLOSE_RANGE_CLOEXEC); O_PATH descriptors (fstat works, I/O gives
 * EBADF); flock(2) and fcntl locks (F_SETLK, F_GETLK, F_OFD_SETLK) taken
 * by one process; RLIMIT_NOFILE: EMFILE at the soft limit, EBADF/EINVAL
 * for a target at or above it.
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_fd variants=musl,glibc
// case: fs_fd_share variants=musl,glibc share=/work -- /work
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "fs_probe.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1u << 2)
#endif

static long close_range_(unsigned first, unsigned last, unsigned flags)
{
	return syscall(SYS_close_range, first, last, flags);
}

/* Names for the status flags F_GETFL shows (the access mode is the low
 * two bits: musl's O_ACCMODE also covers O_PATH). */
static const char *fl_names(int fl)
{
	static char s[96];

	snprintf(s, sizeof(s), "%s%s%s%s",
	         (fl & 3) == O_RDONLY   ? "O_RDONLY"
	         : (fl & 3) == O_WRONLY ? "O_WRONLY"
	         : (fl & 3) == O_RDWR   ? "O_RDWR"
	                                : "access mode 3",
	         fl & O_APPEND ? "|O_APPEND" : "", fl & O_NONBLOCK ? "|O_NONBLOCK" : "",
	         (fl & O_PATH) == O_PATH ? "|O_PATH" : "");
	return s;
}

static int sharing(void)
{
	char s[8] = {0};
	int bad = 0, fd, d, other;

	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	bad += expect_eq("open takes the lowest free fd", fd, 3);
	d = dup(fd);
	bad += expect_eq("dup takes the next", d, 4);
	write(fd, "hello", 5);
	bad += expect_eq("the dup shares the offset", lseek(d, 0, SEEK_CUR), 5);
	lseek(d, 1, SEEK_SET);
	read(fd, s, 4);
	printf("read through fd after a seek on the dup: %s\n", s);
	other = open("f", O_RDONLY);
	bad += expect_eq("a second open has its own offset", lseek(other, 0, SEEK_CUR), 0);
	bad += expect_eq("FD_CLOEXEC of a dup", fcntl(d, F_GETFD), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	printf("F_SETFL on fd, F_GETFL of the dup: %s\n", fl_names(fcntl(d, F_GETFL)));
	printf("F_GETFL of the second open: %s\n", fl_names(fcntl(other, F_GETFL)));
	close(other);
	close(d);
	close(fd);
	return bad;
}

static int duplicating(void)
{
	int bad = 0, fd = open("f", O_RDWR), c = open("f", O_RDONLY | O_CLOEXEC);

	bad += expect_eq("O_CLOEXEC sets FD_CLOEXEC", fcntl(c, F_GETFD), FD_CLOEXEC);
	bad += expect_eq("dup2 of it to 10", dup2(c, 10), 10);
	bad += expect_eq("dup2 clears FD_CLOEXEC", fcntl(10, F_GETFD), 0);
	bad += expect_ok("F_SETFD FD_CLOEXEC", fcntl(10, F_SETFD, FD_CLOEXEC));
	bad += expect_eq("F_GETFD", fcntl(10, F_GETFD), FD_CLOEXEC);
	bad += expect_eq("dup2 onto an open fd replaces it", dup2(fd, 10), 10);
	bad += expect_eq("... and its FD_CLOEXEC is clear", fcntl(10, F_GETFD), 0);
	bad += expect_eq("F_GETFL of it", fcntl(10, F_GETFL) & 3, O_RDWR);
	bad += expect_eq("dup2 to itself", dup2(fd, fd), fd);
	bad += expect_fail("dup2 from a closed fd", dup2(99, 11), EBADF);
	bad += expect_fail("dup2 to -1", dup2(fd, -1), EBADF);
	bad += expect_eq("dup3 O_CLOEXEC to 11", dup3(fd, 11, O_CLOEXEC), 11);
	bad += expect_eq("F_GETFD", fcntl(11, F_GETFD), FD_CLOEXEC);
	bad += expect_fail("dup3 to itself", dup3(fd, fd, 0), EINVAL);
	bad += expect_fail("dup3 with O_NONBLOCK", syscall(SYS_dup3, fd, 12, O_NONBLOCK), EINVAL);
	/* open now: 0-2, fd (3), c (4), 10, 11 */
	bad += expect_eq("F_DUPFD 0: lowest free", fcntl(fd, F_DUPFD, 0), 5);
	bad += expect_eq("F_DUPFD 10: lowest free >= 10", fcntl(fd, F_DUPFD, 10), 12);
	bad += expect_eq("F_DUPFD_CLOEXEC 4", fcntl(fd, F_DUPFD_CLOEXEC, 4), 6);
	bad += expect_eq("F_GETFD of it", fcntl(6, F_GETFD), FD_CLOEXEC);
	bad += expect_fail("F_DUPFD -1", fcntl(fd, F_DUPFD, -1), EINVAL);
	bad += expect_fail("fcntl on a closed fd", fcntl(99, F_GETFD), EBADF);
	bad += expect_fail("fcntl with cmd 12345", fcntl(fd, 12345), EINVAL);

	bad += expect_ok("close_range 10..11", close_range_(10, 11, 0));
	bad += expect_fail("10 is closed", fcntl(10, F_GETFD), EBADF);
	bad += expect_fail("11 is closed", fcntl(11, F_GETFD), EBADF);
	bad += expect_eq("12 is open", fcntl(12, F_GETFD), 0);
	bad += expect_ok("close_range CLOSE_RANGE_CLOEXEC 12..~0",
	                 close_range_(12, ~0u, CLOSE_RANGE_CLOEXEC));
	bad += expect_eq("12 has FD_CLOEXEC", fcntl(12, F_GETFD), FD_CLOEXEC);
	bad += expect_fail("close_range 9..8", close_range_(9, 8, 0), EINVAL);
	bad += expect_ok("close_range 4..~0", close_range_(4, ~0u, 0));
	bad += expect_eq("the next open takes 4", open("f", O_RDONLY), 4);
	close(4);
	close(fd);
	return bad;
}

static int status_flags(void)
{
	int bad = 0, fd = open("f", O_WRONLY | O_APPEND | O_NONBLOCK), fl;

	fl = fcntl(fd, F_GETFL);
	printf("F_GETFL of O_WRONLY|O_APPEND|O_NONBLOCK: %s\n", fl_names(fl));
	printf("O_LARGEFILE in F_GETFL: %s\n", fl & 0100000 ? "yes" : "no");
	bad += expect_ok("F_SETFL O_RDONLY (access mode ignored)", fcntl(fd, F_SETFL, O_RDONLY));
	printf("F_GETFL after it: %s\n", fl_names(fcntl(fd, F_GETFL)));
	close(fd);
	return bad;
}

static int path_fds(void)
{
	int bad = 0, p = open("f", O_PATH), dp = open(".", O_PATH | O_DIRECTORY), fd;
	struct stat st;
	char c;

	bad += expect_ok("open O_PATH", p);
	bad += expect_ok("fstat of an O_PATH fd", fstat(p, &st));
	bad += expect_eq("... st_size", st.st_size, 5);
	bad += expect_ok("fstatat(O_PATH fd, \"\", AT_EMPTY_PATH)",
	                 fstatat(p, "", &st, AT_EMPTY_PATH));
	printf("F_GETFL of it: %s\n", fl_names(fcntl(p, F_GETFL)));
	bad += expect_fail("read from an O_PATH fd", read(p, &c, 1), EBADF);
	bad += expect_fail("write to an O_PATH fd", write(p, "x", 1), EBADF);
	bad += expect_fail("lseek on an O_PATH fd", lseek(p, 0, SEEK_SET), EBADF);
	bad += expect_fail("fchmod of an O_PATH fd", syscall(SYS_fchmod, p, 0600), EBADF);
	bad += expect_fail("ioctl on an O_PATH fd", ioctl(p, FIONREAD, &fd), EBADF);
	bad += expect_fail("fsync of an O_PATH fd", fsync(p), EBADF);
	fd = openat(dp, "f", O_RDONLY);
	bad += expect_ok("an O_PATH directory fd as dirfd", fd);
	close(fd);
	fd = dup(p);
	bad += expect_ok("dup of an O_PATH fd", fd);
	close(fd);
	close(p);
	close(dp);
	return bad;
}

static int locks(void)
{
	int bad = 0, fd = open("f", O_RDWR), rd = open("f", O_RDONLY), p = open("f", O_PATH);
	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};

	bad += expect_ok("flock LOCK_EX", flock(fd, LOCK_EX));
	bad += expect_ok("flock LOCK_UN", flock(fd, LOCK_UN));
	bad += expect_ok("flock LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB));
	bad += expect_ok("flock LOCK_SH on a read-only fd", flock(rd, LOCK_SH));
	bad += expect_fail("flock with op 0", flock(fd, 0), EINVAL);
	bad += expect_fail("flock of a closed fd", flock(99, LOCK_EX), EBADF);
	bad += expect_fail("flock of an O_PATH fd", flock(p, LOCK_EX), EBADF);
	bad += expect_ok("F_SETLK write lock", fcntl(fd, F_SETLK, &l));
	bad += expect_ok("F_SETLKW write lock", fcntl(fd, F_SETLKW, &l));
	l.l_type = F_WRLCK;
	bad += expect_ok("F_GETLK", fcntl(fd, F_GETLK, &l));
	bad += check("... our own lock does not conflict: F_UNLCK", l.l_type == F_UNLCK);
	l.l_type = F_WRLCK;
	bad += expect_fail("F_SETLK write lock on a read-only fd", fcntl(rd, F_SETLK, &l), EBADF);
	l.l_type = F_UNLCK;
	bad += expect_ok("F_SETLK unlock", fcntl(fd, F_SETLK, &l));
	l = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET};
	bad += expect_ok("F_OFD_SETLK read lock", fcntl(rd, F_OFD_SETLK, &l));
	l.l_type = F_RDLCK;
	bad += expect_ok("F_OFD_GETLK", fcntl(rd, F_OFD_GETLK, &l));
	bad += check("... F_UNLCK", l.l_type == F_UNLCK);
	close(fd);
	close(rd);
	close(p);
	return bad;
}

static int emfile(void)
{
	struct rlimit r = {64, 64}, got;
	int bad = 0, fd = 0, last = -1, p[2];

	if (getrlimit(RLIMIT_NOFILE, &got) == 0 && got.rlim_max < r.rlim_max)
		r.rlim_max = got.rlim_max;
	bad += expect_ok("setrlimit RLIMIT_NOFILE 64", setrlimit(RLIMIT_NOFILE, &r));
	getrlimit(RLIMIT_NOFILE, &got);
	/* Fill the table with dup (no path lookup); stop soon after the
	 * soft limit if the kernel does not keep to it. */
	for (rlim_t i = 0; i < got.rlim_cur + 8 && (fd = dup(0)) >= 0; i++)
		last = fd;
	bad += fs_fails_with("dup until it fails", fd, errno, EMFILE);
	bad += check("the last fd is the soft limit - 1", last == (int)got.rlim_cur - 1);
	bad += expect_fail("open at the limit", open("f", O_RDONLY), EMFILE);
	bad += expect_fail("F_DUPFD at the limit", fcntl(0, F_DUPFD, 0), EMFILE);
	bad += expect_fail("pipe at the limit", pipe(p), EMFILE);
	bad += expect_fail("dup2 to the soft limit", dup2(0, (int)got.rlim_cur), EBADF);
	bad += expect_fail("F_DUPFD from the soft limit", fcntl(0, F_DUPFD, (int)got.rlim_cur),
	                   EINVAL);
	close(17);
	bad += expect_eq("after close(17), open takes 17", open("f", O_RDONLY), 17);
	close_range_(3, ~0u, 0);
	bad += expect_eq("after close_range, open takes 3", open("f", O_RDONLY), 3);
	close(3);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_fd");
	bad += sharing();
	bad += duplicating();
	bad += status_flags();
	bad += path_fds();
	bad += locks();
	bad += emfile();
	return fs_leave(bad);
}
