/* clang-format off */
/* unit-test-sources: kernel/lib/csum.c */
/* clang-format on */
/*
 * Unit tests of csum_partial16 (kernel/lib/csum.c), lwIP's checksum in
 * the kernel: against a plain RFC 1071 sum of 16-bit words, for every
 * length up to 300 and every start offset 0..7 on random data, all-0xff
 * data (carries everywhere), and an RFC 1071 section 3 example.
 */
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "test.h"

/* RFC 1071, 16 bits at a time: the sum, folded, in the byte order of a
 * little-endian load (as csum_partial16 returns it). */
static uint16_t reference(const unsigned char *p, size_t n)
{
	uint32_t acc = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	if (n & 1)
		acc += p[n - 1];
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void test_random(void)
{
	unsigned char buf[320];
	int bad = 0;

	srand(1);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)rand();
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n <= 300; n++)
				bad += csum_partial16(buf + off, n) != reference(buf + off, n);
	}
	CHECK(bad == 0);
}

static void test_carries(void)
{
	unsigned char buf[4096];
	int bad = 0;

	memset(buf, 0xff, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n += 7)
		bad += csum_partial16(buf, n) != reference(buf, n);
	CHECK(bad == 0);
	memset(buf, 0xfe, sizeof(buf));
	CHECK(csum_partial16(buf, sizeof(buf)) == reference(buf, sizeof(buf)));
}

static void test_rfc1071_example(void)
{
	/* RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (big-endian words),
	 * f2dd as little-endian loads see it. */
	const unsigned char b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	CHECK(csum_partial16(b, sizeof(b)) == 0xf2dd);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(test_random);
	TEST_RUN(test_carries);
	TEST_RUN(test_rfc1071_example);
	return test_summary("csum");
}
