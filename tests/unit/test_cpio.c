/*
 * Unit tests of cpio_next() and cpio_find() (kernel/lib/cpio.c).
 *
 * The oracle is GNU cpio: it archives a directory tree made here, and every
 * entry read back must match lstat(2), readlink(2) and the file's bytes.
 * Broken archives are mutations of its output; parses get buffers of exactly
 * the bytes they may read, so AddressSanitizer catches any read outside.
 */
/* unit-test-sources: kernel/lib/cpio.c */
#include "cpio.h"
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRIES 64

static char tree[4096]; /* the directory GNU cpio archived */

/* Deterministic file contents: byte i of file `seed`. */
static unsigned char content(unsigned seed, size_t i)
{
	return (unsigned char)(i * 131 + seed * 7 + (i >> 7));
}

static void make_file(const char *name, unsigned seed, size_t size, mode_t mode)
{
	char path[8192];
	unsigned char *buf = malloc(size ? size : 1);

	for (size_t i = 0; i < size; i++)
		buf[i] = content(seed, i);
	snprintf(path, sizeof(path), "%s/%s", tree, name);
	test_write(path, buf, size);
	CHECK_EQ(chmod(path, mode), 0);
	free(buf);
}

/* A tree with names of every length mod 4, sizes around the padding, a
 * symbolic link and a hard link. */
static void setup_tree(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 511, 4096, 10001};
	char path[8192], name[64];

	test_tmpdir(tree, sizeof(tree));
	snprintf(path, sizeof(path), "%s/d/sub", tree);
	CHECK_EQ(test_sh("mkdir -p '%s' && chmod 0750 '%s'", path, path), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "%.*s", (int)i + 1, "fabcdefghijklmnop");
		make_file(name, (unsigned)i, sizes[i], i % 2 ? 0755 : 0640);
	}
	make_file("d/sub/x", 99, 333, 0600);
	snprintf(path, sizeof(path), "%s/d/link", tree);
	CHECK_EQ(symlink("../fab", path), 0);
	CHECK_EQ(test_sh("cd '%s' && ln d/sub/x d/hard", tree), 0);
}

/* Archives the tree with GNU cpio in format `fmt` (newc or crc). */
static unsigned char *archive(const char *fmt, size_t *len)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s.%s.cpio", tree, fmt);
	CHECK_EQ(test_sh("cd '%s' && find . | LC_ALL=C sort | cpio -o -H %s --quiet > '%s'", tree,
	                 fmt, path),
	         0);
	return test_read(path, len);
}

/* Checks one entry against the file it came from. */
static void check_entry(const struct cpio_entry *e)
{
	char path[8192], link[4096];
	struct stat st;
	size_t size;
	unsigned char *data;

	CHECK_EQ(strlen(e->name), e->namelen);
	snprintf(path, sizeof(path), "%s/%s", tree, e->name);
	CHECK_EQ(lstat(path, &st), 0);
	CHECK_EQ(e->mode, st.st_mode);
	CHECK_EQ(e->uid, st.st_uid);
	CHECK_EQ(e->gid, st.st_gid);
	CHECK_EQ(e->nlink, st.st_nlink);
	CHECK_EQ(e->mtime, (uint64_t)st.st_mtime);
	CHECK_EQ(e->ino, (uint32_t)st.st_ino);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, link, sizeof(link));

		CHECK_EQ(e->size, (size_t)n);
		CHECK(n >= 0 && memcmp(e->data, link, (size_t)n) == 0);
	} else if (S_ISREG(st.st_mode) && !(e->size == 0 && st.st_nlink > 1)) {
		data = test_read(path, &size);
		CHECK_EQ(e->size, size);
		CHECK(e->size == size && memcmp(e->data, data, size) == 0);
		free(data);
	} else if (!S_ISREG(st.st_mode)) {
		CHECK_EQ(e->size, 0);
	}
}

struct walk {
	int n, last;             /* entries returned with 1, and the final return */
	size_t end[MAX_ENTRIES]; /* where each entry's name or data ends */
	size_t trailer_end;      /* where the trailer's name ends */
	struct cpio_entry e[MAX_ENTRIES];
};

