/*
 * The Bothy monitor platform: console, exit and fault reports through the
 * hypercalls of include/bothy/abi.h. bothy_main() checks the boot
 * information before the kernel uses any of it: the monitor is not
 * trusted blindly either.
 */
#include <arch/cpu.h>
#include <errno.h>
#include <string.h>

#include "arch.h"

void hc_call(unsigned nr, void *arg)
{
	outl(BOTHY_HC_PORT_BASE + nr, (uint32_t)VIRT_TO_PHYS(arg));
}

/* Bounce buffer: hypercall structs and data must be in RAM below 4 GiB,
 * which the kernel image is; user buffers are copied through it. */
static char bounce[4096] __attribute__((aligned(64)));

static long hc_write(int fd, const void *buf, size_t len)
{
	struct bothy_hc_write w = {.fd = fd, .buf = VIRT_TO_PHYS(bounce)};
	size_t done = 0;

	while (done < len) {
		w.len = MIN(len - done, sizeof(bounce));
		memcpy(bounce, (const char *)buf + done, w.len);
		hc_call(BOTHY_HC_WRITE, &w);
		if (w.ret < 0)
			return done ? (long)done : w.ret;
		done += w.ret;
		if ((size_t)w.ret < w.len)
			break;
	}
	return (long)done;
}

static long hc_read(void *buf, size_t len)
{
	struct bothy_hc_read r = {.fd = 0, .buf = VIRT_TO_PHYS(bounce)};

	r.len = MIN(len, sizeof(bounce));
	hc_call(BOTHY_HC_READ, &r);
	if (r.ret > 0) {
		if ((uint64_t)r.ret > r.len)
			return -EIO; /* the monitor said more than it may */
		memcpy(buf, bounce, r.ret);
	}
	return r.ret;
}

static __noreturn void hc_exit(int status)
{
	struct bothy_hc_exit e = {.status = (uint64_t)status & 0xff};

	for (;;)
		hc_call(BOTHY_HC_EXIT, &e);
}

static __noreturn void hc_fault(struct bothy_hc_panic *p)
{
	for (;;)
		hc_call(BOTHY_HC_PANIC, p);
}

static const struct platform hc_platform = {
	.name = "bothy",
	.console_write = hc_write,
	.console_read = hc_read,
	.exit = hc_exit,
	.fault = hc_fault,
};

static int range_in_ram(uint64_t pa, uint64_t len, uint64_t mem)
{
	return pa + len >= pa && pa + len <= mem;
}

/* A bad boot_info cannot be reported through it: say so and stop. */
static __noreturn void bad_boot(const char *why)
{
	platform = &hc_platform;
	printk("bothy kernel: bad boot information from the monitor: %s\n", why);
	hc_exit(BOTHY_EXIT_KERNEL_FAULT);
}

void bothy_main(void)
{
	struct bothy_boot_info *bi = PHYS_TO_VIRT(BOTHY_GPA_BOOTINFO);
	uint64_t mem = bi->mem_size;

	if (bi->magic != BOTHY_BOOT_MAGIC || bi->version != BOTHY_ABI_VERSION ||
	    bi->size != sizeof(*bi))
		bad_boot("magic, version or size");
	if (mem < BOTHY_MEM_MIN || mem > BOTHY_MEM_MAX || mem % PAGE_SIZE)
		bad_boot("memory size");
	if (!range_in_ram(bi->prog_gpa, bi->prog_size, mem) || bi->prog_gpa % PAGE_SIZE ||
	    bi->prog_gpa < bi->kernel_end || !range_in_ram(bi->initrd_gpa, bi->initrd_size, mem))
		bad_boot("program or initrd outside RAM");
	if (bi->args_gpa != BOTHY_GPA_ARGS || bi->args_size > BOTHY_ARGS_MAX ||
	    (bi->args_size && ((char *)PHYS_TO_VIRT(bi->args_gpa))[bi->args_size - 1]))
		bad_boot("argument strings");
	platform = &hc_platform;
	boot_info = bi;
}
