/* The registers entry.S saves on every exception, lowest address first. */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H
#include <stdint.h>

struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trapframe) == 22 * 8, "trapframe layout");

void trap_handler(struct trapframe *tf);

#endif
