/*
 * mremap: resizing and moving anonymous and file mappings (mremap(2)), as
 * glibc's realloc does for large blocks: shrinking keeps the start and
 * unmaps the tail; growing into free addresses keeps the start; growing
 * against a neighbour fails with ENOMEM without MREMAP_MAYMOVE and moves
 * the data with it; MREMAP_FIXED moves to a chosen address and replaces
 * what was there; a moved file mapping still shows the file; and the
 * errors Linux gives (EINVAL, EFAULT). A shrink needs a mapping at the
 * start and is then an munmap of the tail, whatever areas it covers.
 */
// case: mremap
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "guest.h"

#define PG 4096ul

static void *anon(void *addr, size_t len, int flags)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static int pattern_ok(const unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7 + seed))
			return 0;
	return 1;
}

static void pattern(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static int zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A free range of n pages: mapped, then unmapped. */
static unsigned char *hole(size_t n)
{
	unsigned char *p = anon(NULL, n * PG, 0);

	munmap(p, n * PG);
	return p;
}

static int shrink(void)
{
	unsigned char *p = anon(NULL, 8 * PG, 0), *q;

	pattern(p, 8 * PG, 1);
	q = mremap(p, 8 * PG, 3 * PG, 0);
	return q == p && pattern_ok(q, 3 * PG, 1) && munmap(p + 3 * PG, 5 * PG) == 0 &&
	       mmap(p + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	            -1, 0) == p + 3 * PG;
}

static int grow_in_place(void)
{
	unsigned char *h = hole(16), *p = anon(h, 4 * PG, MAP_FIXED), *q;

	pattern(p, 4 * PG, 2);
	q = mremap(p, 4 * PG, 12 * PG, 0);
	return q == p && pattern_ok(q, 4 * PG, 2) && zero(q + 4 * PG, 8 * PG) &&
	       munmap(q, 12 * PG) == 0;
}

static int grow_blocked_then_moved(void)
{
	unsigned char *h = hole(8), *p = anon(h, 4 * PG, MAP_FIXED), *wall, *q;
	int ok;

	wall = anon(h + 4 * PG, PG, MAP_FIXED);
	pattern(p, 4 * PG, 3);
	wall[0] = 0x5a;
	errno = 0;
	ok = mremap(p, 4 * PG, 64 * PG, 0) == MAP_FAILED && errno == ENOMEM;
	q = mremap(p, 4 * PG, 64 * PG, MREMAP_MAYMOVE);
	ok &= q != MAP_FAILED && q != p && pattern_ok(q, 4 * PG, 3) && zero(q + 4 * PG, 60 * PG);
	q[64 * PG - 1] = 1;
	ok &= wall[0] == 0x5a;
	/* The old place is free now: NOREPLACE can map it. */
	ok &= mmap(p, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
	           0) == p;
	munmap(p, 5 * PG);
	munmap(q, 64 * PG);
	return ok;
}

static int fixed_move(void)
{
	unsigned char *p = anon(NULL, 3 * PG, 0), *dst = anon(NULL, 6 * PG, 0), *q;
	int ok;

	pattern(p, 3 * PG, 4);
	memset(dst, 0x77, 6 * PG);
	q = mremap(p, 3 * PG, 5 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ok =
	    q == dst && pattern_ok(q, 3 * PG, 4) && zero(q + 3 * PG, 2 * PG) && dst[5 * PG] == 0x77;
	munmap(dst, 6 * PG);
	return ok;
}

static int file_moves(void)
{
	char path[] = "/tmp/mremap-XXXXXX";
	int fd = mkstemp(path), ok;
	unsigned char buf[2 * PG], *p, *h, *q;

	if (fd < 0)
		return 0;
	pattern(buf, sizeof(buf), 5);
	ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	unlink(path);
	h = hole(3);
	p = mmap(h, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	anon(h + PG, PG, MAP_FIXED); /* block growth in place */
	q = mremap(p, PG, 2 * PG, MREMAP_MAYMOVE);
	ok &= q != MAP_FAILED && q != p && pattern_ok(q, 2 * PG, 5);
	close(fd);
	munmap(q, 2 * PG);
	munmap(h, 3 * PG);
	return ok;
}

static int shrink_across(void)
{
	unsigned char *h = hole(4), *p = anon(h, 2 * PG, MAP_FIXED), v;
	int ok;

	mmap(h + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ok = mremap(p, 3 * PG, PG, 0) == p && mincore(p, PG, &v) == 0;
	errno = 0;
	ok &= mincore(h + PG, PG, &v) == -1 && errno == ENOMEM;
	errno = 0;
	ok &= mincore(h + 2 * PG, PG, &v) == -1 && errno == ENOMEM;
	munmap(p, PG);
	return ok;
}

/* realloc of large blocks goes through mremap in glibc. */
static int big_realloc(void)
{
	unsigned char *p = malloc(1 << 20);
	size_t n = 1 << 20;
	int ok = 1;

	pattern(p, n, 6);
	for (int i = 0; i < 5 && ok; i++) {
		p = realloc(p, n * 2);
		ok = p && pattern_ok(p, n, 6);
		pattern(p + n, n, (unsigned)(n * 7 + 6));
		n *= 2;
	}
	ok = ok && pattern_ok(p, n, 6);
	free(p);
	return ok;
}

int main(void)
{
	unsigned char *p = anon(hole(4), 2 * PG, MAP_FIXED); /* nothing right after it */
	int bad = 0;

	bad += check("shrink keeps the start, unmaps the tail", shrink());
	bad += check("grow into free addresses keeps the start", grow_in_place());
	bad +=
	    check("blocked growth: ENOMEM, then MAYMOVE moves the data", grow_blocked_then_moved());
	bad += check("MREMAP_FIXED moves onto a mapping and replaces it", fixed_move());
	bad += check("a moved file mapping shows the file", file_moves());
	bad += check("realloc doubling 1 MiB -> 32 MiB keeps the data", big_realloc());
	bad += check_fails("mremap unaligned", mremap(p + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	bad += check_fails("mremap new length 0", mremap(p, PG, 0, MREMAP_MAYMOVE), EINVAL);
	bad += check_fails("mremap FIXED without MAYMOVE", mremap(p, PG, PG, MREMAP_FIXED, p + PG),
	                   EINVAL);
	bad += check_fails("mremap unknown flag", mremap(p, PG, PG, 0x80), EINVAL);
	bad += check_fails("mremap FIXED onto itself", mremap(p, PG, PG, 3, p), EINVAL);
	bad += check_fails("mremap growing across the end of the mapping",
	                   mremap(p, 3 * PG, 4 * PG, MREMAP_MAYMOVE), EFAULT);
	munmap(p, 2 * PG);
	bad +=
	    check_fails("mremap of unmapped memory", mremap(p, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
	bad += check_fails("mremap shrinking unmapped memory", mremap(p, 2 * PG, PG, 0), EFAULT);
	bad += check("a shrink unmaps the tail across areas", shrink_across());
	return bad;
}
