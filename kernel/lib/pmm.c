/* The physical page allocator (pmm.h): first fit over a free bitmap. */
#include "pmm.h"

static int bit(const uint64_t *b, size_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static void set_range(uint64_t *b, size_t first, size_t n, int v)
{
	for (size_t i = first; i < first + n;) {
		if (i % 64 == 0 && first + n - i >= 64) {
			b[i / 64] = v ? ~0ull : 0;
			i += 64;
			continue;
		}
		if (v)
			b[i / 64] |= 1ull << (i % 64);
		else
			b[i / 64] &= ~(1ull << (i % 64));
		i++;
	}
}

static size_t count_free(const struct pmm *p, size_t first, size_t n)
{
	size_t c = 0;

	for (size_t i = first; i < first + n; i++)
		c += bit(p->free, i);
	return c;
}

void pmm_init(struct pmm *p, uint64_t *free, uint64_t *used, size_t npages)
{
	p->free = free;
	p->used = used;
	p->npages = npages;
	p->nfree = 0;
	p->hint = 0;
}

static size_t clip(const struct pmm *p, size_t first, size_t n)
{
	if (first >= p->npages)
		return 0;
	return n > p->npages - first ? p->npages - first : n;
}

void pmm_release(struct pmm *p, size_t first, size_t n)
{
	n = clip(p, first, n);
	p->nfree += n - count_free(p, first, n);
	set_range(p->free, first, n, 1);
	if (first / 64 < p->hint)
		p->hint = first / 64;
}

void pmm_reserve(struct pmm *p, size_t first, size_t n)
{
	n = clip(p, first, n);
	p->nfree -= count_free(p, first, n);
	set_range(p->free, first, n, 0);
}

/* One page: the first set bit at or after the hint. */
static size_t alloc_one(struct pmm *p)
{
	size_t words = PMM_WORDS(p->npages);

	for (size_t w = p->hint; w < words; w++)
		if (p->free[w]) {
			p->hint = w;
			return w * 64 + __builtin_ctzll(p->free[w]);
		}
	return (size_t)-1;
}

/* A run of n pages aligned to `align`: first fit, bit by bit. */
static size_t alloc_run(struct pmm *p, size_t n, size_t align)
{
	size_t start = p->hint * 64, run = 0;

	start = (start + align - 1) & ~(align - 1);
	for (size_t i = start; i < p->npages; i++) {
		if (!bit(p->free, i)) {
			run = 0;
			i |= align - 1; /* the next aligned start */
			continue;
		}
		if (++run == n)
			return i + 1 - n;
	}
	return (size_t)-1;
}

size_t pmm_alloc(struct pmm *p, size_t n, size_t align, int *dirty)
{
	size_t first;

	if (n == 0 || n > p->nfree || (align & (align - 1)))
		return (size_t)-1;
	first = n == 1 && align <= 1 ? alloc_one(p) : alloc_run(p, n, align ? align : 1);
	if (first == (size_t)-1 || first + n > p->npages)
		return (size_t)-1;
	if (dirty) {
		*dirty = 0;
		for (size_t i = first; i < first + n && !*dirty; i++)
			*dirty = bit(p->used, i);
	}
	set_range(p->free, first, n, 0);
	set_range(p->used, first, n, 1);
	p->nfree -= n;
	return first;
}
