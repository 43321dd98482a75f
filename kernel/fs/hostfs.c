/*
 * hostfs: host directories shared by the monitor (`bothy run -v
 * HOSTDIR:/guest/dir[:ro]`), through the BOTHY_HC_FS hypercall
 * (include/bothy/abi.h). An inode holds the monitor's node handle, an open
 * file its open-file handle. Nothing is cached: every read, write and stat
 * goes to the host, so the host sees each write when write(2) returns and
 * fsync(2) is the host's fsync.
 *
 * The monitor is not trusted blindly either: every count it returns is
 * checked against what was asked, and directory records are parsed with
 * bounds checks before the program sees them.
 */
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <vfs.h>

struct hnode {
	uint64_t node; /* the monitor's node handle */
	uint64_t
	    pending_io; /* open-file handle from CREATE, for the open that follows; 0 if none */
};

static const struct inode_ops hostfs_iops;
static const struct file_ops hostfs_fops;

static long fs_call(struct bothy_hc_fs *req)
{
	if (!platform->fs_call)
		return -ENOSYS;
	platform->fs_call(req);
	return req->ret;
}

static uint64_t node_of(struct inode *i)
{
	return ((struct hnode *)i->priv)->node;
}

static void set_name(struct bothy_hc_fs *req, const char *name, size_t len)
{
	req->name = VIRT_TO_PHYS(name);
	req->name_len = (uint32_t)len;
}

/* Copy host attributes into the inode; -EIO if they make no sense. */
static int attr_to_inode(struct inode *i, const struct bothy_fs_attr *a)
{
	switch (a->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFSOCK:
		break;
	default:
		return -EIO;
	}
	if (i->mode && (i->mode & S_IFMT) != (a->mode & S_IFMT))
		return -ESTALE; /* replaced on the host by another kind of file */
	i->mode = a->mode;
	i->ino = a->ino;
	i->size = a->size;
	i->blocks = a->blocks;
	i->rdev = a->rdev;
	i->nlink = a->nlink;
	i->uid = a->uid;
	i->gid = a->gid;
	i->atime = (struct kernel_timespec){a->atime_sec, a->atime_nsec};
	i->mtime = (struct kernel_timespec){a->mtime_sec, a->mtime_nsec};
	i->ctime = (struct kernel_timespec){a->ctime_sec, a->ctime_nsec};
	return 0;
}

static void forget(uint64_t handle)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_FORGET, .node = handle};

	fs_call(&req);
}

/* A new inode for node handle `node` with attributes a (takes the handle). */
static int hostfs_inode(struct super_block *sb, uint64_t node, const struct bothy_fs_attr *a,
                        struct inode *parent, struct inode **out)
{
	struct inode *i = inode_new(sb, 0, 1);
	struct hnode *h = kmalloc(sizeof(*h));
	int r;

	if (!i || !h) {
		kfree(i), kfree(h);
		forget(node);
		return -ENOMEM;
	}
	h->node = node;
	i->priv = h;
	i->iop = &hostfs_iops;
	i->fop = &hostfs_fops;
	if ((r = attr_to_inode(i, a))) {
		iput(i);
		return r;
	}
	if (S_ISDIR(i->mode))
		i->parent = iget(parent);
	*out = i;
	return 0;
}

static void hostfs_release(struct inode *i)
{
	struct hnode *h = i->priv;

	if (!h)
		return;
	if (h->pending_io)
		forget(h->pending_io);
	forget(h->node);
	kfree(h);
}

static int hostfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_LOOKUP, .node = node_of(dir)};
	long r;

	set_name(&req, name, len);
	if ((r = fs_call(&req)))
		return (int)r;
	if (req.arg[1] != len) { /* one component walks all of it */
		forget(req.node);
		return -EIO;
	}
	return hostfs_inode(dir->sb, req.node, &req.attr, dir, out);
}

static int hostfs_getattr(struct inode *i)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_GETATTR, .node = node_of(i)};
	long r = fs_call(&req);

	return r ? (int)r : attr_to_inode(i, &req.attr);
}

