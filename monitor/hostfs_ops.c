/*
 * The ops of BOTHY_HC_FS (include/bothy/abi.h), one function each, and
 * the table hostfs_call() dispatches through. Each gets the call with the
 * handle `node` already checked to be of a kind it accepts and, for a
 * change, in a writable share; it returns ret and fills the OUT fields of
 * c->a. monitor/hostfs.c states the rules they keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hostfs_impl.h"

/* The node handle named by arg `handle` for LINK and RENAME; in the same
 * share as c's node, or -EXDEV. Returns its descriptor or -errno. */
static int fs_other_dir(struct fs_call *c, uint64_t handle)
{
	struct fs_handle *d = hostfs_handle_get(c->fs, handle, K_NODE);

	if (!d)
		return -EBADF;
	return d->share == c->share ? d->fd : -EXDEV;
}

/* A new node handle for `name` in directory dirfd, with its attributes:
 * after MKDIR, SYMLINK (never follows: it is whatever is there now). */
static int64_t fs_node_at(struct fs_call *c, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if ((r = hostfs_attr(fd, &c->a.attr))) {
		close(fd);
		return r;
	}
	return hostfs_handle_new(c->fs, fd, c->share, FS_NODE, 0, &c->a.node);
}

static int64_t op_share(struct fs_call *c)
{
	const struct hostfs_share *s;
	size_t n;
	char *p;
	int fd, r;

	if (!c->fs || c->a.arg[0] >= c->fs->nshares)
		return -ENOENT;
	s = &c->fs->shares[c->a.arg[0]];
	n = strlen(s->guest) + 1;
	if (!(p = gpa_ptr(c->vm, c->a.buf, c->a.len)))
		return -EFAULT;
	if (c->a.len < n)
		return -ERANGE;
	if ((fd = fcntl(s->root, F_DUPFD_CLOEXEC, 0)) < 0)
		return -errno;
	if ((r = hostfs_attr(fd, &c->a.attr))) {
		close(fd);
		return r;
	}
	c->share = (unsigned)c->a.arg[0];
	if ((r = hostfs_handle_new(c->fs, fd, c->share, FS_NODE, 0, &c->a.node)))
		return r;
	memcpy(p, s->guest, n);
	c->a.arg[1] = s->ro ? BOTHY_FS_SHARE_RO : 0;
	return 0;
}

/* Copies and checks a LOOKUP path into buf (BOTHY_FS_PATH_MAX + 1 bytes),
 * each '/' replaced by NUL. */
static int lookup_path(const struct vm *vm, uint64_t gpa, uint64_t len, char *buf)
{
	const char *p;

	if (len > BOTHY_FS_PATH_MAX)
		return -ENAMETOOLONG;
	if (!(p = gpa_ptr(vm, gpa, len)))
		return -EFAULT;
	if (len == 0 || memchr(p, 0, len))
		return -EINVAL;
	memcpy(buf, p, len);
	buf[len] = 0;
	for (char *s = buf, *e; s <= buf + len; s = e + 1) {
		e = strchrnul(s, '/');
		*e = 0;
		if (e == s || !strcmp(s, ".") || !strcmp(s, ".."))
			return -EINVAL;
		if (e - s > (long)BOTHY_FS_NAME_MAX)
			return -ENAMETOOLONG;
	}
	return 0;
}

static int64_t op_lookup(struct fs_call *c)
{
	char path[BOTHY_FS_PATH_MAX + 1];
	uint64_t len = c->a.name_len, at = 0;
	int cur = c->fd, r;
	struct stat st;

	if ((r = lookup_path(c->vm, c->a.name, len, path)))
		return r;
	while (at < len) {
		int fd = openat(cur, path + at, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && cur == c->fd)
			return -errno;
		if (fd < 0)
			break; /* the guest gets this error when it walks on from here */
		if ((r = hostfs_lstat(fd, &st))) {
			close(fd);
			if (cur == c->fd)
				return r;
			break;
		}
		if (cur != c->fd)
			close(cur);
		cur = fd;
		at += strlen(path + at);
		if (at < len)
			at++; /* the '/' after it */
		if (!S_ISDIR(st.st_mode))
			break;
	}
	hostfs_attr_of(&st, &c->a.attr); /* st is cur's */
	c->a.arg[1] = at;
	return hostfs_handle_new(c->fs, cur, c->share, FS_NODE, 0, &c->a.node);
}

