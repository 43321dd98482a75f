/*
 * The QEMU platform (PVH boot): stdout on COM1, stderr on COM2 (16550
 * UARTs), the exit status as one byte on COM3, then isa-debug-exit at
 * port 0xf4 to stop QEMU, the program and its arguments in the initrd (cpio), the
 * clock calibrated against the PIT and the CMOS RTC, the other CPUs from
 * the ACPI MADT (smp_pvh.c), the virtio-mmio devices and the network
 * configuration from the kernel command line (kernel/lib/bootcmd.h) or
 * QEMU microvm's virtio-mmio slots.
 */
#include <arch/cpu.h>
#include <bootcmd.h>
#include <cpio.h>
#include <errno.h>
#include <string.h>
#include <virtio.h>

#include "arch.h"
#include "pvh.h"
#include "smp_pvh.h"

#define COM1            0x3f8
#define COM2            0x2f8
#define COM3            0x3e8
#define DEBUG_EXIT_PORT 0xf4

static int com2_present, com3_present;
static const uint8_t *stdin_data;
static size_t stdin_size, stdin_off;

static void uart_write(uint16_t port, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (!(inb(port + 5) & 0x20)) /* LSR: THR empty */
			cpu_relax();
		outb(port, s[i]);
	}
}

/* The scratch register tells whether a UART is there. */
static int uart_present(uint16_t port)
{
	outb(port + 7, 0x5a);
	return inb(port + 7) == 0x5a;
}

static long pvh_write(int fd, const void *buf, size_t len)
{
	uart_write(fd == 2 && com2_present ? COM2 : COM1, buf, len);
	return (long)len;
}

static long pvh_read(void *buf, size_t len)
{
	size_t n = MIN(len, stdin_size - stdin_off);

	memcpy(buf, stdin_data + stdin_off, n);
	stdin_off += n;
	return (long)n;
}

static __noreturn void pvh_exit(int status)
{
	char code = (char)status;

	if (com3_present)
		uart_write(COM3, &code, 1);
	outl(DEBUG_EXIT_PORT, (uint32_t)status & 0xff);
	for (;;) /* no isa-debug-exit device: stop here */
		asm volatile("cli; hlt");
}

static __noreturn void pvh_fault(struct bothy_hc_panic *p)
{
	printk("bothy kernel: backtrace (addr2line -e bothy-x86_64.elf):");
	for (uint64_t i = 0; i < p->nframes; i++)
		printk(" %lx", (unsigned long)p->frames[i]);
	printk("\n");
	pvh_exit(BOTHY_EXIT_KERNEL_FAULT);
}

static const struct platform pvh_platform = {
    .name = "qemu-pvh",
    .console_write = pvh_write,
    .console_read = pvh_read,
    .exit = pvh_exit,
    .fault = pvh_fault,
    .cpu_on = pvh_cpu_on,
};

static struct bothy_boot_info pvh_boot_info;

static __noreturn void pvh_die(const char *why)
{
	printk("bothy kernel: %s\n", why);
	pvh_exit(BOTHY_EXIT_KERNEL_FAULT);
}

/* RAM is [0, end of the E820 RAM range holding 1 MiB), at most 2 GiB. */
static uint64_t pvh_mem_size(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *m = PHYS_TO_VIRT(si->memmap_paddr);

	if (si->version < 1 || !si->memmap_paddr)
		pvh_die("PVH start info has no memory map");
	for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++)
		if (m[i].type == 1 && m[i].addr <= BOTHY_GPA_KERNEL &&
		    m[i].addr + m[i].size > BOTHY_GPA_KERNEL)
			return ALIGN_DOWN(MIN(m[i].addr + m[i].size, BOTHY_MEM_MAX), PAGE_SIZE);
	pvh_die("no RAM at 1 MiB in the PVH memory map");
}