static void walk(const unsigned char *buf, size_t len, struct walk *w)
{
	size_t off = 0;
	struct cpio_entry e;

	memset(w, 0, sizeof(*w));
	while ((w->last = cpio_next(buf, len, &off, &e)) == 1 && w->n < MAX_ENTRIES) {
		size_t name_end = (size_t)(e.name - (const char *)buf) + e.namelen + 1;

		w->end[w->n] =
		    e.size ? (size_t)((const unsigned char *)e.data - buf) + e.size : name_end;
		w->e[w->n++] = e;
	}
	if (w->last == 0)
		w->trailer_end = (size_t)(e.name - (const char *)buf) + e.namelen + 1;
}

static void gnu_archive_read_back(const char *fmt)
{
	size_t len;
	unsigned char *buf = archive(fmt, &len);
	char *list = test_sh_out("cd '%s' && find . | wc -l", tree);
	struct walk w;
	int hard_with_data = 0;

	walk(buf, len, &w);
	CHECK_EQ(w.last, 0);
	CHECK_EQ(w.n, atoi(list));
	for (int i = 0; i < w.n; i++) {
		check_entry(&w.e[i]);
		if (strcmp(w.e[i].name, "d/hard") == 0 || strcmp(w.e[i].name, "d/sub/x") == 0)
			hard_with_data += w.e[i].size == 333;
	}
	CHECK_EQ(hard_with_data, 1); /* a hard link's data comes once */
	free(list);
	free(buf);
}

static void gnu_newc_read_back(void)
{
	gnu_archive_read_back("newc");
}

static void gnu_crc_read_back(void)
{
	gnu_archive_read_back("crc");
}

/* Every prefix of the archive: entries come back exactly while they fit. */
static void truncated_everywhere(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);
	struct walk full, w;

	walk(buf, len, &full);
	for (size_t n = 0; n <= len; n++) {
		unsigned char *copy = test_dup(buf, n);
		int want = 0;

		walk(copy, n, &w);
		while (want < full.n && full.end[want] <= n)
			want++;
		if (w.n != want ||
		    w.last != (want == full.n && full.trailer_end <= n ? 0 : -EINVAL)) {
			printf("  length %zu: %d entries, last %d; want %d\n", n, w.n, w.last,
			       want);
			CHECK(!"prefix parses as far as it is complete");
			n = len;
		}
		free(copy);
	}
	free(buf);
}

/* Writes `v` as field k (0 = c_ino ... 12 = c_check) of the header at h. */
static void set_field(unsigned char *h, int k, uint32_t v)
{
	char s[9];

	snprintf(s, sizeof(s), "%08X", v);
	memcpy(h + 6 + 8 * k, s, 8);
}

static int first_result(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	struct cpio_entry e;

	return cpio_next(buf, len, &off, &e);
}

static void bad_magic(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);
	static const char subst[] = "03789x";

	for (int i = 0; i < 6; i++) {
		unsigned char saved = buf[i];

		for (const char *s = subst; *s; s++) {
			if (*s == saved || (i == 5 && *s == '2'))
				continue;
			buf[i] = (unsigned char)*s;
			CHECK_EQ(first_result(buf, len), -EINVAL);
		}
		buf[i] = saved;
	}
	CHECK_EQ(first_result(buf, len), 1);
	free(buf);
}

static void bad_hex_fields(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);
	static const char bad[] = "gGxX -+.";

	for (int k = 0; k < 13; k++)
		for (int j = 0; j < 8; j += 7)
			for (size_t b = 0; b <= sizeof(bad) - 1; b++) {
				unsigned char *p = buf + 6 + 8 * k + j, saved = *p;

				*p = (unsigned char)bad[b]; /* b == strlen: a NUL */
				CHECK_EQ(first_result(buf, len), -EINVAL);
				*p = saved;
			}
	CHECK_EQ(first_result(buf, len), 1);
	free(buf);
}

static void lowercase_hex(void)
{
	size_t len, off = 0, off2 = 0;
	unsigned char *buf = archive("newc", &len);
	unsigned char *low = test_dup(buf, len);
	struct cpio_entry a, b;

	for (int i = 6; i < 110; i++)
		if (low[i] >= 'A' && low[i] <= 'F')
			low[i] = (unsigned char)(low[i] - 'A' + 'a');
	CHECK_EQ(cpio_next(buf, len, &off, &a), 1);
	CHECK_EQ(cpio_next(low, len, &off2, &b), 1);
	CHECK_EQ(off, off2);
	CHECK(a.ino == b.ino && a.mode == b.mode && a.mtime == b.mtime && a.size == b.size);
	free(low);
	free(buf);
}

