/*
 * The KVM monitor (x86_64): one VM with KVM's interrupt controllers
 * (KVM_CREATE_IRQCHIP: a local APIC per vCPU, x2APIC and TSC-deadline
 * timer), --cpus vCPUs entered directly in 64-bit mode (vCPU 0 at the
 * kernel's entry, the others when the guest asks, vcpus.c), the kernel's
 * PT_LOAD segments copied to their physical addresses, the program file
 * and then the --initrd archive mapped copy-on-write into guest RAM, vCPU
 * threads that serve the hypercalls of include/bothy/abi.h (with the -v
 * shares of monitor/hostfs.c), virtio-mmio devices (the --net card,
 * virtio_net.c) with their I/O threads, and the main thread serving events
 * (events.c) until the guest ends.
 *
 * Guest RAM is one anonymous mapping that is never touched up front: the
 * host faults in only what the guest uses (docs/pvm.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "elf.h"
#include "hostfs.h"
#include "kvm.h"

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		die(BOTHY_EXIT_MONITOR, "KVM: %s: %s", what, strerror(errno));
	return r;
}

static void vm_create(struct vm *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region = {0};

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die(BOTHY_EXIT_MONITOR, "cannot open /dev/kvm: %s (try --vmm qemu)",
		    strerror(errno));
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die(BOTHY_EXIT_MONITOR, "/dev/kvm speaks an unknown KVM API version");
	vm->fd = kvm_ioctl(vm->kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die(BOTHY_EXIT_MONITOR, "cannot reserve %lu MiB of guest memory",
		    (unsigned long)(mem_size >> 20));
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
	/* Before any vCPU, so that each gets its local APIC. */
	kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
}

/* --cpus against what this KVM allows (KVM_CAP_MAX_VCPUS, else the
 * recommended KVM_CAP_NR_VCPUS, else 4 as the KVM API says). */
static void cpus_check(struct vm *vm, unsigned cpus)
{
	int max = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4;
	if (cpus > (unsigned)max)
		die(BOTHY_EXIT_MONITOR, "--cpus %u: this host's KVM allows at most %d vCPUs", cpus,
		    max);
	vm->ncpus = cpus;
}

/* Copy the kernel's segments to their physical addresses; returns the
 * end of the image (page aligned). Every segment is checked first. */
static uint64_t kernel_load(struct vm *vm, const struct image *k)
{
	const Elf64_Ehdr *eh = (const void *)k->data;
	uint64_t end = 0;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(k->data + eh->e_phoff + i * sizeof(*ph));
		void *dst;
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset > k->size || ph->p_filesz > k->size - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz || ph->p_paddr < BOTHY_GPA_KERNEL ||
		    !(dst = gpa_ptr(vm, ph->p_paddr, ph->p_memsz)))
			die(BOTHY_EXIT_MONITOR, "the kernel does not fit in %lu MiB of memory (-m)",
			    (unsigned long)(vm->mem_size >> 20));
		memcpy(dst, k->data + ph->p_offset, ph->p_filesz);
		/* The rest (.bss) is already zero: fresh anonymous memory. */
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
	}
	return (end + 4095) & ~4095ull;
}

/* The boot page tables: RAM at BOTHY_KERNEL_VBASE with 2 MiB pages. */
static void page_tables(struct vm *vm)
{
	uint64_t *pml4 = gpa_ptr(vm, BOTHY_GPA_PML4, 4096);
	uint64_t *pdpt = gpa_ptr(vm, BOTHY_GPA_PDPT, 4096);
	uint64_t *pd = gpa_ptr(vm, BOTHY_GPA_PD, 8192);

	pml4[511] = BOTHY_GPA_PDPT | 3;
	pdpt[510] = BOTHY_GPA_PD | 3;
	pdpt[511] = (BOTHY_GPA_PD + 4096) | 3;
	for (uint64_t i = 0; i < (vm->mem_size + (2 << 20) - 1) >> 21; i++)
		pd[i] = i << 21 | 0xe3; /* P RW A D PS */
}

/* Map `size` bytes of file fd at guest-physical `at` (page aligned),
 * copy-on-write; returns the first page after them. `what` names the
 * file in the error when it does not fit. */