static int64_t op_forget(struct fs_call *c)
{
	hostfs_handle_free(c->fs, c->h);
	return 0;
}

static int64_t op_getattr(struct fs_call *c)
{
	return hostfs_attr(c->fd, &c->a.attr);
}

#define SET_ALL                                                                                    \
	(BOTHY_FS_SET_MODE | BOTHY_FS_SET_UID | BOTHY_FS_SET_GID | BOTHY_FS_SET_SIZE |             \
	 BOTHY_FS_SET_ATIME | BOTHY_FS_SET_MTIME)

/* Checks a SETATTR against the file type before anything changes. */
static int setattr_check(uint64_t mask, const struct bothy_fs_attr *in, mode_t type)
{
	if (mask & ~(uint64_t)SET_ALL)
		return -EINVAL;
	if ((mask & BOTHY_FS_SET_MODE) && S_ISLNK(type))
		return -EOPNOTSUPP; /* as fchmodat(AT_SYMLINK_NOFOLLOW) */
	if (!(mask & BOTHY_FS_SET_SIZE))
		return 0;
	if (S_ISDIR(type))
		return -EISDIR;
	if (!S_ISREG(type) || in->size > INT64_MAX)
		return -EINVAL;
	return 0;
}

static int64_t op_setattr(struct fs_call *c)
{
	const struct bothy_fs_attr in = c->a.attr;
	uint64_t mask = c->a.arg[0];
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	char path[32];
	struct stat st;
	int r;

	if ((r = hostfs_lstat(c->fd, &st)) || (r = setattr_check(mask, &in, st.st_mode)))
		return r;
	hostfs_proc_fd(path, c->fd);
	/* chown first (it may clear set-user-ID), times last (truncate sets mtime). */
	if ((mask & (BOTHY_FS_SET_UID | BOTHY_FS_SET_GID)) &&
	    fchownat(c->fd, "", mask & BOTHY_FS_SET_UID ? in.uid : (uid_t)-1,
	             mask & BOTHY_FS_SET_GID ? in.gid : (gid_t)-1,
	             AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((mask & BOTHY_FS_SET_MODE) && chmod(path, in.mode & 07777) < 0)
		return -errno;
	if ((mask & BOTHY_FS_SET_SIZE) &&
	    (c->h->kind == FS_FILE ? ftruncate(c->fd, (off_t)in.size)
	                           : truncate(path, (off_t)in.size)) < 0)
		return -errno;
	if (mask & BOTHY_FS_SET_ATIME)
		ts[0] = (struct timespec){in.atime_sec, in.atime_nsec};
	if (mask & BOTHY_FS_SET_MTIME)
		ts[1] = (struct timespec){in.mtime_sec, in.mtime_nsec};
	if ((mask & (BOTHY_FS_SET_ATIME | BOTHY_FS_SET_MTIME)) &&
	    utimensat(c->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return hostfs_attr(c->fd, &c->a.attr);
}

#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECTORY | O_NONBLOCK)

/* Would open(2) flags change the file? */
static int opens_for_change(uint64_t flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static int64_t op_open(struct fs_call *c)
{
	uint64_t flags = c->a.arg[0];
	struct stat st;
	int r, f;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((r = hostfs_lstat(c->fd, &st)))
		return r;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -ENXIO;
	if (c->ro && opens_for_change(flags))
		return -EROFS;
	if ((f = hostfs_reopen(c->fd, (int)(flags & OPEN_FLAGS))) < 0)
		return f;
	if ((r = hostfs_attr(f, &c->a.attr))) {
		close(f);
		return r;
	}
	return hostfs_handle_new(c->fs, f, c->share, FS_FILE, !!(flags & O_APPEND), &c->a.arg[1]);
}

#define CREATE_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_EXCL | O_NONBLOCK)

/*
 * CREATE opens an existing file only after checking, on the same inode,
 * that it is a regular file; a new one is made with O_EXCL. So it never
 * opens a FIFO or device node that appears under the name meanwhile.
 * Sets *node (O_PATH) and returns the open descriptor, or -errno.
 */
static int create_open(int dirfd, const char *name, uint64_t flags, mode_t mode, int *node)
{
	*node = -1;
	for (int tries = 0; tries < 16; tries++) {
		struct stat st;
		int n = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), f, r;
		if (n >= 0) {
			r = flags & O_EXCL ? -EEXIST : hostfs_lstat(n, &st);
			if (!r && !S_ISREG(st.st_mode))
				r = S_ISDIR(st.st_mode)   ? -EISDIR
				    : S_ISLNK(st.st_mode) ? -ELOOP
				                          : -ENXIO;
			f = r ? r : hostfs_reopen(n, (int)(flags & CREATE_FLAGS & ~O_EXCL));
			if (f < 0)
				close(n);
			else
				*node = n;
			return f;
		}
		if (errno != ENOENT)
			return -errno;
		f = openat(dirfd, name,
		           (int)(flags & CREATE_FLAGS) | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
		               O_CLOEXEC,
		           mode);
		if (f < 0 && errno == EEXIST && !(flags & O_EXCL))
			continue; /* made by someone else meanwhile: open that */
		if (f < 0)
			return -errno;
		char path[32];
		hostfs_proc_fd(path, f);
		if ((*node = open(path, O_PATH | O_CLOEXEC)) < 0) {
			r = -errno;
			close(f);
			return r;
		}
		return f;
	}
	return -EEXIST;
}

static int64_t op_create(struct fs_call *c)
{
	char name[BOTHY_FS_NAME_MAX + 1];
	uint64_t flags = c->a.arg[0], node;
	int r, f, nfd = -1;

	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, name)))
		return r;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((f = create_open(c->fd, name, flags, (mode_t)(c->a.arg[2] & 07777), &nfd)) < 0)
		return f;
	if ((r = hostfs_attr(f, &c->a.attr))) {
		close(nfd);
		close(f);
		return r;
	}
	if ((r = hostfs_handle_new(c->fs, nfd, c->share, FS_NODE, 0, &node))) {
		close(f);
		return r;
	}
	if ((r = hostfs_handle_new(c->fs, f, c->share, FS_FILE, !!(flags & O_APPEND),
	                           &c->a.arg[1]))) {
		hostfs_handle_free(c->fs, hostfs_handle_get(c->fs, node, K_NODE));
		return r;
	}
	c->a.node = node;
	return 0;
}

static int64_t op_mkdir(struct fs_call *c)
{
	char name[BOTHY_FS_NAME_MAX + 1];
	int r;

	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, name)))
		return r;
	if (mkdirat(c->fd, name, (mode_t)(c->a.arg[2] & 07777)) < 0)
		return -errno;
	return fs_node_at(c, c->fd, name);
}

