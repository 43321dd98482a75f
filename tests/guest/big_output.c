/*
 * big_output: 1 MiB of generated text through stdout, in stdio chunks and
 * in raw write(2) calls of odd sizes, so the console path carries a lot of
 * data intact and in order. The runner compares every byte.
 */
// case: big_output
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOTAL (1 << 20)

/* Fill @buf with @len bytes of line-structured text starting at offset @off. */
static void gen(char *buf, size_t len, size_t off)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (size_t i = 0; i < len; i++) {
		size_t k = off + i;

		buf[i] = k % 64 == 63 ? '\n' : alphabet[(k * 7 + k / 64) % 36];
	}
}

static int write_all(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(1, p, len);

		if (n <= 0)
			return 1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(void)
{
	static char buf[TOTAL];
	static const size_t raw_sizes[] = {1, 4095, 4096, 4097, 65536, 100000, 3};
	size_t half = TOTAL / 2, off = half;

	gen(buf, TOTAL, 0);
	for (size_t i = 0; i < half; i += 1000)
		fwrite(buf + i, 1, i + 1000 <= half ? 1000 : half - i, stdout);
	if (fflush(stdout))
		return 1;
	for (int i = 0; off < TOTAL; i = (i + 1) % 7) {
		size_t len = raw_sizes[i] < TOTAL - off ? raw_sizes[i] : TOTAL - off;

		if (write_all(buf + off, len))
			return 2;
		off += len;
	}
	return 0;
}
