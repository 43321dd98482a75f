/* The Internet checksum (RFC 1071, RFC 1624's folding); see csum.h. */
#include "csum.h"

typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;
typedef uint32_t __attribute__((aligned(1), may_alias)) u32_unaligned;
typedef uint16_t __attribute__((aligned(1), may_alias)) u16_unaligned;

uint16_t csum_partial16(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t acc = 0, v;

	/* Ones'-complement addition is associative and commutative, so 64-bit
	 * words with end-around carry sum the same as 16-bit ones. */
	for (; len >= 16; p += 16, len -= 16) {
		v = *(const u64_unaligned *)p;
		acc += v;
		acc += acc < v;
		v = *(const u64_unaligned *)(p + 8);
		acc += v;
		acc += acc < v;
	}
	if (len >= 8) {
		v = *(const u64_unaligned *)p;
		acc += v;
		acc += acc < v;
		p += 8, len -= 8;
	}
	acc = (acc >> 32) + (acc & 0xffffffffu); /* below 2^33: the rest cannot overflow */
	if (len >= 4) {
		acc += *(const u32_unaligned *)p;
		p += 4, len -= 4;
	}
	if (len >= 2) {
		acc += *(const u16_unaligned *)p;
		p += 2, len -= 2;
	}
	if (len)
		acc += *p; /* the low byte of a little-endian word */
	/* Fold to 16 bits, with end-around carry each time. */
	acc = (acc >> 32) + (acc & 0xffffffffu);
	acc = (acc >> 16) + (acc & 0xffffu);
	acc = (acc >> 16) + (acc & 0xffffu);
	acc = (acc >> 16) + (acc & 0xffffu);
	return (uint16_t)acc;
}