static int64_t op_symlink(struct fs_call *c)
{
	char name[BOTHY_FS_NAME_MAX + 1], target[BOTHY_FS_PATH_MAX + 1];
	const char *p;
	int r;

	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, name)))
		return r;
	if (c->a.len >= BOTHY_FS_PATH_MAX)
		return -ENAMETOOLONG; /* with its NUL it must fit in PATH_MAX, as Linux's */
	if (!(p = gpa_ptr(c->vm, c->a.buf, c->a.len)))
		return -EFAULT;
	if (c->a.len == 0)
		return -ENOENT;
	if (memchr(p, 0, c->a.len))
		return -EINVAL;
	memcpy(target, p, c->a.len);
	target[c->a.len] = 0;
	if (symlinkat(target, c->fd, name) < 0)
		return -errno;
	return fs_node_at(c, c->fd, name);
}

static int64_t op_link(struct fs_call *c)
{
	char name[BOTHY_FS_NAME_MAX + 1], path[32];
	int r, dir = fs_other_dir(c, c->a.arg[0]);

	if (dir < 0)
		return dir;
	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, name)))
		return r;
	/* The magic link names the node's own inode, even a symlink's;
	 * AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH. */
	hostfs_proc_fd(path, c->fd);
	return linkat(AT_FDCWD, path, dir, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

static int64_t op_unlink(struct fs_call *c)
{
	char name[BOTHY_FS_NAME_MAX + 1];
	int r;

	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, name)))
		return r;
	if (c->a.arg[0] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return unlinkat(c->fd, name, (int)c->a.arg[0]) < 0 ? -errno : 0;
}

