/*
 * ramfs: the writable RAM file system that is "/" (and so /tmp), filled at
 * boot from the cpio (newc) initrd.
 *
 * A directory keeps its entries in creation order (getdents64 positions
 * are entry sequence numbers, so removing entries while a listing is under
 * way skips nothing) and in a hash table for lookups. A regular file is an
 * array of pages over an optional read-only "backing" run of kernel
 * memory: initrd files are read in place and a page is copied out of the
 * backing only when it is first written (or mapped).
 */
#include <cpio.h>
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <vfs.h>

struct dirent {
	struct dirent *next, *prev; /* creation order */
	struct dirent *hnext;       /* hash chain */
	struct inode *inode;        /* a reference */
	uint64_t seq;               /* getdents64 position */
	uint32_t hash;
	uint16_t len;
	char name[];
};

struct rdir {
	struct dirent *head, *tail;
	struct dirent **buckets;
	uint32_t nbuckets, count;
	uint64_t next_seq;
	int dead; /* removed: nothing may be created in it */
};

struct rfile {
	uint64_t *pages;        /* physical pages; 0 = not materialized */
	size_t cap;             /* entries in pages[] */
	const uint8_t *backing; /* read-only data under the pages, or NULL */
	uint64_t backing_size;
};

static const struct inode_ops ramfs_dir_iops, ramfs_file_iops, ramfs_link_iops;
static const struct file_ops ramfs_dir_fops, ramfs_file_fops;
static struct super_block *root_sb;

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (len--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* ---- inodes ---- */

static struct inode *ramfs_inode(struct super_block *sb, uint32_t mode)
{
	struct inode *i = inode_new(sb, mode, 0);

	if (!i)
		return NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		i->iop = &ramfs_dir_iops;
		i->fop = &ramfs_dir_fops;
		if (!(i->priv = kmalloc(sizeof(struct rdir))))
			goto fail;
		((struct rdir *)i->priv)->next_seq = 2; /* 0 ".", 1 ".." */
		break;
	case S_IFREG:
		i->iop = &ramfs_file_iops;
		i->fop = &ramfs_file_fops;
		if (!(i->priv = kmalloc(sizeof(struct rfile))))
			goto fail;
		break;
	case S_IFLNK:
		i->iop = &ramfs_link_iops;
		break;
	default:
		i->iop = &ramfs_file_iops; /* fifos, devices: attributes only */
		break;
	}
	return i;
fail:
	kfree(i);
	return NULL;
}

static void rfile_truncate_pages(struct rfile *f, uint64_t size)
{
	size_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	for (size_t i = keep; i < f->cap; i++)
		if (f->pages[i]) {
			page_free(f->pages[i]);
			f->pages[i] = 0;
		}
	if (size % PAGE_SIZE && keep && keep <= f->cap && f->pages[keep - 1])
		memset((char *)PHYS_TO_VIRT(f->pages[keep - 1]) + size % PAGE_SIZE, 0,
		       PAGE_SIZE - size % PAGE_SIZE);
	if (f->backing_size > size)
		f->backing_size = size;
}

static void ramfs_release(struct inode *i)
{
	if (S_ISREG(i->mode) && i->priv) {
		struct rfile *f = i->priv;
		rfile_truncate_pages(f, 0);
		kfree(f->pages);
	} else if (S_ISDIR(i->mode) && i->priv) {
		struct rdir *d = i->priv;
		for (struct dirent *e = d->head, *n; e; e = n) {
			n = e->next;
			iput(e->inode);
			kfree(e);
		}
		kfree(d->buckets);
	}
	kfree(i->priv);
}

/* ---- directories ---- */

static struct dirent *dir_find(struct rdir *d, const char *name, size_t len)
{
	uint32_t h;

	if (!d->nbuckets)
		return NULL;
	h = name_hash(name, len);
	for (struct dirent *e = d->buckets[h % d->nbuckets]; e; e = e->hnext)
		if (e->hash == h && e->len == len && !memcmp(e->name, name, len))
			return e;
	return NULL;
}

