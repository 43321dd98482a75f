/*
 * The stdlib.h that lwIP's sources include (core/netif.c wants atoi, and
 * core/mem.c includes it for malloc, which lwipopts.h maps to kmalloc).
 * Only code compiled with -Ikernel/net/lwip sees it; atoi is in
 * kernel/net/sys_arch.c.
 */
#ifndef BOTHY_LWIP_STDLIB_H
#define BOTHY_LWIP_STDLIB_H
#include <stddef.h>

/* atoi - the decimal integer at the start of s (C11 7.22.1.2). */
int atoi(const char *s);

#endif