static void bad_name(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);
	unsigned char *name = buf + 110;
	size_t n = strlen((char *)name); /* the first entry is "." */

	set_field(buf, 11, 0);
	CHECK_EQ(first_result(buf, len), -EINVAL);
	set_field(buf, 11, 0xffffffff);
	CHECK_EQ(first_result(buf, len), -EINVAL);
	set_field(buf, 11, (uint32_t)(len - 110 + 1));
	CHECK_EQ(first_result(buf, len), -EINVAL);
	set_field(buf, 11, (uint32_t)n + 1);
	CHECK_EQ(first_result(buf, len), 1);
	name[n] = 'x'; /* no NUL */
	CHECK_EQ(first_result(buf, len), -EINVAL);
	name[n] = '\0';
	name[0] = '\0'; /* a NUL inside the name */
	CHECK_EQ(first_result(buf, len), -EINVAL);
	free(buf);
}

static void bad_size(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);

	set_field(buf, 6, 0xffffffff);
	CHECK_EQ(first_result(buf, len), -EINVAL);
	set_field(buf, 6, (uint32_t)len);
	CHECK_EQ(first_result(buf, len), -EINVAL);
	free(buf);
}

static void bad_offset(void)
{
	size_t len, off;
	unsigned char *buf = archive("newc", &len);
	struct cpio_entry e;

	off = len;
	CHECK_EQ(cpio_next(buf, len, &off, &e), -EINVAL);
	off = len + 1;
	CHECK_EQ(cpio_next(buf, len, &off, &e), -EINVAL);
	off = SIZE_MAX;
	CHECK_EQ(cpio_next(buf, len, &off, &e), -EINVAL);
	free(buf);
}

/* 070702: the checksum is checked; 070701: data is not checked. */
static void checksum(void)
{
	size_t len, len2;
	unsigned char *crc = archive("crc", &len), *newc = archive("newc", &len2);
	struct cpio_entry e;

	CHECK(memcmp(crc, "070702", 6) == 0);
	CHECK_EQ(cpio_find(crc, len, "fabcdefghi", &e), 0);
	((unsigned char *)e.data)[100] ^= 1;
	CHECK_EQ(cpio_find(crc, len, "fabcdefghi", &e), -EINVAL);
	CHECK_EQ(cpio_find(newc, len2, "fabcdefghi", &e), 0);
	((unsigned char *)e.data)[100] ^= 1;
	CHECK_EQ(cpio_find(newc, len2, "fabcdefghi", &e), 0);
	free(crc);
	free(newc);
}

static void find(void)
{
	size_t len;
	unsigned char *buf = archive("newc", &len);
	struct cpio_entry e;
	static const char *const x[] = {"d/sub/x", "/d/sub/x", "./d/sub/x", ".//d/sub/x"};

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		memset(&e, 0, sizeof(e));
		CHECK_EQ(cpio_find(buf, len, x[i], &e), 0);
		CHECK_STR(e.name, "d/sub/x");
	}
	CHECK_EQ(e.size, 333);
	CHECK_EQ(cpio_find(buf, len, "d/link", &e), 0);
	CHECK(S_ISLNK(e.mode) && e.size == 6 && memcmp(e.data, "../fab", 6) == 0);
	CHECK_EQ(cpio_find(buf, len, "/", &e), 0);
	CHECK_STR(e.name, ".");
	CHECK_EQ(cpio_find(buf, len, "d/sub/", &e), -ENOENT);
	CHECK_EQ(cpio_find(buf, len, "d/su", &e), -ENOENT);
	CHECK_EQ(cpio_find(buf, len, "missing", &e), -ENOENT);
	CHECK_EQ(cpio_find(buf, len, "TRAILER!!!", &e), -ENOENT);
	CHECK_EQ(cpio_find(buf, 200, "d/sub/x", &e), -EINVAL);
	free(buf);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(setup_tree); /* first: the other cases use the tree */
	TEST_RUN(gnu_newc_read_back);
	TEST_RUN(gnu_crc_read_back);
	TEST_RUN(truncated_everywhere);
	TEST_RUN(bad_magic);
	TEST_RUN(bad_hex_fields);
	TEST_RUN(lowercase_hex);
	TEST_RUN(bad_name);
	TEST_RUN(bad_size);
	TEST_RUN(bad_offset);
	TEST_RUN(checksum);
	TEST_RUN(find);
	return test_summary("cpio");
}
