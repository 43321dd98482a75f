/*
 * fs_dev: the devices under /dev (Linux Documentation/admin-guide/
 * devices.txt, null(4), zero(4), full(4), random(4), proc(5) for
 * /dev/fd). Each is a character device with its Linux major:minor and
 * mode 0666; /dev/null reads nothing and swallows writes; /dev/zero reads
 * and maps zeros; /dev/full fails writes with ENOSPC; /dev/urandom and
 * /dev/random give fresh bytes; /dev/fd/N reopens N (a new open file
 * description for a regular file); /dev/stdin, /dev/stdout, /dev/stderr.
 * Runs in a fresh /tmp directory (see fs_probe.h); stdin is seq 1 1000.
 */
// case: fs_dev stdin=seq1000
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs_probe.h"

static unsigned char buf[8192];

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int nodes(void)
{
	static const char *const names[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
	                                    "/dev/urandom"};
	struct stat st;
	int bad = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (stat(names[i], &st) != 0) {
			bad += fs_succeeds(names[i], -1, errno);
			continue;
		}
		printf("%s: %s %u:%u mode 0%o\n", names[i],
		       S_ISCHR(st.st_mode) ? "char" : "not char", major(st.st_rdev),
		       minor(st.st_rdev), (unsigned)st.st_mode & 07777);
	}
	return bad;
}

static int listed(void)
{
	const char *want[] = {"null", "zero", "full", "random", "urandom", "fd", "stdin"};
	int found[7] = {0}, bad = 0;
	DIR *d = opendir("/dev");
	struct dirent *e;

	if (!d)
		return fs_succeeds("opendir /dev", -1, errno);
	while ((e = readdir(d)))
		for (int i = 0; i < 7; i++)
			found[i] += !strcmp(e->d_name, want[i]);
	closedir(d);
	for (int i = 0; i < 7; i++) {
		char what[48];

		snprintf(what, sizeof(what), "/dev lists %s", want[i]);
		bad += check(what, found[i] == 1);
	}
	return bad;
}

static int null_zero_full(void)
{
	int bad = 0, n = open("/dev/null", O_RDWR), z = open("/dev/zero", O_RDWR),
	    f = open("/dev/full", O_RDWR);
	struct stat st;
	unsigned char *m;

	bad += expect_eq("read /dev/null", read(n, buf, sizeof(buf)), 0);
	bad += expect_eq("write /dev/null", write(n, buf, 5000), 5000);
	bad += expect_eq("lseek /dev/null", lseek(n, 100, SEEK_SET), 0);
	fstat(n, &st);
	printf("fstat of /dev/null: %u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	memset(buf, 0xaa, sizeof(buf));
	bad += expect_eq("read /dev/zero", read(z, buf, sizeof(buf)), sizeof(buf));
	bad += check("... zeros", all_zero(buf, sizeof(buf)));
	bad += expect_eq("write /dev/zero", write(z, "abc", 3), 3);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	bad += check("MAP_PRIVATE of /dev/zero reads zeros", m != MAP_FAILED && all_zero(m, 8192));
	if (m != MAP_FAILED) {
		m[5] = 1;
		munmap(m, 8192);
	}
	bad += expect_fail("write /dev/full", write(f, "abc", 3), ENOSPC);
	memset(buf, 0xaa, 100);
	bad += expect_eq("read /dev/full", read(f, buf, 100), 100);
	bad += check("... zeros", all_zero(buf, 100));
	bad += expect_fail("O_DIRECTORY on /dev/null", open("/dev/null", O_RDONLY | O_DIRECTORY),
	                   ENOTDIR);
	close(n);
	close(z);
	close(f);
	return bad;
}

static int randoms(void)
{
	unsigned char a[64], b[64];
	int bad = 0, u = open("/dev/urandom", O_RDWR), r = open("/dev/random", O_RDONLY);

	bad += expect_eq("read 64 bytes of /dev/urandom", read(u, a, 64), 64);
	bad += expect_eq("and 64 more", read(u, b, 64), 64);
	bad += check("they differ, and are not all zero", memcmp(a, b, 64) && !all_zero(a, 64));
	bad += expect_eq("read 16 bytes of /dev/random", read(r, a, 16), 16);
	bad += expect_eq("write to /dev/urandom", write(u, "x", 1), 1);
	close(u);
	close(r);
	return bad;
}

static int fd_links(void)
{
	char path[32], s[16] = {0};
	int bad = 0, fd, again, in;

	fs_put("f", "0123456789", 10, 0644);
	fd = open("f", O_RDONLY);
	read(fd, s, 5);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	again = open(path, O_RDONLY);
	bad += expect_ok("open /dev/fd/N of an open file", again);
	memset(s, 0, sizeof(s));
	bad += expect_eq("it reads from the start (its own offset)", read(again, s, 5), 5);
	printf("read: %s\n", s);
	bad += expect_eq("the first fd is still at", lseek(fd, 0, SEEK_CUR), 5);
	close(again);
	bad += expect_fail("open /dev/fd/99 (not open)", open("/dev/fd/99", O_RDONLY), ENOENT);
	close(fd);

	in = open("/dev/stdin", O_RDONLY);
	bad += expect_ok("open /dev/stdin", in);
	memset(s, 0, sizeof(s));
	bad += expect_eq("read 10 bytes", read(in, s, 10), 10);
	for (int i = 0; i < 10; i++)
		s[i] = s[i] == '\n' ? '|' : s[i];
	printf("they are: %s\n", s);
	close(in);
	fd = open("/dev/stderr", O_WRONLY | O_APPEND);
	bad += expect_ok("open /dev/stderr", fd);
	close(fd);
	return bad;
}

/* The last line goes through /dev/stdout, after stdio's buffer: a new
 * open of a regular file has its own offset, so nothing may follow it
 * through fd 1. */
static int through_dev_stdout(void)
{
	int fd = open("/dev/stdout", O_WRONLY | O_APPEND);
	static const char line[] = "this line went through /dev/stdout\n";

	if (fd < 0 || write(fd, line, sizeof(line) - 1) != sizeof(line) - 1) {
		printf("write through /dev/stdout: FAILED (%s)\n", fs_errno_name(errno));
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_dev");
	bad += nodes();
	bad += listed();
	bad += null_zero_full();
	bad += randoms();
	bad += fd_links();
	bad = fs_leave(bad);
	return bad + through_dev_stdout();
}
