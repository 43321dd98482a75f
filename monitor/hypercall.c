/*
 * The hypercalls of include/bothy/abi.h. The guest is untrusted: every
 * struct and buffer address is translated with gpa_ptr(), which checks it
 * against guest RAM, before it is read or written. Several vCPU threads
 * call hypercall(); it serves one call at a time (vm->lock).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostfs.h"
#include "kvm.h"

static int bad_call(struct vm *vm, const char *why, unsigned nr, uint64_t gpa)
{
	fprintf(stderr, "bothy: the guest kernel made a bad hypercall %u at 0x%llx: %s\n", nr,
	        (unsigned long long)gpa, why);
	vm->exit_status = BOTHY_EXIT_KERNEL_FAULT;
	return vm_end(vm, vm->exit_status);
}

int vm_end(struct vm *vm, int status)
{
	int no = 0;

	if (__atomic_compare_exchange_n(&vm->exited, &no, -1, 0, __ATOMIC_ACQ_REL,
	                                __ATOMIC_ACQUIRE)) {
		vm->end_status = status;
		__atomic_store_n(&vm->exited, 1, __ATOMIC_RELEASE);
	}
	return 1;
}

int vm_ended(const struct vm *vm)
{
	/* -1 while the first vm_end() is still storing its status */
	return __atomic_load_n(&vm->exited, __ATOMIC_ACQUIRE) == 1;
}

/* fd 0 has a byte, EOF or an error for read(2) now (poll(2)); also when
 * fd 0 is a regular file or /dev/null, or not open (POLLNVAL). */
static int stdin_ready(void)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	return r != 0;
}

/* write(2) to fd 1 or 2, or read(2) from fd 0, of guest [buf, buf+len).
 * With events, a read with nothing ready is -EAGAIN and asks the main
 * thread (events.c) to raise BOTHY_EVENT_STDIN when fd 0 becomes
 * readable; fd 0 itself stays blocking (it is the user's shell's too).
 * Without events (no KVM_SIGNAL_MSI) the read blocks this vCPU, and every
 * other hypercall with it, until input comes: the old contract. */
static int64_t hc_io(struct vm *vm, int fd, uint64_t buf, uint64_t len, int write_it)
{
	void *p = gpa_ptr(vm, buf, len);
	uint64_t one = 1;
	ssize_t n;

	if (!p)
		return -EFAULT;
	if (!write_it && len == 0)
		return 0;
	if (!write_it && vm->events && !stdin_ready()) {
		if (write(vm->stdin_fd, &one, sizeof(one)) != sizeof(one))
			return -EIO;
		return -EAGAIN;
	}
	do
		n = write_it ? write(fd, p, len) : read(fd, p, len);
	while (n < 0 && errno == EINTR && !vm_ended(vm));
	return n < 0 ? -errno : n;
}

static int in_kernel_ram(const struct vm *vm, uint64_t va, uint64_t extra)
{
	return va >= BOTHY_KERNEL_VBASE && va - BOTHY_KERNEL_VBASE < vm->mem_size + extra;
}

/* BOTHY_HC_CPU_ON: check every field, then release vCPU c->cpu's thread
 * (monitor/vcpus.c), which loads the registers and runs it. rip must lie
 * in the boot page tables' map of RAM [BOTHY_KERNEL_VBASE, +mem_size), rsp
 * in (BOTHY_KERNEL_VBASE, +mem_size]: the vCPU starts on those tables. */
static int64_t hc_cpu_on(struct vm *vm, const struct bothy_hc_cpu_on *c)
{
	struct vcpu *v;

	if (c->cpu == 0 || c->cpu >= vm->ncpus)
		return -EINVAL;
	if (!in_kernel_ram(vm, c->rip, 0) || !in_kernel_ram(vm, c->rsp, 1) ||
	    c->rsp == BOTHY_KERNEL_VBASE)
		return -EINVAL;
	v = &vm->vcpus[c->cpu];
	if (v->state != VCPU_STOPPED)
		return -EBUSY;
	v->rip = c->rip;
	v->rsp = c->rsp;
	v->rdi = c->arg;
	v->state = VCPU_STARTED;
	sem_post(&v->go);
	return 0;
}

