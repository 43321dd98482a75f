/*
 * The physical page allocator: one bit per 4 KiB page (1 = free), plus one
 * bit per page that says whether it was ever handed out, so that pages the
 * hypervisor gave us zeroed are not zeroed again (touching guest memory is
 * what costs on these machines: docs/pvm.md). Pure code: the caller
 * provides the bitmaps and does the zeroing.
 */
#ifndef BOTHY_PMM_H
#define BOTHY_PMM_H
#include <stddef.h>
#include <stdint.h>

struct pmm {
	uint64_t *free;  /* npages bits, 1 = free */
	uint64_t *used;  /* npages bits, 1 = handed out at least once */
	size_t npages;   /* pages covered by the bitmaps */
	size_t nfree;    /* free pages now */
	size_t hint;     /* word index where the next search starts */
};

/* Words needed for the bitmaps of `npages` pages. */
#define PMM_WORDS(npages) (((npages) + 63) / 64)

/*
 * pmm_init - cover pages [0, npages) with the caller's zeroed bitmaps of
 * PMM_WORDS(npages) words each; every page starts reserved.
 */
void pmm_init(struct pmm *p, uint64_t *free, uint64_t *used, size_t npages);

/* pmm_release - mark pages [first, first+n) free (RAM from the memory map,
 * or pages given back). Pages outside the bitmap are ignored. */
void pmm_release(struct pmm *p, size_t first, size_t n);

/* pmm_reserve - mark pages [first, first+n) in use (kernel, images). */
void pmm_reserve(struct pmm *p, size_t first, size_t n);

/*
 * pmm_alloc - allocate n contiguous pages whose first page number is a
 * multiple of `align` (a power of two, in pages). Returns the first page
 * number, or (size_t)-1 if no run is free. *dirty (if not NULL) is set to
 * 1 if any of the pages was handed out before (its contents are stale),
 * 0 if all are pristine (as the hypervisor gave them: zero).
 */
size_t pmm_alloc(struct pmm *p, size_t n, size_t align, int *dirty);

#endif
