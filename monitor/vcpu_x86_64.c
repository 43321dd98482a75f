/*
 * The x86_64 vCPUs: long mode set up directly through KVM_SET_SREGS (no
 * firmware, no real mode), each vCPU's CPUID (its APIC ID, x2APIC, the
 * TSC-deadline timer, the topology: one package of ncpus one-thread
 * cores), and the run loop: one switch over exit reasons; an exit the
 * monitor does not expect ends the VM with a message naming the exit and
 * where it happened.
 *
 * The local APICs are KVM's (KVM_CREATE_IRQCHIP, kvm.c): `hlt` waits in
 * KVM for an interrupt and does not exit here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "kvm.h"
#include "virtio_mmio.h"

#define MSR_IA32_TSC             0x10
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_EDX_HTT          (1u << 28)
#define CPUID_ENTRIES            256

/* ceil(log2(n)): the x2APIC ID bits that number n cores. */
static unsigned id_bits(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/* CPUID leaf 0xB, sub-leaf `level`, for vCPU `id` of `ncpus`: level 0 the
 * thread (one per core), level 1 the cores (all in one package), then the
 * end of the list (Intel SDM vol. 2A, CPUID "Extended Topology"). */
static struct kvm_cpuid_entry2 topology(unsigned level, unsigned id, unsigned ncpus)
{
	struct kvm_cpuid_entry2 e = {
	    .function = 0xb, .index = level, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .edx = id};

	if (level == 0)
		e.ebx = 1, e.ecx = 1 << 8; /* type SMT */
	else if (level == 1)
		e.eax = id_bits(ncpus), e.ebx = ncpus, e.ecx = 2 << 8 | 1; /* type core */
	else
		e.ecx = level;
	return e;
}

/* Leaves 1 and 4 for vCPU `id` of `ncpus`: APIC ID, package size, x2APIC
 * (when KVM offers it), TSC deadline (when `deadline`), cores sharing the
 * caches (the last level shared by all). */
static void cpuid_fix(struct kvm_cpuid_entry2 *e, unsigned id, unsigned ncpus, int deadline)
{
	unsigned ids = 1u << id_bits(ncpus);

	if (e->function == 1) {
		e->ebx = (e->ebx & 0xffff) | (ids > 255 ? 255 : ids) << 16 | id << 24;
		e->edx = ncpus > 1 ? e->edx | CPUID_1_EDX_HTT : e->edx & ~CPUID_1_EDX_HTT;
		if (deadline)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	} else if (e->function == 4 && (e->eax & 0x1f)) {
		e->eax &= ~(0x3fu << 26 | 0xfffu << 14);
		e->eax |= (ids - 1) << 26;
		if (((e->eax >> 5) & 7) >= 3)
			e->eax |= (ids - 1) << 14;
	}
}

static void set_cpuid(struct vm *vm, struct vcpu *v)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_ENTRIES * sizeof(c->entries[0]));
	int deadline = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	unsigned n = 0;

	if (!c)
		die(BOTHY_EXIT_MONITOR, "out of memory");
	c->nent = CPUID_ENTRIES - 3; /* room for leaf 0xB's three */
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	/* Leaf 0xB is the monitor's; 0x1F (which guests prefer) is dropped. */
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		if (e.function == 0xb || e.function == 0x1f)
			continue;
		if (e.function == 0 && e.eax < 0xb)
			e.eax = 0xb;
		cpuid_fix(&e, v->id, vm->ncpus, deadline);
		c->entries[n++] = e;
	}
	for (unsigned level = 0; level < 3; level++)
		c->entries[n++] = topology(level, v->id, vm->ncpus);
	c->nent = n;
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
}

static void set_sregs(int fd)
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

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_GET_SREGS: %s", strerror(errno));
	ds.selector = 0x18, ds.type = 3, ds.l = 0, ds.db = 1;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.tr = tr;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr3 = BOTHY_GPA_PML4;
	s.cr4 = 0x620;  /* OSXMMEXCPT OSFXSR PAE */
	s.efer = 0xd01; /* NXE LMA LME SCE */
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_SREGS: %s", strerror(errno));
}