static int hostfs_setattr(struct inode *i, const struct iattr *ia)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_SETATTR, .node = node_of(i)};
	long r;

	req.arg[0] = (ia->valid & ATTR_MODE ? BOTHY_FS_SET_MODE : 0) |
	             (ia->valid & ATTR_UID ? BOTHY_FS_SET_UID : 0) |
	             (ia->valid & ATTR_GID ? BOTHY_FS_SET_GID : 0) |
	             (ia->valid & ATTR_SIZE ? BOTHY_FS_SET_SIZE : 0) |
	             (ia->valid & ATTR_ATIME ? BOTHY_FS_SET_ATIME : 0) |
	             (ia->valid & ATTR_MTIME ? BOTHY_FS_SET_MTIME : 0);
	req.attr.mode = ia->mode;
	req.attr.uid = ia->uid;
	req.attr.gid = ia->gid;
	req.attr.size = ia->size;
	req.attr.atime_sec = ia->atime.tv_sec;
	req.attr.atime_nsec = (uint32_t)ia->atime.tv_nsec;
	req.attr.mtime_sec = ia->mtime.tv_sec;
	req.attr.mtime_nsec = (uint32_t)ia->mtime.tv_nsec;
	if ((r = fs_call(&req)))
		return (int)r;
	return attr_to_inode(i, &req.attr);
}

static int hostfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
                         unsigned oflags, struct inode **out)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_CREATE, .node = node_of(dir)};
	long r;

	set_name(&req, name, len);
	/* O_APPEND stays in the guest (vfs_write), so F_SETFL can change it */
	req.arg[0] = oflags & (O_ACCMODE | O_EXCL | O_TRUNC | O_NONBLOCK);
	req.arg[2] = mode & 07777;
	if ((r = fs_call(&req)))
		return (int)r;
	if ((r = hostfs_inode(dir->sb, req.node, &req.attr, dir, out))) {
		forget(req.arg[1]);
		return (int)r;
	}
	((struct hnode *)(*out)->priv)->pending_io = req.arg[1];
	return 0;
}

static int simple_call(unsigned op, struct inode *dir, const char *name, size_t len, uint64_t arg0,
                       uint64_t arg2, const char *buf)
{
	struct bothy_hc_fs req = {.op = op, .node = node_of(dir)};
	long r;

	set_name(&req, name, len);
	req.arg[0] = arg0;
	req.arg[2] = arg2;
	if (buf) {
		req.buf = VIRT_TO_PHYS(buf);
		req.len = strlen(buf);
	}
	r = fs_call(&req);
	if (r == 0 && (op == BOTHY_FS_MKDIR || op == BOTHY_FS_SYMLINK))
		forget(req.node);
	return (int)r;
}

static int hostfs_mkdir(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	return simple_call(BOTHY_FS_MKDIR, dir, name, len, 0, mode & 07777, NULL);
}

static int hostfs_symlink(struct inode *dir, const char *name, size_t len, const char *target)
{
	return simple_call(BOTHY_FS_SYMLINK, dir, name, len, 0, 0, target);
}

static int hostfs_unlink(struct inode *dir, const char *name, size_t len)
{
	return simple_call(BOTHY_FS_UNLINK, dir, name, len, 0, 0, NULL);
}

static int hostfs_rmdir(struct inode *dir, const char *name, size_t len)
{
	return simple_call(BOTHY_FS_UNLINK, dir, name, len, AT_REMOVEDIR, 0, NULL);
}

static int hostfs_link(struct inode *old, struct inode *dir, const char *name, size_t len)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_LINK, .node = node_of(old)};

	set_name(&req, name, len);
	req.arg[0] = node_of(dir);
	return (int)fs_call(&req);
}

static int hostfs_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
                         const char *nname, size_t nlen, unsigned flags)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_RENAME, .node = node_of(odir)};

	set_name(&req, oname, olen);
	req.buf = VIRT_TO_PHYS(nname);
	req.len = nlen;
	req.arg[0] = node_of(ndir);
	req.arg[1] = flags;
	return (int)fs_call(&req);
}

