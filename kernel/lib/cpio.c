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
#include <string.h>

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

/*
 * Parses exactly 8 hexadecimal digits (either case) at p, all 8 at once in
 * one 64-bit word: the guest parses every header with emulated
 * instructions. Per byte c: letter = bit 6 of c; value = (c & 15) + 9 *
 * letter; c is a digit if it equals the canonical character of its value
 * ('0' + value, or 'a' + value - 10 for letters, compared case-folded)
 * and the value is 0-9 for a non-letter, 10-15 for a letter. No byte
 * carries into the next: the sums stay below 0x100. Returns 0 or -EINVAL.
 */
static int hex8(const unsigned char *p, uint32_t *v)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t x, letter, val, canon, ge10;

	__builtin_memcpy(&x, p, 8);
	letter = (x >> 6) & ones;
	val = (x & ones * 0x0f) + letter * 9;
	canon = val + ones * 0x30 + letter * 0x27;
	ge10 = (val + ones * 0x76) & high;
	if (canon != (x | letter << 5) || (ge10 ^ letter << 7) || ((val + ones * 0x70) & high))
		return -EINVAL;
	/* The nibbles, first character most significant (x is little-endian). */
	val = ((val << 4) | (val >> 8)) & 0x00ff00ff00ff00ffull;
	val = ((val << 8) | (val >> 16)) & 0x0000ffff0000ffffull;
	*v = (uint32_t)((val << 16) | (val >> 32));
	return 0;
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

/* Checks the name of n bytes at p: one NUL, at the end. strnlen is one
 * instruction in the kernel, and the padding entries that align file data
 * (cpio_out.h) have names of up to a page. */
static int check_name(const unsigned char *p, uint32_t n)
{
	if (n == 0 || strnlen((const char *)p, n) != n - 1)
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
