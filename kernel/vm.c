/*
 * The program's address space: a sorted list of areas (VMAs) over the one
 * page table. Invariants: areas do not overlap, are page aligned, and are
 * sorted by start; a page is mapped in the page table only inside an area
 * whose protection allows its mapping flags.
 */
#include <arch.h>
#include <errno.h>
#include <mm.h>
#include <random.h>
#include <vfs.h>
#include <elf.h>
#include <string.h>

struct vma {
	uint64_t start, end;
	unsigned prot, flags;
	struct vma *next;
	struct file *file; /* a file mapping (a reference), else NULL */
	uint64_t off;      /* the file offset at start */
	const char *name;  /* "[stack]", "[heap]", ... for /proc/self/maps */
};

/* A walk over present pages (mmu_for_each): the distance to move them, and
 * the first error. */
struct move {
	uint64_t delta;
	int err;
};

static struct vma *vmas;
static uint64_t brk_start, brk_cur;
uint64_t user_mmap_top = USER_MMAP_TOP, user_pie_base = USER_PIE_BASE, user_brk_offset;

void vm_layout_randomize(void)
{
	uint64_t r[3];

	random_bytes(r, sizeof(r));
	user_mmap_top = USER_MMAP_TOP - (r[0] & ((1ull << USER_RND_BITS) - 1)) * PAGE_SIZE;
	user_pie_base = USER_PIE_BASE + (r[1] & ((1ull << USER_RND_BITS) - 1)) * PAGE_SIZE;
	user_brk_offset = (r[2] % ((32ull << 20) / PAGE_SIZE)) * PAGE_SIZE;
}

/*
 * Mappings up to this size are populated when made, while at most half of
 * the free memory goes that way: on PVM a page fault costs ~0.6 ms of
 * emulated ring-0 work, a page mapped in a batch ~15 us (docs/pvm.md).
 * MAP_NORESERVE and PROT_NONE areas are always populated on first touch.
 */
#define EAGER_MAX (64ull << 20)

static int eager(uint64_t len)
{
	return len <= EAGER_MAX && len <= mm_free_bytes() / 2;
}

static unsigned mmu_flags(unsigned prot)
{
	unsigned f = MMU_USER;

	if (prot & PROT_READ)
		f |= MMU_READ;
	if (prot & PROT_WRITE)
		f |= MMU_WRITE | MMU_READ;
	if (prot & PROT_EXEC)
		f |= MMU_EXEC | MMU_READ;
	return f;
}

/* The last areas found, as Linux's vmacache: system calls look at the same
 * few buffers (the stack, the heap, a library's data) again and again, and
 * a dynamic program has a hundred areas to walk past. One slot per 4 MiB
 * address bits (mod VMA_CACHE), so the stack and the heap do not evict
 * each other. Cleared whenever the list changes (vma_cache_reset). */
#define VMA_CACHE 4
static struct vma *vma_cache[VMA_CACHE];

static void vma_cache_reset(void)
{
	for (unsigned i = 0; i < VMA_CACHE; i++)
		vma_cache[i] = NULL;
}

static struct vma *vma_find(uint64_t addr)
{
	struct vma **slot = &vma_cache[(addr >> 22) % VMA_CACHE];

