/*
 * BOTHY_HC_FS: host directories served to an untrusted guest (hostfs.h,
 * include/bothy/abi.h, docs/files.md).
 *
 * The guest names host files by handle, an index into a table of host
 * descriptors: a node is an O_PATH descriptor, an open file one opened for
 * I/O. What keeps the guest inside HOSTDIR:
 *  - A name is one path component: never empty, ".", ".." or containing
 *    '/' or NUL; LOOKUP splits its path into such components. Every
 *    lookup and creation is relative to a descriptor already inside a
 *    share (openat(2) family), so no guest string is ever resolved from
 *    the host's root or working directory.
 *  - The monitor never follows a symlink: lookups use O_PATH|O_NOFOLLOW
 *    and stop at one; calls on a node itself use AT_EMPTY_PATH or the
 *    magic link "/proc/self/fd/N", which resolves to the inode of
 *    descriptor N and no further (opening or truncating a symlink's
 *    inode fails; linking it links the symlink). Opens, chmod and
 *    truncate through it are first checked not to name a symlink.
 *  - Only regular files and directories are ever opened for I/O, so a
 *    FIFO or device node in a share cannot block the monitor or reach a
 *    driver. O_NONBLOCK is set while opening in case a lease is held.
 *  - Every guest address and length goes through gpa_ptr(), and the struct
 *    is read once (a copy), so a guest that changes it mid-call changes
 *    nothing.
 * A handle packs a slot's generation with its index, so a handle used
 * after FORGET gets -EBADF rather than a stranger's file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hostfs_impl.h"

/* ---- the share list (-v) ---- */

