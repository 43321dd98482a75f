/*
 * The generic kernel: with boot_info checked by the platform's entry code,
 * set up the CPU, memory, clock and random generator, and start the
 * program. exec_start() does not return when it succeeds.
 */
#include <arch.h>
#include <errno.h>
#include <exec.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <random.h>
#include <sched.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>
#include <virtio.h>

const struct platform *platform;
struct bothy_boot_info *boot_info;
unsigned log_level = BOTHY_LOG_WARN;
const char *proc_exe_path = "";

#define MAX_ARGS 4096
/* Where --crash-kernel writes: a user address nothing maps at boot. */
uint64_t crash_address = 16;

const char *proc_exe_basename(void)
{
	const char *s = strrchr(proc_exe_path, '/');

	return s ? s + 1 : proc_exe_path;
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("bothy kernel: panic: %s\n", buf);
	arch_panic();
}

/* Split the strings area into argv, envp and the program path. */
static int split_args(const char **argv, const char **envp, const char **exe)
{
	const char *s = PHYS_TO_VIRT(boot_info->args_gpa), *end = s + boot_info->args_size;
	unsigned n = boot_info->argc + boot_info->envc + 1;

	if (boot_info->argc == 0 || n > MAX_ARGS)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++) {
		if (s >= end)
			return -E2BIG;
		if (i < boot_info->argc)
			argv[i] = s;
		else if (i < n - 1)
			envp[i - boot_info->argc] = s;
		else
			*exe = s;
		s += strnlen(s, end - s) + 1;
	}
	argv[boot_info->argc] = NULL;
	envp[boot_info->envc] = NULL;
	return 0;
}

static void mm_setup(void)
{
	const struct bothy_boot_info *bi = boot_info;

	mm_init(bi->mem_size);
	mm_reserve(0, bi->kernel_end); /* low memory, boot data, the kernel */
	mm_reserve(bi->prog_gpa, bi->prog_size);
	if (bi->initrd_size)
		mm_reserve(bi->initrd_gpa, bi->initrd_size);
}

/* Boot phases and when they ended (TSC), printed at --log debug. */
static struct {
	const char *name;
	uint64_t tsc;
} phases[16];
static unsigned nphases;

void boot_phase(const char *name)
{
	if (nphases < ARRAY_SIZE(phases))
		phases[nphases].name = name, phases[nphases++].tsc = arch_cycles();
}

void boot_phases_print(void)
{
	if (log_level < BOTHY_LOG_DEBUG)
		return;
	for (unsigned i = 1; i < nphases; i++)
		printk("bothy: boot: %s: %lu kcycles\n", phases[i].name,
		       (unsigned long)((phases[i].tsc - phases[i - 1].tsc) / 1000));
}

void kmain(void)
{
	static const char *argv[MAX_ARGS], *envp[MAX_ARGS];
	const char *why = "", *exe = "";
	int r;

	log_level = boot_info->log_level;
	boot_phase("entry");
	arch_cpu_init();
	arch_boot_done();
	boot_phase("cpu");
	mm_setup();
	boot_phase("memory");
	time_init();
	random_init(boot_info->seed);
	boot_phase("clock and random");
	{
		uint64_t size;
		void *stack = arch_main_kstack(&size);
		kernel_lock();
		sched_init(stack, size);
	}
	arch_timers_init();
	sched_start_cpus();
	boot_phase("threads and CPUs");
	if (boot_info->flags & BOTHY_BOOT_CRASH) { /* bothy run --crash-kernel */
		volatile uint64_t *unmapped = (volatile uint64_t *)(uintptr_t)crash_address;
		*unmapped = 0;
	}
	r = split_args(argv, envp, &exe);
	if (r) {
		printk("bothy: too many arguments\n");
		proc_exit(BOTHY_EXIT_NOEXEC);
	}
	proc_exe_path = exe;
	vfs_init();
	boot_phase("files");
	net_init();
	virtio_init();
	net_wait_configured();
	boot_phase("network");
	r = exec_start(boot_info->prog_gpa, boot_info->prog_size, boot_info->argc, argv,
	               boot_info->envc, envp, exe, &why);
	if (r == -ENOEXEC)
		printk("bothy: %s: %s\n", exe, why);
	else if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -EACCES) {
		/* As execve(2) fails for a missing interpreter; a shell says 127. */
		printk("bothy: %s: cannot load its interpreter %s: %s\n", exe, why,
		       r == -ENOENT ? "not in the guest's files" : "not usable");
		proc_exit(BOTHY_EXIT_NOENT);
	} else
		printk("bothy: %s: cannot start: %s\n", exe,
		       r == -ENOMEM ? "out of memory (raise -m)" : "arguments too long");
	proc_exit(BOTHY_EXIT_NOEXEC);
}
