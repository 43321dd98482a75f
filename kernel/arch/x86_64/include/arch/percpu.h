/* This CPU's struct cpu: the kernel's GS base points at it (entry.S swaps
 * the program's GS base out on every entry from ring 3). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

struct cpu;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	asm volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

#endif
