/* Unit tests of the physical page allocator (kernel/lib/pmm.c). */
/* unit-test-sources: kernel/lib/pmm.c */
#include <stdlib.h>
#include <string.h>

#include "pmm.h"
#include "test.h"

#define NPAGES 64
static uint64_t ram[NPAGES][512]; /* 64 fake 4 KiB pages */

static uint64_t *link_of(size_t page)
{
	return &ram[page][0];
}

static void setup(struct pmm *p, size_t npages)
{
	memset(ram, 0, sizeof(ram));
	pmm_init(p, npages, link_of);
}

static void fresh_pages_are_clean_and_distinct(void)
{
	struct pmm p;
	int dirty = -1;
	char seen[NPAGES] = {0};

	setup(&p, NPAGES);
	CHECK_EQ(pmm_free_pages(&p), NPAGES);
	for (int i = 0; i < NPAGES; i++) {
		size_t pg = pmm_alloc(&p, 1, 1, &dirty);
		CHECK(pg < NPAGES);
		CHECK_EQ(dirty, 0);
		CHECK(!seen[pg]);
		seen[pg] = 1;
	}
	CHECK_EQ(pmm_alloc(&p, 1, 1, &dirty), PMM_NONE);
	CHECK_EQ(pmm_free_pages(&p), 0);
}

static void reserved_ranges_are_never_handed_out(void)
{
	struct pmm p;
	size_t pg;

	setup(&p, NPAGES);
	CHECK_EQ(pmm_reserve(&p, 0, 4), 0);
	CHECK_EQ(pmm_reserve(&p, 20, 10), 0);
	CHECK_EQ(pmm_reserve(&p, 10, 2), 0); /* out of order: kept sorted */
	CHECK_EQ(pmm_free_pages(&p), NPAGES - 16);
	while ((pg = pmm_alloc(&p, 1, 1, NULL)) != PMM_NONE) {
		CHECK(pg >= 4);
		CHECK(pg < 10 || pg >= 12);
		CHECK(pg < 20 || pg >= 30);
	}
	CHECK_EQ(pmm_free_pages(&p), 0);
}

static void runs_are_contiguous_aligned_and_skip_reserved(void)
{
	struct pmm p;
	size_t a, b;

	setup(&p, NPAGES);
	pmm_reserve(&p, 0, 3);
	pmm_reserve(&p, 9, 1);
	a = pmm_alloc(&p, 4, 4, NULL); /* [4,8): 3 is unaligned, 8 would cross 9 */
	CHECK_EQ(a, 4);
	b = pmm_alloc(&p, 8, 8, NULL); /* 8..15 crosses 9: next is 16 */
	CHECK_EQ(b, 16);
	/* Pages 3, 8, 10-15 were skipped but are still free and zero. */
	CHECK_EQ(pmm_free_pages(&p), NPAGES - 4 - 8 - 4);
	int dirty = -1;
	size_t c = pmm_alloc(&p, 1, 1, &dirty);
	CHECK(c == 3 || c == 8 || (c >= 10 && c < 16));
	CHECK_EQ(dirty, 0);
	CHECK_EQ(ram[c][0], 0);                        /* the stack link was cleared */
	CHECK_EQ(pmm_alloc(&p, 2, 3, NULL), PMM_NONE); /* align not a power of two */
	CHECK_EQ(pmm_alloc(&p, 0, 1, NULL), PMM_NONE);
	CHECK_EQ(pmm_alloc(&p, NPAGES, 1, NULL), PMM_NONE);
}

static void freed_pages_come_back_dirty_when_memory_runs_out(void)
{
	struct pmm p;
	size_t got[NPAGES];
	int dirty;

	setup(&p, 8);
	for (int i = 0; i < 8; i++)
		got[i] = pmm_alloc(&p, 1, 1, NULL);
	pmm_free(&p, got[2]);
	pmm_free(&p, got[5]);
	CHECK_EQ(pmm_free_pages(&p), 2);
	size_t x = pmm_alloc(&p, 1, 1, &dirty), y = pmm_alloc(&p, 1, 1, &dirty);
	CHECK_EQ(dirty, 1);
	CHECK((x == got[2] && y == got[5]) || (x == got[5] && y == got[2]));
	CHECK_EQ(pmm_alloc(&p, 1, 1, &dirty), PMM_NONE);
	CHECK_EQ(pmm_alloc(&p, 2, 1, &dirty), PMM_NONE); /* runs never come from stacks */
}

static void reserve_refuses_what_was_handed_out(void)
{
	struct pmm p;

	setup(&p, NPAGES);
	pmm_alloc(&p, 4, 1, NULL);
	CHECK(pmm_reserve(&p, 2, 1) != 0);
	for (int i = 0; i < PMM_MAX_RESERVED; i++)
		CHECK_EQ(pmm_reserve(&p, 10 + 2 * i, 1), 0);
	CHECK(pmm_reserve(&p, 40, 1) != 0); /* table full */
}

static void random_alloc_free_keeps_pages_unique(void)
{
	struct pmm p;
	char owned[NPAGES] = {0};
	size_t held[NPAGES];
	int n = 0;

	setup(&p, NPAGES);
	srand(42);
	for (int i = 0; i < 10000; i++) {
		if (n && rand() % 2) {
			int k = rand() % n;
			owned[held[k]] = 0;
			pmm_free(&p, held[k]);
			held[k] = held[--n];
		} else {
			size_t pg = pmm_alloc(&p, 1, 1, NULL);
			if (pg == PMM_NONE) {
				CHECK_EQ(n, NPAGES);
				continue;
			}
			CHECK(!owned[pg]);
			owned[pg] = 1;
			held[n++] = pg;
		}
		CHECK_EQ(pmm_free_pages(&p), NPAGES - n);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(fresh_pages_are_clean_and_distinct);
	TEST_RUN(reserved_ranges_are_never_handed_out);
	TEST_RUN(runs_are_contiguous_aligned_and_skip_reserved);
	TEST_RUN(freed_pages_come_back_dirty_when_memory_runs_out);
	TEST_RUN(reserve_refuses_what_was_handed_out);
	TEST_RUN(random_alloc_free_keeps_pages_unique);
	return test_summary("pmm");
}
