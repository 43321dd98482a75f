/*
 * The KVM monitor's VM (monitor/kvm.c, vcpu_x86_64.c, vcpus.c, events.c,
 * hypercall.c).
 *
 * Threads: the main thread sets the VM up, starts one thread per vCPU
 * (vcpus.c) and then serves events (events.c) until a vCPU thread ends
 * the VM. Every hypercall runs with vm->lock held, so hypercall() and
 * what it calls (hostfs) see one caller at a time. vm->exited is set once,
 * by vm_end(); every vCPU thread stops soon after it (vcpus_stop()).
 */
#ifndef BOTHY_KVM_H
#define BOTHY_KVM_H
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <semaphore.h>

#include "monitor.h"

/* vcpu.state: an application processor waits STOPPED until CPU_ON. */
enum { VCPU_STOPPED = 0, VCPU_STARTED = 1 };

struct vm;
struct virtio_dev;

/* One vCPU: KVM_CREATE_VCPU id (= APIC ID) `id`, run by its own thread. */
struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;              /* the vCPU's KVM descriptor */
	struct kvm_run *run; /* its kvm_run, mapped */
	pthread_t thread;
	int has_thread;         /* thread was created (and not yet joined) */
	int state;              /* VCPU_*, changed under vm->lock */
	sem_t go;               /* posted by CPU_ON, and when the VM ends */
	uint64_t rip, rsp, rdi; /* the start state CPU_ON gave */
};

struct vm {
	int kvm, fd;
	uint8_t *mem; /* guest RAM [0, mem_size) in the monitor */
	uint64_t mem_size;
	unsigned ncpus; /* vCPUs made, 1..BOTHY_CPUS_MAX (0 in unit tests) */
	struct vcpu vcpus[BOTHY_CPUS_MAX];
	const struct image *kernel; /* for fault reports */
	unsigned log_level;         /* enum bothy_log_level */
	pthread_mutex_t lock;       /* serialises hypercall() */
	int exit_status;            /* what the last ending hypercall asked for */
	int end_status;             /* bothy's status: the first vm_end()'s */
	int exited;                 /* 0, then 1 once vm_end() is done (atomic) */
	int done_fd;                /* eventfd: a vCPU thread has finished */
	int events;                 /* 1: KVM_SIGNAL_MSI works; READ never blocks (events.c) */
	int stdin_fd;               /* eventfd: READ said -EAGAIN, watch fd 0 (if events) */
	int signal_fd;              /* signalfd of the forwarded signals, or -1 */
	struct hostfs *hostfs;      /* -v shares (monitor/hostfs.h), or NULL */
	unsigned nvirtio;           /* virtio-mmio devices (virtio_mmio.h) */
	struct virtio_dev *virtio[BOTHY_VIRTIO_MAX];
	uint64_t hypercalls[BOTHY_HC_MAX]; /* how many of each, for --log debug */
};

/*
 * gpa_ptr - the monitor's pointer to guest-physical [gpa, gpa+len), or
 * NULL unless the whole range is guest RAM (overflow-safe). Every guest
 * address goes through here before the monitor touches it.
 */
void *gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t len);

/* The signal that makes a vCPU thread leave KVM_RUN (EINTR): to stop it
 * (vcpus.c) or to take a profile sample (profile.c). */
#define VCPU_KICK SIGRTMIN

/*
 * profile_start - if BOTHY_PROFILE names a file, start sampling the guest
 * kernel's stacks every BOTHY_PROFILE_US microseconds (default 1000; 50 to
 * 1000000) on every vCPU. Returns 1 if profiling, 0 if not; exits 125 with
 * a message for a bad period or a file it cannot create. Call after
 * vcpus_start().
 */
int profile_start(struct vm *vm);
/* profile_sample - take one sample of vCPU v (its thread, after a kick);
 * nothing unless profiling. */
