/*
 * malloc: small blocks (served from brk or small mmaps) and large blocks
 * (served by mmap, glibc's threshold is 128 KiB), filled with a pattern and
 * verified; realloc keeps the contents; calloc returns zeroes.
 */
// case: malloc
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"

#define NSMALL 2000

static unsigned char pattern(size_t block, size_t i)
{
	return (unsigned char)(block * 131 + i * 7 + 1);
}

static void fill(unsigned char *p, size_t block, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(block, i);
}

static int verify(const unsigned char *p, size_t block, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(block, i))
			return 0;
	return 1;
}

static size_t small_size(size_t i)
{
	return 1 + (i * 37) % 1500;
}

static int small_blocks(void)
{
	static unsigned char *blk[NSMALL];
	int ok = 1;

	for (size_t i = 0; i < NSMALL; i++) {
		blk[i] = malloc(small_size(i));
		if (!blk[i] || (uintptr_t)blk[i] % 16)
			return 0;
		fill(blk[i], i, small_size(i));
	}
	for (size_t i = 0; i < NSMALL; i += 2) {
		free(blk[i]);
		blk[i] = malloc(small_size(i));
		if (!blk[i])
			return 0;
		fill(blk[i], i, small_size(i));
	}
	for (size_t i = 0; i < NSMALL; i++) {
		ok &= verify(blk[i], i, small_size(i));
		free(blk[i]);
	}
	return ok;
}

static int large_block(size_t len)
{
	unsigned char *p = malloc(len);
	int ok;

	if (!p)
		return 0;
	fill(p, len, len);
	ok = verify(p, len, len);
	free(p);
	return ok;
}

static int realloc_keeps(void)
{
	unsigned char *p = malloc(100), *q;
	int ok;

	if (!p)
		return 0;
	fill(p, 5, 100);
	q = realloc(p, 3 << 20);
	if (!q)
		return 0;
	ok = verify(q, 5, 100);
	memset(q + 100, 0x5a, (3 << 20) - 100);
	p = realloc(q, 50);
	if (!p)
		return 0;
	ok &= verify(p, 5, 50);
	free(p);
	return ok;
}

static int calloc_zero(size_t len)
{
	unsigned char *p = calloc(len, 1);
	int ok = p != NULL;

	for (size_t i = 0; ok && i < len; i++)
		ok = p[i] == 0;
	free(p);
	return ok;
}

int main(void)
{
	int bad = 0;

	bad += check("2000 small blocks, 16-byte aligned, patterns intact", small_blocks());
	bad += check("large block 256 KiB", large_block(256 << 10));
	bad += check("large block 1 MiB", large_block(1 << 20));
	bad += check("large block 16 MiB", large_block(16 << 20));
	bad += check("large block 16 MiB again (reuse after free)", large_block(16 << 20));
	bad += check("realloc keeps contents", realloc_keeps());
	bad += check("calloc 4 MiB is zero", calloc_zero(4 << 20));
	bad += check("calloc 100 B is zero", calloc_zero(100));
	return bad;
}