	if (*slot && (*slot)->start <= addr && addr < (*slot)->end)
		return *slot;
	for (struct vma *v = vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return *slot = v;
	return NULL;
}

/* Split the area containing addr so that an area starts at addr. */
static int vma_split(uint64_t addr)
{
	struct vma *v = vma_find(addr), *n;

	if (!v || v->start == addr)
		return 0;
	n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	vma_cache_reset();
	*n = *v;
	n->start = addr;
	if (n->file) {
		n->file->refs++;
		n->off += addr - v->start;
	}
	v->end = addr;
	v->next = n;
	return 0;
}

static void page_release(uint64_t pa)
{
	page_free(pa);
}

/*
 * Write the mapped pages of a writable MAP_SHARED area [start, end) back
 * to its file (msync(2), munmap(2)); pages past the end of the file are
 * not written (the file does not grow). 0 or the first write error.
 */
static int vma_writeback(struct vma *v, uint64_t start, uint64_t end)
{
	struct inode *i = v->file->inode;
	int r = inode_getattr(i);

	if (!(v->flags & VMA_SHARED) || !(v->prot & PROT_WRITE) || r)
		return r;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t off = v->off + (va - v->start), pa, pos = off;
		unsigned f;
		struct iobuf b;
		long n;
		if (off >= i->size)
			break;
		if (mmu_lookup(va, &pa, &f))
			continue; /* never touched: nothing to write */
		b = (struct iobuf){(uint64_t)(uintptr_t)PHYS_TO_VIRT(pa),
		                   MIN(PAGE_SIZE, i->size - off), 1};
		n = v->file->fop->write ? v->file->fop->write(v->file, &b, &pos) : -EINVAL;
		if (n < 0)
			return (int)n;
	}
	return 0;
}

/* Remove every area inside [start, end), which are area boundaries. */
static void vma_remove(uint64_t start, uint64_t end)
{
	struct vma **pp = &vmas;

	vma_cache_reset();
	while (*pp) {
		struct vma *v = *pp;
		if (v->start >= start && v->end <= end) {
			if (v->file) {
				vma_writeback(v, v->start, v->end);
				fput(v->file);
			}
			*pp = v->next;
			kfree(v);
		} else {
			pp = &v->next;
		}
	}
	mmu_unmap(start, end - start, page_release);
}

static int vma_insert(uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
	struct vma *n = kmalloc(sizeof(*n)), **pp = &vmas;

	if (!n)
		return -ENOMEM;
	vma_cache_reset();
	*n = (struct vma){start, end, prot, flags, NULL, NULL, 0, NULL};
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	return 0;
}

static int range_free(uint64_t start, uint64_t end)
{
	for (struct vma *v = vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return 0;
	return 1;
}

/*
 * The highest free gap of len bytes below user_mmap_top (mmap's top-down
 * layout), in one pass over the sorted areas: the last gap that fits is
 * the highest. 0 if none.
 */
static uint64_t vm_find_free(uint64_t len)
{
	uint64_t prev_end = USER_MIN, best = 0;

	for (struct vma *v = vmas; v && prev_end < user_mmap_top; v = v->next) {
		uint64_t gap_end = MIN(v->start, user_mmap_top);
		if (gap_end > prev_end && gap_end - prev_end >= len)
			best = gap_end - len;
		prev_end = MAX(prev_end, v->end);
	}
	if (prev_end < user_mmap_top && user_mmap_top - prev_end >= len)
		best = user_mmap_top - len;
	return best;
}

/* Read a file area's data for [va, va+len) into the kernel memory at kva;
 * what lies past the end of the file stays zero. */
static void vma_fill(struct vma *v, uint64_t va, void *kva, size_t len)
{
	struct iobuf b = {(uint64_t)(uintptr_t)kva, len, 1};
	uint64_t pos = v->off + (va - v->start);

	if (v->file && v->file->fop && v->file->fop->read)
		v->file->fop->read(v->file, &b, &pos);
}

int vm_populate(uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		struct vma *v = vma_find(va);
		uint64_t pa;
		unsigned f;
		if (!v || v->prot == PROT_NONE || !mmu_lookup(va, &pa, &f))
			continue;
		pa = page_alloc();
		if (pa && v->file)
			vma_fill(v, va, PHYS_TO_VIRT(pa), PAGE_SIZE);
		if (!pa || mmu_map(va, pa, PAGE_SIZE, mmu_flags(v->prot) | MMU_OWNED)) {
			if (pa)
				page_free(pa);
			return -ENOMEM;
		}
	}
	mmu_flush();
	return 0;
}