static int dir_rehash(struct rdir *d)
{
	uint32_t n = d->nbuckets ? d->nbuckets * 4 : 16;
	struct dirent **b = kmalloc(n * sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (struct dirent *e = d->head; e; e = e->next) {
		e->hnext = b[e->hash % n];
		b[e->hash % n] = e;
	}
	kfree(d->buckets);
	d->buckets = b;
	d->nbuckets = n;
	return 0;
}

/* Add name -> inode (taking a new reference) to directory dir. */
static int dir_add(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	struct rdir *d = dir->priv;
	struct dirent *e;

	if (d->dead)
		return -ENOENT;
	if (d->count + 1 > d->nbuckets && dir_rehash(d))
		return -ENOMEM;
	if (!(e = kmalloc(sizeof(*e) + len + 1)))
		return -ENOMEM;
	memcpy(e->name, name, len);
	e->len = (uint16_t)len;
	e->hash = name_hash(name, len);
	e->inode = iget(inode);
	e->seq = d->next_seq++;
	e->prev = d->tail;
	if (d->tail)
		d->tail->next = e;
	else
		d->head = e;
	d->tail = e;
	e->hnext = d->buckets[e->hash % d->nbuckets];
	d->buckets[e->hash % d->nbuckets] = e;
	d->count++;
	if (S_ISDIR(inode->mode)) {
		dir->nlink++;
		iput(inode->parent);
		inode->parent = iget(dir);
	}
	dir->size = d->count;
	inode_touch(dir, ATTR_MTIME | ATTR_CTIME);
	return 0;
}

/* Remove entry e from dir; drops its reference. */
static void dir_del(struct inode *dir, struct dirent *e)
{
	struct rdir *d = dir->priv;
	struct dirent **pp = &d->buckets[e->hash % d->nbuckets];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		d->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		d->tail = e->prev;
	d->count--;
	dir->size = d->count;
	if (S_ISDIR(e->inode->mode))
		dir->nlink--;
	inode_touch(dir, ATTR_MTIME | ATTR_CTIME);
	iput(e->inode);
	kfree(e);
}

static int ramfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct dirent *e = dir_find(dir->priv, name, len);

	if (!e)
		return -ENOENT;
	*out = iget(e->inode);
	return 0;
}

static int ramfs_new_entry(struct inode *dir, const char *name, size_t len, uint32_t mode,
                           struct inode **out)
{
	struct inode *i;
	int r;

	if (dir_find(dir->priv, name, len))
		return -EEXIST;
	if (((struct rdir *)dir->priv)->dead)
		return -ENOENT;
	if (!(i = ramfs_inode(dir->sb, mode)))
		return -ENOMEM;
	if ((r = dir_add(dir, name, len, i))) {
		iput(i);
		return r;
	}
	if (out)
		*out = i;
	else
		iput(i);
	return 0;
}

static int ramfs_create(struct inode *dir, const char *name, size_t len, uint32_t mode,
                        unsigned oflags, struct inode **out)
{
	(void)oflags;
	return ramfs_new_entry(dir, name, len, mode, out);
}

static int ramfs_mkdir(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	return ramfs_new_entry(dir, name, len, S_IFDIR | (mode & 07777), NULL);
}

static int ramfs_mknod(struct inode *dir, const char *name, size_t len, uint32_t mode)
{
	return ramfs_new_entry(dir, name, len, mode, NULL);
}

static int ramfs_symlink(struct inode *dir, const char *name, size_t len, const char *target)
{
	struct inode *i;
	char *t = kstrdup(target);
	int r;

	if (!t)
		return -ENOMEM;
	if ((r = ramfs_new_entry(dir, name, len, S_IFLNK | 0777, &i))) {
		kfree(t);
		return r;
	}
	i->priv = t;
	i->size = strlen(t);
	iput(i);
	return 0;
}

