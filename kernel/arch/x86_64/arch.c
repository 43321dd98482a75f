/* x86_64 hooks of arch.h that are not about descriptor tables or paging. */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <string.h>

#include "arch.h"

void arch_boot_done(void)
{
	boot_pml4[0] = 0; /* the identity map PVH needed to reach 64-bit mode */
	mmu_flush();
}

uint64_t arch_user_stub_va(void)
{
	return USER_STUB_VA;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

int arch_random(uint64_t *v)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 30))) /* CPUID.1:ECX.RDRAND */
		return 0;
	for (int i = 0; i < 10; i++)
		if (rdrand64(v))
			return 1;
	return 0;
}

void arch_hwcap(uint64_t *hwcap, uint64_t *hwcap2)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	*hwcap = r[3]; /* CPUID.1:EDX, as Linux's ELF_HWCAP on x86 */
	*hwcap2 = 0;   /* no HWCAP2_RING3MWAIT, no HWCAP2_FSGSBASE */
}

const char *arch_platform(void)
{
	return "x86_64";
}

unsigned arch_backtrace(uint64_t fp, uint64_t *frames, unsigned max)
{
	unsigned n = 0;

	/* Follow saved frame pointers while they stay in the kernel half. */
	while (n < max && fp >= BOTHY_KERNEL_VBASE && fp % 8 == 0 && fp < ~0ull - 16) {
		uint64_t *f = (uint64_t *)fp;
		if (f[1] < BOTHY_KERNEL_VBASE)
			break;
		frames[n++] = f[1];
		if (f[0] <= fp)
			break;
		fp = f[0];
	}
	return n;
}