/*
 * The physical page to map as is at va of area v, when v is a private
 * file mapping without write access and the file's whole page lies in
 * memory, page aligned (an initrd file, as the monitor lays them out):
 * shared libraries then cost no copy, which on PVM is the expensive part
 * (every byte a ring-0 copy moves is emulated). 0 otherwise. Such pages
 * are not owned by the mapping; vm_protect() copies them before granting
 * write access.
 */
static uint64_t direct_page(struct vma *v, uint64_t va, unsigned prot)
{
	const void *p;

	if (!v->file || (v->flags & VMA_SHARED) || (prot & PROT_WRITE) || !v->file->inode)
		return 0;
	p = ramfs_backing(v->file->inode, v->off + (va - v->start), PAGE_SIZE);
	return p && !((uintptr_t)p % PAGE_SIZE) ? VIRT_TO_PHYS(p) : 0;
}

/* How many bytes from start (whole pages, up to end) of area v can be
 * mapped as they are, as for direct_page(), and from where (*pa). */
static uint64_t direct_span(struct vma *v, uint64_t start, uint64_t end, unsigned prot,
                            uint64_t *pa)
{
	uint64_t off = v->off + (start - v->start), size, len;
	const void *p;

	if (!direct_page(v, start, prot))
		return 0;
	size = v->file->inode->size;
	len = MIN(end - start, ALIGN_DOWN(size - MIN(size, off), PAGE_SIZE));
	if (!len || !(p = ramfs_backing(v->file->inode, off, len)))
		return 0;
	*pa = VIRT_TO_PHYS(p);
	return len;
}

/*
 * Fill a fresh area [start, end), known to have no pages mapped: one run
 * of contiguous pages and one pass over the page tables when the
 * allocator has it (few ring-0 instructions per page), else page by page.
 */
static int populate_fresh(struct vma *v, uint64_t start, uint64_t end, unsigned prot)
{
	uint64_t pa, direct = direct_span(v, start, end, prot, &pa);

	if (direct) { /* one pass over the page tables, no copy */
		if (mmu_map(start, pa, direct, mmu_flags(prot)))
			return -ENOMEM;
		if ((start += direct) == end) {
			mmu_flush();
			return 0;
		}
	}
	pa = pages_alloc_run((end - start) / PAGE_SIZE);

	if (!pa)
		return vm_populate(start, end);
	if (v->file) /* one read for the whole run: one exit for hostfs */
		vma_fill(v, start, PHYS_TO_VIRT(pa), end - start);
	if (mmu_map(start, pa, end - start, mmu_flags(prot) | MMU_OWNED)) {
		mmu_unmap(start, end - start, NULL); /* the run goes back whole */
		for (uint64_t off = 0; off < end - start; off += PAGE_SIZE)
			page_free(pa + off);
		return -ENOMEM;
	}
	mmu_flush();
	return 0;
}

int vm_map(uint64_t *addr, uint64_t len, unsigned prot, unsigned flags, int fixed)
{
	return vm_map_file(addr, len, prot, flags, fixed, NULL, 0);
}

int vm_map_file(uint64_t *addr, uint64_t len, unsigned prot, unsigned flags, int fixed,
                struct file *file, uint64_t off)
{
	struct vma *v;
	uint64_t start = ALIGN_DOWN(*addr, PAGE_SIZE), end;
	int r;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > USER_STACK_TOP)
		return -ENOMEM;
	if (fixed) {
		if (start != *addr || start < USER_MIN || start + len > USER_STACK_TOP + PAGE_SIZE)
			return -EINVAL;
		if ((r = vm_unmap(start, len)))
			return r;
	} else if (!start || start < USER_MIN || start + len > user_mmap_top ||
	           !range_free(start, start + len)) {
		start = vm_find_free(len);
		if (!start)
			return -ENOMEM;
	}
	end = start + len;
	if ((r = vma_insert(start, end, prot, flags)))
		return r;
	v = vma_find(start);
	if (file) {
		v->file = file;
		file->refs++;
		v->off = off;
	}
	*addr = start;
	if (prot != PROT_NONE && !(flags & VMA_NORESERVE) && eager(len) &&
	    (r = populate_fresh(v, start, end, prot))) {
		vm_unmap(start, len); /* a failed mmap leaves nothing behind */
		return r;
	}
	return 0;
}