static uint64_t file_place(struct vm *vm, int fd, uint64_t size, uint64_t at, const char *what)
{
	uint64_t len = (size + 4095) & ~4095ull;

	if (!gpa_ptr(vm, at, len))
		die(BOTHY_EXIT_MONITOR, "%s (%llu KiB) does not fit in %lu MiB (raise -m)", what,
		    (unsigned long long)(size >> 10), (unsigned long)(vm->mem_size >> 20));
	if (mmap(vm->mem + at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) ==
	    MAP_FAILED)
		die(BOTHY_EXIT_MONITOR, "cannot map %s: %s", what, strerror(errno));
	return at + len;
}

static void boot_info(struct vm *vm, const struct options *o, uint64_t kernel_end, uint64_t prog,
                      uint64_t prog_size, uint64_t initrd, uint64_t initrd_size)
{
	struct bothy_boot_info *bi = gpa_ptr(vm, BOTHY_GPA_BOOTINFO, sizeof(*bi));
	char *args = gpa_ptr(vm, BOTHY_GPA_ARGS, BOTHY_ARGS_MAX);
	struct winsize ws = {0};

	bi->magic = BOTHY_BOOT_MAGIC;
	bi->version = BOTHY_ABI_VERSION;
	bi->size = sizeof(*bi);
	bi->mem_size = vm->mem_size;
	bi->kernel_end = kernel_end;
	bi->prog_gpa = prog;
	bi->prog_size = prog_size;
	bi->initrd_gpa = initrd;
	bi->initrd_size = initrd_size;
	bi->args_gpa = BOTHY_GPA_ARGS;
	bi->args_size = boot_strings(o, args, BOTHY_ARGS_MAX);
	bi->argc = o->argc;
	bi->envc = o->envc;
	bi->flags = boot_flags(o);
	bi->log_level = o->log_level;
	bi->cpus = vm->ncpus;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0)
		bi->tty_rows = ws.ws_row, bi->tty_cols = ws.ws_col;
	if (getrandom(bi->seed, sizeof(bi->seed), 0) != sizeof(bi->seed))
		die(BOTHY_EXIT_MONITOR, "getrandom: %s", strerror(errno));
}

int run_kvm(const struct options *o)
{
	/* Static: big (the vCPUs), and a vCPU thread that does not stop
	 * (vcpus_stop()) may use them until exit. */
	static struct vm vm;
	static struct image kernel;
	struct image prog;
	uint64_t kernel_end, end, initrd_gpa = 0, view_size = 0, entry;
	int status, view = -1;

	program_open(o->program, &prog);
	kernel_open(o->kernel, &kernel);
	vm.kernel = &kernel;
	vm.log_level = o->log_level;
	pthread_mutex_init(&vm.lock, NULL);
	vm_create(&vm, o->mem_size);
	cpus_check(&vm, o->cpus);
	kernel_end = kernel_load(&vm, &kernel);
	page_tables(&vm);
	end = file_place(&vm, prog.fd, prog.size, kernel_end, "the program");
	/* The initrd: the default view (unless --root), then --initrd's
	 * archive right after it, so that its files take over. */
	if (!o->root && (view = rootfs_memfd(o, &view_size)) < 0)
		die(BOTHY_EXIT_MONITOR, "cannot make the guest's files: %s", strerror(-view));
	initrd_gpa = end;
	if (view >= 0) {
		end = file_place(&vm, view, view_size, end, "the program's libraries");
		close(view);
	}
	if (o->initrd)
		file_place(&vm, o->initrd_fd, o->initrd_size, end, "the initrd");
	boot_info(&vm, o, kernel_end, kernel_end, prog.size, initrd_gpa,
	          view_size + (o->initrd ? o->initrd_size : 0));
	net_devices_setup(&vm, &o->net,
	                  gpa_ptr(&vm, BOTHY_GPA_BOOTINFO, sizeof(struct bothy_boot_info)));
	if (o->nvolumes && !(vm.hostfs = hostfs_new(o->volumes, o->nvolumes, 0)))
		die(BOTHY_EXIT_MONITOR, "out of memory");
	entry = ((const Elf64_Ehdr *)kernel.data)->e_entry;
	for (unsigned i = 0; i < vm.ncpus; i++)
		vcpu_create(&vm, i, entry);
	vcpu_clock_info(&vm);
	events_setup(&vm);
	net_devices_start(&vm);
	vcpus_start(&vm);
	profile_start(&vm);
	status = events_loop(&vm);
	profile_stop();
	/* A thread that does not stop keeps what it uses: exit frees it. */
	if (vcpus_stop(&vm)) {
		hostfs_free(vm.hostfs);
		net_devices_stop(&vm);
	}
	if (o->log_level >= BOTHY_LOG_DEBUG)
		kvm_stats_print(&vm);
	return status;
}
