/*
 * The file system calls: open(2) and the descriptor calls, read(2) and
 * write(2) in all their forms, stat(2), getdents64(2), and the namespace
 * calls (mkdir(2), unlink(2), rename(2), link(2), symlink(2) ...), each
 * with its *at form. Semantics and errno values follow the man pages and
 * Linux's behaviour; the program runs as root, so permission bits never
 * refuse it except for execute permission (access(2) X_OK).
 */
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>

#define IOV_MAX             1024
#define CLOSE_RANGE_CLOEXEC 4u

static char cwd_path[PATH_MAX] = "/";

static int ro(struct inode *i)
{
	return i->sb && (i->sb->flags & SB_RDONLY);
}

/* An absolute-looking name for a file opened as `path` from dirfd. */
static void name_path(int dirfd, const char *path, char *out)
{
	const char *base = cwd_path;
	struct file *f = NULL;

	if (path[0] == '/' || !path[0]) {
		snprintf(out, PATH_MAX, "%s", path);
		return;
	}
	if (dirfd != AT_FDCWD && (f = fget(dirfd)))
		base = f->path ? f->path : "?";
	snprintf(out, PATH_MAX, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", path);
	fput(f);
}

/* ---- open, close, descriptors ---- */

static long do_open(int dirfd, const char *path, unsigned flags, uint32_t mode)
{
	char name[PATH_MAX];
	struct nameidata nd;
	struct inode *inode;
	struct file *f;
	unsigned acc = flags & O_ACCMODE;
	int created = 0, r;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (flags & O_CREAT) {
		unsigned lf = LOOKUP_PARENT;
		if (!(flags & (O_EXCL | O_NOFOLLOW)))
			lf |= LOOKUP_FOLLOW;
		if ((r = path_walk(dirfd, path, lf, &nd)))
			return r;
		if (nd.last_type != LAST_NORM || nd.trailing_slash) {
			r = nd.inode && !S_ISDIR(nd.inode->mode) ? -ENOTDIR : -EISDIR;
			goto out;
		}
		if (nd.inode) {
			if (flags & O_EXCL) {
				r = -EEXIST;
				goto out;
			}
		} else {
			if (ro(nd.dir)) {
				r = -EROFS;
				goto out;
			}
			if (!nd.dir->iop->create) {
				r = -EACCES;
				goto out;
			}
			r = nd.dir->iop->create(nd.dir, nd.last, nd.last_len,
			                        S_IFREG | (mode & 07777 & ~vfs_umask), flags,
			                        &nd.inode);
			if (r)
				goto out;
			created = 1;
		}
	} else {
		unsigned lf = (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
		if (flags & O_DIRECTORY)
			lf |= LOOKUP_DIRECTORY;
		if ((r = path_walk(dirfd, path, lf, &nd)))
			return r;
	}
	inode = nd.inode;
	r = 0;
	if (S_ISLNK(inode->mode) && !(flags & O_PATH))
		r = -ELOOP;
	else if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		r = -ENOTDIR;
	else if (S_ISDIR(inode->mode) && (acc != O_RDONLY || (flags & O_CREAT)) &&
	         !(flags & O_PATH))
		r = -EISDIR;
	else if (!(flags & O_PATH) && ro(inode) && (acc != O_RDONLY || (flags & O_TRUNC)) &&
	         (S_ISREG(inode->mode) || S_ISDIR(inode->mode)))
		r = -EROFS;
	if (r)
		goto out;
	/* O_TRUNC truncates even with O_RDONLY, as Linux does. */
	if ((flags & O_TRUNC) && !created && S_ISREG(inode->mode) && !(flags & O_PATH) &&
	    (r = vfs_truncate(inode, 0)))
		goto out;
	name_path(dirfd, path, name);
	if ((r = file_open_inode(inode, flags | O_LARGEFILE, name, &f)))
		goto out;
	r = fd_install(f, 0, flags & O_CLOEXEC);
out:
	path_release(&nd);
	return r;
}

long sys_openat(long dirfd, long upath, long flags, long mode)
{
	char path[PATH_MAX];
	long n = strncpy_from_user(path, upath, sizeof(path));

	return n < 0 ? n : do_open((int)dirfd, path, (unsigned)flags, (uint32_t)mode);
}

long sys_open(long upath, long flags, long mode)
{
	return sys_openat(AT_FDCWD, upath, flags, mode);
}

long sys_creat(long upath, long mode)
{
	return sys_openat(AT_FDCWD, upath, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

long sys_close(long fd)
{
	return fd_close((int)fd);
}

long sys_close_range(long first, long last, long flags)
{
	if (flags & ~(long)(CLOSE_RANGE_CLOEXEC | 2 /* CLOSE_RANGE_UNSHARE */))
		return -EINVAL;
	if ((unsigned long)first > (unsigned long)last)
		return -EINVAL;
	for (unsigned long fd = first; fd <= (unsigned long)last && fd < FD_MAX; fd++) {
		struct file *f = fget((int)fd);
		if (!f)
			continue;
		fput(f);
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_cloexec_set((int)fd, 1);
		else
			fd_close((int)fd);
	}
	return 0;
}

long sys_dup(long fd)
{
	struct file *f = fget((int)fd);

	return f ? fd_install(f, 0, 0) : -EBADF;
}

long sys_dup3(long oldfd, long newfd, long flags)
{
	if (flags & ~(long)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return fd_dup2((int)oldfd, (int)newfd, flags & O_CLOEXEC);
}

long sys_dup2(long oldfd, long newfd)
{
	struct file *f;

	if (oldfd == newfd) {
		if (!(f = fget((int)oldfd)))
			return -EBADF;
		fput(f);
		return newfd;
	}
	return fd_dup2((int)oldfd, (int)newfd, 0);
}

#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_GETLK         5
#define F_SETLK         6
#define F_SETLKW        7
#define F_SETOWN        8
#define F_GETOWN        9
#define F_OFD_GETLK     36
#define F_OFD_SETLK     37
#define F_OFD_SETLKW    38
#define F_SETLEASE      1024
#define F_GETLEASE      1025
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ    1031
#define F_GETPIPE_SZ    1032
#define FD_CLOEXEC      1

static long do_lock(struct file *f, long cmd, uint64_t ulock)
{
	struct flock64 l;

	if (copy_from_user(&l, ulock, sizeof(l)))
		return -EFAULT;
	if (l.l_type != F_RDLCK && l.l_type != F_WRLCK && l.l_type != F_UNLCK)
		return -EINVAL;
	if (l.l_whence < SEEK_SET || l.l_whence > SEEK_END)
		return -EINVAL;
	if ((cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) && l.l_pid)
		return -EINVAL;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		/* One program: no other owner holds a conflicting lock. */
		l.l_type = F_UNLCK;
		return copy_to_user(ulock, &l, sizeof(l));
	}
	if (f->flags & O_PATH)
		return -EBADF;
	if (l.l_type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (l.l_type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	return 0; /* granted: locks never conflict within one program */
}

long sys_fcntl(long fd, long cmd, long arg)
{
	struct file *f = fget((int)fd);
	long r = 0;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= (long)fd_limit) {
			r = -EINVAL;
			break;
		}
		return fd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		r = fd_cloexec_get((int)fd) ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		fd_cloexec_set((int)fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = f->flags & ~(long)O_CLOEXEC;
		break;
	case F_SETFL: {
		unsigned can = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | 020000 /* O_ASYNC */;
		if (!(f->flags & O_PATH))
			f->flags = (f->flags & ~can) | (arg & can);
		else
			r = -EBADF;
		break;
	}
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		r = do_lock(f, cmd, arg);
		break;
	case F_GETOWN:
	case F_SETOWN:
	case F_GETLEASE:
		r = cmd == F_GETLEASE ? F_UNLCK : 0;
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		r = pipe_size(f);
		break;
	default:
		r = -EINVAL;
	}
	fput(f);
	return r;
}

long sys_flock(long fd, long op)
{
	struct file *f = fget((int)fd);
	long o = op & ~4l; /* LOCK_NB */

	if (!f)
		return -EBADF;
	o = (f->flags & O_PATH)          ? -EBADF
	    : o == 1 || o == 2 || o == 8 ? 0
	                                 : -EINVAL; /* LOCK_SH, LOCK_EX, LOCK_UN */
	fput(f);
	return o;
}

/* ---- read and write ---- */

static long rw(long fd, uint64_t buf, size_t len, int64_t off, int write)
{
	struct file *f = fget((int)fd);
	struct iobuf b = {.addr = buf, .len = len};
	uint64_t pos;
	long r;

	if (!f)
		return -EBADF;
	if ((int64_t)len < 0) {
		fput(f);
		return -EINVAL;
	}
	if (off >= 0) { /* pread64/pwrite64 */
		if (!f->fop || !f->fop->seekable)
			r = f->flags & O_PATH ? -EBADF : -ESPIPE;
		else {
			pos = (uint64_t)off;
			r = write ? vfs_write(f, &b, &pos) : vfs_read(f, &b, &pos);
		}
	} else {
		r = write ? vfs_write(f, &b, &f->pos) : vfs_read(f, &b, &f->pos);
	}
	fput(f);
	return r;
}

long sys_read(long fd, long buf, long len)
{
	return rw(fd, buf, len, -1, 0);
}

long sys_write(long fd, long buf, long len)
{
	return rw(fd, buf, len, -1, 1);
}

long sys_pread64(long fd, long buf, long len, long off)
{
	return off < 0 ? -EINVAL : rw(fd, buf, len, off, 0);
}

long sys_pwrite64(long fd, long buf, long len, long off)
{
	return off < 0 ? -EINVAL : rw(fd, buf, len, off, 1);
}

/* Gather or scatter through the iovec array; stops at a short transfer. */
static long do_iov(long fd, uint64_t uiov, long cnt, int64_t off, int write)
{
	struct iovec iov;
	long total = 0, r;
	struct file *f;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	/* A socket takes the whole iovec as one message (sock_readv/writev). */
	if (off < 0 && (f = fget((int)fd))) {
		if (sock_from_file(f)) {
			r = sock_rw_iov(f, uiov, cnt, write);
			fput(f);
			return r;
		}
		fput(f);
	}
	for (long i = 0; i < cnt; i++) {
		if (copy_from_user(&iov, uiov + i * sizeof(iov), sizeof(iov)))
			return total ? total : -EFAULT;
		if ((int64_t)iov.iov_len < 0)
			return -EINVAL;
		if (!iov.iov_len) {
			if (!total && i == cnt - 1)
				return rw(fd, iov.iov_base, 0, off, write);
			continue;
		}
		r = rw(fd, iov.iov_base, iov.iov_len, off < 0 ? -1 : off + total, write);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < iov.iov_len)
			break;
	}
	return total;
}

long sys_readv(long fd, long iov, long cnt)
{
	return do_iov(fd, iov, cnt, -1, 0);
}

long sys_writev(long fd, long iov, long cnt)
{
	return do_iov(fd, iov, cnt, -1, 1);
}

long sys_preadv(long fd, long iov, long cnt, long off)
{
	return off < 0 ? -EINVAL : do_iov(fd, iov, cnt, off, 0);
}

long sys_pwritev(long fd, long iov, long cnt, long off)
{
	return off < 0 ? -EINVAL : do_iov(fd, iov, cnt, off, 1);
}

long sys_lseek(long fd, long off, long whence)
{
	struct file *f = fget((int)fd);
	int64_t base;
	long r;

	if (!f)
		return -EBADF;
	if (f->fop && f->fop->llseek) {
		r = f->fop->llseek(f, off, (int)whence);
		fput(f);
		return r;
	}
	if (!f->fop || !f->fop->seekable) {
		fput(f);
		return f->flags & O_PATH ? -EBADF : -ESPIPE;
	}
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE:
		if ((r = inode_getattr(f->inode))) {
			fput(f);
			return r;
		}
		base = (int64_t)f->inode->size;
		if (whence == SEEK_END)
			break;
		/* The whole file is data (holes read as zeros, but are data here). */
		r = off < 0 ? -EINVAL : off >= base ? -ENXIO : whence == SEEK_DATA ? off : base;
		if (r >= 0)
			f->pos = (uint64_t)r;
		fput(f);
		return r;
	default:
		fput(f);
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
		fput(f);
		return -EINVAL;
	}
	f->pos = (uint64_t)(base + off);
	fput(f);
	return (long)(base + off);
}

/* ---- stat ---- */

static int fill_stat(struct inode *i, struct kernel_stat *st)
{
	int r = inode_getattr(i);

	if (!r)
		inode_fill_stat(i, st);
	return r;
}

static unsigned at_lookup_flags(long flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
	       (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
}

long sys_newfstatat(long dirfd, long upath, long ubuf, long flags)
{
	struct nameidata nd;
	struct kernel_stat st;
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((r = user_path((int)dirfd, upath, at_lookup_flags(flags), &nd)))
		return r;
	r = fill_stat(nd.inode, &st);
	path_release(&nd);
	return r ? r : copy_to_user(ubuf, &st, sizeof(st));
}

long sys_stat(long upath, long ubuf)
{
	return sys_newfstatat(AT_FDCWD, upath, ubuf, 0);
}

long sys_lstat(long upath, long ubuf)
{
	return sys_newfstatat(AT_FDCWD, upath, ubuf, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(long fd, long ubuf)
{
	struct file *f = fget((int)fd);
	struct kernel_stat st;
	int r;

	if (!f)
		return -EBADF;
	r = fill_stat(f->inode, &st);
	fput(f);
	return r ? r : copy_to_user(ubuf, &st, sizeof(st));
}

long sys_statx(long dirfd, long upath, long flags, long mask, long ubuf)
{
	struct nameidata nd;
	struct kernel_stat st;
	struct statx sx;
	int r;

	(void)mask;
	if (flags &
	    ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if ((r = user_path((int)dirfd, upath, at_lookup_flags(flags), &nd)))
		return r;
	r = fill_stat(nd.inode, &st);
	path_release(&nd);
	if (r)
		return r;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_atime =
	    (struct statx_timestamp){(int64_t)st.st_atime_sec, (uint32_t)st.st_atime_nsec, 0};
	sx.stx_mtime =
	    (struct statx_timestamp){(int64_t)st.st_mtime_sec, (uint32_t)st.st_mtime_nsec, 0};
	sx.stx_ctime =
	    (struct statx_timestamp){(int64_t)st.st_ctime_sec, (uint32_t)st.st_ctime_nsec, 0};
	sx.stx_rdev_major = (uint32_t)((st.st_rdev >> 8) & 0xfff);
	sx.stx_rdev_minor = (uint32_t)((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & 0xfff00));
	sx.stx_dev_major = (uint32_t)((st.st_dev >> 8) & 0xfff);
	sx.stx_dev_minor = (uint32_t)((st.st_dev & 0xff) | ((st.st_dev >> 12) & 0xfff00));
	return copy_to_user(ubuf, &sx, sizeof(sx));
}

/* ---- directories ---- */

struct dents {
	uint64_t ubuf;
	size_t len, used;
	int err;
};

static int fill_dirent64(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                         uint64_t next)
{
	struct dents *d = ctx;
	char rec[sizeof(struct linux_dirent64) + NAME_MAX + 8];
	struct linux_dirent64 *e = (void *)rec;
	size_t reclen = ALIGN_UP(__builtin_offsetof(struct linux_dirent64, d_name) + len + 1, 8);

	if (d->used + reclen > d->len) {
		if (!d->used)
			d->err = -EINVAL; /* the buffer cannot hold even one entry */
		return 1;
	}
	memset(rec, 0, reclen);
	e->d_ino = ino;
	e->d_off = (int64_t)next;
	e->d_reclen = (uint16_t)reclen;
	e->d_type = (uint8_t)type;
	memcpy(e->d_name, name, len);
	if (copy_to_user(d->ubuf + d->used, rec, reclen)) {
		d->err = -EFAULT;
		return 1;
	}
	d->used += reclen;
	return 0;
}

long sys_getdents64(long fd, long ubuf, long len)
{
	struct file *f = fget((int)fd);
	struct dents d = {.ubuf = ubuf, .len = (size_t)len};
	int r;

	if (!f)
		return -EBADF;
	if (!f->fop || !f->fop->iterate) {
		fput(f);
		return f->flags & O_PATH ? -EBADF : -ENOTDIR;
	}
	r = f->fop->iterate(f, &f->pos, fill_dirent64, &d);
	fput(f);
	if (d.err)
		return d.used ? (long)d.used : d.err;
	if (r < 0)
		return d.used ? (long)d.used : r;
	return (long)d.used;
}

long sys_mknodat(long dirfd, long upath, long mode, long dev)
{
	struct nameidata nd;
	struct inode *i;
	uint32_t type = (uint32_t)mode & S_IFMT;
	int r;

	(void)dev;
	if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFCHR && type != S_IFBLK &&
	    type != S_IFSOCK)
		return -EINVAL;
	if ((r = user_path((int)dirfd, upath, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.inode || nd.last_type != LAST_NORM)
		r = -EEXIST;
	else if (ro(nd.dir))
		r = -EROFS;
	else if (type == S_IFCHR || type == S_IFBLK)
		r = -EPERM; /* no device nodes: their drivers are the kernel's own (/dev) */
	else if (type != 0 && type != S_IFREG && !nd.dir->iop->mknod)
		r = -EPERM;
	else if (type == 0 || type == S_IFREG) {
		if (!nd.dir->iop->create)
			r = -EPERM;
		else if (!(r = nd.dir->iop->create(nd.dir, nd.last, nd.last_len,
		                                   S_IFREG | (mode & 07777 & ~vfs_umask), O_RDONLY,
		                                   &i)))
			iput(i);
	} else {
		r = nd.dir->iop->mknod(nd.dir, nd.last, nd.last_len,
		                       type | (mode & 07777 & ~vfs_umask));
	}
	path_release(&nd);
	return r;
}

long sys_mknod(long upath, long mode, long dev)
{
	return sys_mknodat(AT_FDCWD, upath, mode, dev);
}

long sys_mkdirat(long dirfd, long upath, long mode)
{
	struct nameidata nd;
	int r;

	if ((r = user_path((int)dirfd, upath, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.inode || nd.last_type != LAST_NORM)
		r = -EEXIST;
	else if (ro(nd.dir))
		r = -EROFS;
	else if (!nd.dir->iop->mkdir)
		r = -EPERM;
	else
		r = nd.dir->iop->mkdir(nd.dir, nd.last, nd.last_len,
		                       S_IFDIR | (mode & 07777 & ~vfs_umask));
	path_release(&nd);
	return r;
}

long sys_mkdir(long upath, long mode)
{
	return sys_mkdirat(AT_FDCWD, upath, mode);
}

static int is_root_of_fs(struct inode *i)
{
	return i->sb && i->sb->root == i;
}

static long do_rmdir(int dirfd, uint64_t upath)
{
	struct nameidata nd;
	int r;

	if ((r = user_path(dirfd, upath, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.last_type == LAST_DOT)
		r = -EINVAL;
	else if (nd.last_type == LAST_DOTDOT)
		r = -ENOTEMPTY;
	else if (nd.last_type == LAST_ROOT)
		r = -EBUSY;
	else if (!nd.inode)
		r = -ENOENT;
	else if (!S_ISDIR(nd.inode->mode))
		r = -ENOTDIR;
	else if (is_root_of_fs(nd.inode))
		r = -EBUSY;
	else if (ro(nd.dir))
		r = -EROFS;
	else if (!nd.dir->iop->rmdir)
		r = -EPERM;
	else
		r = nd.dir->iop->rmdir(nd.dir, nd.last, nd.last_len);
	path_release(&nd);
	return r;
}

static long do_unlink(int dirfd, uint64_t upath)
{
	struct nameidata nd;
	int r;

	if ((r = user_path(dirfd, upath, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.last_type != LAST_NORM)
		r = -EISDIR;
	else if (!nd.inode)
		r = -ENOENT;
	else if (S_ISDIR(nd.inode->mode))
		r = -EISDIR;
	else if (nd.trailing_slash)
		r = -ENOTDIR;
	else if (ro(nd.dir))
		r = -EROFS;
	else if (!nd.dir->iop->unlink)
		r = -EPERM;
	else
		r = nd.dir->iop->unlink(nd.dir, nd.last, nd.last_len);
	path_release(&nd);
	return r;
}

long sys_unlinkat(long dirfd, long upath, long flags)
{
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return flags & AT_REMOVEDIR ? do_rmdir((int)dirfd, upath) : do_unlink((int)dirfd, upath);
}

long sys_unlink(long upath)
{
	return do_unlink(AT_FDCWD, upath);
}

long sys_rmdir(long upath)
{
	return do_rmdir(AT_FDCWD, upath);
}

long sys_renameat2(long olddirfd, long uold, long newdirfd, long unew, long flags)
{
	struct nameidata o, n;
	int r;

	if (flags & ~(long)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return flags & RENAME_WHITEOUT ? -EOPNOTSUPP : -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if ((r = user_path((int)olddirfd, uold, LOOKUP_PARENT, &o)))
		return r;
	if ((r = user_path((int)newdirfd, unew, LOOKUP_PARENT, &n))) {
		path_release(&o);
		return r;
	}
	if (o.last_type != LAST_NORM || n.last_type != LAST_NORM)
		r = -EBUSY;
	else if (!o.inode)
		r = -ENOENT;
	else if ((o.trailing_slash || n.trailing_slash) && !S_ISDIR(o.inode->mode))
		r = -ENOTDIR;
	else if (o.dir->sb != n.dir->sb)
		r = -EXDEV;
	else if (is_root_of_fs(o.inode) || (n.inode && is_root_of_fs(n.inode)))
		r = -EBUSY;
	else if ((flags & RENAME_NOREPLACE) && n.inode)
		r = -EEXIST;
	else if ((flags & RENAME_EXCHANGE) && !n.inode)
		r = -ENOENT;
	else if (ro(o.dir))
		r = -EROFS;
	else if (!o.dir->iop->rename)
		r = -EPERM;
	else
		r = o.dir->iop->rename(o.dir, o.last, o.last_len, n.dir, n.last, n.last_len,
		                       (unsigned)flags);
	path_release(&o);
	path_release(&n);
	return r;
}

long sys_renameat(long olddirfd, long uold, long newdirfd, long unew)
{
	return sys_renameat2(olddirfd, uold, newdirfd, unew, 0);
}

long sys_rename(long uold, long unew)
{
	return sys_renameat2(AT_FDCWD, uold, AT_FDCWD, unew, 0);
}

long sys_linkat(long olddirfd, long uold, long newdirfd, long unew, long flags)
{
	struct nameidata o, n;
	int r;

	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = user_path((int)olddirfd, uold,
	              (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) |
	                  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0),
	              &o);
	if (r)
		return r;
	if ((r = user_path((int)newdirfd, unew, LOOKUP_PARENT, &n))) {
		path_release(&o);
		return r;
	}
	if (n.inode || n.last_type != LAST_NORM)
		r = -EEXIST;
	else if (S_ISDIR(o.inode->mode))
		r = -EPERM;
	else if (n.trailing_slash)
		r = -ENOENT;
	else if (o.inode->sb != n.dir->sb)
		r = -EXDEV;
	else if (ro(n.dir))
		r = -EROFS;
	else if (!n.dir->iop->link)
		r = -EPERM;
	else
		r = n.dir->iop->link(o.inode, n.dir, n.last, n.last_len);
	path_release(&o);
	path_release(&n);
	return r;
}

long sys_link(long uold, long unew)
{
	return sys_linkat(AT_FDCWD, uold, AT_FDCWD, unew, 0);
}

long sys_symlinkat(long utarget, long dirfd, long upath)
{
	char target[PATH_MAX];
	struct nameidata nd;
	long r = strncpy_from_user(target, utarget, sizeof(target));

	if (r < 0)
		return r;
	if (!target[0])
		return -ENOENT;
	if ((r = user_path((int)dirfd, upath, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.inode || nd.last_type != LAST_NORM)
		r = -EEXIST;
	else if (nd.trailing_slash)
		r = -ENOENT;
	else if (ro(nd.dir))
		r = -EROFS;
	else if (!nd.dir->iop->symlink)
		r = -EPERM;
	else
		r = nd.dir->iop->symlink(nd.dir, nd.last, nd.last_len, target);
	path_release(&nd);
	return r;
}

long sys_symlink(long utarget, long upath)
{
	return sys_symlinkat(utarget, AT_FDCWD, upath);
}

long sys_readlinkat(long dirfd, long upath, long ubuf, long size)
{
	char buf[PATH_MAX];
	struct nameidata nd;
	long r;

	if (size <= 0)
		return -EINVAL;
	if ((r = user_path((int)dirfd, upath, LOOKUP_EMPTY, &nd)))
		return r;
	if (!S_ISLNK(nd.inode->mode) || !nd.inode->iop->readlink)
		r = -EINVAL;
	else
		r = nd.inode->iop->readlink(nd.inode, buf, MIN((size_t)size, sizeof(buf)));
	path_release(&nd);
	if (r > 0 && copy_to_user(ubuf, buf, (size_t)r))
		return -EFAULT;
	return r;
}

long sys_readlink(long upath, long ubuf, long size)
{
	return sys_readlinkat(AT_FDCWD, upath, ubuf, size);
}

long sys_faccessat2(long dirfd, long upath, long mode, long flags)
{
	struct nameidata nd;
	int r;

	if (mode & ~7l)
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = user_path((int)dirfd, upath, at_lookup_flags(flags), &nd)))
		return r;
	if ((r = inode_getattr(nd.inode)) == 0) {
		uint32_t m = nd.inode->mode;
		if ((mode & W_OK) && ro(nd.inode) && (S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m)))
			r = -EROFS;
		else if ((mode & X_OK) && !S_ISDIR(m) && !(m & 0111))
			r = -EACCES; /* root too needs an execute bit */
	}
	path_release(&nd);
	return r;
}

long sys_faccessat(long dirfd, long upath, long mode)
{
	return sys_faccessat2(dirfd, upath, mode, 0);
}

long sys_access(long upath, long mode)
{
	return sys_faccessat2(AT_FDCWD, upath, mode, 0);
}

/* ---- extended attributes ---- */

/*
 * No file here has extended attributes: getxattr(2) finds none (ENODATA,
 * which `ls -l` takes as "no ACL, no label"), listxattr(2) lists none, and
 * setting or removing one is not supported (EOPNOTSUPP). The path or
 * descriptor is still checked as Linux would (ENOENT, EBADF, ...).
 */
static long xattr_target(long dirfd_or_fd, long upath, int follow)
{
	struct nameidata nd;
	struct file *f;
	int r;

	if (!upath) { /* the f*xattr calls */
		if (!(f = fget((int)dirfd_or_fd)))
			return -EBADF;
		fput(f);
		return 0;
	}
	if ((r = user_path(AT_FDCWD, upath, follow ? LOOKUP_FOLLOW : 0, &nd)))
		return r;
	path_release(&nd);
	return 0;
}

static long get_xattr(long fd, long upath, int follow)
{
	long r = xattr_target(fd, upath, follow);
	return r ? r : -ENODATA;
}

static long list_xattr(long fd, long upath, int follow)
{
	return xattr_target(fd, upath, follow);
}

static long set_xattr(long fd, long upath, int follow)
{
	long r = xattr_target(fd, upath, follow);
	return r ? r : -EOPNOTSUPP;
}

long sys_getxattr(long upath, long uname, long uval, long size)
{
	(void)uname, (void)uval, (void)size;
	return get_xattr(0, upath, 1);
}

long sys_lgetxattr(long upath, long uname, long uval, long size)
{
	(void)uname, (void)uval, (void)size;
	return get_xattr(0, upath, 0);
}

long sys_fgetxattr(long fd, long uname, long uval, long size)
{
	(void)uname, (void)uval, (void)size;
	return get_xattr(fd, 0, 0);
}

long sys_listxattr(long upath, long ulist, long size)
{
	(void)ulist, (void)size;
	return list_xattr(0, upath, 1);
}

long sys_llistxattr(long upath, long ulist, long size)
{
	(void)ulist, (void)size;
	return list_xattr(0, upath, 0);
}

long sys_flistxattr(long fd, long ulist, long size)
{
	(void)ulist, (void)size;
	return list_xattr(fd, 0, 0);
}

long sys_setxattr(long upath, long uname, long uval, long size, long flags)
{
	(void)uname, (void)uval, (void)size, (void)flags;
	return set_xattr(0, upath, 1);
}

long sys_lsetxattr(long upath, long uname, long uval, long size, long flags)
{
	(void)uname, (void)uval, (void)size, (void)flags;
	return set_xattr(0, upath, 0);
}

long sys_fsetxattr(long fd, long uname, long uval, long size, long flags)
{
	(void)uname, (void)uval, (void)size, (void)flags;
	return set_xattr(fd, 0, 0);
}

long sys_removexattr(long upath, long uname)
{
	(void)uname;
	return set_xattr(0, upath, 1);
}

long sys_lremovexattr(long upath, long uname)
{
	(void)uname;
	return set_xattr(0, upath, 0);
}

long sys_fremovexattr(long fd, long uname)
{
	(void)uname;
	return set_xattr(fd, 0, 0);
}

/* ---- attributes ---- */

static long setattr(struct inode *i, struct iattr *ia)
{
	int r;

	if (ro(i))
		return -EROFS;
	if (!i->iop || !i->iop->setattr)
		return -EPERM;
	if ((r = i->iop->setattr(i, ia)))
		return r;
	return 0;
}

static long path_setattr(int dirfd, uint64_t upath, unsigned lflags, struct iattr *ia)
{
	struct nameidata nd;
	long r;

	if ((r = user_path(dirfd, upath, lflags, &nd)))
		return r;
	if ((ia->valid & ATTR_MODE) && S_ISLNK(nd.inode->mode))
		r = -EOPNOTSUPP;
	else
		r = setattr(nd.inode, ia);
	path_release(&nd);
	return r;
}

static long fd_setattr(long fd, struct iattr *ia)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	r = f->flags & O_PATH ? -EBADF : setattr(f->inode, ia);
	fput(f);
	return r;
}

long sys_fchmodat(long dirfd, long upath, long mode)
{
	struct iattr ia = {.valid = ATTR_MODE, .mode = (uint32_t)mode & 07777};

	return path_setattr((int)dirfd, upath, LOOKUP_FOLLOW, &ia);
}

long sys_chmod(long upath, long mode)
{
	return sys_fchmodat(AT_FDCWD, upath, mode);
}

long sys_fchmod(long fd, long mode)
{
	struct iattr ia = {.valid = ATTR_MODE, .mode = (uint32_t)mode & 07777};

	return fd_setattr(fd, &ia);
}

static void chown_attr(struct iattr *ia, long uid, long gid)
{
	if ((uint32_t)uid != (uint32_t)-1)
		ia->valid |= ATTR_UID, ia->uid = (uint32_t)uid;
	if ((uint32_t)gid != (uint32_t)-1)
		ia->valid |= ATTR_GID, ia->gid = (uint32_t)gid;
}

long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags)
{
	struct iattr ia = {0};

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	chown_attr(&ia, uid, gid);
	return path_setattr((int)dirfd, upath, at_lookup_flags(flags), &ia);
}

long sys_chown(long upath, long uid, long gid)
{
	return sys_fchownat(AT_FDCWD, upath, uid, gid, 0);
}

long sys_lchown(long upath, long uid, long gid)
{
	return sys_fchownat(AT_FDCWD, upath, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(long fd, long uid, long gid)
{
	struct iattr ia = {0};

	chown_attr(&ia, uid, gid);
	return fd_setattr(fd, &ia);
}

static int time_attr(struct iattr *ia, unsigned which, struct kernel_timespec t)
{
	if (t.tv_nsec == UTIME_OMIT)
		return 0;
	if (t.tv_nsec == UTIME_NOW) {
		uint64_t ns = time_realtime_ns();
		t.tv_sec = (int64_t)(ns / 1000000000);
		t.tv_nsec = (int64_t)(ns % 1000000000);
	} else if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000) {
		return -EINVAL;
	}
	ia->valid |= which;
	if (which == ATTR_ATIME)
		ia->atime = t;
	else
		ia->mtime = t;
	return 0;
}

long sys_utimensat(long dirfd, long upath, long utimes, long flags)
{
	struct kernel_timespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	struct iattr ia = {0};
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (utimes && copy_from_user(t, utimes, sizeof(t)))
		return -EFAULT;
	if ((r = time_attr(&ia, ATTR_ATIME, t[0])) || (r = time_attr(&ia, ATTR_MTIME, t[1])))
		return r;
	if (!ia.valid)
		return 0;
	if (!upath) /* futimens(3) */
		return fd_setattr(dirfd, &ia);
	return path_setattr((int)dirfd, upath, at_lookup_flags(flags), &ia);
}

long sys_truncate(long upath, long len)
{
	struct nameidata nd;
	long r;

	if (len < 0)
		return -EINVAL;
	if ((r = user_path(AT_FDCWD, upath, LOOKUP_FOLLOW, &nd)))
		return r;
	r = vfs_truncate(nd.inode, (uint64_t)len);
	path_release(&nd);
	return r;
}

long sys_ftruncate(long fd, long len)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	if (len < 0)
		r = -EINVAL;
	else if ((f->flags & O_PATH))
		r = -EBADF;
	else if ((f->flags & O_ACCMODE) == O_RDONLY || !S_ISREG(f->inode->mode))
		r = -EINVAL;
	else
		r = vfs_truncate(f->inode, (uint64_t)len);
	fput(f);
	return r;
}

long sys_fallocate(long fd, long mode, long off, long len)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	if (off < 0 || len <= 0)
		r = -EINVAL;
	else if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
		r = -EBADF;
	else if (S_ISDIR(f->inode->mode))
		r = -EISDIR;
	else if (!S_ISREG(f->inode->mode))
		r = -ENODEV;
	else if (mode & ~1l)
		r = -EOPNOTSUPP;
	else if (!f->fop->fallocate)
		r = -EOPNOTSUPP;
	else
		r = f->fop->fallocate(f, (int)mode, (uint64_t)off, (uint64_t)len);
	fput(f);
	return r;
}

static long do_fsync(long fd, int datasync)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		r = -EBADF;
	else
		r = f->fop && f->fop->fsync ? f->fop->fsync(f, datasync) : -EINVAL;
	fput(f);
	return r;
}

long sys_fsync(long fd)
{
	return do_fsync(fd, 0);
}

long sys_fdatasync(long fd)
{
	return do_fsync(fd, 1);
}

static void sync_one(int fd, struct file *f, void *arg)
{
	(void)fd, (void)arg;
	if (f->fop && f->fop->fsync && !(f->flags & O_PATH) && f->inode &&
	    (S_ISREG(f->inode->mode)))
		f->fop->fsync(f, 0);
}

long sys_sync(void)
{
	/* Files written through hostfs are in the host's page cache as soon
	 * as write(2) returns; sync makes the open ones durable. */
	fd_for_each(sync_one, NULL);
	return 0;
}

long sys_syncfs(long fd)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	fput(f);
	return sys_sync();
}

static long do_statfs(struct inode *i, uint64_t ubuf)
{
	struct kernel_statfs st;
	int r;

	memset(&st, 0, sizeof(st));
	st.f_type = i->sb ? i->sb->statfs_type : 0;
	st.f_bsize = st.f_frsize = PAGE_SIZE;
	st.f_namelen = NAME_MAX;
	if (i->iop && i->iop->statfs && (r = i->iop->statfs(i, &st)))
		return r;
	if (ro(i))
		st.f_flags |= ST_RDONLY;
	st.f_fsid[0] = (int32_t)(i->sb ? i->sb->dev : 0);
	return copy_to_user(ubuf, &st, sizeof(st));
}

long sys_statfs(long upath, long ubuf)
{
	struct nameidata nd;
	long r;

	if ((r = user_path(AT_FDCWD, upath, LOOKUP_FOLLOW, &nd)))
		return r;
	r = do_statfs(nd.inode, ubuf);
	path_release(&nd);
	return r;
}

long sys_fstatfs(long fd, long ubuf)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	r = do_statfs(f->inode, ubuf);
	fput(f);
	return r;
}

long sys_fadvise64(long fd, long off, long len, long advice)
{
	struct file *f = fget((int)fd);
	long r = 0;

	(void)off;
	if (!f)
		return -EBADF;
	if (!f->fop || !f->fop->seekable)
		r = f->flags & O_PATH ? -EBADF : -ESPIPE;
	else if (advice < 0 || advice > 5 || len < 0)
		r = -EINVAL;
	fput(f);
	return r;
}

/* ---- working directory ---- */

static long set_cwd(struct inode *dir, const char *hint)
{
	long n;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	vfs_set_cwd(dir);
	n = path_of(dir, cwd_path, sizeof(cwd_path));
	if (n < 0)
		snprintf(cwd_path, sizeof(cwd_path), "%s", hint);
	return 0;
}

long sys_chdir(long upath)
{
	char path[PATH_MAX];
	struct nameidata nd;
	long r = strncpy_from_user(path, upath, sizeof(path));

	if (r < 0)
		return r;
	if ((r = path_walk(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nd)))
		return r;
	r = set_cwd(nd.inode, path);
	path_release(&nd);
	return r;
}

long sys_fchdir(long fd)
{
	struct file *f = fget((int)fd);
	long r;

	if (!f)
		return -EBADF;
	r = set_cwd(f->inode, f->path ? f->path : "/");
	fput(f);
	return r;
}

long sys_getcwd(long ubuf, long size)
{
	char buf[PATH_MAX];
	long n = path_of(vfs_cwd(), buf, sizeof(buf));

	if (n < 0)
		return n;
	if (n > size)
		return -ERANGE;
	return copy_to_user(ubuf, buf, (size_t)n) ? -EFAULT : n;
}

long sys_umask(long mask)
{
	uint32_t old = vfs_umask;

	vfs_umask = (uint32_t)mask & 0777;
	return old;
}

/* ---- pipes and copies between files ---- */

long sys_pipe2(long ufds, long flags)
{
	struct file *rd, *wr;
	int fds[2], r;

	if (flags & ~(long)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if ((r = pipe_create((unsigned)flags, &rd, &wr)))
		return r;
	if ((fds[0] = fd_install(rd, 0, flags & O_CLOEXEC)) < 0) {
		fput(wr);
		return fds[0];
	}
	if ((fds[1] = fd_install(wr, 0, flags & O_CLOEXEC)) < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(long ufds)
{
	return sys_pipe2(ufds, 0);
}

#define COPY_CHUNK 65536ul
static char copy_buf[COPY_CHUNK]; /* one thread: one bounce buffer */

/*
 * Move up to len bytes from in (at *inpos) to out (at *outpos) through the
 * kernel; returns bytes moved, or -errno if none were.
 */
static long copy_files(struct file *in, uint64_t *inpos, struct file *out, uint64_t *outpos,
                       size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iobuf b = {.addr = (uint64_t)(uintptr_t)copy_buf,
		                  .len = MIN(len - done, COPY_CHUNK),
		                  .kernel = 1};
		long n = vfs_read(in, &b, inpos), w;
		if (n <= 0)
			return done ? (long)done : n;
		b.len = (size_t)n;
		w = vfs_write(out, &b, outpos);
		if (w < 0)
			return done ? (long)done : w;
		done += (size_t)w;
		if (w < n) {
			*inpos -= (uint64_t)(n - w); /* not consumed */
			break;
		}
		if ((size_t)n < MIN(len - done + (size_t)w, COPY_CHUNK))
			break; /* short read: the end of the input for now */
	}
	return (long)done;
}

static int is_pipe(struct file *f)
{
	return f->inode && S_ISFIFO(f->inode->mode) && pipe_size(f) > 0;
}

long sys_sendfile(long outfd, long infd, long uoff, long count)
{
	struct file *in = fget((int)infd), *out = fget((int)outfd);
	uint64_t off, *pos;
	long r;

	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
	    (in->flags & O_PATH) || (out->flags & O_PATH)) {
		r = -EBADF;
		goto done;
	}
	if ((out->flags & O_APPEND) || count < 0) {
		r = -EINVAL;
		goto done;
	}
	pos = &in->pos;
	if (uoff) {
		if (copy_from_user(&off, uoff, sizeof(off))) {
			r = -EFAULT;
			goto done;
		}
		if ((int64_t)off < 0) {
			r = -EINVAL;
			goto done;
		}
		pos = &off;
	}
	r = copy_files(in, pos, out, &out->pos, (size_t)count);
	if (uoff && copy_to_user(uoff, &off, sizeof(off)))
		r = -EFAULT;
done:
	fput(in);
	fput(out);
	return r;
}

/* The offset pointer of copy_file_range(2)/splice(2): the file position,
 * or the program's offset (read into *tmp, written back by put_off). */
static int get_off(struct file *f, uint64_t uoff, uint64_t *tmp, uint64_t **pos)
{
	if (!uoff) {
		*pos = &f->pos;
		return 0;
	}
	if (copy_from_user(tmp, uoff, sizeof(*tmp)))
		return -EFAULT;
	if ((int64_t)*tmp < 0)
		return -EINVAL;
	*pos = tmp;
	return 0;
}

long sys_copy_file_range(long infd, long uinoff, long outfd, long uoutoff, long len, long flags)
{
	struct file *in = fget((int)infd), *out = fget((int)outfd);
	uint64_t ioff, ooff, *ip, *op;
	long r;

	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if (flags) {
		r = -EINVAL;
		goto done;
	}
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
	    (out->flags & O_APPEND) || (in->flags & O_PATH) || (out->flags & O_PATH)) {
		r = -EBADF;
		goto done;
	}
	if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode)) {
		r = -EISDIR;
		goto done;
	}
	if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode)) {
		r = -EINVAL;
		goto done;
	}
	if ((r = get_off(in, uinoff, &ioff, &ip)) || (r = get_off(out, uoutoff, &ooff, &op)))
		goto done;
	if (in->inode == out->inode && *ip < *op + (uint64_t)len && *op < *ip + (uint64_t)len) {
		r = -EINVAL;
		goto done;
	}
	r = copy_files(in, ip, out, op, (size_t)len);
	if (r >= 0 && ((uinoff && copy_to_user(uinoff, &ioff, 8)) ||
	               (uoutoff && copy_to_user(uoutoff, &ooff, 8))))
		r = -EFAULT;
done:
	fput(in);
	fput(out);
	return r;
}

long sys_splice(long infd, long uinoff, long outfd, long uoutoff, long len, long flags)
{
	struct file *in = fget((int)infd), *out = fget((int)outfd);
	uint64_t ioff, ooff, *ip, *op;
	long r;

	(void)flags;
	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if (!is_pipe(in) && !is_pipe(out)) {
		r = -EINVAL;
		goto done;
	}
	if ((is_pipe(in) && uinoff) || (is_pipe(out) && uoutoff)) {
		r = -ESPIPE;
		goto done;
	}
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
	    (out->flags & O_APPEND)) {
		r = -EBADF;
		goto done;
	}
	if ((r = get_off(in, uinoff, &ioff, &ip)) || (r = get_off(out, uoutoff, &ooff, &op)))
		goto done;
	r = copy_files(in, ip, out, op, (size_t)len);
	if (r >= 0 && ((uinoff && copy_to_user(uinoff, &ioff, 8)) ||
	               (uoutoff && copy_to_user(uoutoff, &ooff, 8))))
		r = -EFAULT;
done:
	fput(in);
	fput(out);
	return r;
}

/* ---- ioctl ---- */

long sys_ioctl(long fd, long cmd, long arg)
{
	struct file *f = fget((int)fd);
	long r;
	int v;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		fput(f);
		return -EBADF;
	}
	switch ((unsigned)cmd) {
	case FIOCLEX:
	case FIONCLEX:
		fd_cloexec_set((int)fd, cmd == FIOCLEX);
		r = 0;
		break;
	case FIONBIO:
		if ((r = copy_from_user(&v, arg, sizeof(v))))
			break;
		f->flags = v ? f->flags | O_NONBLOCK : f->flags & ~(unsigned)O_NONBLOCK;
		break;
	case FIONREAD:
		if (f->fop && f->fop->bytes_ready) {
			r = f->fop->bytes_ready(f);
		} else if (f->inode && S_ISREG(f->inode->mode)) {
			r = inode_getattr(f->inode);
			if (!r)
				r = f->pos < f->inode->size ? (long)(f->inode->size - f->pos) : 0;
		} else if (f->inode && S_ISDIR(f->inode->mode)) {
			r = -EINVAL;
			break;
		} else {
			r = f->fop && f->fop->ioctl ? f->fop->ioctl(f, (unsigned)cmd, arg)
			                            : -ENOTTY;
			break;
		}
		if (r >= 0) {
			v = (int)MIN(r, 0x7fffffffl);
			r = copy_to_user(arg, &v, sizeof(v));
		}
		break;
	default:
		r = f->fop && f->fop->ioctl ? f->fop->ioctl(f, (unsigned)cmd, arg) : -ENOTTY;
	}
	fput(f);
	return r;
}
