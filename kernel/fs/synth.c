/*
 * The common part of the synthetic file systems: text buffers for
 * generated content, and inodes, lookup, getdents, open, read and
 * readlink over a tree of struct synth_node (see synth.h).
 */
#include <errno.h>
#include <mm.h>
#include <string.h>

#include "synth.h"

/* --- text buffers --- */

/* Heap blocks: one of 2 KiB, then whole pages (less the 16-byte header). */
#define BUF_FIRST 2032
#define BUF_PAGE  4080

char *synth_reserve(struct synth_buf *s, size_t n)
{
	size_t cap = s->cap ? s->cap : BUF_FIRST;
	char *p;

	if (s->err)
		return NULL;
	if (s->data && s->len + n < s->cap)
		return s->data + s->len;
	while (cap <= s->len + n)
		cap = cap < BUF_PAGE ? BUF_PAGE : cap * 2 + 16;
	if (!(p = kmalloc(cap))) {
		s->err = -ENOMEM;
		return NULL;
	}
	if (s->len)
		memcpy(p, s->data, s->len);
	kfree(s->data);
	s->data = p;
	s->cap = cap;
	return p + s->len;
}

void synth_printf(struct synth_buf *s, const char *fmt, ...)
{
	va_list ap;
	char *p = synth_reserve(s, 0);
	int n;

	if (!p)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (s->len + n >= s->cap) { /* did not fit: grow, format again */
		if (!(p = synth_reserve(s, n)))
			return;
		va_start(ap, fmt);
		vsnprintf(p, s->cap - s->len, fmt, ap);
		va_end(ap);
	}
	s->len += n;
}

void synth_write(struct synth_buf *s, const void *src, size_t n)
{
	char *p = synth_reserve(s, n);

	if (!p)
		return;
	memcpy(p, src, n);
	s->len += n;
	p[n] = 0;
}

void synth_puts(struct synth_buf *s, const char *str)
{
	synth_write(s, str, strlen(str));
}

void synth_pad(struct synth_buf *s, size_t from, size_t width)
{
	size_t have = s->len - from;
	char *p;

	if (have >= width || !(p = synth_reserve(s, width - have)))
		return;
	memset(p, ' ', width - have);
	s->len += width - have;
	s->data[s->len] = 0;
}

