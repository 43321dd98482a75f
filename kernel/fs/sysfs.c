/*
 * sysfs, mounted read-only at /sys (sysfs(5)), as a container sees it:
 * the CPU lists glibc's sysconf(_SC_NPROCESSORS_*) reads, one directory
 * per CPU, the clock source, and the transparent huge page settings that
 * allocators (jemalloc, redis) check. /sys/fs is empty: no SELinux.
 */
#include <errno.h>
#include <string.h>

#include "synth.h"

#define ST_DEV_SYSFS 0x14

static unsigned ncpus(void)
{
	return boot_info->cpus ? boot_info->cpus : 1;
}

/* A CPU list (cpuset(7) "list format"): "0" or "0-N". */
static void show_cpus(struct synth_buf *s, long id)
{
	(void)id;
	if (ncpus() > 1)
		synth_printf(s, "0-%u\n", ncpus() - 1);
	else
		synth_puts(s, "0\n");
}

static void cpu_list(uint64_t *ids)
{
	memset(ids, 0, SYNTH_DYN_MAX / 8);
	for (unsigned c = 0; c < ncpus() && c < SYNTH_DYN_MAX; c++)
		ids[c / 64] |= 1ull << (c % 64);
}

static int cpu_exists(struct inode *inode, long id)
{
	(void)inode;
	return id < (long)ncpus() ? 0 : -ENOENT;
}

static struct synth_node cpu_dir = {
    .mode = S_IFDIR | 0755,
    .setup = cpu_exists,
};
static const struct synth_dyn cpu_dyn = {&cpu_dir, "cpu", cpu_list};

static struct synth_node cpu_nodes[] = {
    SYNTH_TEXT("kernel_max", 0444, "8191\n"),
    SYNTH_FILE("online", 0444, show_cpus),
    SYNTH_FILE("possible", 0444, show_cpus),
    SYNTH_FILE("present", 0444, show_cpus),
    SYNTH_END,
};
static struct synth_node clocksource0_nodes[] = {
    SYNTH_TEXT("available_clocksource", 0444, "tsc \n"),
    SYNTH_TEXT("current_clocksource", 0644, "tsc\n"),
    SYNTH_END,
};
static struct synth_node clocksource_nodes[] = {
    SYNTH_DIR("clocksource0", 0755, clocksource0_nodes),
    SYNTH_END,
};
static struct synth_node system_nodes[] = {
    SYNTH_DIR("clocksource", 0755, clocksource_nodes),
    {.name = "cpu", .mode = S_IFDIR | 0755, .children = cpu_nodes, .dyn = &cpu_dyn},
    SYNTH_END,
};
static struct synth_node devices_nodes[] = {
    SYNTH_DIR("system", 0755, system_nodes),
    SYNTH_END,
};
static struct synth_node thp_nodes[] = {
    SYNTH_TEXT("defrag", 0644, "always defer defer+madvise [madvise] never\n"),
    SYNTH_TEXT("enabled", 0644, "always [madvise] never\n"),
    SYNTH_TEXT("hpage_pmd_size", 0444, "2097152\n"),
    SYNTH_END,
};
static struct synth_node mm_nodes[] = {
    SYNTH_DIR("transparent_hugepage", 0755, thp_nodes),
    SYNTH_END,
};
static struct synth_node kernel_nodes[] = {
    SYNTH_DIR("mm", 0755, mm_nodes),
    SYNTH_END,
};
static struct synth_node sys_nodes[] = {
    SYNTH_DIR("devices", 0755, devices_nodes),
    SYNTH_DIR("fs", 0755, NULL),
    SYNTH_DIR("kernel", 0755, kernel_nodes),
    SYNTH_END,
};
static struct synth_node sys_root = SYNTH_DIR("sys", 0555, sys_nodes);

static struct super_block sysfs_sb = {
    .type = "sysfs",
    .dev = ST_DEV_SYSFS,
    .flags = SB_RDONLY,
    .statfs_type = SYSFS_MAGIC,
};

/* sysfs_new - the /sys file system, read-only (one per boot: later calls
 * return the same super block). NULL if out of memory. */
struct super_block *sysfs_new(void)
{
	if (!sysfs_sb.root && synth_mount(&sysfs_sb, &sys_root))
		return NULL;
	return &sysfs_sb;
}
