/*
 * Writer of cpio "newc" archives (magic 070701), the initrd format, for
 * `bothy run --vmm qemu`. Entries are written in call order to a file
 * descriptor; uid, gid and mtime are 0 so that archives are reproducible.
 * Source: cpio(5), "New ASCII Format"; Linux Documentation/driver-api/
 * early-userspace/buffer-format.rst. The reader is kernel/lib/cpio.c.
 */
#ifndef BOTHY_CPIO_OUT_H
#define BOTHY_CPIO_OUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A file whose data must start at a multiple of data_align is preceded by a
 * padding entry: a regular file of zero bytes named CPIO_OUT_PAD_DIR "/pad"
 * and a number, inside the directory CPIO_OUT_PAD_DIR, which is written
 * before the first one. A guest may ignore or delete that directory.
 */
#define CPIO_OUT_PAD_DIR   ".bothy"
#define CPIO_OUT_ALIGN_MAX (1u << 30) /* largest data_align accepted */

struct cpio_out {
	int fd;        /* where the archive goes; not closed by cpio_out */
	int err;       /* first error (-errno), returned by every later call */
	int finished;  /* cpio_out_finish() was called */
	int pad_dir;   /* CPIO_OUT_PAD_DIR has been written */
	uint64_t off;  /* bytes written, i.e. the offset from the archive start */
	uint32_t ino;  /* inode number of the last entry */
	uint32_t npad; /* padding entries written */
};

/*
 * cpio_out_open - start an archive on fd, which must be open for writing;
 * offsets (for data_align) count from fd's position now. Writes nothing.
 * Returns 0, or -EBADF if fd < 0.
 */
int cpio_out_open(struct cpio_out *c, int fd);

/*
 * cpio_out_dir - add directory `name` (a path relative to the archive root,
 * NUL-terminated, 1 to 4095 bytes, not "TRAILER!!!") with permission bits
 * `mode` (07777; S_IFDIR may be included). Returns 0, -EINVAL for a bad
 * name or mode, -ENAMETOOLONG, or the -errno of write(2).
 */
int cpio_out_dir(struct cpio_out *c, const char *name, uint32_t mode);

/*
 * cpio_out_file - add regular file `name` (rules as for cpio_out_dir) with
 * permission bits `mode` (07777; S_IFREG may be included) and the `size`
 * bytes at `data`. data_align is a power of two up to CPIO_OUT_ALIGN_MAX:
 * the data then starts at a multiple of it from the archive start (values
 * up to 4 are the format's own alignment; 4096 makes the data page-aligned
 * when the archive is loaded page-aligned). Returns 0, -EINVAL (bad name,
 * mode or data_align), -ENAMETOOLONG, -EFBIG if size >= 4 GiB, or the
 * -errno of write(2).
 */
int cpio_out_file(struct cpio_out *c, const char *name, uint32_t mode, const void *data,
                  size_t size, size_t data_align);

/*
 * cpio_out_symlink - add symbolic link `name` (rules as for cpio_out_dir)
 * pointing at `target` (NUL-terminated, 1 to 4095 bytes), mode 0777.
 * Returns 0, -EINVAL, -ENAMETOOLONG, or the -errno of write(2).
 */
int cpio_out_symlink(struct cpio_out *c, const char *name, const char *target);

/*
 * cpio_out_finish - write the "TRAILER!!!" entry and zero bytes up to a
 * multiple of 512 (as cpio(1) does). fd stays open. Returns 0, or the
 * first error of the archive; no entry may be added afterwards (-EINVAL).
 */
int cpio_out_finish(struct cpio_out *c);

#endif