int vm_map_phys(uint64_t va, uint64_t pa, uint64_t len, unsigned prot)
{
	struct vma *v = vma_find(va);
	int r;

	if (!v && (r = vma_insert(va, va + len, prot, 0)))
		return r;
	return mmu_map(va, pa, len, mmu_flags(prot));
}

static int range_ok(uint64_t addr, uint64_t len)
{
	return !(addr % PAGE_SIZE) && len && addr + len > addr && addr + len <= ELF_USER_TOP;
}

int vm_unmap(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	int r;

	if (!range_ok(addr, len))
		return -EINVAL;
	if ((r = vma_split(addr)) || (r = vma_split(end)))
		return r;
	vma_remove(addr, end);
	mmu_flush();
	return 0;
}

/* Give a present page that the mapping does not own a private copy
 * (mmu_for_each callback; arg: a struct move whose err is set on failure). */
static void copy_page(uint64_t va, uint64_t pa, unsigned flags, void *arg)
{
	struct move *m = arg;
	uint64_t copy;

	if ((flags & MMU_OWNED) || m->err)
		return;
	if (!(copy = page_alloc())) {
		m->err = -ENOMEM;
		return;
	}
	memcpy(PHYS_TO_VIRT(copy), PHYS_TO_VIRT(pa), PAGE_SIZE);
	m->err = mmu_map(va, copy, PAGE_SIZE, flags | MMU_OWNED);
}

int vm_protect(uint64_t addr, uint64_t len, unsigned prot)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE), a;
	int r;

	if (!range_ok(addr, len))
		return -EINVAL;
	for (a = addr; a < end;) { /* every page must be inside an area */
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	if ((r = vma_split(addr)) || (r = vma_split(end)))
		return r;
	if (prot & PROT_WRITE) { /* private pages not owned (the image, a file) get copies */
		struct move m = {0, 0};
		for (struct vma *v = vma_find(addr); v && v->start < end && !m.err; v = v->next)
			if (!(v->flags & VMA_SHARED))
				mmu_for_each(v->start, v->end - v->start, copy_page, &m);
		if (m.err)
			return m.err;
	}
	for (struct vma *v = vma_find(addr); v && v->start < end; v = v->next)
		v->prot = prot;
	if (prot == PROT_NONE)
		mmu_protect(addr, end - addr, 0);
	else
		mmu_protect(addr, end - addr, mmu_flags(prot));
	mmu_flush();
	return 0;
}

int vm_discard(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);

	if (!range_ok(addr, len))
		return -EINVAL;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	/* Owned pages go back to the allocator; the next touch maps a zero page. */
	mmu_unmap(addr, end - addr, page_release);
	mmu_flush();
	return 0;
}

int vm_fault(uint64_t addr, unsigned access)
{
	struct vma *v = vma_find(addr);
	uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE), pa;
	unsigned f;

	if (!v || (access & ~v->prot) || v->prot == PROT_NONE)
		return -EFAULT;
	if (!mmu_lookup(va, &pa, &f)) {
		/* Present: another CPU mapped or changed it after this one cached
		 * the old entry (flush it and retry), or the access is not allowed. */
		if (((access & PROT_WRITE) && !(f & MMU_WRITE)) ||
		    ((access & PROT_EXEC) && !(f & MMU_EXEC)))
			return -EFAULT;
		mmu_flush_page(va);
		return 0;
	}
	if ((pa = direct_page(v, va, v->prot))) {
		if (mmu_map(va, pa, PAGE_SIZE, mmu_flags(v->prot)))
			return -ENOMEM;
		mmu_flush_page(va);
		return 0;
	}
	pa = page_alloc();
	if (!pa)
		return -ENOMEM;
	if (v->file)
		vma_fill(v, va, PHYS_TO_VIRT(pa), PAGE_SIZE);
	if (mmu_map(va, pa, PAGE_SIZE, mmu_flags(v->prot) | MMU_OWNED)) {
		page_free(pa);
		return -ENOMEM;
	}
	mmu_flush_page(va);
	return 0;
}

