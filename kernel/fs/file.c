/*
 * Open files and the descriptor table (open(2), dup(2), close(2)), and
 * the I/O buffers file operations move data through.
 */
#include <errno.h>
#include <arch.h>
#include <mm.h>
#include <string.h>
#include <vfs.h>

static struct file *fdt[FD_MAX];
static uint64_t cloexec[FD_MAX / 64];
unsigned fd_limit = 1024;

struct file *file_new(const struct file_ops *fop, unsigned flags, struct inode *inode)
{
	struct file *f = kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->flags = flags;
	f->fop = fop;
	f->inode = iget(inode);
	return f;
}

int file_open_inode(struct inode *inode, unsigned flags, const char *path, struct file **out)
{
	struct file *f =
	    file_new(inode->fop, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY), inode);
	int r;

	if (!f)
		return -ENOMEM;
	if (path && !(f->path = kstrdup(path))) {
		fput(f);
		return -ENOMEM;
	}
	if (!(flags & O_PATH) && f->fop && f->fop->open && (r = f->fop->open(inode, f))) {
		f->fop = NULL; /* nothing to release */
		fput(f);
		return r;
	}
	if (flags & O_PATH)
		f->fop = NULL;
	*out = f;
	return 0;
}

struct file *fget(int fd)
{
	if (fd < 0 || fd >= FD_MAX || !fdt[fd])
		return NULL;
	fdt[fd]->refs++;
	return fdt[fd];
}

void fput(struct file *f)
{
	if (!f || --f->refs)
		return;
	if (f->fop && f->fop->release)
		f->fop->release(f);
	iput(f->inode);
	kfree(f->path);
	kfree(f);
}

int fd_cloexec_get(int fd)
{
	return (cloexec[fd / 64] >> (fd % 64)) & 1;
}

void fd_cloexec_set(int fd, int on)
{
	if (on)
		cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

int fd_install(struct file *f, int min, int cloexec_on)
{
	for (int fd = min < 0 ? 0 : min; fd < (int)fd_limit && fd < FD_MAX; fd++) {
		if (fdt[fd])
			continue;
		fdt[fd] = f;
		fd_cloexec_set(fd, cloexec_on);
		return fd;
	}
	fput(f);
	return -EMFILE;
}

int fd_close(int fd)
{
	struct file *f;

	if (fd < 0 || fd >= FD_MAX || !(f = fdt[fd]))
		return -EBADF;
	fdt[fd] = NULL;
	fd_cloexec_set(fd, 0);
	fput(f);
	return 0;
}

int fd_dup2(int oldfd, int newfd, int cloexec_on)
{
	struct file *f = fget(oldfd), *old;

	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= (int)fd_limit || newfd >= FD_MAX) {
		fput(f);
		return -EBADF;
	}
	old = fdt[newfd];
	fdt[newfd] = f;
	fd_cloexec_set(newfd, cloexec_on);
	fput(old);
	return newfd;
}

void fd_for_each(void (*fn)(int fd, struct file *f, void *arg), void *arg)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		if (fdt[fd])
			fn(fd, fdt[fd], arg);
}

int io_copy_to(struct iobuf *b, size_t off, const void *src, size_t n)
{
	if (b->kernel) {
		memcpy((char *)b->addr + off, src, n);
		return 0;
	}
	return copy_to_user(b->addr + off, src, n);
}

int io_copy_from(struct iobuf *b, size_t off, void *dst, size_t n)
{
	if (b->kernel) {
		memcpy(dst, (const char *)b->addr + off, n);
		return 0;
	}
	return copy_from_user(dst, b->addr + off, n);
}

int io_zero(struct iobuf *b, size_t off, size_t n)
{
	static const char zeros[PAGE_SIZE];

	while (n) {
		size_t k = MIN(n, sizeof(zeros));
		if (io_copy_to(b, off, zeros, k))
			return -EFAULT;
		off += k, n -= k;
	}
	return 0;
}

long io_segments(struct iobuf *b, size_t off, size_t n, unsigned access, struct bothy_fs_seg *segs,
                 size_t max, size_t *seg_bytes)
{
	uint64_t va = b->addr + off, pa;
	size_t used = 0, done = 0;

	if (b->kernel) {
		segs[0].gpa = VIRT_TO_PHYS((void *)va);
		segs[0].len = n;
		*seg_bytes = n;
		return n ? 1 : 0;
	}
	if (vm_check(va, n, access)) /* once for the range; then page by page */
		return -EFAULT;
	while (done < n) {
		size_t k = MIN(n - done, PAGE_SIZE - (va + done) % PAGE_SIZE);
		unsigned f;
		uint64_t page = ALIGN_DOWN(va + done, PAGE_SIZE);
		if (mmu_lookup(page, &pa, &f) || ((access & PROT_WRITE) && !(f & MMU_WRITE))) {
			if (vm_phys(va + done, access, &pa)) /* not populated yet: fault it in */
				return done ? (long)used : -EFAULT;
		} else {
			pa += (va + done) % PAGE_SIZE;
		}
		if (used && segs[used - 1].gpa + segs[used - 1].len == pa) {
			segs[used - 1].len += k;
		} else {
			if (used == max)
				break;
			segs[used].gpa = pa;
			segs[used++].len = k;
		}
		done += k;
	}
	*seg_bytes = done;
	return (long)used;
}

long vfs_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!f->fop || !f->fop->read)
		return -EINVAL;
	if (!b->kernel && vm_check(b->addr, b->len, PROT_WRITE))
		return -EFAULT;
	return b->len ? f->fop->read(f, b, pos) : 0;
}

long vfs_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	long r;

	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!f->fop || !f->fop->write)
		return -EINVAL;
	if (!b->kernel && vm_check(b->addr, b->len, PROT_READ))
		return -EFAULT;
	if (!b->len)
		return 0;
	if ((f->flags & O_APPEND) && f->inode && S_ISREG(f->inode->mode)) {
		if ((r = inode_getattr(f->inode)))
			return r;
		*pos = f->inode->size;
	}
	return f->fop->write(f, b, pos);
}

int vfs_truncate(struct inode *inode, uint64_t size)
{
	struct iattr ia = {.valid = ATTR_SIZE, .size = size};

	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	if (inode->sb && (inode->sb->flags & SB_RDONLY))
		return -EROFS;
	if ((int64_t)size < 0)
		return -EINVAL;
	if (!inode->iop || !inode->iop->setattr)
		return -EPERM;
	return inode->iop->setattr(inode, &ia);
}

struct fd_snapshot {
	struct file *fdt[FD_MAX];
	uint64_t cloexec[FD_MAX / 64];
	unsigned limit;
};

struct fd_snapshot *fd_snapshot(void)
{
	struct fd_snapshot *s = kmalloc(sizeof(*s));

	if (!s)
		return NULL;
	for (int fd = 0; fd < FD_MAX; fd++)
		if ((s->fdt[fd] = fdt[fd]))
			fdt[fd]->refs++;
	memcpy(s->cloexec, cloexec, sizeof(cloexec));
	s->limit = fd_limit;
	return s;
}

void fd_restore(struct fd_snapshot *s)
{
	for (int fd = 0; fd < FD_MAX; fd++) {
		struct file *f = fdt[fd];
		fdt[fd] = s->fdt[fd];
		fput(f);
	}
	memcpy(cloexec, s->cloexec, sizeof(cloexec));
	fd_limit = s->limit;
	kfree(s);
}