static void hc_panic(struct vm *vm, const struct image *kernel, const struct bothy_hc_panic *p)
{
	char sym[128];

	kernel_symbolize(kernel, p->rip, sym, sizeof(sym));
	fprintf(stderr, "bothy: the guest kernel faulted (vector %lld, error 0x%llx, cr2 0x%llx)\n",
	        (long long)p->vector, (unsigned long long)p->error, (unsigned long long)p->cr2);
	fprintf(stderr, "  rip 0x%llx %s  rsp 0x%llx  rbp 0x%llx  rflags 0x%llx\n",
	        (unsigned long long)p->rip, sym, (unsigned long long)p->rsp,
	        (unsigned long long)p->rbp, (unsigned long long)p->rflags);
	for (uint64_t i = 0; i < p->nframes && i < BOTHY_PANIC_FRAMES; i++) {
		kernel_symbolize(kernel, p->frames[i], sym, sizeof(sym));
		fprintf(stderr, "  #%llu 0x%llx %s\n", (unsigned long long)i,
		        (unsigned long long)p->frames[i], sym);
	}
	vm->exit_status = BOTHY_EXIT_KERNEL_FAULT;
}

static int serve(struct vm *vm, const struct image *kernel, unsigned nr, uint64_t gpa)
{
	static const uint64_t sizes[BOTHY_HC_MAX] = {
	    [BOTHY_HC_WRITE] = sizeof(struct bothy_hc_write),
	    [BOTHY_HC_READ] = sizeof(struct bothy_hc_read),
	    [BOTHY_HC_EXIT] = sizeof(struct bothy_hc_exit),
	    [BOTHY_HC_PANIC] = sizeof(struct bothy_hc_panic),
	    [BOTHY_HC_FS] = sizeof(struct bothy_hc_fs),
	    [BOTHY_HC_CPU_ON] = sizeof(struct bothy_hc_cpu_on),
	};
	void *arg;

	if (nr == BOTHY_HC_RESERVED || nr >= BOTHY_HC_MAX)
		return bad_call(vm, "no such call", nr, gpa);
	vm->hypercalls[nr]++;
	if (gpa % 8 || !(arg = gpa_ptr(vm, gpa, sizes[nr])))
		return bad_call(vm, "argument outside guest RAM or misaligned", nr, gpa);
	if (vm_ended(vm))
		return 1; /* another vCPU ended it: nothing more reaches the host */
	switch (nr) {
	case BOTHY_HC_WRITE: {
		struct bothy_hc_write *w = arg;
		w->ret =
		    w->fd == 1 || w->fd == 2 ? hc_io(vm, (int)w->fd, w->buf, w->len, 1) : -EBADF;
		return 0;
	}
	case BOTHY_HC_READ: {
		struct bothy_hc_read *r = arg;
		r->ret = r->fd == 0 ? hc_io(vm, 0, r->buf, r->len, 0) : -EBADF;
		return 0;
	}
	case BOTHY_HC_EXIT:
		vm->exit_status = (int)(((struct bothy_hc_exit *)arg)->status & 0xff);
		return vm_end(vm, vm->exit_status);
	case BOTHY_HC_PANIC:
		hc_panic(vm, kernel, arg);
		return vm_end(vm, vm->exit_status);
	case BOTHY_HC_FS:
		hostfs_call(vm, arg);
		return 0;
	case BOTHY_HC_CPU_ON: {
		struct bothy_hc_cpu_on *c = arg;
		c->ret = hc_cpu_on(vm, c);
		return 0;
	}
	}
	return bad_call(vm, "no such call", nr, gpa);
}

int hypercall(struct vm *vm, const struct image *kernel, unsigned nr, uint64_t gpa)
{
	int r;

	pthread_mutex_lock(&vm->lock);
	r = serve(vm, kernel, nr, gpa);
	pthread_mutex_unlock(&vm->lock);
	return r;
}
