/*
 * The vDSO's data page ("vvar"), written by the kernel at boot and mapped
 * read-only at VDSO_VA - PAGE_SIZE; the vDSO code (vdso/vdso.c) reads it.
 * Shared by the kernel and the vDSO: the vDSO's ABI with the kernel.
 */
#ifndef ARCH_VDSO_H
#define ARCH_VDSO_H
#include <stdint.h>

#define VDSO_VA       0x00007ffffffe1000ull /* between the stack top and the stub */
#define VVAR_VA       (VDSO_VA - 4096)
#define VDSO_MAX_SIZE (64 * 1024)

struct vdso_data {
	uint64_t tsc_base;         /* TSC at boot ... */
	uint64_t realtime_base_ns; /* ... and CLOCK_REALTIME then */
	uint64_t tsc_khz;          /* TSC ticks per millisecond */
};

#endif