void vcpu_clock_info(struct vm *vm)
{
	struct bothy_boot_info *bi = gpa_ptr(vm, BOTHY_GPA_BOOTINFO, sizeof(*bi));
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = {.h.nmsrs = 1, .e.index = MSR_IA32_TSC};
	struct timespec ts;
	int khz = ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);

	bi->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ioctl(vm->vcpus[0].fd, KVM_GET_MSRS, &m) == 1)
		bi->realtime_tsc = m.e.data;
	bi->realtime_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void vcpu_create(struct vm *vm, unsigned id, uint64_t entry)
{
	struct vcpu *v = &vm->vcpus[id];
	struct kvm_regs r = {.rip = entry, .rflags = 2};
	int sz;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (sz <= 0 || v->run == MAP_FAILED)
		die(BOTHY_EXIT_MONITOR, "cannot map the vCPU's kvm_run");
	if (sem_init(&v->go, 0, 0) < 0)
		die(BOTHY_EXIT_MONITOR, "sem_init: %s", strerror(errno));
	set_cpuid(vm, v);
	set_sregs(v->fd);
	/* The others keep KVM's wait-for-SIPI state until CPU_ON. */
	if (id == 0 && ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		die(BOTHY_EXIT_MONITOR, "KVM_SET_REGS: %s", strerror(errno));
	v->state = id == 0 ? VCPU_STARTED : VCPU_STOPPED;
}

int vcpu_start_regs(struct vcpu *v)
{
	struct kvm_regs r = {.rip = v->rip, .rsp = v->rsp, .rdi = v->rdi, .rflags = 2};
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};

	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0 || ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return -errno;
	return 0;
}

static void guest_died(struct vcpu *v, const char *what)
{
	struct kvm_regs r = {0};
	struct kvm_sregs s = {0};
	char cpu[24] = "";

	if (vm_ended(v->vm))
		return; /* another vCPU ended it: this exit is a consequence */
	ioctl(v->fd, KVM_GET_REGS, &r);
	ioctl(v->fd, KVM_GET_SREGS, &s);
	if (v->vm->ncpus > 1)
		snprintf(cpu, sizeof(cpu), " on vCPU %u", v->id);
	fprintf(stderr,
	        "bothy: the guest kernel stopped%s: %s at rip 0x%llx (rsp 0x%llx, cr2 0x%llx)\n",
	        cpu, what, r.rip, r.rsp, s.cr2);
	vm_end(v->vm, BOTHY_EXIT_KERNEL_FAULT);
}

/* A port write: a hypercall. As hypercall(): 0 to resume, 1 when the VM
 * has ended. */
static int io_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned nr = run->io.port - BOTHY_HC_PORT_BASE;
	uint32_t gpa;
	char what[96];

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
	    run->io.port < BOTHY_HC_PORT_BASE || nr >= BOTHY_HC_MAX) {
		snprintf(what, sizeof(what), "unexpected I/O port 0x%x access", run->io.port);
		guest_died(v, what);
		return 1;
	}
	memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
	return hypercall(v->vm, v->vm->kernel, nr, gpa);
}

/* One exit of KVM_RUN: 0 to run on, 1 when the VM has ended. */
static int vcpu_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char what[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return io_exit(v);
	case KVM_EXIT_HLT:
		return 0; /* not with KVM's irqchip; if it comes, run on */
	case KVM_EXIT_SHUTDOWN:
		guest_died(v, "triple fault (a fault before or while handling faults)");
		return 1;
	case KVM_EXIT_MMIO: /* a virtio-mmio device's registers (virtio_mmio.c) */
		if (virtio_mmio_exit(v->vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
		                     run->mmio.is_write))
			return 0;
		snprintf(what, sizeof(what), "MMIO access at guest-physical 0x%llx",
		         run->mmio.phys_addr);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what),
		         "KVM internal error, suberror %u (1 = instruction emulation failed)",
		         run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, reason 0x%llx",
		         run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		snprintf(what, sizeof(what), "unexpected KVM exit reason %u", run->exit_reason);
		break;
	}
	guest_died(v, what);
	return 1;
}

void vcpu_run(struct vcpu *v)
{
	while (!vm_ended(v->vm)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* a kick: vcpus_stop() (the loop test) or the profiler */
				profile_sample(v);
				continue;
			}
			die(BOTHY_EXIT_MONITOR, "KVM_RUN: %s", strerror(errno));
		}
		if (vcpu_exit(v))
			return;
	}
}