void synth_octal(struct synth_buf *s, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	while (n < width && n < (int)sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = '0';
	synth_write(s, tmp + sizeof(tmp) - n, n);
}

/* Run node n's show() into a fresh buffer; 0 or -ENOMEM. */
static int generate(struct synth_node *n, long id, struct synth_buf *s)
{
	*s = (struct synth_buf){0};
	n->show(s, id);
	if (!s->err && !s->data) /* nothing written: still a valid buffer */
		synth_reserve(s, 0);
	if (s->err) {
		kfree(s->data);
		return s->err;
	}
	return 0;
}

/* --- inodes --- */

#define DYN_INO(base, id) ((base) << 32 | (uint64_t)(id))

long synth_id(const struct inode *inode)
{
	return inode->ino >> 32 ? (long)(inode->ino & 0xffffffffu) : -1;
}

uint64_t synth_ino(const struct synth_node *n)
{
	return (VIRT_TO_PHYS(n) / sizeof(*n)) & 0xffffffffu;
}

/* 2 + subdirectories for a directory, as on Linux. */
static uint32_t nlink(const struct synth_node *n)
{
	uint32_t k = 2;

	if (!S_ISDIR(n->mode))
		return 1;
	for (const struct synth_node *c = n->children; c && c->name; c++)
		k += S_ISDIR(c->mode) != 0;
	return k;
}

/* A new inode for node n (entry `id` of a numbered directory, or -1) in
 * directory dir (NULL for the root). 0, -ENOMEM or setup()'s error. */
static int node_inode(struct super_block *sb, struct synth_node *n, long id, struct inode *dir,
                      struct inode **out)
{
	struct inode *i = inode_new(sb, n->mode, id < 0 ? synth_ino(n) : DYN_INO(synth_ino(n), id));
	int r;

	if (!i)
		return -ENOMEM;
	i->nlink = nlink(n);
	i->rdev = n->rdev;
	i->priv = n;
	i->iop = n->iop ? n->iop : &synth_iops;
	if (n->fop)
		i->fop = n->fop;
	else if (S_ISDIR(n->mode))
		i->fop = &synth_dir_fops;
	else if (S_ISREG(n->mode))
		i->fop = &synth_file_fops;
	if (S_ISDIR(n->mode))
		i->parent = iget(dir);
	if (n->flags & SYNTH_SIZED)
		i->size = strlen(n->text);
	if (id >= 0 && n->setup && (r = n->setup(i, id))) {
		iput(i);
		return r;
	}
	*out = i;
	return 0;
}

int synth_mount(struct super_block *sb, struct synth_node *root)
{
	return node_inode(sb, root, -1, NULL, &sb->root);
}

/* The id that `name` gives in numbered directory d: prefix then a decimal
 * number without leading zeros; -1 if none. */
static long dyn_parse(const struct synth_dyn *d, const char *name, size_t len)
{
	size_t plen = strlen(d->prefix), i;
	long id = 0;

	if (len <= plen || len - plen > 4 || strncmp(name, d->prefix, plen))
		return -1;
	if (name[plen] == '0' && len - plen > 1)
		return -1;
	for (i = plen; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		id = id * 10 + (name[i] - '0');
	}
	return id < SYNTH_DYN_MAX ? id : -1;
}

static int synth_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct synth_node *d = dir->priv;
	long id;

	for (struct synth_node *c = d->children; c && c->name; c++)
		if (!strncmp(c->name, name, len) && !c->name[len])
			return node_inode(dir->sb, c, -1, dir, out);
	if (d->dyn && (id = dyn_parse(d->dyn, name, len)) >= 0)
		return node_inode(dir->sb, d->dyn->entry, id, dir, out);
	return -ENOENT;
}

static long synth_readlink(struct inode *inode, char *buf, size_t size)
{
	struct synth_node *n = inode->priv;
	struct synth_buf s;
	size_t len;
	int r;

	if (n->text) {
		len = MIN(strlen(n->text), size);
		memcpy(buf, n->text, len);
		return (long)len;
	}
	if ((r = generate(n, synth_id(inode), &s)))
		return r;
	len = MIN(s.len, size);
	memcpy(buf, s.data, len);
	kfree(s.data);
	return (long)len;
}

int synth_statfs(struct inode *inode, struct kernel_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = inode->sb->statfs_type;
	st->f_bsize = PAGE_SIZE;
	st->f_frsize = PAGE_SIZE;
	st->f_namelen = NAME_MAX;
	st->f_flags = inode->sb->flags & SB_RDONLY ? ST_RDONLY : 0;
	return 0;
}

/* Truncating (open's O_TRUNC) and touching succeed and change nothing, as
 * on Linux's proc; chmod and chown are refused. */
static int synth_setattr(struct inode *inode, const struct iattr *ia)
{
	(void)inode;
	return ia->valid & (ATTR_MODE | ATTR_UID | ATTR_GID) ? -EPERM : 0;
}

const struct inode_ops synth_iops = {
    .lookup = synth_lookup,
    .readlink = synth_readlink,
    .setattr = synth_setattr,
    .statfs = synth_statfs,
};

/* --- regular files --- */

static int synth_open(struct inode *inode, struct file *f)
{
	struct synth_node *n = inode->priv;
	struct synth_buf *s;
	int r;

	if ((f->flags & O_ACCMODE) != O_RDONLY) {
		if (inode->sb->flags & SB_RDONLY)
			return -EROFS;
		if (n->flags & SYNTH_W_EACCES)
			return -EACCES;
		if (n->flags & SYNTH_W_EROFS)
			return -EROFS;
	}
	if (!n->show)
		return 0;
	if (!(s = kmalloc(sizeof(*s))))
		return -ENOMEM;
	if ((r = generate(n, synth_id(inode), s))) {
		kfree(s);
		return r;
	}
	f->priv = s;
	return 0;
}

