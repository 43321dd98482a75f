/*
 * rw_vec: copy stdin to stdout with readv(2) into three buffers of odd
 * sizes and writev(2) of what arrived; then a writev of several pieces,
 * a zero-length piece and an empty vector.
 */
// case: rw_vec_text stdin=text
// case: rw_vec_seq stdin=seq1000
// case: rw_vec_empty stdin=empty
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Build the iovecs that cover the first @n bytes of a readv into @full. */
static int covered(const struct iovec *full, int cnt, size_t n, struct iovec *out)
{
	int k = 0;

	for (int i = 0; i < cnt && n > 0; i++, k++) {
		out[k].iov_base = full[i].iov_base;
		out[k].iov_len = n < full[i].iov_len ? n : full[i].iov_len;
		n -= out[k].iov_len;
	}
	return k;
}

static int copy_stdin(size_t *total)
{
	static char a[7], b[509], c[4093];
	struct iovec full[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}}, part[3];
	ssize_t n;

	while ((n = readv(0, full, 3)) > 0) {
		int k = covered(full, 3, (size_t)n, part);

		if (writev(1, part, k) != n)
			return 1;
		*total += (size_t)n;
	}
	return n < 0;
}

int main(void)
{
	char line[64];
	struct iovec v[4] = {{"piece one, ", 11}, {"", 0}, {"piece two, ", 11}, {NULL, 0}};
	size_t total = 0;
	int len;

	if (copy_stdin(&total))
		return 1;
	v[3].iov_base = "end\n";
	v[3].iov_len = 4;
	if (writev(1, v, 4) != 26)
		return 2;
	if (writev(1, v, 0) != 0)
		return 3;
	len = snprintf(line, sizeof(line), "copied %zu bytes\n", total);
	return write(1, line, len) == len ? 0 : 4;
}
