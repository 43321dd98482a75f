/*
 * cpio "newc" archives (magic 070701, or 070702 with checksums): the initrd
 * format. Pure code shared by kernel and tests: no allocation, no I/O.
 * Source: cpio(5), "New ASCII Format"; Linux Documentation/driver-api/
 * early-userspace/buffer-format.rst.
 */
#ifndef BOTHY_CPIO_H
#define BOTHY_CPIO_H

#include <stddef.h>
#include <stdint.h>

struct cpio_entry {
	const char *name; /* as stored, NUL-terminated inside the archive */
	size_t namelen;   /* without the NUL */
	uint32_t ino, mode, uid, gid, nlink;
	uint64_t mtime;   /* seconds since the epoch */
	const void *data; /* file data (symlink target for S_IFLNK) */
	size_t size;      /* bytes of data */
};

/*
 * cpio_next - parse the entry at byte offset *off of buf[0..len); buf is
 * the start of the archive (the 4-byte padding is counted from it).
 * Returns 1 with *e filled and *off moved to the next entry, 0 at the
 * "TRAILER!!!" entry (with *e filled and *off moved past its name),
 * -EINVAL if the entry is malformed (bad magic, a field that is not 8 hex
 * digits, name or data running past len, a name without its NUL or with a
 * NUL inside, for 070702 a regular file whose data's byte sum is not the
 * check field).
 * Hard links: an entry with nlink > 1 may carry size 0; the data then comes
 * with the last entry of the same ino (as GNU cpio writes them).
 */
int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e);

/*
 * cpio_find - look up `path` (NUL-terminated) in the archive. Leading "/"
 * and "./" on either side are ignored, and "." names the root as "" does.
 * Returns 0 with *e filled for the first entry of that name, -ENOENT if
 * absent, -EINVAL if the archive is malformed before the entry is found.
 */
int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e);

#endif
