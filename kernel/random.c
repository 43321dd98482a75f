/* ChaCha20 as a random generator (RFC 8439, section 2.3). */
#include <arch.h>
#include <random.h>
#include <string.h>

static uint32_t key[8];
static uint64_t counter;

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                                                                             \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a,         \
	 d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

static void chacha20_block(uint32_t out[16])
{
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	uint32_t *x = out;

	memcpy(&in[4], key, sizeof(key));
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	counter++;
	memcpy(x, in, sizeof(in));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		x[i] += in[i];
}

void random_init(const uint8_t seed[32])
{
	uint64_t r;

	memcpy(key, seed, sizeof(key));
	for (int i = 0; i < 4; i++)
		if (arch_random(&r))
			key[2 * i] ^= (uint32_t)r, key[2 * i + 1] ^= (uint32_t)(r >> 32);
	key[0] ^= (uint32_t)arch_cycles();
}

void random_bytes(void *buf, size_t n)
{
	uint32_t block[16];
	uint8_t *p = buf;

	while (n) {
		size_t k = MIN(n, sizeof(block) - 32);
		chacha20_block(block);
		memcpy(p, block, k);
		memcpy(key, &block[8], sizeof(key)); /* forward secrecy: rekey */
		p += k;
		n -= k;
	}
}