static int ramfs_link(struct inode *old, struct inode *dir, const char *name, size_t len)
{
	int r;

	if (dir_find(dir->priv, name, len))
		return -EEXIST;
	if ((r = dir_add(dir, name, len, old)))
		return r;
	old->nlink++;
	inode_touch(old, ATTR_CTIME);
	return 0;
}

static int ramfs_unlink(struct inode *dir, const char *name, size_t len)
{
	struct dirent *e = dir_find(dir->priv, name, len);

	if (!e)
		return -ENOENT;
	if (S_ISDIR(e->inode->mode))
		return -EISDIR;
	e->inode->nlink--;
	inode_touch(e->inode, ATTR_CTIME);
	dir_del(dir, e);
	return 0;
}

static int ramfs_rmdir(struct inode *dir, const char *name, size_t len)
{
	struct dirent *e = dir_find(dir->priv, name, len);
	struct rdir *d;

	if (!e)
		return -ENOENT;
	if (!S_ISDIR(e->inode->mode))
		return -ENOTDIR;
	d = e->inode->priv;
	if (d->count)
		return -ENOTEMPTY;
	d->dead = 1;
	e->inode->nlink = 0;
	dir_del(dir, e);
	return 0;
}

/* Is directory a inside (or equal to) directory b? */
static int dir_within(struct inode *a, struct inode *b)
{
	for (; a; a = a->parent)
		if (a == b)
			return 1;
	return 0;
}

static int ramfs_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
                        const char *nname, size_t nlen, unsigned flags)
{
	struct dirent *oe = dir_find(odir->priv, oname, olen);
	struct dirent *ne = dir_find(ndir->priv, nname, nlen);
	struct inode *src, *dst;
	int r;

	if (!oe || ((struct rdir *)ndir->priv)->dead)
		return -ENOENT;
	src = oe->inode;
	if (ne && ne->inode == src)
		return 0; /* two names of one file: nothing happens (rename(2)) */
	if (S_ISDIR(src->mode) && dir_within(ndir, src))
		return -EINVAL; /* into its own subtree */
	if ((flags & RENAME_NOREPLACE) && ne)
		return -EEXIST;
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		dst = ne->inode;
		if (S_ISDIR(dst->mode) && dir_within(odir, dst))
			return -EINVAL;
		iget(src), iget(dst);
		dir_del(odir, oe);
		dir_del(ndir, dir_find(ndir->priv, nname, nlen));
		r = dir_add(ndir, nname, nlen, src);
		if (!r)
			r = dir_add(odir, oname, olen, dst);
		iput(src), iput(dst);
		return r;
	}
	if (ne) {
		dst = ne->inode;
		if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
			return -ENOTDIR;
		if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
			return -EISDIR;
		if (S_ISDIR(dst->mode)) {
			if (((struct rdir *)dst->priv)->count)
				return -ENOTEMPTY;
			((struct rdir *)dst->priv)->dead = 1;
			dst->nlink = 0;
		} else {
			dst->nlink--;
		}
		dir_del(ndir, ne);
	}
	iget(src);
	dir_del(odir, oe);
	r = dir_add(ndir, nname, nlen, src);
	inode_touch(src, ATTR_CTIME);
	iput(src);
	return r;
}