static long hostfs_readlink(struct inode *i, char *buf, size_t size)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_READLINK, .node = node_of(i)};
	long r;

	req.buf = VIRT_TO_PHYS(buf);
	req.len = size;
	r = fs_call(&req);
	return r > (long)size ? -EIO : r;
}

static int hostfs_statfs(struct inode *i, struct kernel_statfs *st)
{
	struct bothy_fs_statfs s;
	struct bothy_hc_fs req = {.op = BOTHY_FS_STATFS, .node = node_of(i)};
	long r;

	req.buf = VIRT_TO_PHYS(&s);
	req.len = sizeof(s);
	if ((r = fs_call(&req)))
		return (int)r;
	st->f_type = (int64_t)s.type;
	st->f_bsize = (int64_t)s.bsize;
	st->f_blocks = s.blocks;
	st->f_bfree = s.bfree;
	st->f_bavail = s.bavail;
	st->f_files = s.files;
	st->f_ffree = s.ffree;
	st->f_namelen = (int64_t)s.namelen;
	st->f_frsize = (int64_t)s.frsize;
	st->f_flags = (int64_t)s.flags;
	return 0;
}

/* ---- open files ---- */

static uint64_t io_of(struct file *f)
{
	return (uint64_t)(uintptr_t)f->priv;
}

static int hostfs_open(struct inode *i, struct file *f)
{
	struct hnode *h = i->priv;
	struct bothy_hc_fs req = {.op = BOTHY_FS_OPEN, .node = h->node};
	long r;

	if (h->pending_io) { /* opened by CREATE with these very flags */
		f->priv = (void *)(uintptr_t)h->pending_io;
		h->pending_io = 0;
		return 0;
	}
	req.arg[0] = f->flags & (O_ACCMODE | O_DIRECTORY | O_NONBLOCK);
	if ((r = fs_call(&req)))
		return (int)r;
	if (!req.arg[1])
		return -EIO;
	f->priv = (void *)(uintptr_t)req.arg[1];
	return 0;
}

static void hostfs_file_release(struct file *f)
{
	if (f->priv)
		forget(io_of(f));
}

#define SEGS 256

static long hostfs_rw(unsigned op, struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct bothy_fs_seg segs[SEGS];
	struct bothy_hc_fs req = {.op = op, .node = io_of(f)};
	size_t done = 0, covered;
	long nseg, r;

	while (done < b->len) {
		nseg =
		    io_segments(b, done, b->len - done,
		                op == BOTHY_FS_READ ? PROT_WRITE : PROT_READ, segs, SEGS, &covered);
		if (nseg <= 0)
			return done ? (long)done : -EFAULT;
		req.buf = VIRT_TO_PHYS(segs);
		req.len = nseg * sizeof(segs[0]);
		req.arg[0] = *pos + done;
		req.arg[1] = (uint64_t)nseg;
		r = fs_call(&req);
		if (r < 0)
			return done ? (long)done : r;
		if ((size_t)r > covered)
			return -EIO;
		done += r;
		if ((size_t)r < covered)
			break;
	}
	*pos += done;
	if (op == BOTHY_FS_WRITE && *pos > f->inode->size)
		f->inode->size = *pos;
	return (long)done;
}

static long hostfs_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return hostfs_rw(BOTHY_FS_READ, f, b, pos);
}

static long hostfs_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return hostfs_rw(BOTHY_FS_WRITE, f, b, pos);
}

/* Directory records from the host, checked before use. */
static char dirbuf[32768];

