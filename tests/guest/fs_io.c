/*
 * fs_io: reading and writing regular files. open(2) with O_CREAT, O_EXCL
 * (which does not follow a symlink), O_TRUNC and O_APPEND; read(2),
 * write(2), lseek(2) (a seek past the end does not grow the file, a write
 * there leaves a hole that reads as zeros), pread(2)/pwrite(2) (on Linux a
 * pwrite to an O_APPEND file appends: pwrite(2) BUGS), readv(2)/writev(2)/
 * preadv(2)/pwritev(2), truncate(2)/ftruncate(2) growing and shrinking,
 * fallocate(2), the wrong access mode, an unlinked file that is still
 * open, a rename over a file that is open, fsync(2)/fdatasync(2)/sync(2)/
 * syncfs(2) and posix_fadvise(2).
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_io variants=musl,glibc
// case: fs_io_share variants=musl,glibc share=/work -- /work
#include <sys/stat.h>
#include <sys/uio.h>
#include "fs_probe.h"

#define BIG (256 * 1024)

static unsigned char buf[BIG], back[BIG];

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The contents of @path as a string (for short files). */
static const char *contents(const char *path)
{
	static char s[256];

	if (fs_get(path, s, sizeof(s) - 1) < 0)
		snprintf(s, sizeof(s), "(%s)", fs_errno_name(errno));
	return s;
}

static int creating(void)
{
	int bad = 0, fd;

	fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0644);
	bad += expect_ok("O_CREAT|O_EXCL makes a new file", fd);
	close(fd);
	bad += expect_fail("O_CREAT|O_EXCL on an existing file",
	                   open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	bad += expect_fail("open of a missing file", open("missing", O_RDONLY), ENOENT);
	bad += expect_ok("symlink to a missing name", symlink("target", "dangling"));
	bad += expect_fail("O_CREAT|O_EXCL on a dangling symlink",
	                   open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	fd = open("dangling", O_WRONLY | O_CREAT, 0644);
	bad += expect_ok("O_CREAT through a dangling symlink", fd);
	close(fd);
	bad += check("... creates the symlink's target", fs_size("target") == 0);
	bad += expect_eq("size of a new file", fs_size("f"), 0);
	return bad;
}

static int reading_and_seeking(void)
{
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0;
	struct stat st;

	fs_fill(buf, 10000, 1, 0);
	bad += expect_eq("write 10000 bytes", write(fd, buf, 10000), 10000);
	bad += expect_eq("offset after the write", lseek(fd, 0, SEEK_CUR), 10000);
	bad += expect_eq("lseek SEEK_SET 0", lseek(fd, 0, SEEK_SET), 0);
	memset(back, 0, 20000);
	bad += expect_eq("read asks 20000, gets", read(fd, back, 20000), 10000);
	bad += check("the bytes read are the bytes written", !memcmp(buf, back, 10000));
	bad += expect_eq("read at the end", read(fd, back, 100), 0);
	bad += expect_eq("lseek SEEK_END -100", lseek(fd, -100, SEEK_END), 9900);
	bad += expect_eq("lseek SEEK_CUR +50", lseek(fd, 50, SEEK_CUR), 9950);
	bad += expect_eq("read near the end", read(fd, back, 100), 50);
	bad += expect_fail("lseek to -1", lseek(fd, -1, SEEK_SET), EINVAL);
	bad += expect_fail("lseek with whence 99", lseek(fd, 0, 99), EINVAL);
	bad += expect_eq("offset after failed seeks", lseek(fd, 0, SEEK_CUR), 10000);

	bad += expect_eq("lseek 1 MiB, past the end", lseek(fd, 1 << 20, SEEK_SET), 1 << 20);
	fstat(fd, &st);
	bad += expect_eq("the seek does not grow the file", st.st_size, 10000);
	bad += expect_eq("write 1 byte there", write(fd, "Z", 1), 1);
	fstat(fd, &st);
	bad += expect_eq("size with the hole", st.st_size, (1 << 20) + 1);
	memset(back, 0xff, BIG);
	bad += expect_eq("pread 256 KiB from the hole", pread(fd, back, BIG, 20000), BIG);
	bad += check("the hole reads as zeros", all_zero(back, BIG));
	bad += expect_eq("pread across the end", pread(fd, back, 16, (1 << 20) - 8), 9);
	bad += check("... ends with the byte written", back[8] == 'Z' && all_zero(back, 8));
	bad += expect_eq("pread past the end", pread(fd, back, 16, 2 << 20), 0);
	bad += expect_eq("pwrite 3 bytes at 5", pwrite(fd, "abc", 3, 5), 3);
	bad += expect_eq("pread/pwrite leave the offset", lseek(fd, 0, SEEK_CUR), (1 << 20) + 1);
	bad += expect_fail("pread at -1", pread(fd, back, 1, -1), EINVAL);
	close(fd);
	return bad;
}

static int big_transfers(void)
{
	int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0600), bad = 0;

	fs_fill(buf, BIG, 2, 0);
	bad += expect_eq("one write of 256 KiB", write(fd, buf, BIG), BIG);
	bad += expect_eq("one pread of 256 KiB", pread(fd, back, BIG, 0), BIG);
	bad += check("256 KiB read back intact", !memcmp(buf, back, BIG));
	bad += expect_eq("pread 256 KiB at 4095", pread(fd, back, BIG, 4095), BIG - 4095);
	bad += check("unaligned read intact", !memcmp(buf + 4095, back, BIG - 4095));
	close(fd);
	return bad;
}

