/*
 * devfs, mounted at /dev: the memory devices (null, zero, full, random,
 * urandom: mem(4), random(4)), the terminal devices (tty, console: tty(4),
 * console(4)), the stdio links (stdin -> /proc/self/fd/0 ...), and an
 * empty shm/. Device numbers are Linux's (Documentation/admin-guide/
 * devices.txt). The names are fixed: no mknod, no new files.
 */
#include <errno.h>
#include <random.h>
#include <string.h>

#include "synth.h"

#define ST_DEV_DEVFS 0x05 /* st_dev of /dev: 0:5, as devtmpfs usually is */

static long null_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)b, (void)pos;
	return 0;
}

static long null_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)pos;
	return (long)b->len;
}

static long zero_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)pos;
	return io_zero(b, 0, b->len) ? -EFAULT : (long)b->len;
}

static long full_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)b, (void)pos;
	return -ENOSPC;
}

/* random(4): both devices read the kernel's ChaCha20 generator, which is
 * seeded at boot, so neither ever blocks. */
static long random_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	uint8_t tmp[256];
	size_t done = 0, k;

	(void)f, (void)pos;
	while (done < b->len) {
		k = MIN(b->len - done, sizeof(tmp));
		random_bytes(tmp, k);
		if (io_copy_to(b, done, tmp, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

/* lseek(2) on null, zero and full: always position 0 (drivers/char/mem.c). */
static long null_llseek(struct file *f, int64_t off, int whence)
{
	(void)off, (void)whence;
	f->pos = 0;
	return 0;
}

static const struct file_ops null_fops = {
    .read = null_read,
    .write = null_write,
    .llseek = null_llseek,
    .seekable = 1,
};
static const struct file_ops zero_fops = {
    .read = zero_read,
    .write = null_write,
    .llseek = null_llseek,
    .seekable = 1,
};
static const struct file_ops full_fops = {
    .read = zero_read,
    .write = full_write,
    .llseek = null_llseek,
    .seekable = 1,
};
static const struct file_ops random_fops = {
    .read = random_read, .write = null_write, /* accepted and dropped: nothing to mix in */
};

/* devtmpfs symlinks have their target's length as st_size. */
#define LINK(n, target)                                                                            \
	{                                                                                          \
		.name = (n), .mode = S_IFLNK | 0777, .flags = SYNTH_SIZED, .text = (target)        \
	}
#define CHR(n, perm, ma, mi, ops)                                                                  \
	{                                                                                          \
		.name = (n), .mode = S_IFCHR | (perm), .rdev = SYNTH_MKDEV(ma, mi), .fop = (ops)   \
	}

static struct synth_node dev_nodes[] = {
    CHR("console", 0600, 5, 1, &console_fops),
    LINK("fd", "/proc/self/fd"),
    CHR("full", 0666, 1, 7, &full_fops),
    CHR("null", 0666, 1, 3, &null_fops),
    CHR("random", 0666, 1, 8, &random_fops),
    SYNTH_DIR("shm", 01777, NULL),
    LINK("stderr", "/proc/self/fd/2"),
    LINK("stdin", "/proc/self/fd/0"),
    LINK("stdout", "/proc/self/fd/1"),
    CHR("tty", 0666, 5, 0, &console_fops),
    CHR("urandom", 0666, 1, 9, &random_fops),
    CHR("zero", 0666, 1, 5, &zero_fops),
    SYNTH_END,
};
static struct synth_node dev_root = SYNTH_DIR("dev", 0755, dev_nodes);

static struct super_block devfs_sb = {
    .type = "devtmpfs",
    .dev = ST_DEV_DEVFS,
    .statfs_type = TMPFS_MAGIC,
};

struct super_block *devfs_super(void)
{
	if (!devfs_sb.root && synth_mount(&devfs_sb, &dev_root))
		return NULL;
	return &devfs_sb;
}

struct synth_node *const devfs_console = &dev_nodes[0];

/* devfs_new - the /dev file system (one per boot: later calls return the
 * same super block). NULL if out of memory. */
struct super_block *devfs_new(void)
{
	return devfs_super();
}
