/*
 * The physical page allocator. Guest RAM arrives zeroed from the
 * hypervisor, and on PVM hosts every ring-0 instruction and every first
 * touch of a page is expensive (docs/pvm.md), so the allocator never
 * walks or touches memory it has not handed out:
 *
 *   - pages at or above `frontier` are free and pristine (all zero);
 *     allocation bumps the frontier, skipping reserved ranges;
 *   - freed pages go on the `dirty` stack (their contents are stale);
 *   - pages skipped to align a run go on the `clean` stack (still zero
 *     but for the link word, which is cleared when the page is taken).
 *
 * Stack links live in the free pages themselves, reached through the
 * caller's link() function. Initialisation is O(1). Pure code.
 */
#ifndef BOTHY_PMM_H
#define BOTHY_PMM_H
#include <stddef.h>
#include <stdint.h>

#define PMM_NONE         ((size_t)-1)
#define PMM_MAX_RESERVED 8

struct pmm_range {
	size_t first, n;
};

struct pmm {
	size_t npages;       /* pages [0, npages) are RAM */
	size_t frontier;     /* first page never handed out */
	size_t clean, dirty; /* stack tops (page numbers), PMM_NONE if empty */
	size_t nclean, ndirty;
	struct pmm_range reserved[PMM_MAX_RESERVED]; /* sorted by first */
	unsigned nreserved;
	uint64_t *(*link)(size_t page); /* the first word of a page */
};

/* pmm_init - pages [0, npages) of RAM, all free and zero; link() gives
 * the address of a page's first word. */
void pmm_init(struct pmm *p, size_t npages, uint64_t *(*link)(size_t page));

/*
 * pmm_reserve - keep pages [first, first+n) out of the allocator (the
 * kernel and program images). Only pages not yet handed out can be
 * reserved. Returns 0, or -1 if the table of ranges is full or the range
 * was already handed out.
 */
int pmm_reserve(struct pmm *p, size_t first, size_t n);

/*
 * pmm_alloc - n contiguous pages (n = 1 may come from the free stacks),
 * the first a multiple of `align` pages (a power of two, 0 or 1 = none).
 * Returns the first page number, or PMM_NONE. *dirty (if not NULL) is 1
 * when the contents are stale and must be zeroed by the caller, 0 when
 * they are zero.
 */
size_t pmm_alloc(struct pmm *p, size_t n, size_t align, int *dirty);

/* pmm_free - give back page `page` (its contents become stale). */
void pmm_free(struct pmm *p, size_t page);

/* pmm_free_pages - how many pages could still be allocated one by one. */
size_t pmm_free_pages(const struct pmm *p);

#endif
