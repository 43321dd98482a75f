/*
 * Unit tests of the cpio writer (monitor/cpio_out.c): archives it writes are
 * read back with cpio_next() and, as the oracle, with GNU cpio (-t and -i).
 */
/* unit-test-sources: kernel/lib/cpio.c monitor/cpio_out.c */
#include "cpio.h"
#include "cpio_out.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ITEMS 400

/* What was put into an archive, in order. */
struct item {
	char name[128];
	uint32_t mode;       /* with the type */
	unsigned char *data; /* malloc'd; the target for a link */
	size_t size, align;
};

struct spec {
	int n;
	struct item it[MAX_ITEMS];
};

static unsigned char *content(unsigned seed, size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 17 + seed * 29 + (i >> 9));
	return p;
}

static void add_dir(struct cpio_out *c, struct spec *s, const char *name, uint32_t mode)
{
	struct item *it = &s->it[s->n++];

	snprintf(it->name, sizeof(it->name), "%s", name);
	it->mode = S_IFDIR | mode;
	CHECK_EQ(cpio_out_dir(c, name, mode), 0);
}

static void add_file(struct cpio_out *c, struct spec *s, const char *name, uint32_t mode,
                     size_t size, size_t align)
{
	struct item *it = &s->it[s->n++];

	snprintf(it->name, sizeof(it->name), "%s", name);
	it->mode = S_IFREG | mode;
	it->data = content((unsigned)s->n, size);
	it->size = size;
	it->align = align;
	CHECK_EQ(cpio_out_file(c, name, mode, it->data, size, align), 0);
}

static void add_link(struct cpio_out *c, struct spec *s, const char *name, const char *target)
{
	struct item *it = &s->it[s->n++];

	snprintf(it->name, sizeof(it->name), "%s", name);
	it->mode = S_IFLNK | 0777;
	it->data = (unsigned char *)strdup(target);
	it->size = strlen(target);
	CHECK_EQ(cpio_out_symlink(c, name, target), 0);
}

static void free_spec(struct spec *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->it[i].data);
}

static int is_pad(const struct cpio_entry *e)
{
	size_t n = strlen(CPIO_OUT_PAD_DIR);

	return strncmp(e->name, CPIO_OUT_PAD_DIR, n) == 0 && (e->name[n] == '/' || !e->name[n]);
}

