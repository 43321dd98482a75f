/*
 * Path resolution and mounts (path_resolution(7), mount(2)).
 *
 * path_walk() takes one component at a time: "." stays, ".." goes to the
 * parent (leaving a mounted file system through its mount point, never
 * above the root), a directory that is a mount point is replaced by the
 * mounted root, and a symlink is replaced by its target spliced in front
 * of the rest of the path, at most SYMLOOP_MAX times (then ELOOP).
 */
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <vfs.h>

struct mount {
	char *path;             /* absolute, as given to vfs_mount */
	struct super_block *sb; /* mounted here */
	struct inode *mp;       /* the directory it covers (a reference) */
};

#define MOUNT_MAX 32
static struct mount mounts[MOUNT_MAX];
static unsigned nmounts;
static struct inode *root, *cwd;
uint32_t vfs_umask = 022;

struct inode *vfs_cwd(void)
{
	return cwd;
}

void vfs_set_cwd(struct inode *dir)
{
	struct inode *old = cwd;

	cwd = iget(dir);
	iput(old);
}

void vfs_set_root(struct super_block *sb)
{
	iput(root);
	root = iget(sb->root);
	vfs_set_cwd(root);
}

void vfs_for_each_mount(void (*fn)(const char *path, struct super_block *sb, void *arg), void *arg)
{
	if (root)
		fn("/", root->sb, arg);
	for (unsigned i = 0; i < nmounts; i++)
		fn(mounts[i].path, mounts[i].sb, arg);
}

/* The mount whose file system's root is `dir`, or NULL. */
static struct mount *mount_of_root(struct inode *dir)
{
	for (unsigned i = nmounts; i-- > 0;)
		if (mounts[i].sb->root == dir)
			return &mounts[i];
	return NULL;
}

/* What is seen at directory `dir`: the root of the last file system
 * mounted on it, if any. Takes over the reference to dir. */
static struct inode *cross_mounts(struct inode *dir)
{
	if (!dir->sb || !dir->sb->mounts_here) /* the common case, in one test */
		return dir;
	for (unsigned i = nmounts; S_ISDIR(dir->mode) && i-- > 0;) {
		struct inode *mp = mounts[i].mp;
		if (mp->sb == dir->sb && mp->ino == dir->ino) {
			iput(dir);
			dir = iget(mounts[i].sb->root);
			i = nmounts; /* something may be mounted on top of it */
		}
	}
	return dir;
}

/* "..": takes over the reference to cur and returns one to its parent. */
static struct inode *dotdot(struct inode *cur)
{
	struct mount *m;
	struct inode *next;

	while (cur != root && cur == cur->sb->root && (m = mount_of_root(cur))) {
		next = iget(m->mp);
		iput(cur);
		cur = next;
	}
	if (cur == root || !cur->parent)
		return cur;
	next = iget(cur->parent);
	iput(cur);
	return next;
}

static int lookup_one(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int r;

	if (!dir->iop || !dir->iop->lookup)
		return -ENOTDIR;
	if ((r = dir->iop->lookup(dir, name, len, out)))
		return r;
	*out = cross_mounts(*out);
	return 0;
}

static struct inode *start_dir(int dirfd, const char *path, int *err)
{
	struct file *f;
	struct inode *dir;

	if (path[0] == '/')
		return iget(root);
	if (dirfd == AT_FDCWD)
		return iget(cwd);
	if (!(f = fget(dirfd))) {
		*err = -EBADF;
		return NULL;
	}
	dir = iget(f->inode);
	fput(f);
	if (!dir)
		*err = -ENOTDIR;
	return dir;
}

/*
 * Splice symlink `link`'s target in front of `rest` into buf (PATH_MAX).
 * On success *cur is where the target is resolved from (the root for an
 * absolute target) and the new path is returned.
 */
static const char *follow(struct inode *link, const char *rest, char *buf, struct inode **cur,
                          int *err)
{
	size_t rlen = strlen(rest);
	long n;

	if (!link->iop || !link->iop->readlink) {
		*err = -EINVAL;
		return NULL;
	}
	n = link->iop->readlink(link, buf, PATH_MAX);
	if (n < 0) {
		*err = (int)n;
		return NULL;
	}
	if (n == 0) {
		*err = -ENOENT;
		return NULL;
	}
	if ((size_t)n + rlen + 1 > PATH_MAX) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	memmove(buf + n, rest, rlen + 1);
	if (buf[0] == '/') {
		iput(*cur);
		*cur = iget(root);
	}
	return buf;
}