static uint64_t rtc_read(uint8_t reg)
{
	uint8_t v;

	outb(0x70, reg);
	v = inb(0x71);
	return (v & 15) + (v >> 4) * 10; /* BCD */
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(uint64_t y, uint64_t m, uint64_t d)
{
	y -= m <= 2;
	uint64_t era = y / 400, yoe = y - era * 400;
	uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static uint64_t rtc_seconds(void)
{
	while (outb(0x70, 0x0a), inb(0x71) & 0x80) /* update in progress */
		cpu_relax();
	uint64_t s = rtc_read(0), mi = rtc_read(2), h = rtc_read(4);
	uint64_t d = rtc_read(7), mo = rtc_read(8), y = 2000 + rtc_read(9);
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* PIT channel 0's counter, latched (8254 data sheet: counter latch). */
static uint16_t pit_count(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x00);
	lo = inb(0x40);
	hi = inb(0x40);
	return (uint16_t)(hi << 8 | lo);
}

/*
 * TSC kHz: TSC ticks over 10 ms of the PIT (1193182 Hz), read from
 * channel 0 counting down from 65536 in mode 2. (Channel 2's output on
 * port 0x61 needs the PC speaker, which microvm does not have.)
 */
static uint64_t tsc_calibrate(void)
{
	uint32_t elapsed = 0, want = 11932;
	uint16_t prev, now;
	uint64_t t0, t1;

	outb(0x43, 0x34); /* channel 0, lo/hi byte, mode 2 */
	outb(0x40, 0);
	outb(0x40, 0);
	prev = pit_count();
	t0 = rdtsc();
	while (elapsed < want) {
		now = pit_count();
		elapsed += (uint16_t)(prev - now);
		prev = now;
	}
	t1 = rdtsc();
	return (t1 - t0) * 1193182ull / ((uint64_t)elapsed * 1000);
}

static void pvh_load_initrd(const struct hvm_start_info *si, struct bothy_boot_info *bi)
{
	const struct hvm_modlist_entry *mod = PHYS_TO_VIRT(si->modlist_paddr);
	struct cpio_entry prog, args, in;
	const void *cpio;
	const struct pvh_args *a;

	if (!si->nr_modules || mod->paddr + mod->size > bi->mem_size)
		pvh_die("no initrd: boot with -initrd (bothy run --vmm qemu builds it)");
	cpio = PHYS_TO_VIRT(mod->paddr);
	if (cpio_find(cpio, mod->size, PVH_FILE_PROGRAM, &prog) ||
	    cpio_find(cpio, mod->size, PVH_FILE_ARGS, &args) || args.size < sizeof(*a))
		pvh_die("the initrd has no " PVH_FILE_PROGRAM " or " PVH_FILE_ARGS);
	a = args.data;
	bi->initrd_gpa = mod->paddr;
	bi->initrd_size = mod->size;
	bi->prog_gpa = VIRT_TO_PHYS(prog.data);
	bi->prog_size = prog.size;
	bi->args_gpa = VIRT_TO_PHYS(a + 1);
	bi->args_size = args.size - sizeof(*a);
	bi->argc = a->argc;
	bi->envc = a->envc;
	bi->flags = a->flags;
	bi->log_level = a->log_level;
	memcpy(bi->seed, a->seed, sizeof(bi->seed));
	if (bi->args_size && ((const char *)(a + 1))[bi->args_size - 1])
		pvh_die("bad " PVH_FILE_ARGS);
	if (!cpio_find(cpio, mod->size, PVH_FILE_STDIN, &in))
		stdin_data = in.data, stdin_size = in.size;
}

#define CMDLINE_MAX 4096 /* bytes of the command line looked at */

/*
 * QEMU microvm's virtio-mmio slots (QEMU 6.0 and later, hw/i386/microvm.c):
 * 512 bytes each from 0xfeb00000. With ACPI (the default) QEMU lists the
 * devices in the DSDT only, not on the command line, so the kernel looks
 * at each slot (an empty one reads DeviceID 0). Their lines: GSIs 24-47 on
 * the second I/O APIC when there is one, else GSIs 16-23 with ACPI, else
 * GSIs 5-12. Only where there is no PCI bus behind ports 0xcf8/0xcfc
 * (QEMU pc and q35 have one, and PCI memory may sit at these addresses).
 */
#define MICROVM_MMIO_BASE 0xfeb00000ull
#define MICROVM_MMIO_SIZE 512

static void microvm_slots(void)
{
	unsigned n = 8, gsi = 5;

	if (virtio_pci_bus)
		return;
	if (pvh_nioapics >= 2 && pvh_ioapics[1].gsi_base == 24)
		n = 24, gsi = 24;
	else if (pvh_nioapics >= 1)
		gsi = 16;
	for (unsigned i = 0; i < n && i < VIRTIO_MMIO_PLATFORM_MAX; i++)
		virtio_mmio_platform[i] =
		    (struct virtio_mmio_slot){MICROVM_MMIO_BASE + i * MICROVM_MMIO_SIZE,
		                              MICROVM_MMIO_SIZE,
		                              {IRQ_GSI, gsi + i, IRQ_LEVEL},
		                              1};
	virtio_mmio_nplatform = MIN(n, VIRTIO_MMIO_PLATFORM_MAX);
}

/* The kernel command line: virtio-mmio devices (level-triggered, active
 * high I/O APIC lines, as QEMU microvm's are; else microvm's slots) and
 * bi->net. */
static void pvh_cmdline(const struct hvm_start_info *si, struct bothy_boot_info *bi)
{
	static struct bootcmd bc; /* 1.5 KiB: not on the boot stack */
	uint64_t pa = si->cmdline_paddr, len;
	char word[64];

	if (!pa || pa >= bi->mem_size) {
		microvm_slots();
		return;
	}
	len = MIN(bi->mem_size - pa, CMDLINE_MAX);
	if (bootcmd_parse(PHYS_TO_VIRT(pa), len, &bc) && bi->log_level >= BOTHY_LOG_WARN) {
		size_t n = MIN(bc.bad_len, sizeof(word) - 1);
		memcpy(word, (const char *)PHYS_TO_VIRT(pa) + bc.bad_off, n);
		word[n] = 0;
		printk("bothy: kernel command line: %u malformed word(s) ignored, first: %s\n",
		       bc.bad, word);
	}
	for (unsigned i = 0; i < bc.nvirtio && i < VIRTIO_MMIO_PLATFORM_MAX; i++) {
		virtio_mmio_platform[i].pa = bc.virtio[i].base;
		virtio_mmio_platform[i].size = bc.virtio[i].size;
		virtio_mmio_platform[i].irq =
		    (struct irq_source){IRQ_GSI, bc.virtio[i].gsi, IRQ_LEVEL};
	}
	virtio_mmio_nplatform = MIN(bc.nvirtio, VIRTIO_MMIO_PLATFORM_MAX);
	bi->net = bc.net;
	if (!bc.nvirtio)
		microvm_slots();
}

void pvh_main(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = PHYS_TO_VIRT(start_info_pa);
	struct bothy_boot_info *bi = &pvh_boot_info;
	extern char _kernel_end[];

	platform = &pvh_platform;
	com2_present = uart_present(COM2);
	com3_present = uart_present(COM3);
	outb(0x21, 0xff); /* mask the legacy PICs */
	outb(0xa1, 0xff);
	if (si->magic != HVM_START_MAGIC_VALUE)
		pvh_die("bad PVH start info magic");
	bi->magic = BOTHY_BOOT_MAGIC;
	bi->version = BOTHY_ABI_VERSION;
	bi->size = sizeof(*bi);
	bi->mem_size = pvh_mem_size(si);
	bi->kernel_end = VIRT_TO_PHYS(_kernel_end);
	pvh_load_initrd(si, bi);
	bi->cpus = pvh_cpus_find(si, bi->log_level);
	outl(0xcf8, 0x80000000u); /* PCI bus 0, device 0, function 0: vendor ID */
	virtio_pci_bus = (inl(0xcfc) & 0xffff) != 0xffff;
	pvh_cmdline(si, bi);
	bi->tsc_khz = tsc_calibrate();
	bi->realtime_tsc = rdtsc();
	bi->realtime_ns = rtc_seconds() * 1000000000ull;
	boot_info = bi;
}
