/*
 * fs_pipe: pipes and the calls that move data between descriptors in the
 * kernel. pipe(2)/pipe2(2) (O_CLOEXEC, O_NONBLOCK), FIONREAD, EAGAIN on an
 * empty or full non-blocking pipe, end of file once the writer is closed,
 * EPIPE with SIGPIPE ignored, ESPIPE; sendfile(2) (file to pipe, file to
 * file, with and without an offset pointer), copy_file_range(2), splice(2)
 * file to pipe and pipe to file.
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_pipe variants=musl,glibc
// case: fs_pipe_share variants=musl,glibc share=/work -- /work
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include "fs_probe.h"

static char buf[70000], back[70000];

static int pipes(void)
{
	int bad = 0, p[2], n = -1, total = 0;
	long r;
	struct stat st;

	bad += expect_ok("pipe", pipe(p));
	bad += expect_eq("the read end is", p[0], 3);
	bad += expect_eq("the write end is", p[1], 4);
	bad += expect_ok("fstat", fstat(p[0], &st));
	bad += check("it is a FIFO", S_ISFIFO(st.st_mode));
	bad += expect_eq("FD_CLOEXEC", fcntl(p[0], F_GETFD), 0);
	bad += expect_eq("F_GETFL of the read end", fcntl(p[0], F_GETFL) & 3, O_RDONLY);
	bad += expect_eq("F_GETFL of the write end", fcntl(p[1], F_GETFL) & 3, O_WRONLY);
	bad += expect_eq("write 10 bytes", write(p[1], "0123456789", 10), 10);
	bad += expect_ok("FIONREAD", ioctl(p[0], FIONREAD, &n));
	bad += expect_eq("... counts", n, 10);
	bad += expect_eq("a read of 100 returns what is there", read(p[0], back, 100), 10);
	bad += expect_fail("write to the read end", write(p[0], "x", 1), EBADF);
	bad += expect_fail("lseek on a pipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
	bad += expect_fail("pwrite on a pipe", pwrite(p[1], "x", 1, 0), ESPIPE);
	write(p[1], "end", 3);
	close(p[1]);
	bad += expect_eq("data written before the close", read(p[0], back, 100), 3);
	bad += expect_eq("then end of file", read(p[0], back, 100), 0);
	close(p[0]);

	bad += expect_ok("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	bad += expect_eq("FD_CLOEXEC", fcntl(p[1], F_GETFD), FD_CLOEXEC);
	bad += check("O_NONBLOCK in F_GETFL", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	bad += expect_fail("read from an empty pipe", read(p[0], back, 1), EAGAIN);
	memset(buf, 'p', 4096);
	while ((r = write(p[1], buf, 4096)) > 0)
		total += r;
	bad += fs_fails_with("write until the pipe is full", r, errno, EAGAIN);
	r = fcntl(p[1], F_GETPIPE_SZ);
	bad += check("it holds F_GETPIPE_SZ bytes", total == r);
	ioctl(p[0], FIONREAD, &n);
	bad += check("FIONREAD says so too", n == total);
	bad += expect_eq("a read makes room", read(p[0], back, 4096), 4096);
	bad += expect_eq("for one more write", write(p[1], buf, 4096), 4096);
	bad += expect_fail("pipe2 with a bad flag", pipe2(p, O_APPEND), EINVAL);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	bad +=
	    expect_fail("write with no reader left (SIGPIPE ignored)", write(p[1], "x", 1), EPIPE);
	close(p[1]);
	return bad;
}

static int make_src(void)
{
	fs_fill(buf, sizeof(buf), 5, 0);
	return fs_put("src", buf, sizeof(buf), 0644);
}

static int same_as_src(const char *path, size_t off, size_t len)
{
	return fs_get(path, back, sizeof(back)) == (ssize_t)len && !memcmp(back, buf + off, len);
}

static int sending(void)
{
	int bad = 0, src = open("src", O_RDONLY), dst, p[2];
	off_t off = 1000;

	pipe(p);
	bad += expect_eq("sendfile 5000 bytes file -> pipe", sendfile(p[1], src, NULL, 5000), 5000);
	bad += expect_eq("... moves the file offset", lseek(src, 0, SEEK_CUR), 5000);
	bad += expect_eq("the pipe has them", read(p[0], back, sizeof(back)), 5000);
	bad += check("... the right bytes", !memcmp(back, buf, 5000));
	dst = open("sent", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	bad += expect_eq("sendfile from offset 1000 file -> file", sendfile(dst, src, &off, 60000),
	                 60000);
	bad += expect_eq("... updates the offset pointer", off, 61000);
	bad += expect_eq("... leaves the file offset", lseek(src, 0, SEEK_CUR), 5000);
	bad += check("the copy has the bytes", same_as_src("sent", 1000, 60000));
	off = sizeof(buf) - 10;
	bad += expect_eq("sendfile near the end", sendfile(dst, src, &off, 100), 10);
	bad += expect_eq("sendfile at the end", sendfile(dst, src, &off, 100), 0);
	bad += expect_fail("sendfile to a read-only fd", sendfile(src, src, NULL, 1), EBADF);
	close(dst);
	close(src);
	close(p[0]);
	close(p[1]);
	return bad;
}

static int copying(void)
{
	int bad = 0, src = open("src", O_RDONLY),
	    dst = open("copy", O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t in = 100, out = 0;

	bad += expect_eq("copy_file_range 50000 from 100",
	                 copy_file_range(src, &in, dst, &out, 50000, 0), 50000);
	bad += expect_eq("... in offset", in, 50100);
	bad += expect_eq("... out offset", out, 50000);
	bad += expect_eq("... the file offsets stay",
	                 lseek(src, 0, SEEK_CUR) + lseek(dst, 0, SEEK_CUR), 0);
	bad += check("the copy has the bytes", same_as_src("copy", 100, 50000));
	bad += expect_eq("copy_file_range with the file offsets",
	                 copy_file_range(src, NULL, dst, NULL, 10, 0), 10);
	bad += expect_eq("... moves them", lseek(src, 0, SEEK_CUR), 10);
	in = sizeof(buf);
	bad +=
	    expect_eq("copy_file_range at the end", copy_file_range(src, &in, dst, NULL, 10, 0), 0);
	bad += expect_fail("copy_file_range with flags 1",
	                   copy_file_range(src, NULL, dst, NULL, 1, 1), EINVAL);
	close(src);
	close(dst);
	return bad;
}

static int splicing(void)
{
	int bad = 0, src = open("src", O_RDONLY),
	    dst = open("spliced", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int p[2];
	loff_t off = 20000;

	pipe(p);
	bad += expect_eq("splice file -> pipe from offset 20000",
	                 splice(src, &off, p[1], NULL, 3000, 0), 3000);
	bad += expect_eq("... the offset pointer", off, 23000);
	bad += expect_eq("... the file offset stays", lseek(src, 0, SEEK_CUR), 0);
	bad += expect_eq("splice pipe -> file", splice(p[0], NULL, dst, NULL, 3000, 0), 3000);
	bad += check("the file has the bytes", same_as_src("spliced", 20000, 3000));
	bad += expect_fail("splice file -> file", splice(src, NULL, dst, NULL, 10, 0), EINVAL);
	bad += expect_fail("splice with an offset on the pipe side",
	                   splice(src, NULL, p[1], &off, 10, 0), ESPIPE);
	close(src);
	close(dst);
	close(p[0]);
	close(p[1]);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_pipe");
	bad += pipes();
	bad += expect_ok("make a 70000-byte file", make_src());
	bad += sending();
	bad += copying();
	bad += splicing();
	return fs_leave(bad);
}