static int64_t op_rename(struct fs_call *c)
{
	char from[BOTHY_FS_NAME_MAX + 1], to[BOTHY_FS_NAME_MAX + 1];
	int r, dir = fs_other_dir(c, c->a.arg[0]);

	if (dir < 0)
		return dir;
	if ((r = hostfs_name(c->vm, c->a.name, c->a.name_len, from)) ||
	    (r = hostfs_name(c->vm, c->a.buf, c->a.len, to)))
		return r;
	/* Not RENAME_WHITEOUT: it makes a device node, for overlay file systems. */
	if (c->a.arg[1] & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	return renameat2(c->fd, from, dir, to, (unsigned)c->a.arg[1]) < 0 ? -errno : 0;
}

static int64_t op_readlink(struct fs_call *c)
{
	uint64_t len = c->a.len < BOTHY_FS_PATH_MAX ? c->a.len : BOTHY_FS_PATH_MAX;
	char *p = gpa_ptr(c->vm, c->a.buf, c->a.len);
	ssize_t n;

	if (!p)
		return -EFAULT;
	n = readlinkat(c->fd, "", p, len);
	/* With an empty path, ENOENT means: not a symlink (readlink(2): EINVAL). */
	return n >= 0 ? n : errno == ENOENT ? -EINVAL : -errno;
}

/* READ and WRITE: preadv(2) / pwritev(2), writev(2) for O_APPEND. */
static int64_t fs_rw(struct fs_call *c, int write)
{
	struct bothy_fs_seg seg[BOTHY_FS_SEGS_MAX]; /* 16 KiB */
	struct iovec iov[BOTHY_FS_SEGS_MAX];
	uint64_t nseg = c->a.arg[1];
	const void *p;
	ssize_t n;

	if (nseg > BOTHY_FS_SEGS_MAX || c->a.len != nseg * sizeof(seg[0]) ||
	    c->a.arg[0] > INT64_MAX)
		return -EINVAL;
	if (!(p = gpa_ptr(c->vm, c->a.buf, c->a.len)))
		return -EFAULT;
	memcpy(seg, p, c->a.len);
	for (uint64_t i = 0; i < nseg; i++) {
		if (!(iov[i].iov_base = gpa_ptr(c->vm, seg[i].gpa, seg[i].len)))
			return -EFAULT;
		iov[i].iov_len = seg[i].len;
	}
	do {
		if (!write)
			n = preadv(c->fd, iov, (int)nseg, (off_t)c->a.arg[0]);
		else if (c->h->append)
			n = writev(c->fd, iov, (int)nseg);
		else
			n = pwritev(c->fd, iov, (int)nseg, (off_t)c->a.arg[0]);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int64_t op_read(struct fs_call *c)
{
	return fs_rw(c, 0);
}

static int64_t op_write(struct fs_call *c)
{
	return fs_rw(c, 1);
}

static int64_t op_readdir(struct fs_call *c)
{
	void *p = gpa_ptr(c->vm, c->a.buf, c->a.len);
	size_t len = c->a.len < (1u << 30) ? c->a.len : (1u << 30);
	ssize_t n;

	if (!p)
		return -EFAULT;
	if (c->a.arg[0] > INT64_MAX)
		return -EINVAL;
	if (lseek(c->fd, (off_t)c->a.arg[0], SEEK_SET) < 0)
		return -errno;
	n = getdents64(c->fd, p, len);
	return n < 0 ? -errno : n;
}

static int64_t op_fsync(struct fs_call *c)
{
	if (c->a.arg[0] > 1)
		return -EINVAL;
	return (c->a.arg[0] ? fdatasync(c->fd) : fsync(c->fd)) < 0 ? -errno : 0;
}

static int64_t op_statfs(struct fs_call *c)
{
	struct bothy_fs_statfs out;
	void *p = gpa_ptr(c->vm, c->a.buf, c->a.len);
	struct statfs sf;

	if (!p)
		return -EFAULT;
	if (c->a.len < sizeof(out))
		return -EINVAL;
	if (fstatfs(c->fd, &sf) < 0)
		return -errno;
	out = (struct bothy_fs_statfs){
	    .type = (uint64_t)sf.f_type,
	    .bsize = (uint64_t)sf.f_bsize,
	    .blocks = sf.f_blocks,
	    .bfree = sf.f_bfree,
	    .bavail = sf.f_bavail,
	    .files = sf.f_files,
	    .ffree = sf.f_ffree,
	    .namelen = (uint64_t)sf.f_namelen,
	    .frsize = (uint64_t)sf.f_frsize,
	    .flags = (uint64_t)sf.f_flags | (c->ro ? ST_RDONLY : 0),
	};
	memcpy(p, &out, sizeof(out)); /* buf need not be aligned */
	return 0;
}

static int64_t op_fallocate(struct fs_call *c)
{
	if (c->a.arg[0] > INT32_MAX || c->a.arg[1] > INT64_MAX || c->a.arg[2] > INT64_MAX)
		return -EINVAL;
	return fallocate(c->fd, (int)c->a.arg[0], (off_t)c->a.arg[1], (off_t)c->a.arg[2]) < 0
	           ? -errno
	           : 0;
}

/* The ops: which kinds of handle `node` may name (0: none), and whether
 * the op changes the share (-EROFS on a read-only one; OPEN decides by
 * its flags). */
const struct fs_op hostfs_ops[BOTHY_FS_OP_MAX] = {
    [BOTHY_FS_SHARE] = {op_share, 0, 0},
    [BOTHY_FS_LOOKUP] = {op_lookup, K_NODE, 0},
    [BOTHY_FS_FORGET] = {op_forget, K_ANY, 0},
    [BOTHY_FS_GETATTR] = {op_getattr, K_ANY, 0},
    [BOTHY_FS_SETATTR] = {op_setattr, K_ANY, 1},
    [BOTHY_FS_OPEN] = {op_open, K_NODE, 0},
    [BOTHY_FS_CREATE] = {op_create, K_NODE, 1},
    [BOTHY_FS_MKDIR] = {op_mkdir, K_NODE, 1},
    [BOTHY_FS_SYMLINK] = {op_symlink, K_NODE, 1},
    [BOTHY_FS_LINK] = {op_link, K_NODE, 1},
    [BOTHY_FS_UNLINK] = {op_unlink, K_NODE, 1},
    [BOTHY_FS_RENAME] = {op_rename, K_NODE, 1},
    [BOTHY_FS_READLINK] = {op_readlink, K_NODE, 0},
    [BOTHY_FS_READ] = {op_read, K_FILE, 0},
    [BOTHY_FS_WRITE] = {op_write, K_FILE, 1},
    [BOTHY_FS_READDIR] = {op_readdir, K_FILE, 0},
    [BOTHY_FS_FSYNC] = {op_fsync, K_FILE, 0},
    [BOTHY_FS_STATFS] = {op_statfs, K_ANY, 0},
    [BOTHY_FS_FALLOCATE] = {op_fallocate, K_FILE, 1},
};
