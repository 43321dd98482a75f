/* Kernel-wide helpers: console output, panic, alignment, address map. */
#ifndef BOTHY_KERNEL_H
#define BOTHY_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <bothy/abi.h>

#define PAGE_SIZE        4096ul
#define PAGE_SHIFT       12
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (a)-1, (a))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))
#define __unused         __attribute__((unused))
#define __noreturn       __attribute__((noreturn))
#define __printf(a, b)   __attribute__((format(printf, a, b)))

/* The kernel sees all of RAM at BOTHY_KERNEL_VBASE + physical address. */
#define PHYS_TO_VIRT(pa) ((void *)((uintptr_t)(pa) + BOTHY_KERNEL_VBASE))
#define VIRT_TO_PHYS(va) ((uint64_t)(uintptr_t)(va)-BOTHY_KERNEL_VBASE)

/*
 * The platform: how this boot talks to the outside world. Chosen at boot
 * (the Bothy monitor's hypercalls, or QEMU's devices under PVH).
 */
struct platform {
	const char *name;
	/* console_write - write len bytes to the host's fd 1 or 2. -errno. */
	long (*console_write)(int fd, const void *buf, size_t len);
	/* console_read - read at most len bytes of stdin; 0 at EOF. -errno. */
	long (*console_read)(void *buf, size_t len);
	/* exit - end the VM with `status` (0..255). */
	__noreturn void (*exit)(int status);
	/* fault - report a kernel fault (registers, frames) and end the VM. */
	__noreturn void (*fault)(struct bothy_hc_panic *p);
	/* fs_call - serve a BOTHY_HC_FS request (host directories); NULL
	 * where there is no monitor to share them. The result is in req->ret. */
	void (*fs_call)(struct bothy_hc_fs *req);
	/* cpu_on - start another vCPU (BOTHY_HC_CPU_ON); NULL where CPUs
	 * cannot be started this way. 0 or -errno (also in on->ret). */
	int (*cpu_on)(struct bothy_hc_cpu_on *on);
	/* events - the monitor raises events (BOTHY_VECTOR_EVENT): stdin
	 * readiness and signals from the host. */
	int events;
};
extern const struct platform *platform;
extern struct bothy_boot_info *boot_info;

/* The log level of this boot (enum bothy_log_level). */
extern unsigned log_level;

/* printk - format (a printf(3) subset: %d %i %u %x %lx %p %s %c %%, with
 * l/ll/z length, 0 and width) to the console's stderr. */
__printf(1, 2) void printk(const char *fmt, ...);
/* snprintf/vsnprintf - the same subset into buf; returns the length the
 * full output would have had (C11 7.21.6.5). */
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* panic - report a kernel bug with a backtrace and end the VM with
 * BOTHY_EXIT_KERNEL_FAULT. */
__printf(1, 2) __noreturn void panic(const char *fmt, ...);

#define assert(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__);             \
	} while (0)

/* boot_phase - note that boot phase `name` ended now; boot_phases_print
 * - print how long each took, at --log debug. */
void boot_phase(const char *name);
void boot_phases_print(void);

/* kmain - the generic kernel, entered from the architecture's boot code
 * with the boot information filled in. */
__noreturn void kmain(void);

#endif
