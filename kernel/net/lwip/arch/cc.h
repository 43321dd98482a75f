/*
 * lwIP's compiler and platform port for the Bothy kernel (lwIP's
 * doc/sys_arch.txt, "Compiler/platform abstraction"): freestanding GCC on
 * little-endian x86_64, the kernel's string.h, printk and panic.
 */
#ifndef BOTHY_LWIP_CC_H
#define BOTHY_LWIP_CC_H
#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No inttypes.h, ctype.h, unistd.h or libc limits.h: say so and give
 * what lwIP would take from them. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_UNISTD_H   1
#define INT_MAX            __INT_MAX__
#define SSIZE_MAX          __LONG_MAX__
typedef long ssize_t; /* as the kernel and Linux have it */

/* printf formats of lwIP's types, for the kernel's printk subset. */
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* lwIP's byte swapping: the compiler's. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* Diagnostics (only with LWIP_DEBUG) and assertions, which are kernel bugs. */
__attribute__((format(printf, 1, 2))) void printk(const char *fmt, ...);
__attribute__((format(printf, 1, 2), noreturn)) void panic(const char *fmt, ...);
#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		printk x;                                                                          \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
	panic("lwIP assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

#endif
