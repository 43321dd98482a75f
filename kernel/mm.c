/* Physical pages and the kernel heap (mm.h). */
#include <errno.h>
#include <mm.h>
#include <pmm.h>
#include <string.h>

static struct pmm pmm;
static uint64_t total_bytes;

static uint64_t *page_link(size_t page)
{
	return PHYS_TO_VIRT(page * PAGE_SIZE);
}

void mm_init(uint64_t mem_size)
{
	pmm_init(&pmm, mem_size / PAGE_SIZE, page_link);
	total_bytes = mem_size;
}

void mm_reserve(uint64_t pa, uint64_t len)
{
	uint64_t first = pa / PAGE_SIZE;

	if (pmm_reserve(&pmm, first, ALIGN_UP(pa + len, PAGE_SIZE) / PAGE_SIZE - first))
		panic("mm_reserve: cannot reserve %lx+%lx", (unsigned long)pa, (unsigned long)len);
}

/* Pages from the allocator: zeroed here only if their contents are stale. */
uint64_t pages_alloc_run(size_t n)
{
	int dirty;
	size_t pg = pmm_alloc(&pmm, n, 1, &dirty);

	if (pg == PMM_NONE)
		return 0;
	if (dirty)
		memset(PHYS_TO_VIRT(pg * PAGE_SIZE), 0, n * PAGE_SIZE);
	return pg * PAGE_SIZE;
}

uint64_t page_alloc(void)
{
	return pages_alloc_run(1);
}

void page_free(uint64_t pa)
{
	pmm_free(&pmm, pa / PAGE_SIZE);
}

uint64_t mm_free_bytes(void)
{
	return pmm_free_pages(&pmm) * PAGE_SIZE;
}

uint64_t mm_total_bytes(void)
{
	return total_bytes;
}

/*
 * The heap: blocks of 16 << k bytes (k = 0..7) kept on free lists and cut
 * from a page per size class on demand (a bump pointer: no loop carving a
 * whole page, which costs hundreds of emulated instructions under PVM);
 * larger requests take whole pages. Each block has a 16-byte header
 * holding its size class.
 */
#define HEAP_CLASSES 8
#define HEAP_HDR     16
struct block {
	struct block *next;
};
static struct block *freelist[HEAP_CLASSES];
static char *bump[HEAP_CLASSES], *bump_end[HEAP_CLASSES];

static int size_class(size_t n)
{
	int k = 0;

	while ((16ul << k) < n + HEAP_HDR)
		k++;
	return k;
}

/* A block of class k from the class's current page, or a new page. */
static struct block *carve(int k)
{
	size_t bsz = 16ul << k;
	struct block *b;

	if (bump[k] == bump_end[k]) {
		uint64_t pa = page_alloc();
		if (!pa)
			return NULL;
		bump[k] = PHYS_TO_VIRT(pa);
		bump_end[k] = bump[k] + PAGE_SIZE;
	}
	b = (struct block *)bump[k];
	bump[k] += bsz;
	return b;
}

static void *heap_alloc(size_t n, int zero)
{
	int k = size_class(n);
	uint64_t *hdr;

	if (k >= HEAP_CLASSES) {
		size_t pages = ALIGN_UP(n + HEAP_HDR, PAGE_SIZE) / PAGE_SIZE;
		uint64_t pa = pages_alloc_run(pages);
		if (!pa)
			return NULL;
		hdr = PHYS_TO_VIRT(pa);
		hdr[0] = HEAP_CLASSES + pages;
		return (char *)hdr + HEAP_HDR;
	}
	if (freelist[k]) {
		hdr = (uint64_t *)freelist[k];
		freelist[k] = freelist[k]->next;
		if (zero)
			memset(hdr, 0, 16ul << k);
	} else if (!(hdr = (uint64_t *)carve(k))) {
		return NULL;
	} /* fresh pages are zero already */
	hdr[0] = k;
	return (char *)hdr + HEAP_HDR;
}

void *kmalloc(size_t n)
{
	return heap_alloc(n, 1);
}

void *kmalloc_nozero(size_t n)
{
	return heap_alloc(n, 0);
}

void kfree(void *p)
{
	uint64_t *hdr = (uint64_t *)((char *)p - HEAP_HDR);

	if (!p)
		return;
	if (hdr[0] >= HEAP_CLASSES) {
		uint64_t pa = VIRT_TO_PHYS(hdr);
		size_t pages = hdr[0] - HEAP_CLASSES;
		for (size_t i = 0; i < pages; i++)
			page_free(pa + i * PAGE_SIZE);
		return;
	}
	uint64_t k = hdr[0]; /* the link below overwrites the header */
	struct block *b = (struct block *)hdr;
	b->next = freelist[k];
	freelist[k] = b;
}

char *kstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = kmalloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}