int vm_phys(uint64_t va, unsigned access, uint64_t *pa)
{
	unsigned f;

	if (vm_check(va, 1, access))
		return -EFAULT;
	if (mmu_lookup(va, pa, &f) && (vm_fault(va, access) || mmu_lookup(va, pa, &f)))
		return -EFAULT;
	*pa += va % PAGE_SIZE;
	return 0;
}

int vm_mapped(uint64_t addr)
{
	return vma_find(addr) != NULL;
}

int vm_check(uint64_t addr, uint64_t len, unsigned access)
{
	uint64_t end = addr + len;

	if (end < addr || end > ELF_USER_TOP)
		return -EFAULT;
	while (addr < end) {
		struct vma *v = vma_find(addr);
		if (!v || (access & ~v->prot) || v->prot == PROT_NONE)
			return -EFAULT;
		addr = v->end;
	}
	return 0;
}

static void move_page(uint64_t va, uint64_t pa, unsigned flags, void *arg)
{
	struct move *m = arg;

	if (!m->err)
		m->err = mmu_map(va + m->delta, pa, PAGE_SIZE, flags);
}

/* Move the area [addr, addr+old_len), which is one area, to [dst,
 * dst+new_len) (free), pages and all; the new tail is populated as a fresh
 * mapping would be. */
static long vma_move(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t dst)
{
	struct move m = {dst - addr, 0};
	struct vma *v, *n, **pp;
	int r;

	if ((r = vma_split(addr)) || (r = vma_split(addr + old_len)))
		return r;
	v = vma_find(addr);
	if ((r = vma_insert(dst, dst + new_len, v->prot, v->flags)))
		return r;
	n = vma_find(dst);
	n->file = v->file;
	n->off = v->off;
	n->name = v->name;
	mmu_for_each(addr, old_len, move_page, &m);
	if (m.err) { /* out of page-table pages: leave the old area as it was */
		n->file = NULL;
		for (pp = &vmas; *pp != n; pp = &(*pp)->next)
			;
		*pp = n->next;
		kfree(n);
		vma_cache_reset();
		mmu_unmap(dst, new_len, NULL);
		mmu_flush();
		return -ENOMEM;
	}
	/* The pages now belong to the new area: unlink the old one without
	 * freeing them or writing them back; its file reference moves too. */
	for (pp = &vmas; *pp != v; pp = &(*pp)->next)
		;
	*pp = v->next;
	kfree(v);
	vma_cache_reset();
	mmu_unmap(addr, old_len, NULL);
	if (new_len > old_len && n->prot != PROT_NONE && !(n->flags & VMA_NORESERVE) &&
	    eager(new_len - old_len))
		populate_fresh(n, dst + old_len, dst + new_len, n->prot);
	mmu_flush();
	return (long)dst;
}

