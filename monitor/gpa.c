/* The one checked translation from guest-physical addresses (kvm.h). */
#include "kvm.h"

void *gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}
