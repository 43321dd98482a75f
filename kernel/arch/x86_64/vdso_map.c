/* Mapping the vDSO and its data page into the program (vdso(7)). */
#include <arch/vdso.h>
#include <elf.h>
#include <ktime.h>
#include <mm.h>

#include "arch.h"

extern const char vdso_image[], vdso_image_end[];
/* A whole page of its own: it is mapped into the program. */
static union {
	struct vdso_data d;
	char page[4096];
} vvar __attribute__((aligned(4096)));

uint64_t arch_vdso_map(void)
{
	uint64_t size = ALIGN_UP((uint64_t)(vdso_image_end - vdso_image), PAGE_SIZE);

	if (size > VDSO_MAX_SIZE)
		panic("vDSO image too large");
	vvar.d.tsc_base = boot_info->realtime_tsc;
	vvar.d.realtime_base_ns = boot_info->realtime_ns;
	vvar.d.tsc_khz = time_tsc_khz();
	if (vm_map_phys(VVAR_VA, VIRT_TO_PHYS(&vvar), PAGE_SIZE, PROT_READ) ||
	    vm_map_phys(VDSO_VA, VIRT_TO_PHYS(vdso_image), size, PROT_READ | PROT_EXEC))
		return 0;
	vm_name(VVAR_VA, "[vvar]");
	vm_name(VDSO_VA, "[vdso]");
	return VDSO_VA;
}
