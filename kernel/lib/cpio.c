/*
 * Reader of cpio "newc" archives (cpio.h).
 *
 * An entry is a 110-byte ASCII header ("070701" or "070702" and thirteen
 * 8-digit hexadecimal fields), the NUL-terminated name, zero bytes up to a
 * multiple of 4, the data, and zero bytes up to a multiple of 4. Offsets are
 * counted from buf, which must be the start of the archive. Every length
 * read from the archive is checked against len by subtraction, so nothing
 * outside buf[0..len) is ever read.
 */
#include "cpio.h"

#include <errno.h>

#define CPIO_HDR_LEN 110
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_S_IFMT  0170000
#define CPIO_S_IFREG 0100000

/* Header fields, in the order they follow the magic. */
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

/* The value of each hexadecimal digit, 0x10 for any other byte: a table,
 * because the guest parses every header with emulated instructions. */
#define H(c, v) [c] = v + 1 /* stored plus one, so that 0 means "not a digit" */
static const unsigned char hex_value[256] = {
    H('0', 0),  H('1', 1),  H('2', 2),  H('3', 3),  H('4', 4),  H('5', 5),  H('6', 6),  H('7', 7),
    H('8', 8),  H('9', 9),  H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14), H('f', 15),
    H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

/* Parses exactly 8 hexadecimal digits; returns 0 or -EINVAL. */
static int hex8(const unsigned char *p, uint32_t *v)
{
	uint32_t x = 0;
	unsigned bad = 0;

	for (int i = 0; i < 8; i++) {
		unsigned d = hex_value[p[i]];
		bad |= d == 0;
		x = x << 4 | ((d - 1) & 0xf);
	}
	*v = x;
	return bad ? -EINVAL : 0;
}

/* Parses the magic and fields of the header at h; *crc says 070702. */
static int parse_header(const unsigned char *h, uint32_t f[F_COUNT], int *crc)
{
	static const char magic[5] = "07070";

	for (int i = 0; i < 5; i++)
		if (h[i] != (unsigned char)magic[i])
			return -EINVAL;
	if (h[5] != '1' && h[5] != '2')
		return -EINVAL;
	*crc = h[5] == '2';
	for (int i = 0; i < F_COUNT; i++)
		if (hex8(h + 6 + 8 * i, &f[i]))
			return -EINVAL;
	return 0;
}

/* Offset x moved up to a multiple of 4, or len if that is beyond len. */
static size_t align4(size_t x, size_t len)
{
	size_t pad = (4 - (x & 3)) & 3;

	return pad <= len - x ? x + pad : len;
}

static int is_trailer(const struct cpio_entry *e)
{
	const char *t = CPIO_TRAILER;

	if (e->namelen != sizeof(CPIO_TRAILER) - 1)
		return 0;
	for (size_t i = 0; i < e->namelen; i++)
		if (e->name[i] != t[i])
			return 0;
	return 1;
}

/* Checks the name of n bytes at p: one NUL, at the end. */
static int check_name(const unsigned char *p, uint32_t n)
{
	if (n == 0 || p[n - 1] != '\0')
		return -EINVAL;
	for (uint32_t i = 0; i + 1 < n; i++)
		if (p[i] == '\0')
			return -EINVAL;
	return 0;
}

/* 070702: the check field of a regular file is the sum of its data bytes,
 * modulo 2^32 (other types carry 0, as GNU cpio writes them). */
static int check_sum(const unsigned char *p, size_t n, uint32_t want)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return sum == want ? 0 : -EINVAL;
}

static void fill_entry(struct cpio_entry *e, const unsigned char *name, const uint32_t f[F_COUNT])
{
	e->name = (const char *)name;
	e->namelen = f[F_NAMESIZE] - 1;
	e->ino = f[F_INO];
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->size = f[F_FILESIZE];
}

int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e)
{
	const unsigned char *b = buf;
	size_t o = *off, data;
	uint32_t f[F_COUNT];
	int crc;

	if (o > len || len - o < CPIO_HDR_LEN || parse_header(b + o, f, &crc))
		return -EINVAL;
	o += CPIO_HDR_LEN;
	if (f[F_NAMESIZE] > len - o || check_name(b + o, f[F_NAMESIZE]))
		return -EINVAL;
	fill_entry(e, b + o, f);
	data = align4(o + f[F_NAMESIZE], len);
	e->data = b + data;
	if (is_trailer(e)) {
		*off = data;
		return 0;
	}
	if (f[F_FILESIZE] > len - data)
		return -EINVAL;
	if (crc && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG &&
	    check_sum(b + data, f[F_FILESIZE], f[F_CHECK]))
		return -EINVAL;
	*off = align4(data + f[F_FILESIZE], len);
	return 1;
}

/* Skips the leading "/" and "./" of p[0..*n); "." alone becomes "". */
static const char *strip(const char *p, size_t *n)
{
	for (;;) {
		if (*n >= 1 && p[0] == '/') {
			p++;
			(*n)--;
		} else if (*n >= 2 && p[0] == '.' && p[1] == '/') {
			p += 2;
			*n -= 2;
		} else {
			break;
		}
	}
	if (*n == 1 && p[0] == '.')
		*n = 0;
	return p;
}

static int same_path(const char *a, size_t an, const char *b, size_t bn)
{
	a = strip(a, &an);
	b = strip(b, &bn);
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e)
{
	size_t off = 0, plen = 0;
	int r;

	while (path[plen])
		plen++;
	while ((r = cpio_next(buf, len, &off, e)) > 0)
		if (same_path(e->name, e->namelen, path, plen))
			return 0;
	return r < 0 ? r : -ENOENT;
}