long vm_remap(uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr)
{
	struct vma *v;
	uint64_t end;
	long r;

	if ((addr % PAGE_SIZE) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len || !old_len || new_len > USER_STACK_TOP) /* old_len 0 duplicates MAP_SHARED */
		return -EINVAL;
	end = addr + old_len;
	if (end < addr || !(v = vma_find(addr)))
		return -EFAULT;
	if (!(flags & MREMAP_FIXED) && new_len <= old_len) {
		/* As Linux: a shrink is an munmap of the tail, whatever it covers. */
		if (new_len < old_len && (r = vm_unmap(addr + new_len, old_len - new_len)))
			return r;
		return (long)addr;
	}
	if (end > v->end)
		return -EFAULT;
	if (flags & MREMAP_FIXED) {
		if ((new_addr % PAGE_SIZE) || !range_ok(new_addr, new_len) ||
		    (new_addr < end && addr < new_addr + new_len))
			return -EINVAL;
		if ((r = vm_unmap(new_addr, new_len)))
			return r;
		if (new_len < old_len) {
			vm_unmap(addr + new_len, old_len - new_len);
			old_len = new_len;
		}
		return vma_move(addr, old_len, new_len, new_addr);
	}
	if (end == v->end && addr + new_len <= USER_STACK_TOP && range_free(end, addr + new_len)) {
		v->end = addr + new_len; /* grow in place */
		vma_cache_reset();
		if (v->prot != PROT_NONE && !(v->flags & VMA_NORESERVE) && eager(new_len - old_len))
			populate_fresh(v, end, v->end, v->prot);
		mmu_flush();
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	if (!(new_addr = vm_find_free(new_len)))
		return -ENOMEM;
	return vma_move(addr, old_len, new_len, new_addr);
}

void vm_set_brk(uint64_t start)
{
	brk_start = brk_cur = ALIGN_UP(start, PAGE_SIZE);
}

uint64_t vm_brk(uint64_t brk)
{
	uint64_t old_end = ALIGN_UP(brk_cur, PAGE_SIZE), new_end = ALIGN_UP(brk, PAGE_SIZE);

	if (brk < brk_start)
		return brk_cur;
	if (new_end > old_end) {
		uint64_t a = old_end;
		if (!range_free(old_end, new_end) ||
		    vm_map(&a, new_end - old_end, PROT_READ | PROT_WRITE, 0, 1))
			return brk_cur;
		vm_name(a, "[heap]");
	} else if (new_end < old_end) {
		vm_unmap(new_end, old_end - new_end);
	}
	brk_cur = brk;
	return brk_cur;
}

void vm_for_each(void (*fn)(const struct vm_area_info *a, void *arg), void *arg)
{
	for (struct vma *v = vmas; v; v = v->next) {
		struct vm_area_info a = {
		    .start = v->start,
		    .end = v->end,
		    .off = v->off,
		    .prot = v->prot,
		    .shared = (v->flags & VMA_SHARED) != 0,
		    .name = v->file ? v->file->path : v->name,
		};
		if (v->file && v->file->inode) {
			a.ino = v->file->inode->ino;
			a.dev = v->file->inode->sb ? v->file->inode->sb->dev : 0;
		}
		fn(&a, arg);
	}
}

void vm_name(uint64_t addr, const char *name)
{
	struct vma *v = vma_find(addr);

	if (v)
		v->name = name;
}

int vm_msync(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	int r = 0;

	if (addr % PAGE_SIZE || end < addr)
		return -EINVAL;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		if (v->file && !r)
			r = vma_writeback(v, a, MIN(end, v->end));
		a = v->end;
	}
	return r;
}

