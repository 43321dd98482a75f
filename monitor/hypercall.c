/*
 * The hypercalls of include/bothy/abi.h. The guest is untrusted: every
 * struct and buffer address is translated with gpa_ptr(), which checks it
 * against guest RAM, before it is read or written.
 */
#include <errno.h>
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
	return 1;
}

static int64_t hc_io(struct vm *vm, int fd, uint64_t buf, uint64_t len, int write_it)
{
	void *p = gpa_ptr(vm, buf, len);
	ssize_t n;

	if (!p)
		return -EFAULT;
	do
		n = write_it ? write(fd, p, len) : read(fd, p, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
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

int hypercall(struct vm *vm, const struct image *kernel, unsigned nr, uint64_t gpa)
{
	static const uint64_t sizes[BOTHY_HC_MAX] = {
	    [BOTHY_HC_WRITE] = sizeof(struct bothy_hc_write),
	    [BOTHY_HC_READ] = sizeof(struct bothy_hc_read),
	    [BOTHY_HC_EXIT] = sizeof(struct bothy_hc_exit),
	    [BOTHY_HC_PANIC] = sizeof(struct bothy_hc_panic),
	    [BOTHY_HC_FS] = sizeof(struct bothy_hc_fs),
	};
	void *arg;

	if (nr == BOTHY_HC_RESERVED || nr >= BOTHY_HC_MAX)
		return bad_call(vm, "no such call", nr, gpa);
	if (gpa % 8 || !(arg = gpa_ptr(vm, gpa, sizes[nr])))
		return bad_call(vm, "argument outside guest RAM or misaligned", nr, gpa);
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
		return 1;
	case BOTHY_HC_PANIC:
		hc_panic(vm, kernel, arg);
		return 1;
	case BOTHY_HC_FS:
		hostfs_call(vm, arg);
		return 0;
	}
	return bad_call(vm, "no such call", nr, gpa);
}