/* Why guest mount path p is refused, or NULL. */
static const char *guest_path_problem(const char *p)
{
	const char *c = p + 1, *e;

	if (p[0] != '/')
		return "must be absolute";
	if (!*c)
		return "is the root of the guest, which cannot be a host directory";
	if (strlen(p) >= BOTHY_FS_PATH_MAX)
		return "is too long";
	for (;; c = e + 1) {
		e = strchrnul(c, '/');
		if (e == c)
			return "must be normalized (no '//' or trailing '/')";
		if ((e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return "must be normalized (no '.' or '..' component)";
		if (e - c > (long)BOTHY_FS_NAME_MAX)
			return "has a component longer than 255 bytes";
		if (!*e)
			return NULL;
	}
}

const char *hostfs_root_parse(const char *spec, struct hostfs_share *s, char *err, size_t errlen)
{
	char *host = strdup(spec), *mode;

	memset(s, 0, sizeof(*s));
	s->root = -1;
	if (!host)
		return "out of memory";
	if ((mode = strrchr(host, ':')))
		*mode++ = 0;
	if (!*host)
		snprintf(err, errlen, "--root '%s': expected DIR[:ro|:rw]", spec);
	else if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		snprintf(err, errlen, "--root '%s': '%s' is not ro or rw", spec, mode);
	else if ((s->root = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		snprintf(err, errlen, "--root '%s': %s: %s", spec, host,
		         errno == ENOTDIR ? "not a directory" : strerror(errno));
	else {
		s->spec = s->host = host;
		s->guest = "/";
		s->ro = !mode || !strcmp(mode, "ro"); /* read-only unless :rw */
		return NULL;
	}
	free(host);
	return err;
}

const char *hostfs_share_parse(const char *spec, struct hostfs_share *s, char *err, size_t errlen)
{
	char *host = strdup(spec), *guest, *mode;
	const char *why;

	memset(s, 0, sizeof(*s));
	s->root = -1;
	if (!host)
		return "out of memory";
	guest = strchr(host, ':');
	mode = guest ? strchr(guest + 1, ':') : NULL;
	if (guest)
		*guest++ = 0;
	if (mode)
		*mode++ = 0;
	if (!guest || !*host)
		snprintf(err, errlen, "-v '%s': expected HOSTDIR:/guest/dir[:ro]", spec);
	else if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		snprintf(err, errlen, "-v '%s': '%s' is not ro or rw", spec, mode);
	else if ((why = guest_path_problem(guest)))
		snprintf(err, errlen, "-v '%s': the guest path '%s' %s", spec, guest, why);
	else if ((s->root = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		snprintf(err, errlen, "-v '%s': %s: %s", spec, host,
		         errno == ENOTDIR ? "not a directory" : strerror(errno));
	else {
		s->spec = s->host = host;
		s->guest = guest;
		s->ro = mode && !strcmp(mode, "ro");
		return NULL;
	}
	free(host);
	return err;
}

void hostfs_share_close(struct hostfs_share *s)
{
	if (s->root >= 0)
		close(s->root);
	free(s->spec);
	memset(s, 0, sizeof(*s));
	s->root = -1;
}

/* ---- the handle table ---- */

struct hostfs *hostfs_new(const struct hostfs_share *shares, unsigned n, unsigned max_handles)
{
	struct hostfs *fs = calloc(1, sizeof(*fs));
	struct rlimit rl;

	if (max_handles == 0 || max_handles > HOSTFS_HANDLES_MAX)
		max_handles = HOSTFS_HANDLES_MAX;
	if (!fs || !(fs->h = calloc(max_handles, sizeof(*fs->h)))) {
		free(fs);
		return NULL;
	}
	fs->shares = shares;
	fs->nshares = n;
	fs->max = max_handles;
	fs->free = UINT32_MAX;
	if (n > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (n > 0)
		umask(0); /* the guest applied its own umask to every mode it sends */
	return fs;
}

void hostfs_free(struct hostfs *fs)
{
	if (!fs)
		return;
	for (uint32_t i = 0; i < fs->used; i++)
		if (fs->h[i].kind != FS_FREE)
			close(fs->h[i].fd);
	free(fs->h);
	free(fs);
}

/* Takes ownership of fd: a new handle for it in *out, or -ENFILE (fd closed). */
int hostfs_handle_new(struct hostfs *fs, int fd, unsigned share, int kind, int append,
                      uint64_t *out)
{
	uint32_t i;

	if (fs->free != UINT32_MAX)
		i = fs->free, fs->free = fs->h[i].next;
	else if (fs->used < fs->max)
		i = fs->used++;
	else {
		close(fd);
		return -ENFILE;
	}
	fs->h[i].fd = fd;
	fs->h[i].share = (uint16_t)share;
	fs->h[i].kind = (uint8_t)kind;
	fs->h[i].append = (uint8_t)append;
	*out = (uint64_t)fs->h[i].gen << 32 | (i + 1);
	return 0;
}

/* The slot `handle` names if it is live and of a kind in the mask, or NULL. */
struct fs_handle *hostfs_handle_get(struct hostfs *fs, uint64_t handle, unsigned kinds)
{
	uint32_t i = (uint32_t)handle - 1;
	struct fs_handle *h;

	if (!fs || i >= fs->used)
		return NULL;
	h = &fs->h[i];
	if (h->kind == FS_FREE || h->gen != handle >> 32 || !(kinds & 1u << h->kind))
		return NULL;
	return h;
}

void hostfs_handle_free(struct hostfs *fs, struct fs_handle *h)
{
	close(h->fd);
	h->kind = FS_FREE;
	h->gen++;
	h->next = fs->free;
	fs->free = (uint32_t)(h - fs->h);
}

/* ---- helpers ---- */

void hostfs_attr_of(const struct stat *st, struct bothy_fs_attr *a)
{
	*a = (struct bothy_fs_attr){
	    .ino = st->st_ino,
	    .size = (uint64_t)st->st_size,
	    .blocks = (uint64_t)st->st_blocks,
	    .rdev = st->st_rdev,
	    .atime_sec = st->st_atim.tv_sec,
	    .mtime_sec = st->st_mtim.tv_sec,
	    .ctime_sec = st->st_ctim.tv_sec,
	    .atime_nsec = (uint32_t)st->st_atim.tv_nsec,
	    .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
	    .ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
	    .mode = st->st_mode,
	    .nlink = (uint32_t)st->st_nlink,
	    .uid = st->st_uid,
	    .gid = st->st_gid,
	    .blksize = (uint32_t)st->st_blksize,
	};
}

/* lstat(2) of the descriptor itself. */
int hostfs_lstat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int hostfs_attr(int fd, struct bothy_fs_attr *a)
{
	struct stat st;
	int r = hostfs_lstat(fd, &st);

	if (!r)
		hostfs_attr_of(&st, a);
	return r;
}

/* The magic link that names fd's inode (never a symlink's target). */
void hostfs_proc_fd(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* Opens the regular file or directory that node descriptor fd names for
 * I/O, with open(2) flags; never blocks. Returns a descriptor or -errno. */
int hostfs_reopen(int fd, int flags)
{
	char path[32];
	int f, fl;

	hostfs_proc_fd(path, fd);
	f = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	if (!(flags & O_NONBLOCK) &&
	    ((fl = fcntl(f, F_GETFL)) < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
		int e = -errno;
		close(f);
		return e;
	}
	return f;
}

/* Copies the guest's [gpa, gpa+len) into buf (BOTHY_FS_NAME_MAX + 1 bytes)
 * as a C string if it is one path component; 0 or -errno. */
int hostfs_name(const struct vm *vm, uint64_t gpa, uint64_t len, char *buf)
{
	const char *p;

	if (len > BOTHY_FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!(p = gpa_ptr(vm, gpa, len)))
		return -EFAULT;
	memcpy(buf, p, len);
	buf[len] = 0;
	if (len == 0 || memchr(buf, '/', len) || strlen(buf) != len || !strcmp(buf, ".") ||
	    !strcmp(buf, ".."))
		return -EINVAL;
	return 0;
}

static int64_t fs_dispatch(struct fs_call *c)
{
	const struct fs_op *op = c->a.op < BOTHY_FS_OP_MAX ? &hostfs_ops[c->a.op] : NULL;

	if (!op || !op->fn)
		return -ENOSYS;
	if (op->kinds) {
		if (!(c->h = hostfs_handle_get(c->fs, c->a.node, op->kinds)))
			return -EBADF;
		c->fd = c->h->fd;
		c->share = c->h->share;
		c->ro = c->fs->shares[c->share].ro;
		if (op->change && c->ro)
			return -EROFS;
	}
	return op->fn(c);
}

void hostfs_call(struct vm *vm, struct bothy_hc_fs *a)
{
	struct fs_call c = {.fs = vm->hostfs, .vm = vm, .a = *a};

	c.a.ret = fs_dispatch(&c);
	a->node = c.a.node;
	memcpy(a->arg, c.a.arg, sizeof(a->arg));
	a->attr = c.a.attr;
	a->ret = c.a.ret;
}