int vm_mincore(uint64_t addr, uint64_t len, uint64_t uvec)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	unsigned char c;

	if (addr % PAGE_SIZE || end < addr)
		return -EINVAL;
	for (uint64_t a = addr; a < end; a += PAGE_SIZE) {
		uint64_t pa;
		unsigned f;
		if (!vma_find(a))
			return -ENOMEM;
		c = mmu_lookup(a, &pa, &f) == 0;
		if (copy_to_user(uvec + (a - addr) / PAGE_SIZE, &c, 1))
			return -EFAULT;
	}
	return 0;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (vm_check(usrc, n, PROT_READ))
		return -EFAULT;
	memcpy(dst, (const void *)usrc, n);
	return 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (vm_check(udst, n, PROT_WRITE))
		return -EFAULT;
	memcpy((void *)udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
	size_t i = 0;

	/* A page at a time: check it once, then find the NUL with one
	 * instruction (repne scasb) and copy with another. */
	while (i < max) {
		size_t chunk = MIN(max - i, PAGE_SIZE - (usrc + i) % PAGE_SIZE), n;
		if (vm_check(usrc + i, chunk, PROT_READ))
			return -EFAULT;
		n = strnlen((const char *)(usrc + i), chunk);
		memcpy(dst + i, (const char *)(usrc + i), n < chunk ? n + 1 : n);
		if (n < chunk)
			return (long)(i + n);
		i += n;
	}
	return -ENAMETOOLONG;
}

/*
 * Snapshots of the address space, for fork(2) run one process at a time
 * (kernel/fork.c): the areas, the break, and every present page. Owned
 * pages are copied aside; pages the areas do not own (the program image,
 * the vDSO, the system-call stub) are never written and are recorded as
 * they are.
 */
struct vm_page {
	uint64_t va, pa;
	unsigned flags;
};

struct vm_snapshot {
	struct vma *vmas;
	uint64_t brk_start, brk_cur;
	struct vm_page *pages;
	size_t n, cap;
	int err;
};

static void snap_page(uint64_t va, uint64_t pa, unsigned flags, void *arg)
{
	struct vm_snapshot *s = arg;
	uint64_t copy = pa;

	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct vm_page *p = kmalloc(cap * sizeof(*p));
		if (!p) {
			s->err = -ENOMEM;
			return;
		}
		if (s->n)
			memcpy(p, s->pages, s->n * sizeof(*p));
		kfree(s->pages);
		s->pages = p;
		s->cap = cap;
	}
	if (flags & MMU_OWNED) {
		if (!(copy = page_alloc())) {
			s->err = -ENOMEM;
			return;
		}
		memcpy(PHYS_TO_VIRT(copy), PHYS_TO_VIRT(pa), PAGE_SIZE);
	}
	s->pages[s->n++] = (struct vm_page){va, copy, flags};
}

static void snapshot_free(struct vm_snapshot *s)
{
	for (struct vma *v = s->vmas, *n; v; v = n) {
		n = v->next;
		fput(v->file);
		kfree(v);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->pages[i].flags & MMU_OWNED)
			page_free(s->pages[i].pa);
	kfree(s->pages);
	kfree(s);
}

struct vm_snapshot *vm_snapshot(void)
{
	struct vm_snapshot *s = kmalloc(sizeof(*s));
	struct vma **tail;

	if (!s)
		return NULL;
	s->brk_start = brk_start;
	s->brk_cur = brk_cur;
	tail = &s->vmas;
	for (struct vma *v = vmas; v && !s->err; v = v->next) {
		struct vma *c = kmalloc(sizeof(*c));
		if (!c) {
			s->err = -ENOMEM;
			break;
		}
		*c = *v;
		c->next = NULL;
		if (c->file)
			c->file->refs++;
		*tail = c;
		tail = &c->next;
		mmu_for_each(v->start, v->end - v->start, snap_page, s);
	}
	if (s->err) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

void vm_restore(struct vm_snapshot *s)
{
	/* Drop what the child made (shared file pages are written back). */
	while (vmas) {
		struct vma *v = vmas;
		vma_remove(v->start, v->end);
	}
	mmu_flush();
	vma_cache_reset();
	vmas = s->vmas;
	brk_start = s->brk_start;
	brk_cur = s->brk_cur;
	for (size_t i = 0; i < s->n; i++)
		if (mmu_map(s->pages[i].va, s->pages[i].pa, PAGE_SIZE, s->pages[i].flags))
			panic("fork: no memory to give the parent back its pages");
	mmu_flush();
	kfree(s->pages);
	kfree(s);
}
