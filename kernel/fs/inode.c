/*
 * Inodes: allocation, reference counts, times and stat(2) filling. Each
 * file system allocates its inodes with inode_new() and frees its own part
 * in iop->release() when the last reference goes.
 */
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <string.h>
#include <vfs.h>

static uint64_t next_ino = 2; /* 1 is nobody's, as on Linux's pseudo file systems */

struct inode *inode_new(struct super_block *sb, uint32_t mode, uint64_t ino)
{
	struct inode *i = kmalloc(sizeof(*i));

	if (!i)
		return NULL;
	i->refs = 1;
	i->mode = mode;
	i->nlink = S_ISDIR(mode) ? 2 : 1;
	i->ino = ino ? ino : next_ino++;
	i->sb = sb;
	inode_touch(i, ATTR_ATIME | ATTR_MTIME | ATTR_CTIME);
	return i;
}

struct inode *iget(struct inode *inode)
{
	if (inode)
		inode->refs++;
	return inode;
}

void iput(struct inode *inode)
{
	if (!inode || --inode->refs)
		return;
	if (inode->iop && inode->iop->release)
		inode->iop->release(inode);
	iput(inode->parent);
	kfree(inode);
}

void inode_touch(struct inode *inode, unsigned which)
{
	uint64_t ns = time_realtime_ns();
	struct kernel_timespec now = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000)};

	if (which & ATTR_ATIME)
		inode->atime = now;
	if (which & ATTR_MTIME)
		inode->mtime = now;
	if (which & ATTR_CTIME)
		inode->ctime = now;
}

int inode_getattr(struct inode *inode)
{
	return inode->iop && inode->iop->getattr ? inode->iop->getattr(inode) : 0;
}

void inode_fill_stat(struct inode *inode, struct kernel_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = inode->sb ? inode->sb->dev : 0;
	st->st_ino = inode->ino;
	st->st_nlink = inode->nlink;
	st->st_mode = inode->mode;
	st->st_uid = inode->uid;
	st->st_gid = inode->gid;
	st->st_rdev = inode->rdev;
	st->st_size = (int64_t)inode->size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)inode->blocks;
	st->st_atime_sec = inode->atime.tv_sec;
	st->st_atime_nsec = inode->atime.tv_nsec;
	st->st_mtime_sec = inode->mtime.tv_sec;
	st->st_mtime_nsec = inode->mtime.tv_nsec;
	st->st_ctime_sec = inode->ctime.tv_sec;
	st->st_ctime_nsec = inode->ctime.tv_nsec;
}
