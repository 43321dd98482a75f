/*
 * The Bothy monitor platform: console, exit and fault reports through the
 * hypercalls of include/bothy/abi.h. bothy_main() checks the boot
 * information before the kernel uses any of it: the monitor is not
 * trusted blindly either.
 */
#include <arch/cpu.h>
#include <errno.h>
#include <mm.h>
#include <string.h>

#include "arch.h"

void hc_call(unsigned nr, void *arg)
{
	outl(BOTHY_HC_PORT_BASE + nr, (uint32_t)VIRT_TO_PHYS(arg));
}

/*
 * The guest-physical run that starts at kernel or program address p and
 * is contiguous for at most len bytes. Program pages are handed to the
 * monitor where they are, without a copy (a copy is one emulated
 * instruction per byte under PVM). 0 or -EFAULT.
 */
static int phys_run(const char *p, size_t len, unsigned access, uint64_t *pa, size_t *n)
{
	uint64_t va = (uint64_t)p, next;

	if (va >= BOTHY_KERNEL_VBASE) {
		*pa = VIRT_TO_PHYS(p);
		*n = len;
		return 0;
	}
	if (vm_phys(va, access, pa))
		return -EFAULT;
	*n = MIN(len, PAGE_SIZE - va % PAGE_SIZE);
	while (*n < len && !vm_phys(va + *n, access, &next) && next == *pa + *n)
		*n += MIN(len - *n, PAGE_SIZE);
	return 0;
}

static long hc_write(int fd, const void *buf, size_t len)
{
	struct bothy_hc_write w = {.fd = fd};
	size_t done = 0, n;

	while (done < len) {
		if (phys_run((const char *)buf + done, len - done, PROT_READ, &w.buf, &n))
			return done ? (long)done : -EFAULT;
		w.len = n;
		hc_call(BOTHY_HC_WRITE, &w);
		if (w.ret < 0)
			return done ? (long)done : w.ret;
		if ((uint64_t)w.ret > n)
			return -EIO; /* the monitor said more than it may */
		done += w.ret;
		if ((size_t)w.ret < n)
			break;
	}
	return (long)done;
}

static long hc_read(void *buf, size_t len)
{
	struct bothy_hc_read r = {.fd = 0};
	size_t n;

	if (phys_run(buf, len, PROT_WRITE, &r.buf, &n))
		return -EFAULT;
	r.len = n; /* one run: read(2) may return less than asked */
	hc_call(BOTHY_HC_READ, &r);
	if (r.ret > 0 && (uint64_t)r.ret > r.len)
		return -EIO;
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

static void hc_fs(struct bothy_hc_fs *req)
{
	hc_call(BOTHY_HC_FS, req);
}

static int hc_cpu_on(struct bothy_hc_cpu_on *on)
{
	on->ret = -EIO;
	hc_call(BOTHY_HC_CPU_ON, on);
	return (int)on->ret;
}

static const struct platform hc_platform = {
    .name = "bothy",
    .console_write = hc_write,
    .console_read = hc_read,
    .exit = hc_exit,
    .fault = hc_fault,
    .fs_call = hc_fs,
    .cpu_on = hc_cpu_on,
    .events = 1,
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
	if (bi->cpus < 1 || bi->cpus > BOTHY_CPUS_MAX)
		bad_boot("number of CPUs");
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