static int walk(struct inode *cur, const char *path, unsigned flags, struct nameidata *nd);

int path_walk(int dirfd, const char *path, unsigned flags, struct nameidata *nd)
{
	struct inode *cur;
	int err = 0;

	memset(nd, 0, sizeof(*nd));
	if (!*path && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	if (!(cur = start_dir(dirfd, path, &err)))
		return err;
	return walk(cur, path, flags, nd);
}

/* path_walk from directory cur (whose reference it takes over). */
static int walk(struct inode *cur, const char *path, unsigned flags, struct nameidata *nd)
{
	char bufs[2][PATH_MAX];
	unsigned links = 0, which = 0;
	struct inode *next;
	const char *p = path;
	int err = 0;

	for (;;) {
		const char *c, *q;
		size_t len;
		int last, slash;
		enum last_type type;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (c = p; *p && *p != '/'; p++)
			;
		len = p - c;
		for (q = p; *q == '/'; q++)
			;
		last = !*q;
		slash = *p == '/';
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (!S_ISDIR(cur->mode)) {
			err = -ENOTDIR;
			goto fail;
		}
		type = len == 1 && c[0] == '.'                  ? LAST_DOT
		       : len == 2 && c[0] == '.' && c[1] == '.' ? LAST_DOTDOT
		                                                : LAST_NORM;
		if (last && (flags & LOOKUP_PARENT)) {
			nd->trailing_slash = slash;
			nd->last_type = type;
			memcpy(nd->last, c, len);
			nd->last[len] = 0;
			nd->last_len = len;
			if (type != LAST_NORM) {
				nd->dir = cur;
				nd->inode = type == LAST_DOT ? iget(cur) : dotdot(iget(cur));
				return 0;
			}
			err = lookup_one(cur, c, len, &next);
			if (err == -ENOENT) {
				nd->dir = cur;
				return 0;
			}
			if (err)
				goto fail;
			if (S_ISLNK(next->mode) && (flags & LOOKUP_FOLLOW) &&
			    !next->iop->get_link) {
				if (++links > SYMLOOP_MAX) {
					iput(next);
					err = -ELOOP;
					goto fail;
				}
				p = follow(next, p, bufs[which ^= 1], &cur, &err);
				iput(next);
				if (!p)
					goto fail;
				continue;
			}
			nd->dir = cur;
			nd->inode = next;
			return 0;
		}
		if (type == LAST_DOT) {
			nd->trailing_slash = slash;
			continue;
		}
		if (type == LAST_DOTDOT) {
			cur = dotdot(cur);
			nd->trailing_slash = slash;
			continue;
		}
		if ((err = lookup_one(cur, c, len, &next)))
			goto fail;
		if (S_ISLNK(next->mode) && (!last || slash || (flags & LOOKUP_FOLLOW))) {
			if (++links > SYMLOOP_MAX) {
				iput(next);
				err = -ELOOP;
				goto fail;
			}
			if (next->iop->get_link) { /* /proc/self/fd/N: the inode itself */
				struct inode *target;
				err = next->iop->get_link(next, &target);
				iput(next);
				if (err)
					goto fail;
				iput(cur);
				cur = target;
				nd->trailing_slash = slash;
				continue;
			}
			p = follow(next, p, bufs[which ^= 1], &cur, &err);
			iput(next);
			if (!p)
				goto fail;
			continue;
		}
		iput(cur);
		cur = next;
		nd->trailing_slash = slash;
	}
	/* The path ended at a directory ("/", "a/.", "a/..") or at cur. */
	if ((flags & LOOKUP_PARENT)) {
		nd->last_type = LAST_ROOT;
		nd->inode = cur;
		return 0;
	}
	if (((flags & LOOKUP_DIRECTORY) || nd->trailing_slash) && !S_ISDIR(cur->mode)) {
		err = -ENOTDIR;
		goto fail;
	}
	nd->inode = cur;
	return 0;
fail:
	iput(cur);
	return err;
}

void path_release(struct nameidata *nd)
{
	iput(nd->dir);
	iput(nd->inode);
	nd->dir = nd->inode = NULL;
}

int user_path(int dirfd, uint64_t upath, unsigned flags, struct nameidata *nd)
{
	char path[PATH_MAX];
	long n = strncpy_from_user(path, upath, sizeof(path));

	if (n < 0)
		return (int)n;
	return path_walk(dirfd, path, flags, nd);
}

/* Find the name of `child` in directory `dir` by listing it. */
struct name_search {
	uint64_t ino;
	char *name;
	size_t len;
};

static int match_ino(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                     uint64_t next_pos)
{
	struct name_search *s = ctx;

	(void)type, (void)next_pos;
	if (ino != s->ino || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	memcpy(s->name, name, len);
	s->len = len;
	return 1;
}

long path_of(struct inode *dir, char *buf, size_t size)
{
	char name[NAME_MAX + 1];
	size_t at = size; /* the path is built backwards from the end */
	struct inode *cur = iget(dir);

	if (size < 2) {
		iput(cur);
		return -ERANGE;
	}
	buf[--at] = 0;
	while (cur != root) {
		struct name_search s = {.name = name};
		struct inode *up;
		struct file *f;
		struct mount *m;
		uint64_t pos = 0;

		if (cur == cur->sb->root && (m = mount_of_root(cur))) {
			up = iget(m->mp);
			iput(cur);
			cur = up;
			continue;
		}
		if (!cur->parent) { /* not reachable from the root any more */
			iput(cur);
			return -ENOENT;
		}
		s.ino = cur->ino;
		if (file_open_inode(cur->parent, O_RDONLY | O_DIRECTORY, NULL, &f) == 0) {
			if (f->fop && f->fop->iterate)
				f->fop->iterate(f, &pos, match_ino, &s);
			fput(f);
		}
		if (!s.len) {
			iput(cur);
			return -ENOENT;
		}
		if (s.len + 1 > at) {
			iput(cur);
			return -ENAMETOOLONG;
		}
		at -= s.len;
		memcpy(buf + at, name, s.len);
		buf[--at] = '/';
		up = iget(cur->parent);
		iput(cur);
		cur = up;
	}
	iput(cur);
	if (at == size - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, size - at);
	return (long)(size - at);
}

/* mkdir -p, returning the last directory (a reference) in *out if out. */
static int make_dirs(const char *path, struct inode **out)
{
	struct inode *cur = iget(root), *next;
	const char *p = path, *c;
	int r = 0;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (c = p; *p && *p != '/'; p++)
			;
		if ((size_t)(p - c) > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		if (p - c == 1 && c[0] == '.')
			continue;
		if (p - c == 2 && c[0] == '.' && c[1] == '.') {
			cur = dotdot(cur);
			continue;
		}
		if (!S_ISDIR(cur->mode)) {
			r = -ENOTDIR;
			break;
		}
		r = lookup_one(cur, c, (size_t)(p - c), &next);
		if (r == -ENOENT && cur->iop->mkdir &&
		    !(r = cur->iop->mkdir(cur, c, (size_t)(p - c), S_IFDIR | 0755)))
			r = lookup_one(cur, c, (size_t)(p - c), &next);
		if (r)
			break;
		if (S_ISLNK(next->mode)) { /* mkdir -p follows links to directories */
			char name[NAME_MAX + 1];
			struct nameidata nd;
			memcpy(name, c, (size_t)(p - c));
			name[p - c] = 0;
			iput(next);
			memset(&nd, 0, sizeof(nd));
			if ((r = walk(iget(cur), name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nd)))
				break;
			next = nd.inode;
		}
		iput(cur);
		cur = next;
	}
	if (!r && out)
		*out = cur;
	else
		iput(cur);
	return r;
}

int vfs_make_dirs(const char *path)
{
	return make_dirs(path, NULL);
}

int vfs_mount(struct super_block *sb, const char *path)
{
	struct inode *mp;
	int r;

	if (nmounts == MOUNT_MAX)
		return -ENOSPC;
	if ((r = make_dirs(path, &mp)))
		return r;
	if (!S_ISDIR(mp->mode)) {
		iput(mp);
		return -ENOTDIR;
	}
	if (!(mounts[nmounts].path = kstrdup(path))) {
		iput(mp);
		return -ENOMEM;
	}
	mounts[nmounts].sb = sb;
	mounts[nmounts].mp = mp; /* the reference moves to the table */
	if (mp->sb)
		mp->sb->mounts_here++;
	nmounts++;
	return 0;
}
