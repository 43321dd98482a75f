/*
 * The x86_64 vCPU: long mode set up directly through KVM_SET_SREGS (no
 * firmware, no real mode), and the run loop: one switch over exit reasons;
 * an exit the monitor does not expect ends the VM with a message naming
 * the exit and where it happened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "kvm.h"

#define MSR_IA32_TSC 0x10

static void set_cpuid(struct vm *vm)
{
	int n = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	c->nent = n;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	if (ioctl(vm->vcpu, KVM_SET_CPUID2, c) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
}

static void set_sregs(struct vm *vm)
{
	struct kvm_sregs s;
	struct kvm_segment cs = {.base = 0,
	                         .limit = 0xffffffff,
	                         .selector = 0x10,
	                         .type = 11,
	                         .present = 1,
	                         .dpl = 0,
	                         .db = 0,
	                         .s = 1,
	                         .l = 1,
	                         .g = 1};
	struct kvm_segment ds = cs,
	                   tr = {.limit = 0x67, .selector = 0x40, .type = 11, .present = 1};

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_GET_SREGS: %s", strerror(errno));
	ds.selector = 0x18, ds.type = 3, ds.l = 0, ds.db = 1;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.tr = tr;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr3 = BOTHY_GPA_PML4;
	s.cr4 = 0x620;  /* OSXMMEXCPT OSFXSR PAE */
	s.efer = 0xd01; /* NXE LMA LME SCE */
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_SREGS: %s", strerror(errno));
}

/* The guest's TSC rate and a (TSC, wall clock) pair for its clocks. */
static void clock_info(struct vm *vm)
{
	struct bothy_boot_info *bi = gpa_ptr(vm, BOTHY_GPA_BOOTINFO, sizeof(*bi));
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = {.h.nmsrs = 1, .e.index = MSR_IA32_TSC};
	struct timespec ts;
	int khz = ioctl(vm->vcpu, KVM_GET_TSC_KHZ, 0);

	bi->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ioctl(vm->vcpu, KVM_GET_MSRS, &m) == 1)
		bi->realtime_tsc = m.e.data;
	bi->realtime_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void vcpu_create(struct vm *vm, uint64_t entry)
{
	struct kvm_regs r = {.rip = entry, .rflags = 2};
	int sz;

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_CREATE_VCPU: %s", strerror(errno));
	sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (sz <= 0 || vm->run == MAP_FAILED)
		die(BOTHY_EXIT_MONITOR, "cannot map the vCPU's kvm_run");
	set_cpuid(vm);
	set_sregs(vm);
	if (ioctl(vm->vcpu, KVM_SET_REGS, &r) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_REGS: %s", strerror(errno));
	clock_info(vm);
}

static int guest_died(struct vm *vm, const char *what)
{
	struct kvm_regs r = {0};
	struct kvm_sregs s = {0};

	ioctl(vm->vcpu, KVM_GET_REGS, &r);
	ioctl(vm->vcpu, KVM_GET_SREGS, &s);
	fprintf(stderr,
	        "bothy: the guest kernel stopped: %s at rip 0x%llx (rsp 0x%llx, cr2 0x%llx)\n",
	        what, r.rip, r.rsp, s.cr2);
	return BOTHY_EXIT_KERNEL_FAULT;
}

/* A port write: a hypercall. As hypercall(): 0 to resume, 1 when the VM
 * has ended with vm->exit_status set. */
static int io_exit(struct vm *vm, const struct image *kernel)
{
	struct kvm_run *run = vm->run;
	unsigned nr = run->io.port - BOTHY_HC_PORT_BASE;
	uint32_t gpa;
	char what[96];

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
	    run->io.port < BOTHY_HC_PORT_BASE || nr >= BOTHY_HC_MAX) {
		snprintf(what, sizeof(what), "unexpected I/O port 0x%x access", run->io.port);
		vm->exit_status = guest_died(vm, what);
		return 1;
	}
	memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
	vm->hypercalls[nr]++;
	return hypercall(vm, kernel, nr, gpa);
}

int vcpu_run(struct vm *vm, const struct image *kernel)
{
	char what[128];

	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(BOTHY_EXIT_MONITOR, "KVM_RUN: %s", strerror(errno));
		}
		switch (vm->run->exit_reason) {
		case KVM_EXIT_IO:
			if (io_exit(vm, kernel))
				return vm->exit_status;
			break;
		case KVM_EXIT_HLT:
			return guest_died(vm, "hlt with nothing to wake it");
		case KVM_EXIT_SHUTDOWN:
			return guest_died(vm,
			                  "triple fault (a fault before or while handling faults)");
		case KVM_EXIT_MMIO:
			snprintf(what, sizeof(what), "MMIO access at guest-physical 0x%llx",
			         vm->run->mmio.phys_addr);
			return guest_died(vm, what);
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(
			    what, sizeof(what),
			    "KVM internal error, suberror %u (1 = instruction emulation failed)",
			    vm->run->internal.suberror);
			return guest_died(vm, what);
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(what, sizeof(what), "VM entry failed, reason 0x%llx",
			         vm->run->fail_entry.hardware_entry_failure_reason);
			return guest_died(vm, what);
		default:
			snprintf(what, sizeof(what), "unexpected KVM exit reason %u",
			         vm->run->exit_reason);
			return guest_died(vm, what);
		}
	}
}
