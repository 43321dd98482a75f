/* The physical page allocator (pmm.h): a bump frontier and two stacks. */
#include "pmm.h"

void pmm_init(struct pmm *p, size_t npages, uint64_t *(*link)(size_t page))
{
	p->npages = npages;
	p->frontier = 0;
	p->clean = p->dirty = PMM_NONE;
	p->nclean = p->ndirty = 0;
	p->nreserved = 0;
	p->link = link;
}

int pmm_reserve(struct pmm *p, size_t first, size_t n)
{
	unsigned i;

	if (n == 0)
		return 0;
	if (first < p->frontier || p->nreserved == PMM_MAX_RESERVED)
		return -1;
	for (i = p->nreserved; i > 0 && p->reserved[i - 1].first > first; i--)
		p->reserved[i] = p->reserved[i - 1];
	p->reserved[i] = (struct pmm_range){first, n};
	p->nreserved++;
	return 0;
}

static void push(struct pmm *p, size_t *top, size_t *count, size_t page)
{
	*p->link(page) = *top;
	*top = page;
	(*count)++;
}

static size_t pop(struct pmm *p, size_t *top, size_t *count)
{
	size_t page = *top;
	uint64_t *l = p->link(page);

	*top = (size_t)*l;
	*l = 0;
	(*count)--;
	return page;
}

/* The first start >= from, aligned, whose run [start, start+n) misses
 * every reserved range. */
static size_t fit(const struct pmm *p, size_t from, size_t n, size_t align)
{
	size_t start = (from + align - 1) & ~(align - 1);

	for (unsigned i = 0; i < p->nreserved; i++) {
		const struct pmm_range *r = &p->reserved[i];
		if (start < r->first + r->n && r->first < start + n)
			start = (r->first + r->n + align - 1) & ~(align - 1);
	}
	return start;
}

size_t pmm_alloc(struct pmm *p, size_t n, size_t align, int *dirty)
{
	size_t start;

	if (align < 1)
		align = 1;
	if (n == 0 || (align & (align - 1)))
		return PMM_NONE;
	if (dirty)
		*dirty = 0;
	if (n == 1 && align == 1 && p->clean != PMM_NONE)
		return pop(p, &p->clean, &p->nclean);
	start = fit(p, p->frontier, n, align);
	if (start >= p->npages || n > p->npages - start) {
		if (n == 1 && align == 1 && p->dirty != PMM_NONE) {
			if (dirty)
				*dirty = 1;
			return pop(p, &p->dirty, &p->ndirty);
		}
		return PMM_NONE;
	}
	/* Pages skipped for alignment are still zero: keep them. */
	for (size_t pg = fit(p, p->frontier, 1, 1); pg < start; pg = fit(p, pg + 1, 1, 1))
		push(p, &p->clean, &p->nclean, pg);
	p->frontier = start + n;
	return start;
}

void pmm_free(struct pmm *p, size_t page)
{
	if (page < p->npages)
		push(p, &p->dirty, &p->ndirty, page);
}

size_t pmm_free_pages(const struct pmm *p)
{
	size_t n = p->frontier < p->npages ? p->npages - p->frontier : 0;

	for (unsigned i = 0; i < p->nreserved; i++) {
		const struct pmm_range *r = &p->reserved[i];
		size_t lo = r->first > p->frontier ? r->first : p->frontier;
		size_t hi = r->first + r->n < p->npages ? r->first + r->n : p->npages;
		if (hi > lo)
			n -= hi - lo;
	}
	return n + p->nclean + p->ndirty;
}