static int ramfs_iterate(struct file *f, uint64_t *pos, filldir_t fill, void *ctx)
{
	struct inode *dir = f->inode;
	struct rdir *d = dir->priv;

	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		uint64_t up = dir->parent ? dir->parent->ino : dir->ino;
		if (fill(ctx, "..", 2, up, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (struct dirent *e = d->head; e; e = e->next) {
		if (e->seq < *pos)
			continue;
		if (fill(ctx, e->name, e->len, e->inode->ino, IFTODT(e->inode->mode), e->seq + 1))
			return 0;
		*pos = e->seq + 1;
	}
	return 0;
}

/* ---- regular files ---- */

static int rfile_reserve(struct rfile *f, size_t npages)
{
	size_t cap = f->cap ? f->cap : 4;
	uint64_t *p;

	if (npages <= f->cap)
		return 0;
	while (cap < npages)
		cap *= 2;
	if (!(p = kmalloc(cap * sizeof(*p))))
		return -ENOMEM;
	if (f->cap)
		memcpy(p, f->pages, f->cap * sizeof(*p));
	kfree(f->pages);
	f->pages = p;
	f->cap = cap;
	return 0;
}

const void *ramfs_backing(struct inode *i, uint64_t off, uint64_t len)
{
	struct rfile *f = i->priv;

	if (i->iop != &ramfs_file_iops || !f || !f->backing || off > f->backing_size ||
	    len > f->backing_size - off)
		return NULL;
	for (size_t idx = off / PAGE_SIZE; idx < f->cap && idx * PAGE_SIZE < off + len; idx++)
		if (f->pages[idx])
			return NULL; /* written since: the backing is stale there */
	return f->backing + off;
}

/* The page holding file offset idx*PAGE_SIZE, made writable (copied
 * from the backing if there is one). 0 if out of memory. */
static uint64_t rfile_page(struct rfile *f, size_t idx)
{
	uint64_t pa;

	if (f->pages[idx])
		return f->pages[idx];
	if (!(pa = page_alloc()))
		return 0;
	if (f->backing_size > idx * PAGE_SIZE)
		memcpy(PHYS_TO_VIRT(pa), f->backing + idx * PAGE_SIZE,
		       MIN(PAGE_SIZE, f->backing_size - idx * PAGE_SIZE));
	f->pages[idx] = pa;
	return pa;
}

static long ramfs_read(struct file *file, struct iobuf *b, uint64_t *pos)
{
	struct inode *i = file->inode;
	struct rfile *f = i->priv;
	uint64_t off = *pos;
	size_t done = 0, n;

	if (off >= i->size)
		return 0;
	n = MIN(b->len, i->size - off);
	while (done < n) {
		uint64_t at = off + done;
		size_t idx = at / PAGE_SIZE, in = at % PAGE_SIZE, k = MIN(n - done, PAGE_SIZE - in);
		int r;
		if (idx < f->cap && f->pages[idx]) {
			r = io_copy_to(b, done, (char *)PHYS_TO_VIRT(f->pages[idx]) + in, k);
		} else {
			size_t from_backing =
			    at < f->backing_size ? MIN(k, f->backing_size - at) : 0;
			r = from_backing ? io_copy_to(b, done, f->backing + at, from_backing) : 0;
			if (!r && from_backing < k)
				r = io_zero(b, done + from_backing, k - from_backing);
		}
		if (r)
			return done ? (long)done : -EFAULT;
		done += k;
	}
	*pos = off + done;
	return (long)done;
}

static long ramfs_write(struct file *file, struct iobuf *b, uint64_t *pos)
{
	struct inode *i = file->inode;
	struct rfile *f = i->priv;
	uint64_t off = *pos, end;
	size_t done = 0;

	if (__builtin_add_overflow(off, b->len, &end) || (int64_t)end < 0)
		return -EFBIG;
	if (rfile_reserve(f, ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE))
		return -ENOSPC;
	while (done < b->len) {
		uint64_t at = off + done, pa;
		size_t idx = at / PAGE_SIZE, in = at % PAGE_SIZE,
		       k = MIN(b->len - done, PAGE_SIZE - in);
		if (!(pa = rfile_page(f, idx)))
			break;
		if (io_copy_from(b, done, (char *)PHYS_TO_VIRT(pa) + in, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	if (!done)
		return -ENOSPC;
	*pos = off + done;
	if (*pos > i->size)
		i->size = *pos;
	i->blocks = ALIGN_UP(i->size, 512) / 512;
	inode_touch(i, ATTR_MTIME | ATTR_CTIME);
	return (long)done;
}

static int ramfs_setattr(struct inode *i, const struct iattr *ia)
{
	if (ia->valid & ATTR_SIZE) {
		struct rfile *f = i->priv;
		if (!S_ISREG(i->mode))
			return -EINVAL;
		if (ia->size < i->size)
			rfile_truncate_pages(f, ia->size);
		else if (f->backing_size > i->size)
			f->backing_size = i->size;
		i->size = ia->size;
		i->blocks = ALIGN_UP(i->size, 512) / 512;
		inode_touch(i, ATTR_MTIME);
	}
	if (ia->valid & ATTR_MODE)
		i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
	if ((ia->valid & (ATTR_UID | ATTR_GID)) && !S_ISDIR(i->mode)) {
		/* chown(2) clears set-user-ID, and set-group-ID when group-executable */
		i->mode &= ~(uint32_t)S_ISUID;
		if (i->mode & 010)
			i->mode &= ~(uint32_t)S_ISGID;
	}
	if (ia->valid & ATTR_UID)
		i->uid = ia->uid;
	if (ia->valid & ATTR_GID)
		i->gid = ia->gid;
	if (ia->valid & ATTR_ATIME)
		i->atime = ia->atime;
	if (ia->valid & ATTR_MTIME)
		i->mtime = ia->mtime;
	inode_touch(i, ATTR_CTIME);
	return 0;
}

static int ramfs_fallocate(struct file *file, int mode, uint64_t off, uint64_t len)
{
	struct inode *i = file->inode;
	struct rfile *f = i->priv;
	uint64_t end = off + len;

	if (rfile_reserve(f, ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE))
		return -ENOSPC;
	for (uint64_t a = ALIGN_DOWN(off, PAGE_SIZE); a < end; a += PAGE_SIZE)
		if (!rfile_page(f, a / PAGE_SIZE))
			return -ENOSPC;
	if (!(mode & 1 /* FALLOC_FL_KEEP_SIZE */) && end > i->size) {
		i->size = end;
		i->blocks = ALIGN_UP(end, 512) / 512;
	}
	inode_touch(i, ATTR_MTIME | ATTR_CTIME);
	return 0;
}

static long ramfs_readlink(struct inode *i, char *buf, size_t size)
{
	size_t n = MIN(size, i->size);

	memcpy(buf, i->priv, n);
	return (long)n;
}

static int ramfs_statfs(struct inode *i, struct kernel_statfs *st)
{
	(void)i;
	st->f_type = RAMFS_MAGIC;
	st->f_bsize = PAGE_SIZE;
	st->f_frsize = PAGE_SIZE;
	st->f_blocks = mm_total_bytes() / PAGE_SIZE;
	st->f_bfree = st->f_bavail = mm_free_bytes() / PAGE_SIZE;
	st->f_namelen = NAME_MAX;
	return 0;
}

static int ramfs_fsync(struct file *f, int datasync)
{
	(void)f, (void)datasync;
	return 0;
}

static const struct inode_ops ramfs_dir_iops = {
    .lookup = ramfs_lookup,
    .create = ramfs_create,
    .mkdir = ramfs_mkdir,
    .mknod = ramfs_mknod,
    .symlink = ramfs_symlink,
    .link = ramfs_link,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .rename = ramfs_rename,
    .setattr = ramfs_setattr,
    .statfs = ramfs_statfs,
    .release = ramfs_release,
};
static const struct inode_ops ramfs_file_iops = {
    .setattr = ramfs_setattr,
    .statfs = ramfs_statfs,
    .release = ramfs_release,
};
static const struct inode_ops ramfs_link_iops = {
    .readlink = ramfs_readlink,
    .setattr = ramfs_setattr,
    .statfs = ramfs_statfs,
    .release = ramfs_release,
};
static const struct file_ops ramfs_dir_fops = {
    .iterate = ramfs_iterate,
    .fsync = ramfs_fsync,
    .seekable = 1,
};
static const struct file_ops ramfs_file_fops = {
    .read = ramfs_read,
    .write = ramfs_write,
    .fsync = ramfs_fsync,
    .fallocate = ramfs_fallocate,
    .seekable = 1,
};

struct super_block *ramfs_new(void)
{
	static uint64_t next_dev = ST_DEV_RAMFS;
	struct super_block *sb = kmalloc(sizeof(*sb));

	if (!sb)
		return NULL;
	sb->type = "ramfs";
	sb->dev = next_dev++;
	sb->statfs_type = RAMFS_MAGIC;
	if (!(sb->root = ramfs_inode(sb, S_IFDIR | 0755))) {
		kfree(sb);
		return NULL;
	}
	if (!root_sb)
		root_sb = sb;
	return sb;
}

/* ---- filling from the initrd ---- */

/* The directory that will hold the last component of archive name
 * `path` (relative to "/"; parents created, symlinks followed as open(2)
 * would), and that component. -EINVAL for a name that ends in "." or "..". */
static int parent_of(const char *path, struct inode **dir, const char **name, size_t *len)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/'), *last = slash ? slash + 1 : path;
	size_t n = strlen(last);
	struct nameidata nd;
	int r;

	if (!n || (n == 1 && last[0] == '.') || (n == 2 && last[0] == '.' && last[1] == '.'))
		return -EINVAL;
	if ((size_t)(last - path) + 2 > sizeof(parent))
		return -ENAMETOOLONG;
	parent[0] = '/';
	memcpy(parent + 1, path, (size_t)(last - path));
	parent[1 + (last - path)] = 0;
	if ((r = vfs_make_dirs(parent)) ||
	    (r = path_walk(AT_FDCWD, parent, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nd)))
		return r;
	if (nd.inode->iop != &ramfs_dir_iops) {
		path_release(&nd);
		return -EXDEV;
	}
	*dir = nd.inode;
	*name = last;
	*len = n;
	return 0;
}

/* Hard links within one archive: the files seen with nlink > 1, by ino. */
#define LINKS_MAX 64
struct links {
	unsigned n;
	struct {
		uint32_t ino;
		struct inode *inode; /* a reference */
	} e[LINKS_MAX];
};

static void links_reset(struct links *l)
{
	for (unsigned k = 0; k < l->n; k++)
		iput(l->e[k].inode);
	l->n = 0;
}

static struct inode *links_find(struct links *l, uint32_t ino)
{
	for (unsigned k = 0; k < l->n; k++)
		if (l->e[k].ino == ino)
			return l->e[k].inode;
	return NULL;
}

/* Make regular file i's content the read-only memory data[0..len). */
static void file_set_backing(struct inode *i, const void *data, size_t len)
{
	struct rfile *f = i->priv;

	f->backing = data;
	f->backing_size = i->size = len;
	i->blocks = ALIGN_UP(len, 512) / 512;
}

/* Add one cpio entry; `links` remembers hard links within one archive. */
static int add_entry(const struct cpio_entry *e, struct links *links)
{
	struct inode *dir, *i = NULL, *other;
	const char *name;
	size_t len;
	int r;

	if (!strncmp(e->name, ".bothy", 6) && (e->name[6] == 0 || e->name[6] == '/'))
		return 0; /* the platform's own files (PVH boot) */
	if (!strcmp(e->name, ".") || !strcmp(e->name, "/") || !strcmp(e->name, "./"))
		return 0;
	if ((r = parent_of(e->name, &dir, &name, &len)))
		return r;
	if (len > NAME_MAX) {
		iput(dir);
		return -ENAMETOOLONG;
	}
	if (dir_find(dir->priv, name, len)) { /* a later archive overrides */
		struct dirent *old = dir_find(dir->priv, name, len);
		if (S_ISDIR(old->inode->mode) && S_ISDIR(e->mode)) {
			old->inode->mode = e->mode;
			iput(dir);
			return 0;
		}
		if (S_ISDIR(old->inode->mode))
			ramfs_rmdir(dir, name, len);
		else
			ramfs_unlink(dir, name, len);
	}
	if (S_ISREG(e->mode) && e->nlink > 1 && (other = links_find(links, e->ino))) {
		r = ramfs_link(other, dir, name, len); /* another name of a file seen before */
		if (!r && e->size)
			file_set_backing(other, e->data,
			                 e->size); /* the data comes with the last name */
		iput(dir);
		return r;
	}
	switch (e->mode & S_IFMT) {
	case S_IFLNK: {
		char target[PATH_MAX];
		if (e->size >= PATH_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(target, e->data, e->size);
		target[e->size] = 0;
		r = ramfs_symlink(dir, name, len, target);
		if (!r)
			ramfs_lookup(dir, name, len, &i);
		break;
	}
	case S_IFDIR:
	case S_IFREG:
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFSOCK:
		r = ramfs_new_entry(dir, name, len, e->mode, &i);
		break;
	default:
		r = -EINVAL;
	}
	if (!r && i) {
		i->uid = e->uid;
		i->gid = e->gid;
		i->mtime.tv_sec = i->atime.tv_sec = i->ctime.tv_sec = (int64_t)e->mtime;
		i->mtime.tv_nsec = i->atime.tv_nsec = i->ctime.tv_nsec = 0;
		if (S_ISREG(e->mode)) {
			file_set_backing(i, e->data, e->size);
			if (e->nlink > 1 && links->n < LINKS_MAX) {
				links->e[links->n].ino = e->ino;
				links->e[links->n++].inode = iget(i);
			}
		}
		iput(i);
	}
	iput(dir);
	return r;
}

/* The offset of the first non-zero byte of buf[off..len), or len: one
 * `repe scasb` (zeros fill up to a page between archives). */
static size_t skip_zeros(const void *buf, size_t off, size_t len)
{
	const char *p = (const char *)buf + off;
	size_t left = len - off;

	asm volatile("repe scasb" : "+D"(p), "+c"(left) : "a"(0) : "memory", "cc");
	return p[-1] ? (size_t)(p - 1 - (const char *)buf) : len;
}

int ramfs_load_cpio(const void *buf, size_t len)
{
	size_t off = 0;
	struct cpio_entry e;
	struct links links = {0};
	int r = 0;

	while (off < len) {
		/* Archives may follow one another, padded with NULs (Linux's
		 * initramfs buffer format). */
		if (((const char *)buf)[off] == 0) {
			off = ALIGN_UP(skip_zeros(buf, off, len), 4); /* entries start 4-aligned */
			continue;
		}
		r = cpio_next(buf, len, &off, &e);
		if (r < 0)
			break;
		if (r == 0) { /* TRAILER!!!: another archive may follow */
			links_reset(&links);
			continue;
		}
		if ((r = add_entry(&e, &links)) && r != -EINVAL) /* skip what we cannot represent */
			break;
		r = 0;
	}
	links_reset(&links);
	return r;
}

int ramfs_add_file(const char *path, const void *data, size_t len, uint32_t mode)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct nameidata nd;
	struct inode *i;
	int r;

	if (path[0] != '/' || !slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, slash - path);
	dir[slash - path] = 0;
	if ((dir[0] && (r = vfs_make_dirs(dir))) ||
	    (r = path_walk(AT_FDCWD, path, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.inode || nd.last_type != LAST_NORM)
		r = -EEXIST;
	else if (nd.dir->iop != &ramfs_dir_iops)
		r = -EXDEV; /* inside /proc or the like */
	else
		r = ramfs_new_entry(nd.dir, nd.last, nd.last_len, S_IFREG | (mode & 07777), &i);
	path_release(&nd);
	if (r)
		return r;
	file_set_backing(i, data, len);
	iput(i);
	return 0;
}

struct inode *ramfs_file_inode(const void *data, size_t len, uint32_t mode)
{
	struct inode *i = ramfs_inode(root_sb, S_IFREG | (mode & 07777));

	if (i)
		file_set_backing(i, data, len);
	return i;
}