static int appending(void)
{
	int fd = open("app", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644), bad = 0;

	write(fd, "abc", 3);
	lseek(fd, 0, SEEK_SET);
	write(fd, "def", 3);
	printf("O_APPEND after a seek to 0: %s\n", contents("app"));
	bad += expect_eq("pwrite at 0 with O_APPEND", pwrite(fd, "XY", 2, 0), 2);
	printf("pwrite with O_APPEND: %s\n", contents("app"));
	printf("offset after that pwrite: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	bad += expect_eq("pread with O_APPEND reads at its offset", pread(fd, back, 2, 1), 2);
	bad += check("... 'bc'", !memcmp(back, "bc", 2));
	bad += expect_ok("F_SETFL without O_APPEND", fcntl(fd, F_SETFL, 0));
	pwrite(fd, "12", 2, 0);
	printf("pwrite without O_APPEND: %s\n", contents("app"));
	bad += expect_ok("F_SETFL O_APPEND again", fcntl(fd, F_SETFL, O_APPEND));
	lseek(fd, 1, SEEK_SET);
	write(fd, "!", 1);
	printf("write after F_SETFL O_APPEND: %s\n", contents("app"));
	close(fd);

	fd = open("app", O_WRONLY | O_TRUNC);
	bad += expect_eq("O_TRUNC empties the file", fs_size("app"), 0);
	close(fd);
	fs_put("app", "0123456789", 10, 0644);
	fd = open("app", O_RDONLY | O_TRUNC);
	printf("size after O_RDONLY|O_TRUNC: %lld\n", fs_size("app"));
	close(fd);
	return bad;
}

static int vectors(void)
{
	int fd = open("vec", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0;
	char a[4], b[6], c[16];
	struct iovec w[3] = {{"one-", 4}, {"", 0}, {"two-three", 9}};
	struct iovec r[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	struct iovec pw[2] = {{"AB", 2}, {"CD", 2}};

	bad += expect_eq("writev of 3 pieces", writev(fd, w, 3), 13);
	bad += expect_eq("preadv at 2 into 4+6 bytes", preadv(fd, r, 2, 2), 10);
	printf("preadv pieces: %.4s|%.6s\n", a, b);
	bad += expect_eq("pwritev at 1", pwritev(fd, pw, 2, 1), 4);
	bad += expect_eq("offset after preadv/pwritev", lseek(fd, 0, SEEK_CUR), 13);
	lseek(fd, 8, SEEK_SET);
	bad += expect_eq("readv at 8, short at the end", readv(fd, r, 2), 5);
	printf("readv got: %.4s|%.1s\n", a, b);
	memset(c, 0, sizeof(c));
	pread(fd, c, sizeof(c) - 1, 0);
	printf("file: %s\n", c);
	bad += expect_fail("preadv at -1", preadv(fd, r, 2, -1), EINVAL);
	close(fd);
	return bad;
}

static int truncating(void)
{
	int fd = open("trunc", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0, rd;

	fs_fill(buf, 1000, 3, 0);
	write(fd, buf, 1000);
	bad += expect_ok("ftruncate to 50000 (grow)", ftruncate(fd, 50000));
	bad += expect_eq("size", fs_size("trunc"), 50000);
	bad += expect_eq("pread of the grown part", pread(fd, back, 49000, 1000), 49000);
	bad += check("the grown part is zeros", all_zero(back, 49000));
	bad += expect_ok("ftruncate to 100 (shrink)", ftruncate(fd, 100));
	bad += expect_ok("ftruncate to 200 (grow again)", ftruncate(fd, 200));
	pread(fd, back, 200, 0);
	bad += check("the first 100 bytes stay", !memcmp(back, buf, 100));
	bad += check("bytes cut off and regrown read as zeros", all_zero(back + 100, 100));
	bad += expect_eq("offset is not moved by ftruncate", lseek(fd, 0, SEEK_CUR), 1000);
	bad += expect_ok("truncate by name to 3", truncate("trunc", 3));
	bad += expect_eq("size", fs_size("trunc"), 3);
	bad += expect_eq("read at the old offset", read(fd, back, 10), 0);
	bad += expect_fail("truncate to -1", truncate("trunc", -1), EINVAL);
	bad += expect_fail("truncate of a directory", truncate(".", 0), EISDIR);
	bad += expect_fail("truncate of a missing file", truncate("missing", 0), ENOENT);
	rd = open("trunc", O_RDONLY);
	bad += expect_fail("ftruncate of a read-only fd", ftruncate(rd, 0), EINVAL);
	close(rd);
	close(fd);
	return bad;
}

static int allocating(void)
{
	int fd = open("alloc", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0, rd;

	bad += expect_ok("fallocate 0..8192", fallocate(fd, 0, 0, 8192));
	bad += expect_eq("size", fs_size("alloc"), 8192);
	pread(fd, back, 8192, 0);
	bad += check("allocated bytes read as zeros", all_zero(back, 8192));
	bad +=
	    expect_ok("fallocate KEEP_SIZE 0..65536", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536));
	bad += expect_eq("size kept", fs_size("alloc"), 8192);
	bad += expect_ok("fallocate 20000+100", fallocate(fd, 0, 20000, 100));
	bad += expect_eq("size", fs_size("alloc"), 20100);
	bad += expect_fail("fallocate of length 0", fallocate(fd, 0, 0, 0), EINVAL);
	rd = open("alloc", O_RDONLY);
	bad += expect_fail("fallocate on a read-only fd", fallocate(rd, 0, 0, 10), EBADF);
	close(rd);
	close(fd);
	return bad;
}

static int access_modes(void)
{
	int rd = open("f", O_RDONLY), wr = open("f", O_WRONLY), dir = open(".", O_RDONLY), bad = 0;
	char c;

	bad += expect_fail("write to an O_RDONLY fd", write(rd, "x", 1), EBADF);
	bad += expect_fail("read from an O_WRONLY fd", read(wr, &c, 1), EBADF);
	bad += expect_fail("pread from an O_WRONLY fd", pread(wr, &c, 1, 0), EBADF);
	bad += expect_fail("read from a directory fd", read(dir, &c, 1), EISDIR);
	bad += expect_fail("open a directory O_WRONLY", open(".", O_WRONLY), EISDIR);
	bad += expect_fail("open a directory O_RDWR", open(".", O_RDWR), EISDIR);
	bad += expect_fail("O_CREAT on a directory", open(".", O_RDONLY | O_CREAT, 0644), EISDIR);
	bad += expect_fail("O_DIRECTORY on a file", open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	close(rd);
	close(wr);
	close(dir);
	return bad;
}

static int unlinked_but_open(void)
{
	int fd = open("gone", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0;
	struct stat st;
	char s[16] = {0};

	write(fd, "still here", 10);
	bad += expect_ok("unlink of an open file", unlink("gone"));
	bad += expect_fail("open by the old name", open("gone", O_RDONLY), ENOENT);
	fstat(fd, &st);
	bad += expect_eq("fstat: st_nlink", st.st_nlink, 0);
	bad += expect_eq("fstat: st_size", st.st_size, 10);
	bad += expect_eq("read through the fd", pread(fd, s, sizeof(s) - 1, 0), 10);
	bad += expect_eq("write through the fd", write(fd, "!", 1), 1);
	bad += expect_eq("read it back", pread(fd, s, sizeof(s) - 1, 0), 11);
	printf("contents: %s\n", s);
	bad += expect_ok("a new file may take the name", fs_put("gone", "new", 3, 0644));
	bad += expect_eq("the old fd still has the old file", pread(fd, s, sizeof(s) - 1, 0), 11);
	close(fd);
	return bad;
}

static int renamed_over(void)
{
	int fd_b, fd_c, bad = 0;
	struct stat st;
	char s[16] = {0};

	fs_put("a", "old-a", 5, 0644);
	fs_put("b", "old-b", 5, 0644);
	fd_b = open("b", O_RDONLY);
	bad += expect_ok("rename a over b (b is open)", rename("a", "b"));
	bad += expect_fail("a is gone", open("a", O_RDONLY), ENOENT);
	printf("b has: %s\n", contents("b"));
	pread(fd_b, s, 5, 0);
	printf("the fd of the old b reads: %s\n", s);
	fstat(fd_b, &st);
	bad += expect_eq("the old b's st_nlink", st.st_nlink, 0);
	close(fd_b);

	fs_put("c", "c", 1, 0644);
	fd_c = open("c", O_WRONLY | O_APPEND);
	bad += expect_ok("rename an open file", rename("c", "d"));
	write(fd_c, "+written after the rename", 25);
	printf("d has: %s\n", contents("d"));
	close(fd_c);
	return bad;
}

static int syncing(void)
{
	int fd = open("data", O_RDWR), rd = open("data", O_RDONLY), dir = open(".", O_RDONLY);
	int p[2], bad = 0;

	pipe(p);
	bad += expect_ok("fsync", fsync(fd));
	bad += expect_ok("fdatasync", fdatasync(fd));
	bad += expect_ok("fsync of a read-only fd", fsync(rd));
	bad += expect_ok("fsync of a directory fd", fsync(dir));
	bad += expect_ok("fdatasync of a directory fd", fdatasync(dir));
	bad += expect_fail("fsync of a pipe", fsync(p[0]), EINVAL);
	bad += expect_fail("fsync of a closed fd", fsync(99), EBADF);
	sync();
	bad += expect_ok("syncfs", syncfs(fd));
	bad += expect_rc("fadvise SEQUENTIAL", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	bad += expect_rc("fadvise WILLNEED", posix_fadvise(fd, 0, 4096, POSIX_FADV_WILLNEED), 0);
	bad += expect_rc("fadvise DONTNEED", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	bad += expect_rc("fadvise with advice 99", posix_fadvise(fd, 0, 0, 99), EINVAL);
	bad += expect_rc("fadvise on a pipe", posix_fadvise(p[0], 0, 0, 0), ESPIPE);
	bad += expect_rc("fadvise on a closed fd", posix_fadvise(99, 0, 0, 0), EBADF);
	close(p[0]);
	close(p[1]);
	close(fd);
	close(rd);
	close(dir);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_io");
	bad += creating();
	bad += reading_and_seeking();
	bad += big_transfers();
	bad += appending();
	bad += vectors();
	bad += truncating();
	bad += allocating();
	bad += access_modes();
	bad += unlinked_but_open();
	bad += renamed_over();
	bad += syncing();
	return fs_leave(bad);
}
