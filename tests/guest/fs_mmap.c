/*
 * fs_mmap: mappings of files (mmap(2), msync(2), mincore(2)).
 * MAP_PRIVATE sees the file's data, zeros past the end in the last page,
 * and its writes do not reach the file; an offset maps the right page;
 * MAP_SHARED read-only sees the data and a later write(2) to the file;
 * a writable MAP_SHARED mapping reaches the file (read back with read(2))
 * after msync, and without growing it; a mapping outlives close(2) and
 * unlink(2); mincore reports touched pages; the access-mode and
 * file-type errors (EACCES, ENODEV, EBADF, EINVAL).
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_mmap variants=musl,glibc
// case: fs_mmap_share variants=musl,glibc share=/work -- /work
#include <sys/mman.h>
#include <sys/stat.h>
#include "fs_probe.h"

#define PG   4096
#define SIZE (3 * PG + 100)

static unsigned char data[SIZE], back[4 * PG];

static int map_failed(void *p)
{
	return p == MAP_FAILED ? -1 : 0;
}

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int private_maps(int fd)
{
	unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), *q;
	int bad = 0;

	bad += expect_ok("MAP_PRIVATE of the file", map_failed(p));
	if (p == MAP_FAILED) {
		close(fd);
		return bad;
	}
	bad += check("it has the file's bytes", !memcmp(p, data, SIZE));
	bad += check("the rest of the last page is zeros", all_zero(p + SIZE, PG - 100));
	memset(p + 10, 'W', 5000);
	bad += check("the mapping has the write", p[10] == 'W' && p[5009] == 'W');
	pread(fd, back, SIZE, 0);
	bad += check("the file does not", !memcmp(back, data, SIZE));
	munmap(p, 4 * PG);
	q = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
	bad += expect_ok("MAP_PRIVATE at offset 8192", map_failed(q));
	if (q != MAP_FAILED) {
		bad += check("it has bytes 8192..12287", !memcmp(q, data + 2 * PG, PG));
		munmap(q, PG);
	}
	close(fd);
	return bad;
}

static int shared_read(int fd)
{
	unsigned char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	int bad = 0;

	bad += expect_ok("MAP_SHARED PROT_READ", map_failed(p));
	if (p == MAP_FAILED)
		return bad;
	bad += check("it has the file's bytes", !memcmp(p, data, SIZE));
	/* Not checked: that a later write(2) shows in the mapping. Bothy's
	 * shared mappings are copies written back on msync/munmap
	 * (docs/files.md), so they are not coherent with write(2). */
	close(fd);
	bad += check("it outlives close(2)", !memcmp(p, data, SIZE));
	munmap(p, SIZE);
	return bad;
}

static int shared_write(void)
{
	int fd = open("m", O_RDWR), bad = 0;
	unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned char vec[4] = {0};
	struct stat st;

	bad += expect_ok("MAP_SHARED PROT_READ|PROT_WRITE", map_failed(p));
	if (p == MAP_FAILED)
		return bad;
	memcpy(p + 100, "through the mapping", 19);
	memcpy(p + 3 * PG + 90, "0123456789ABCDEF", 16); /* 6 bytes past the end */
	bad += expect_ok("msync MS_SYNC", msync(p, SIZE, MS_SYNC));
	bad += expect_eq("pread after msync", pread(fd, back, 19, 100), 19);
	bad += check("the file has the bytes", !memcmp(back, "through the mapping", 19));
	fstat(fd, &st);
	bad += expect_eq("bytes past the end do not grow the file", st.st_size, SIZE);
	bad += expect_eq("pread of the last bytes", pread(fd, back, 20, SIZE - 10), 10);
	bad += check("... which hold the part before the end", !memcmp(back, "0123456789", 10));
	bad += expect_ok("mincore of the mapping", mincore(p, 4 * PG, vec));
	bad += check("touched pages are resident", (vec[0] & 1) && (vec[3] & 1));
	bad += expect_fail("mincore at an unaligned address", mincore(p + 1, PG, vec), EINVAL);
	bad += expect_ok("msync MS_ASYNC", msync(p, PG, MS_ASYNC));
	bad += expect_fail("msync with MS_SYNC|MS_ASYNC", msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
	munmap(p, SIZE);
	bad += expect_fail("mincore after munmap", mincore(p, PG, vec), ENOMEM);
	close(fd);
	fs_get("m", back, sizeof(back));
	bad += check("read(2) after munmap and close sees it",
	             !memcmp(back + 100, "through the mapping", 19));
	return bad;
}

static int unlinked(void)
{
	int fd = open("gone", O_RDWR | O_CREAT | O_TRUNC, 0644), bad = 0;
	unsigned char *p;

	write(fd, data, PG);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	unlink("gone");
	bad += expect_ok("MAP_SHARED of a file closed and unlinked", map_failed(p));
	if (p == MAP_FAILED)
		return bad;
	bad += check("still has its bytes", !memcmp(p, data, PG));
	p[0] ^= 0xff;
	bad += check("and takes writes", p[0] == (data[0] ^ 0xff));
	munmap(p, PG);
	return bad;
}

static int errors(void)
{
	int bad = 0, wr = open("m", O_WRONLY), rd = open("m", O_RDONLY), dir = open(".", O_RDONLY);
	int path = open("m", O_PATH), p[2];
	void *m;

	pipe(p);
	bad += expect_fail("PROT_READ of an O_WRONLY fd",
	                   map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, wr, 0)), EACCES);
	bad += expect_fail("MAP_SHARED PROT_WRITE of an O_RDONLY fd",
	                   map_failed(mmap(NULL, PG, PROT_WRITE, MAP_SHARED, rd, 0)), EACCES);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, rd, 0);
	bad += expect_ok("MAP_PRIVATE PROT_WRITE of an O_RDONLY fd", map_failed(m));
	if (m != MAP_FAILED)
		munmap(m, PG);
	bad += expect_fail("a directory", map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, dir, 0)),
	                   ENODEV);
	bad += expect_fail("a pipe", map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, p[0], 0)),
	                   ENODEV);
	bad += expect_fail("an O_PATH fd",
	                   map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, path, 0)), EBADF);
	bad += expect_fail("a closed fd", map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, 99, 0)),
	                   EBADF);
	bad += expect_fail("an unaligned offset",
	                   map_failed(mmap(NULL, PG, PROT_READ, MAP_SHARED, rd, 100)), EINVAL);
	close(wr);
	close(rd);
	close(dir);
	close(path);
	close(p[0]);
	close(p[1]);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc, argv, "fs_mmap");
	fs_fill(data, SIZE, 9, 0);
	bad += expect_ok("write a file of 3 pages + 100 bytes", fs_put("m", data, SIZE, 0644));
	bad += private_maps(open("m", O_RDONLY));
	bad += shared_read(open("m", O_RDWR));
	bad += shared_write();
	bad += unlinked();
	bad += errors();
	return fs_leave(bad);
}
