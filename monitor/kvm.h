/* The KVM monitor's VM (monitor/kvm.c, vcpu_x86_64.c, hypercall.c). */
#ifndef BOTHY_KVM_H
#define BOTHY_KVM_H
#include <linux/kvm.h>

#include "monitor.h"

struct vm {
	int kvm, fd, vcpu;
	uint8_t *mem; /* guest RAM [0, mem_size) in the monitor */
	uint64_t mem_size;
	struct kvm_run *run;
	int exit_status; /* set by BOTHY_HC_EXIT */
	int exited;
	struct hostfs *hostfs;             /* -v shares (monitor/hostfs.h), or NULL */
	uint64_t hypercalls[BOTHY_HC_MAX]; /* how many of each, for --log debug */
};

/*
 * gpa_ptr - the monitor's pointer to guest-physical [gpa, gpa+len), or
 * NULL unless the whole range is guest RAM (overflow-safe). Every guest
 * address goes through here before the monitor touches it.
 */
void *gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t len);

/* kvm_stats_print - print the vCPU's non-zero KVM statistics, and how many
 * hypercalls of each kind the guest made, on stderr (two lines). */
void kvm_stats_print(const struct vm *vm);

/* vcpu_create - the vCPU in 64-bit mode at `entry` (x86_64 state). */
void vcpu_create(struct vm *vm, uint64_t entry);
/* vcpu_run - run until the guest exits; returns bothy's exit status. */
int vcpu_run(struct vm *vm, const struct image *kernel);

/*
 * hypercall - serve call `nr` whose struct is at guest-physical `gpa`.
 * Returns 0 to resume the vCPU, 1 when the VM has ended (vm->exit_status
 * set). A bad number or address ends the VM with a message (the kernel
 * is broken or hostile).
 */
int hypercall(struct vm *vm, const struct image *kernel, unsigned nr, uint64_t gpa);

#endif
