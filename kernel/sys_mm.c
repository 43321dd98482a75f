/* brk(2), mmap(2), munmap(2), mprotect(2), madvise(2), msync(2),
 * mincore(2): anonymous memory and file mappings. */
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <sys.h>
#include <vfs.h>

long sys_brk(long brk)
{
	return (long)vm_brk(brk);
}

/* A file mapping: private ones are copies made as pages are touched (or
 * at once when small); shared writable ones are written back by msync(2)
 * and munmap(2). */
static long map_file(uint64_t a, long len, long prot, long flags, long fd, long off)
{
	struct file *f = fget((int)fd);
	unsigned vflags = (flags & MAP_NORESERVE) ? VMA_NORESERVE : 0;
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE), r;

	if (!f)
		return -EBADF;
	r = -EBADF;
	if (f->flags & O_PATH)
		goto out;
	r = -EACCES;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		goto out;
	if ((flags & 3) == MAP_SHARED && (prot & PROT_WRITE)) {
		if ((f->flags & O_ACCMODE) != O_RDWR || (f->flags & O_APPEND))
			goto out;
		vflags |= VMA_SHARED;
	}
	r = -ENODEV;
	if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISCHR(f->inode->mode)) || !f->fop ||
	    !f->fop->read)
		goto out;
	r = off < 0
	        ? -EINVAL
	        : vm_map_file(&a, (uint64_t)len, (unsigned)prot, vflags, fixed, f, (uint64_t)off);
out:
	fput(f);
	return r ? r : (long)a;
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	uint64_t a = addr;
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE), r;

	if (!len || (off & (PAGE_SIZE - 1)) || (prot & ~7))
		return -EINVAL;
	if ((flags & 3) != MAP_PRIVATE && (flags & 3) != MAP_SHARED && (flags & 3) != 3)
		return -EINVAL;
	if ((flags & MAP_FIXED_NOREPLACE) && vm_check(a, 1, 0) == 0)
		return -EEXIST;
	if (!(flags & MAP_ANONYMOUS))
		return map_file(a, len, prot, flags, fd, off);
	r = vm_map(&a, len, prot, (flags & MAP_NORESERVE) ? VMA_NORESERVE : 0, fixed);
	if (r == 0 && (flags & MAP_POPULATE))
		vm_populate(a, a + ALIGN_UP((uint64_t)len, PAGE_SIZE));
	return r ? r : (long)a;
}

long sys_mremap(long addr, long old_len, long new_len, long flags, long new_addr)
{
	return vm_remap(addr, old_len, new_len, flags, new_addr);
}

long sys_munmap(long addr, long len)
{
	return vm_unmap(addr, len);
}

long sys_mprotect(long addr, long len, long prot)
{
	if (prot & ~7)
		return -EINVAL;
	if (!len)
		return addr & (PAGE_SIZE - 1) ? -EINVAL : 0;
	return vm_protect(addr, len, prot);
}

long sys_madvise(long addr, long len, long advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!len)
		return 0;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		return vm_discard(addr, len);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
		return vm_check(addr, len, 0) ? -ENOMEM : 0;
	default:
		return -EINVAL;
	}
}

long sys_msync(long addr, long len, long flags)
{
	if (flags & ~7l ||
	    ((flags & 1) && (flags & 4))) /* MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 4 */
		return -EINVAL;
	return vm_msync((uint64_t)addr, (uint64_t)len);
}

long sys_mincore(long addr, long len, long uvec)
{
	return vm_mincore((uint64_t)addr, (uint64_t)len, (uint64_t)uvec);
}
