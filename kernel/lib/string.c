/*
 * string.h for the kernel. memcpy and memset use `rep movsq`/`rep stosq`
 * and a `rep movsb`/`rep stosb` for the last 0-7 bytes: one instruction
 * whatever the length, which matters where every ring-0 instruction is
 * emulated (docs/pvm.md). Eight bytes per step, not one: PVM's emulator
 * pays for every step of a string instruction, so copying 3 MB within the
 * kernel took 2.65 s with movsb and 1.1 s with movsq.
 */
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, r = n % 8;

	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	d += n - 1;
	s += n - 1;
	asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	uint64_t v = 0x0101010101010101ull * (unsigned char)c;
	size_t q = n / 8, r = n % 8;

	asm volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	const char *p = s;
	size_t left = max;

	if (!max)
		return 0;
	/* One instruction (repne scasb) however long the string. */
	asm volatile("repne scasb" : "+D"(p), "+c"(left) : "a"(0) : "memory", "cc");
	return p[-1] ? max : max - left - 1;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do
		if (*s == (char)c)
			last = s;
	while (*s++);
	return (char *)last;
}
