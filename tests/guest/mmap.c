/*
 * mmap: anonymous private mappings (mmap(2), munmap(2), mprotect(2)):
 * fresh memory is zero, MAP_FIXED replaces part of a mapping with zero
 * pages, mprotect changes access, munmap of a hole keeps the rest, and
 * bad arguments fail with the errno that Linux gives.
 */
// case: mmap
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define PG 4096ul

static void *anon(void *addr, size_t len, int prot, int flags)
{
	return mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* mmap's result as a libc-style status: -1 on MAP_FAILED, else 0. */
static long mapped(void *r)
{
	return r == MAP_FAILED ? -1 : 0;
}

static int all_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int fresh_is_zero(void)
{
	unsigned char *p = anon(NULL, 64 * PG, PROT_READ | PROT_WRITE, 0);
	int ok;

	if (p == MAP_FAILED || (uintptr_t)p % PG)
		return 0;
	ok = all_bytes(p, 64 * PG, 0);
	memset(p, 0x11, 64 * PG);
	ok &= all_bytes(p, 64 * PG, 0x11);
	return ok && munmap(p, 64 * PG) == 0;
}

static int fixed_replaces(void)
{
	unsigned char *p = anon(NULL, 8 * PG, PROT_READ | PROT_WRITE, 0), *q;
	int ok;

	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x22, 8 * PG);
	q = anon(p + 2 * PG, 3 * PG, PROT_READ | PROT_WRITE, MAP_FIXED);
	ok = q == p + 2 * PG && all_bytes(p, 2 * PG, 0x22) && all_bytes(q, 3 * PG, 0) &&
	     all_bytes(p + 5 * PG, 3 * PG, 0x22);
	return ok && munmap(p, 8 * PG) == 0;
}

static int protect_cycle(void)
{
	unsigned char *p = anon(NULL, 4 * PG, PROT_NONE, 0);
	int ok;

	if (p == MAP_FAILED)
		return 0;
	ok = mprotect(p, 4 * PG, PROT_READ | PROT_WRITE) == 0;
	if (!ok)
		return 0;
	memset(p, 0x33, 4 * PG);
	ok = mprotect(p, 4 * PG, PROT_READ) == 0 && all_bytes(p, 4 * PG, 0x33);
	ok &= mprotect(p + PG, PG, PROT_READ | PROT_WRITE) == 0;
	p[PG] = 0x44;
	ok &= p[PG] == 0x44 && p[PG + 1] == 0x33;
	return ok && munmap(p, 4 * PG) == 0;
}

static int hole_keeps_rest(void)
{
	unsigned char *p = anon(NULL, 6 * PG, PROT_READ | PROT_WRITE, 0), *q;
	int ok;

	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x55, 6 * PG);
	ok = munmap(p + 2 * PG, 2 * PG) == 0 && all_bytes(p, 2 * PG, 0x55) &&
	     all_bytes(p + 4 * PG, 2 * PG, 0x55);
	q = anon(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE);
	ok &= q == p + 2 * PG && all_bytes(q, 2 * PG, 0);
	return ok && munmap(p, 6 * PG) == 0;
}

static int hint_is_honoured_or_moved(void)
{
	unsigned char *p = anon(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0), *q;
	int ok;

	if (p == MAP_FAILED)
		return 0;
	/* A hint on an occupied range is not an error: the kernel picks another place. */
	q = anon(p, 4 * PG, PROT_READ | PROT_WRITE, 0);
	ok = q != MAP_FAILED && q != p;
	if (q != MAP_FAILED)
		munmap(q, 4 * PG);
	return ok && munmap(p, 4 * PG) == 0;
}

static int big_mapping(void)
{
	size_t len = 32ul << 20;
	unsigned char *p = anon(NULL, len, PROT_READ | PROT_WRITE, 0);
	int ok = 1;

	if (p == MAP_FAILED)
		return 0;
	for (size_t i = 0; i < len; i += 1 << 20) {
		ok &= p[i] == 0;
		p[i] = 1;
	}
	return ok && munmap(p, len) == 0;
}

static int noreplace_refuses(void)
{
	unsigned char *p = anon(NULL, 2 * PG, PROT_READ, 0);
	void *q;
	int ok;

	if (p == MAP_FAILED)
		return 0;
	errno = 0;
	q = anon(p, PG, PROT_READ, MAP_FIXED_NOREPLACE);
	ok = q == MAP_FAILED && errno == EEXIST;
	munmap(p, 2 * PG);
	return ok;
}

int main(void)
{
	int bad = 0;

	bad += check("fresh anonymous memory is zero and writable", fresh_is_zero());
	bad += check("MAP_FIXED replaces the middle with zero pages", fixed_replaces());
	bad += check("mprotect NONE -> RW -> R, one page back to RW", protect_cycle());
	bad += check("munmap of a hole keeps both sides; NOREPLACE refills it", hole_keeps_rest());
	bad += check("a hint on an occupied range maps elsewhere", hint_is_honoured_or_moved());
	bad += check("32 MiB mapping, one write per MiB", big_mapping());
	bad += check("MAP_FIXED_NOREPLACE on a mapping fails with EEXIST", noreplace_refuses());
	bad += check_fails("mmap length 0", mapped(anon(NULL, 0, PROT_READ, 0)), EINVAL);
	bad += check_fails("mmap MAP_FIXED unaligned",
	                   mapped(anon((void *)(PG + 1), PG, PROT_READ, MAP_FIXED)), EINVAL);
	bad += check_fails("mmap without PRIVATE or SHARED",
	                   mapped(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0)), EINVAL);
	bad += check_fails("mmap of a closed fd",
	                   mapped(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 77, 0)), EBADF);
	bad += check_fails("munmap unaligned", munmap((void *)(PG + 1), PG), EINVAL);
	bad += check_fails("raw mprotect unaligned", syscall(SYS_mprotect, PG + 1, PG, PROT_READ),
	                   EINVAL);
	return bad;
}
