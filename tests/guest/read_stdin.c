/*
 * read_stdin: read(2) stdin until end of file with a changing buffer
 * size; report the byte count, line count and FNV-1a hash; reading again
 * after EOF returns 0 again.
 */
// case: read_stdin_null
// case: read_stdin_empty stdin=empty
// case: read_stdin_seq stdin=seq1000
// case: read_stdin_text stdin=text
// case: read_stdin_big stdin=big
#include <stdio.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	static const size_t sizes[] = {1, 4096, 3, 65536, 100, 1 << 20};
	static char buf[1 << 20];
	unsigned long long h = FNV1A_INIT;
	size_t total = 0, lines = 0, i = 0;
	ssize_t n;
	int bad = 0;

	while ((n = read(0, buf, sizes[i++ % 6])) > 0) {
		h = fnv1a(h, buf, (size_t)n);
		total += (size_t)n;
		for (ssize_t j = 0; j < n; j++)
			lines += buf[j] == '\n';
	}
	bad += check("read ends with 0, not an error", n == 0);
	bad += check("read after EOF returns 0 again", read(0, buf, 10) == 0);
	printf("bytes %zu lines %zu fnv1a %016llx\n", total, lines, h);
	return bad;
}
