/*
 * madvise: MADV_DONTNEED on private anonymous memory drops the pages, so
 * the next read sees zeroes (madvise(2)); the other common advice values
 * succeed; an unknown advice fails with EINVAL.
 */
// case: madvise
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "guest.h"

#define PG  4096ul
#define LEN (16 * PG)

static int all_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int main(void)
{
	unsigned char *p =
	    mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int bad = 0;

	if (p == MAP_FAILED)
		return check("mmap", 0);
	memset(p, 0xaa, LEN);
	bad += check("MADV_DONTNEED on 4 pages", madvise(p + 4 * PG, 4 * PG, MADV_DONTNEED) == 0);
	bad += check("those pages read back zero", all_bytes(p + 4 * PG, 4 * PG, 0));
	bad += check("the pages around them keep their data",
	             all_bytes(p, 4 * PG, 0xaa) && all_bytes(p + 8 * PG, 8 * PG, 0xaa));
	memset(p + 4 * PG, 0xbb, PG);
	bad += check("a dropped page is writable again", all_bytes(p + 4 * PG, PG, 0xbb));
	bad += check("MADV_NORMAL", madvise(p, LEN, MADV_NORMAL) == 0);
	bad += check("MADV_WILLNEED", madvise(p, LEN, MADV_WILLNEED) == 0);
	bad += check("MADV_RANDOM", madvise(p, LEN, MADV_RANDOM) == 0);
	bad += check("data intact after hints", all_bytes(p + 8 * PG, 8 * PG, 0xaa));
	bad += check_fails("madvise unaligned", madvise(p + 1, PG, MADV_NORMAL), EINVAL);
	bad += check_fails("madvise unknown advice", madvise(p, PG, 12345), EINVAL);
	return bad;
}