static void synth_release(struct file *f)
{
	struct synth_buf *s = f->priv;

	if (s)
		kfree(s->data);
	kfree(s);
}

static long synth_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct synth_buf *s = f->priv;
	struct synth_node *n = f->inode->priv;
	const char *data = s ? s->data : n->text;
	size_t len = s ? s->len : strlen(n->text), k;

	if (*pos >= len)
		return 0;
	k = MIN(b->len, len - *pos);
	if (io_copy_to(b, 0, data + *pos, k))
		return -EFAULT;
	*pos += k;
	return (long)k;
}

static long synth_file_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct synth_node *n = f->inode->priv;

	(void)b, (void)pos;
	return n->flags & SYNTH_W_EIO ? -EIO : -EINVAL;
}

const struct file_ops synth_file_fops = {
    .open = synth_open,
    .release = synth_release,
    .read = synth_read,
    .write = synth_file_write,
    .seekable = 1,
};

/* --- directories --- */

/* A numbered directory's entries, as a bitmap in f->priv: taken at the
 * first getdents (after open(), so that it shows the descriptor reading
 * /proc/self/fd) and again whenever it starts over. 0 or -ENOMEM. */
static int dyn_snapshot(struct file *f, const struct synth_dyn *d, uint64_t pos)
{
	if (f->priv && pos)
		return 0;
	if (!f->priv && !(f->priv = kmalloc(SYNTH_DYN_MAX / 8)))
		return -ENOMEM;
	d->list(f->priv);
	return 0;
}

static void synth_dir_release(struct file *f)
{
	kfree(f->priv);
}

/* Emit the numbered entries from id `from` on; positions are base + id + 1
 * after an entry. Returns nonzero when fill is full. */
static int dyn_iterate(const struct synth_dyn *d, const uint64_t *ids, uint64_t from, uint64_t base,
                       uint64_t *pos, filldir_t fill, void *ctx)
{
	char name[32];
	uint64_t w;
	int len;

	for (uint64_t id = from; id < SYNTH_DYN_MAX; id++) {
		if (!(w = ids[id / 64] >> (id % 64))) {
			id |= 63; /* nothing more in this word */
			continue;
		}
		id += (uint64_t)__builtin_ctzll(w);
		len = snprintf(name, sizeof(name), "%s%lu", d->prefix, (unsigned long)id);
		if (fill(ctx, name, (size_t)len, DYN_INO(synth_ino(d->entry), id),
		         IFTODT(d->entry->mode), base + id + 1))
			return 1;
		*pos = base + id + 1;
	}
	return 0;
}

/*
 * Positions: 0 ".", 1 "..", 2 + i the i-th child, then 2 + nchildren + id
 * the numbered entry id. The position after an entry is its own plus one.
 */
static int synth_iterate(struct file *f, uint64_t *pos, filldir_t fill, void *ctx)
{
	struct inode *dir = f->inode;
	struct synth_node *d = dir->priv, *c;
	uint64_t i = 2;
	int r;

	if (d->dyn && (r = dyn_snapshot(f, d->dyn, *pos)))
		return r;
	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (fill(ctx, "..", 2, dir->parent ? dir->parent->ino : dir->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (c = d->children; c && c->name; c++, i++) {
		if (i < *pos)
			continue;
		if (fill(ctx, c->name, strlen(c->name), synth_ino(c), IFTODT(c->mode), i + 1))
			return 0;
		*pos = i + 1;
	}
	if (d->dyn)
		dyn_iterate(d->dyn, f->priv, *pos - i, i, pos, fill, ctx);
	return 0;
}

const struct file_ops synth_dir_fops = {
    .release = synth_dir_release,
    .iterate = synth_iterate,
    .seekable = 1,
};