/* Reads the archive back with cpio_next() and compares it with s. */
static void check_archive(const unsigned char *buf, size_t len, const struct spec *s)
{
	size_t off = 0;
	struct cpio_entry e;
	int i = 0, r;

	CHECK_EQ(len % 512, 0);
	while ((r = cpio_next(buf, len, &off, &e)) == 1) {
		const struct item *it = &s->it[i];
		size_t at = (size_t)((const unsigned char *)e.data - buf);

		CHECK(e.uid == 0 && e.gid == 0 && e.mtime == 0);
		if (is_pad(&e))
			continue;
		if (i >= s->n) {
			CHECK(!"more entries than were written");
			break;
		}
		CHECK_STR(e.name, it->name);
		CHECK_EQ(e.mode, it->mode);
		CHECK_EQ(e.nlink, S_ISDIR(it->mode) ? 2 : 1);
		CHECK_EQ(e.size, it->size);
		CHECK(e.size == it->size && (!e.size || memcmp(e.data, it->data, e.size) == 0));
		if (it->align > 4 && at % it->align != 0) {
			printf("  %s: data at 0x%zx, align %zu\n", it->name, at, it->align);
			CHECK(!"data aligned");
		}
		i++;
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(i, s->n);
	for (; r == 0 && off < len; off++)
		CHECK_EQ(buf[off], 0); /* after the trailer: zeros to 512 */
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		perror(path);
	return fd;
}

/* A small tree: the round trip, and GNU cpio reading it. */
static void write_small(const char *path, struct spec *s)
{
	struct cpio_out c;
	int fd = open_out(path);

	CHECK_EQ(cpio_out_open(&c, fd), 0);
	add_dir(&c, s, "bin", 0755);
	add_file(&c, s, "bin/prog", 0755, 12345, 4096);
	add_file(&c, s, "bin/empty", 0644, 0, 4096);
	add_dir(&c, s, "etc", 0700);
	add_file(&c, s, "etc/a", 0600, 1, 4);
	add_file(&c, s, "etc/bb", 0640, 3, 0);
	add_file(&c, s, "etc/ccc", 04755, 4097, 4096);
	add_link(&c, s, "etc/link", "../bin/prog");
	add_file(&c, s, "etc/dddd", 0444, 4096, 4096);
	add_file(&c, s, "big", 0644, 100000, 65536);
	CHECK_EQ(cpio_out_finish(&c), 0);
	CHECK_EQ(c.off % 512, 0);
	close(fd);
}

static void round_trip(void)
{
	char dir[4096], path[8192];
	static struct spec s;
	size_t len;
	unsigned char *buf;

	test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	write_small(path, &s);
	buf = test_read(path, &len);
	check_archive(buf, len, &s);
	free(buf);
	free_spec(&s);
}

/* Many files with names and sizes that take every padding path. */
static void alignment_sweep(void)
{
	static const size_t aligns[] = {4096, 4, 8, 4096, 512, 0, 65536, 16};
	char dir[4096], path[8192], name[128];
	static struct spec s;
	struct cpio_out c;
	size_t len;
	unsigned char *buf;
	int fd;

	test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sweep.cpio", dir);
	fd = open_out(path);
	CHECK_EQ(cpio_out_open(&c, fd), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "f%d-%.*s", i, i % 61,
		         "abcdefghijklmnopqrstuvwxyz"
		         "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
		add_file(&c, &s, name, 0644, (size_t)(i * 37) % 9000, aligns[i % 8]);
	}
	CHECK_EQ(cpio_out_finish(&c), 0);
	close(fd);
	buf = test_read(path, &len);
	check_archive(buf, len, &s);
	free(buf);
	free_spec(&s);
}

/* GNU cpio lists the archive with the names cpio_next() reads, in order. */
static void gnu_cpio_lists(void)
{
	char dir[4096], path[8192];
	static struct spec s;
	size_t len, off = 0;
	struct cpio_entry e;
	unsigned char *buf;
	char *list, *mine = NULL;
	size_t mlen = 0;
	FILE *m = open_memstream(&mine, &mlen);

	test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	write_small(path, &s);
	buf = test_read(path, &len);
	while (cpio_next(buf, len, &off, &e) == 1)
		fprintf(m, "%s\n", e.name);
	fclose(m);
	list = test_sh_out("cpio -t --quiet < '%s'", path);
	CHECK_STR(list, mine);
	CHECK_EQ(test_sh("cpio -t --quiet < '%s' > /dev/null 2>&1", path), 0);
	free(list);
	free(mine);
	free(buf);
	free_spec(&s);
}

/* GNU cpio extracts every file, link and directory as it was written. */
static void gnu_cpio_extracts(void)
{
	char dir[4096], path[8192], file[8192], link[256];
	static struct spec s;
	struct stat st;
	char *err;

	test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s.cpio", dir);
	write_small(path, &s);
	err = test_sh_out("cd '%s' && cpio -idm --quiet < '%s' 2>&1 || echo failed", dir, path);
	CHECK_STR(err, "");
	for (int i = 0; i < s.n; i++) {
		const struct item *it = &s.it[i];

		snprintf(file, sizeof(file), "%s/%s", dir, it->name);
		CHECK_EQ(lstat(file, &st), 0);
		CHECK_EQ(st.st_mode, it->mode);
		if (S_ISREG(it->mode)) {
			size_t len;
			unsigned char *data = test_read(file, &len);

			CHECK(len == it->size && memcmp(data, it->data, len) == 0);
			free(data);
		} else if (S_ISLNK(it->mode)) {
			ssize_t n = readlink(file, link, sizeof(link));

			CHECK(n == (ssize_t)it->size && memcmp(link, it->data, it->size) == 0);
		}
	}
	free(err);
	free_spec(&s);
}

static void bad_arguments(void)
{
	char dir[4096], path[8192], *longname = malloc(5000);
	struct cpio_out c;
	int fd;

	test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	fd = open_out(path);
	memset(longname, 'n', 4999);
	longname[4999] = '\0';
	CHECK_EQ(cpio_out_open(&c, -1), -EBADF);
	CHECK_EQ(cpio_out_dir(&c, "d", 0755), -EBADF);
	CHECK_EQ(cpio_out_open(&c, fd), 0);
	CHECK_EQ(cpio_out_dir(&c, "", 0755), -EINVAL);
	CHECK_EQ(cpio_out_dir(&c, "TRAILER!!!", 0755), -EINVAL);
	CHECK_EQ(cpio_out_dir(&c, longname, 0755), -ENAMETOOLONG);
	CHECK_EQ(cpio_out_dir(&c, "d", S_IFREG | 0755), -EINVAL);
	CHECK_EQ(cpio_out_dir(&c, "d", 010000000), -EINVAL);
	CHECK_EQ(cpio_out_dir(&c, "d", S_IFDIR | 0755), 0);
	CHECK_EQ(cpio_out_file(&c, "f", S_IFDIR | 0644, "x", 1, 4), -EINVAL);
	CHECK_EQ(cpio_out_file(&c, "f", 0644, "x", 1, 3), -EINVAL);
	CHECK_EQ(cpio_out_file(&c, "f", 0644, "x", 1, 2 * (size_t)CPIO_OUT_ALIGN_MAX), -EINVAL);
	CHECK_EQ(cpio_out_file(&c, "f", 0644, "x", (size_t)1 << 32, 4), -EFBIG);
	CHECK_EQ(cpio_out_symlink(&c, "l", ""), -EINVAL);
	CHECK_EQ(cpio_out_symlink(&c, "l", longname), -ENAMETOOLONG);
	CHECK_EQ(c.off, 112); /* only "d" was written */
	CHECK_EQ(cpio_out_finish(&c), 0);
	CHECK_EQ(cpio_out_finish(&c), -EINVAL);
	CHECK_EQ(cpio_out_dir(&c, "e", 0755), -EINVAL);
	close(fd);
	free(longname);
}

static void write_errors(void)
{
	struct cpio_out c;
	int full = open("/dev/full", O_WRONLY), ro = open("/dev/null", O_RDONLY);

	CHECK(full >= 0 && ro >= 0);
	CHECK_EQ(cpio_out_open(&c, full), 0);
	CHECK_EQ(cpio_out_file(&c, "f", 0644, "abc", 3, 4), -ENOSPC);
	CHECK_EQ(cpio_out_dir(&c, "d", 0755), -ENOSPC); /* the error sticks */
	CHECK_EQ(cpio_out_finish(&c), -ENOSPC);
	CHECK_EQ(cpio_out_open(&c, ro), 0);
	CHECK_EQ(cpio_out_dir(&c, "d", 0755), -EBADF);
	close(full);
	close(ro);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(round_trip);
	TEST_RUN(alignment_sweep);
	TEST_RUN(gnu_cpio_lists);
	TEST_RUN(gnu_cpio_extracts);
	TEST_RUN(bad_arguments);
	TEST_RUN(write_errors);
	return test_summary("cpio_out");
}
