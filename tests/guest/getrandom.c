/*
 * getrandom: getrandom(2) fills the whole buffer for requests up to 256
 * bytes (always, once the pool is initialised) and for 4096 here,
 * the bytes are not all zero, two draws differ, and bad flags fail.
 */
// case: getrandom
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "guest.h"

static int draw(size_t len, unsigned int flags)
{
	static unsigned char a[4096], b[4096];
	int nonzero = 0;

	memset(a, 0, len);
	memset(b, 0, len);
	if (getrandom(a, len, flags) != (ssize_t)len || getrandom(b, len, flags) != (ssize_t)len)
		return 0;
	if (len < 16)
		return 1;
	for (size_t i = 0; i < len; i++)
		nonzero |= a[i];
	return nonzero && memcmp(a, b, len) != 0;
}

int main(void)
{
	void *volatile nowhere = NULL; /* opaque, so the compiler does not object */
	char buf[8];
	int bad = 0;

	bad += check("length 0 returns 0", getrandom(buf, 0, 0) == 0);
	bad += check("1 byte", draw(1, 0));
	bad += check("8 bytes, GRND_NONBLOCK (glibc malloc)", draw(8, GRND_NONBLOCK));
	bad += check("16 bytes, two draws differ", draw(16, 0));
	bad += check("256 bytes", draw(256, 0));
	bad += check("4096 bytes", draw(4096, 0));
	bad += check("GRND_RANDOM, 16 bytes", draw(16, GRND_RANDOM | GRND_NONBLOCK));
	bad += check_fails("unknown flag", getrandom(buf, 8, 0x100), EINVAL);
	bad += check_fails("NULL buffer", getrandom(nowhere, 8, 0), EFAULT);
	return bad;
}
