/* clang-format off */
/* unit-test-sources: monitor/hypercall.c monitor/gpa.c tests/unit/stubs_monitor.c monitor/hostfs.c monitor/hostfs_ops.c */
/* clang-format on */
/*
 * Unit tests of the monitor's hypercall validation (monitor/hypercall.c):
 * a hostile guest's addresses and lengths must be refused before the
 * monitor touches memory. The guest RAM here is a heap buffer, so
 * AddressSanitizer catches any access outside it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm.h"
#include "test.h"

#define RAM (64 * 1024)

static struct vm vm;

static void setup(void)
{
	free(vm.mem);
	memset(&vm, 0, sizeof(vm));
	vm.mem = calloc(1, RAM);
	vm.mem_size = RAM;
}

static struct bothy_hc_write *write_at(uint64_t gpa, uint64_t fd, uint64_t buf, uint64_t len)
{
	struct bothy_hc_write *w = (void *)(vm.mem + gpa);

	*w = (struct bothy_hc_write){.fd = fd, .buf = buf, .len = len, .ret = 12345};
	return w;
}

static void write_reaches_the_host(void)
{
	int p[2];
	char got[8] = {0};

	setup();
	CHECK_EQ(pipe(p), 0);
	memcpy(vm.mem + 0x1000, "hello", 5);
	/* Point fd 1 at the pipe for the duration of the call. */
	int saved = dup(1);
	dup2(p[1], 1);
	struct bothy_hc_write *w = write_at(0x100, 1, 0x1000, 5);
	int r = hypercall(&vm, NULL, BOTHY_HC_WRITE, 0x100);
	dup2(saved, 1);
	close(saved);
	CHECK_EQ(r, 0);
	CHECK_EQ(w->ret, 5);
	CHECK_EQ(read(p[0], got, sizeof(got)), 5);
	CHECK_STR(got, "hello");
	close(p[0]);
	close(p[1]);
}

static void buffers_outside_ram_are_efault(void)
{
	static const uint64_t bufs[][2] = {
	    {RAM, 1},        /* starts at the end */
	    {RAM - 4, 5},    /* runs past the end */
	    {0x1000, ~0ull}, /* huge length */
	    {~0ull - 3, 8},  /* address + length wraps around */
	    {0x1000, RAM},   /* longer than RAM */
	};

	setup();
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		struct bothy_hc_write *w = write_at(0x100, 2, bufs[i][0], bufs[i][1]);
		CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, 0x100), 0);
		CHECK_EQ(w->ret, (uint64_t)-EFAULT);
		struct bothy_hc_read *r = (void *)(vm.mem + 0x200);
		*r = (struct bothy_hc_read){.fd = 0, .buf = bufs[i][0], .len = bufs[i][1]};
		CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_READ, 0x200), 0);
		CHECK_EQ(r->ret, (uint64_t)-EFAULT);
	}
}

static void wrong_descriptors_are_ebadf(void)
{
	setup();
	struct bothy_hc_write *w = write_at(0x100, 0, 0x1000, 1);
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, 0x100), 0);
	CHECK_EQ(w->ret, (uint64_t)-EBADF);
	w = write_at(0x100, 7, 0x1000, 1);
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, 0x100), 0);
	CHECK_EQ(w->ret, (uint64_t)-EBADF);
	struct bothy_hc_read *r = (void *)(vm.mem + 0x200);
	*r = (struct bothy_hc_read){.fd = 1, .buf = 0x1000, .len = 1};
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_READ, 0x200), 0);
	CHECK_EQ(r->ret, (uint64_t)-EBADF);
}

static void bad_structs_end_the_vm(void)
{
	setup();
	/* The struct itself outside RAM, straddling its end, or misaligned. */
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, RAM), 1);
	CHECK_EQ(vm.exit_status, BOTHY_EXIT_KERNEL_FAULT);
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, RAM - 16), 1);
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_WRITE, 0x104), 1);
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_PANIC, RAM - 8), 1);
	/* Unknown numbers, including the reserved 0. */
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_RESERVED, 0x100), 1);
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_MAX, 0x100), 1);
	CHECK_EQ(vm.exit_status, BOTHY_EXIT_KERNEL_FAULT);
}

static void exit_takes_the_low_byte(void)
{
	setup();
	struct bothy_hc_exit *e = (void *)(vm.mem + 0x100);
	e->status = 0x1234;
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_EXIT, 0x100), 1);
	CHECK_EQ(vm.exit_status, 0x34);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(write_reaches_the_host);
	TEST_RUN(buffers_outside_ram_are_efault);
	TEST_RUN(wrong_descriptors_are_ebadf);
	TEST_RUN(bad_structs_end_the_vm);
	TEST_RUN(exit_takes_the_low_byte);
	return test_summary("hypercall");
}