static int hostfs_iterate(struct file *f, uint64_t *pos, filldir_t fill, void *ctx)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_READDIR, .node = io_of(f)};
	long n;

	for (;;) {
		req.buf = VIRT_TO_PHYS(dirbuf);
		req.len = sizeof(dirbuf);
		req.arg[0] = *pos;
		n = fs_call(&req);
		if (n <= 0)
			return (int)n;
		if ((size_t)n > sizeof(dirbuf))
			return -EIO;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(dirbuf + off);
			size_t hdr = __builtin_offsetof(struct linux_dirent64, d_name), namelen;
			if (off % 8 || n - off < (long)hdr + 1 || d->d_reclen < hdr + 1 ||
			    d->d_reclen > n - off)
				return -EIO;
			namelen = strnlen(d->d_name, d->d_reclen - hdr);
			if (namelen == d->d_reclen - hdr || namelen == 0)
				return -EIO;
			if (fill(ctx, d->d_name, namelen, d->d_ino, d->d_type, (uint64_t)d->d_off))
				return 0;
			*pos = (uint64_t)d->d_off;
			off += d->d_reclen;
		}
	}
}

static int hostfs_fsync(struct file *f, int datasync)
{
	struct bothy_hc_fs req = {.op = BOTHY_FS_FSYNC, .node = io_of(f), .arg = {datasync != 0}};

	return (int)fs_call(&req);
}

static int hostfs_fallocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	struct bothy_hc_fs req = {
	    .op = BOTHY_FS_FALLOCATE, .node = io_of(f), .arg = {(uint64_t)mode, off, len}};

	return (int)fs_call(&req);
}

static const struct inode_ops hostfs_iops = {
    .lookup = hostfs_lookup,
    .create = hostfs_create,
    .mkdir = hostfs_mkdir,
    .symlink = hostfs_symlink,
    .link = hostfs_link,
    .unlink = hostfs_unlink,
    .rmdir = hostfs_rmdir,
    .rename = hostfs_rename,
    .readlink = hostfs_readlink,
    .getattr = hostfs_getattr,
    .setattr = hostfs_setattr,
    .statfs = hostfs_statfs,
    .release = hostfs_release,
};
static const struct file_ops hostfs_fops = {
    .open = hostfs_open,
    .release = hostfs_file_release,
    .read = hostfs_read,
    .write = hostfs_write,
    .iterate = hostfs_iterate,
    .fsync = hostfs_fsync,
    .fallocate = hostfs_fallocate,
    .seekable = 1,
};

int hostfs_mount_all(int root)
{
	char path[PATH_MAX];
	int mounted = 0;

	if (!platform->fs_call)
		return 0;
	for (uint64_t n = 0; n < 256; n++) {
		struct bothy_hc_fs req = {.op = BOTHY_FS_SHARE, .arg = {n}};
		struct super_block *sb;
		struct inode *rooti;
		long r;

		req.buf = VIRT_TO_PHYS(path);
		req.len = sizeof(path);
		if ((r = fs_call(&req)) == -ENOENT)
			return mounted;
		if (r || strnlen(path, sizeof(path)) == sizeof(path) || path[0] != '/') {
			printk(
			    "bothy: host directory %lu: the monitor's answer is malformed (%ld)\n",
			    (unsigned long)n, r);
			continue;
		}
		if (root != !strcmp(path, "/")) { /* --root's share, or the others */
			forget(req.node);
			continue;
		}
		if (!(sb = kmalloc(sizeof(*sb))))
			return mounted;
		sb->type = "hostfs";
		sb->dev = 0x30 + n;
		sb->flags = req.arg[1] & BOTHY_FS_SHARE_RO ? SB_RDONLY : 0;
		if ((r = hostfs_inode(sb, req.node, &req.attr, NULL, &rooti)) ||
		    !S_ISDIR(rooti->mode)) {
			printk("bothy: host directory %s: cannot use it (%ld)\n", path, r);
			continue;
		}
		sb->root = rooti;
		if (root) {
			vfs_set_root(sb);
			iput(rooti); /* the root holds it */
			mounted++;
			continue;
		}
		if ((r = vfs_mount(sb, path)))
			printk("bothy: cannot mount the host directory at %s (error %ld)\n", path,
			       -r);
		else
			mounted++;
	}
	return mounted;
}
