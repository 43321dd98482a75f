/* The Internet checksum (RFC 1071) for the network stack; kernel/lib/csum.c. */
#ifndef BOTHY_CSUM_H
#define BOTHY_CSUM_H
#include <stddef.h>
#include <stdint.h>

/*
 * csum_partial16 - the 16-bit ones'-complement sum (not complemented) of
 * the len bytes at buf, taken as 16-bit words in memory order, folded; on
 * a little-endian CPU the value's bytes, stored as they are, are the sum
 * in network byte order. It is lwIP's LWIP_CHKSUM (lwip_standard_chksum's
 * contract), eight bytes per step: checksums are a hot loop, and under
 * PVM every kernel instruction costs.
 */
uint16_t csum_partial16(const void *buf, size_t len);

#endif