void profile_sample(struct vcpu *v);
/* profile_stop - stop sampling, write the folded stacks to the file
 * ("outer;...;inner COUNT" lines, flamegraph.pl's input) and print the
 * functions with the most samples on stderr. Nothing unless profiling. */
void profile_stop(void);

/* kvm_stats_print - print the vCPUs' non-zero KVM statistics (summed over
 * the vCPUs; peaks are the largest), and how many hypercalls of each kind
 * the guest made, on stderr (two lines). */
void kvm_stats_print(const struct vm *vm);

/*
 * vcpu_create - make vCPU `id` (KVM_CREATE_VCPU id, APIC ID and x2APIC ID
 * `id`, of vm->ncpus) in 64-bit mode (the boot page tables, CPL 0,
 * interrupts off) with its CPUID; vCPU 0 at `entry`, the others stopped
 * until vcpu_start_regs(). Exits 125 with a message if KVM refuses.
 */
void vcpu_create(struct vm *vm, unsigned id, uint64_t entry);
/* vcpu_clock_info - the TSC rate and a (TSC, wall clock) pair into the
 * boot information, read from vCPU 0 after every vCPU was made. */
void vcpu_clock_info(struct vm *vm);
/* vcpu_start_regs - load the rip/rsp/rdi that CPU_ON gave into vCPU v and
 * make it runnable; 0 or -errno of KVM. Called by v's own thread. */
int vcpu_start_regs(struct vcpu *v);
/* vcpu_run - run v until the VM ends (vm_end() by any thread); returns
 * when it has. Called by v's own thread. */
void vcpu_run(struct vcpu *v);

/*
 * vcpus_start - start one thread per vCPU: vCPU 0 runs at once, the others
 * wait for CPU_ON. vcpus_stop - after vm_end(): kick every vCPU thread out
 * of KVM_RUN (signal + immediate_exit), release those still waiting, and
 * join them, waiting at most about a second. Returns 1 if every thread
 * was joined, 0 if one did not end in time (then the caller must not free
 * what the threads use). monitor/vcpus.c.
 */
void vcpus_start(struct vm *vm);
int vcpus_stop(struct vm *vm);

/*
 * vm_end - end the VM with bothy exit status `status`, unless it has
 * ended already: the first call's status goes into vm->end_status and is
 * the one that counts. Returns 1 (hypercall()'s "the VM has ended"). Any
 * thread may call it; it never blocks.
 */
int vm_end(struct vm *vm, int status);
/* vm_ended - has a vm_end() finished (vm->end_status is then final)? */
int vm_ended(const struct vm *vm);

/*
 * events_setup - decide whether the VM gets events (KVM_CAP_SIGNAL_MSI;
 * otherwise forwarding is off, said at --log debug), and if so block the
 * forwarded signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2)
 * in this thread and open their signalfd. Call before vcpus_start(), so
 * the vCPU threads inherit the mask. Exits 125 on a host failure.
 * events_loop - the main thread's loop while the vCPUs run: forward host
 * signals and stdin readiness to the guest (abi.h "Events"); returns
 * bothy's exit status once the VM has ended. Three SIGINTs within 2 s end
 * the VM with status 130. monitor/events.c.
 */
void events_setup(struct vm *vm);
int events_loop(struct vm *vm);

/*
 * hypercall - serve call `nr` whose struct is at guest-physical `gpa`,
 * with vm->lock held for the whole call (any vCPU thread may call it).
 * Returns 0 to resume the vCPU, 1 when the VM has ended: by this call
 * (vm->exit_status = the status it asked for, then vm_end()), or before it
 * by another thread (then a valid call is not served). A bad number or
 * address ends the VM with BOTHY_EXIT_KERNEL_FAULT and a message (the
 * kernel is broken or hostile). READ never blocks when vm->events is set
 * (abi.h); without events it blocks, holding vm->lock.
 */
int hypercall(struct vm *vm, const struct image *kernel, unsigned nr, uint64_t gpa);

#endif
