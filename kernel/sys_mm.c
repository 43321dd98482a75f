/* brk(2), mmap(2), munmap(2), mprotect(2), madvise(2): anonymous memory. */
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <sys.h>

long sys_brk(long brk)
{
	return (long)vm_brk(brk);
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	uint64_t a = addr;
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE), r;

	if (!len || (off & (PAGE_SIZE - 1)) || (prot & ~7))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd >= 0 && fd <= 2 ? -ENODEV : -EBADF; /* files arrive with the VFS */
	if ((flags & 3) != MAP_PRIVATE && (flags & 3) != MAP_SHARED)
		return -EINVAL;
	if ((flags & MAP_FIXED_NOREPLACE) && vm_check(a, 1, 0) == 0)
		return -EEXIST;
	r = vm_map(&a, len, prot, (flags & MAP_NORESERVE) ? VMA_NORESERVE : 0, fixed);
	if (r == 0 && (flags & MAP_POPULATE))
		vm_populate(a, a + ALIGN_UP((uint64_t)len, PAGE_SIZE));
	return r ? r : (long)a;
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
