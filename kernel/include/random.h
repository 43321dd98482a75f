/* Random numbers for getrandom(2) and AT_RANDOM: ChaCha20 (RFC 8439) as a
 * generator, keyed from the host's seed and the CPU's RDRAND. */
#ifndef BOTHY_RANDOM_H
#define BOTHY_RANDOM_H
#include <stddef.h>
#include <stdint.h>

/* random_init - key the generator from 32 seed bytes (and RDRAND). */
void random_init(const uint8_t seed[32]);
/* random_bytes - fill buf with n random bytes. */
void random_bytes(void *buf, size_t n);

#endif
