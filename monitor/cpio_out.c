/*
 * cpio "newc" writer (cpio_out.h). Each entry is written as its header and
 * name padded to 4 bytes, then its data padded to 4 bytes, so c->off stays
 * a multiple of 4 and is the archive offset of the next entry.
 */
#include "cpio_out.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR_LEN      110
#define NAME_MAX_LEN (PATH_MAX - 1) /* bytes, without the NUL */

static const unsigned char zeros[4096];

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Bytes of header and padded name for a name of n bytes. */
static uint64_t head_len(size_t n)
{
	return align_up(HDR_LEN + n + 1, 4);
}

static int write_all(struct cpio_out *c, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0 && !c->err) {
		ssize_t w = write(c->fd, b, n);

		if (w < 0 && errno != EINTR)
			c->err = -errno;
		else if (w == 0)
			c->err = -EIO;
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			c->off += (uint64_t)w;
		}
	}
	return c->err;
}

static int write_zeros(struct cpio_out *c, uint64_t n)
{
	while (n > 0 && !c->err) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		write_all(c, zeros, k);
		n -= k;
	}
	return c->err;
}

/* Writes the header and padded name of an entry whose data has `size` bytes. */
static int put_head(struct cpio_out *c, uint32_t ino, const char *name, uint32_t mode,
                    uint32_t nlink, uint32_t size)
{
	char h[HDR_LEN + 1];
	size_t n = strlen(name);

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
	         mode, 0u, 0u, nlink, 0u, size, 0u, 0u, 0u, 0u, (uint32_t)n + 1, 0u);
	write_all(c, h, HDR_LEN);
	write_all(c, name, n + 1);
	return write_zeros(c, head_len(n) - (HDR_LEN + n + 1));
}

static int put_entry(struct cpio_out *c, const char *name, uint32_t mode, uint32_t nlink,
                     const void *data, size_t size)
{
	put_head(c, ++c->ino, name, mode, nlink, (uint32_t)size);
	write_all(c, data, size);
	return write_zeros(c, align_up(size, 4) - size);
}

static int check_path(const char *path)
{
	size_t n = strlen(path);

	if (n == 0)
		return -EINVAL;
	return n > NAME_MAX_LEN ? -ENAMETOOLONG : 0;
}

static int check_name(const char *name)
{
	return strcmp(name, "TRAILER!!!") == 0 ? -EINVAL : check_path(name);
}

/* Checks the entry can be added; mode must be 07777 plus at most `type`. */
static int check_entry(struct cpio_out *c, const char *name, uint32_t mode, uint32_t type)
{
	if (c->err)
		return c->err;
	if (c->finished)
		return -EINVAL;
	if ((mode & ~(uint32_t)(S_IFMT | 07777)) || ((mode & S_IFMT) && (mode & S_IFMT) != type))
		return -EINVAL;
	return check_name(name);
}

/* Writes a padding file so that an entry named `name` gets its data aligned. */
static int put_pad(struct cpio_out *c, const char *name, uint64_t align)
{
	char pad[sizeof(CPIO_OUT_PAD_DIR) + 20];
	uint64_t need, min;

	if (!c->pad_dir) {
		c->pad_dir = 1;
		put_entry(c, CPIO_OUT_PAD_DIR, S_IFDIR | 0700, 2, NULL, 0);
	}
	snprintf(pad, sizeof(pad), "%s/pad%u", CPIO_OUT_PAD_DIR, ++c->npad);
	/* The pad entry's size P makes off + P + head_len(name) = 0 mod align. */
	need = (align - (c->off + head_len(strlen(name))) % align) % align;
	min = head_len(strlen(pad));
	while (need < min)
		need += align;
	put_head(c, ++c->ino, pad, S_IFREG | 0400, 1, (uint32_t)(need - min));
	return write_zeros(c, need - min);
}

int cpio_out_open(struct cpio_out *c, int fd)
{
	*c = (struct cpio_out){.fd = fd, .err = fd < 0 ? -EBADF : 0};
	return c->err;
}

int cpio_out_dir(struct cpio_out *c, const char *name, uint32_t mode)
{
	int r = check_entry(c, name, mode, S_IFDIR);

	return r ? r : put_entry(c, name, S_IFDIR | (mode & 07777), 2, NULL, 0);
}

int cpio_out_file(struct cpio_out *c, const char *name, uint32_t mode, const void *data,
                  size_t size, size_t data_align)
{
	int r = check_entry(c, name, mode, S_IFREG);

	if (r)
		return r;
	if (data_align & (data_align - 1) || data_align > CPIO_OUT_ALIGN_MAX)
		return -EINVAL;
	if ((uint64_t)size > UINT32_MAX)
		return -EFBIG;
	if (data_align > 4 && (c->off + head_len(strlen(name))) % data_align != 0)
		put_pad(c, name, data_align);
	return put_entry(c, name, S_IFREG | (mode & 07777), 1, data, size);
}

int cpio_out_symlink(struct cpio_out *c, const char *name, const char *target)
{
	int r = check_entry(c, name, 0, S_IFLNK);

	if (!r)
		r = check_path(target);
	return r ? r : put_entry(c, name, S_IFLNK | 0777, 1, target, strlen(target));
}

int cpio_out_finish(struct cpio_out *c)
{
	if (c->err)
		return c->err;
	if (c->finished)
		return -EINVAL;
	c->finished = 1;
	put_head(c, 0, "TRAILER!!!", 0, 1, 0);
	return write_zeros(c, align_up(c->off, 512) - c->off);
}
