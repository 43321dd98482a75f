/*
 * vfs_init: the file tree the program starts with. "/" is a ramfs with /tmp
 * mounted on it, filled from the initrd; /dev, /proc and /sys; then the host directories
 * the monitor shares, mounted over whatever is at their paths; the
 * program's own file as /proc/self/exe (read in place from where the
 * monitor put it); and descriptors 0, 1 and 2 on the console.
 */
#include <errno.h>
#include <syscall.h>
#include <vfs.h>

struct inode *vfs_exe;

static void mount_or_warn(struct super_block *sb, const char *path)
{
	int r = sb ? vfs_mount(sb, path) : -ENOMEM;

	if (r)
		printk("bothy: cannot mount %s (error %d)\n", path, -r);
}

void vfs_init(void)
{
	struct super_block *root = ramfs_new(), *tmp;
	int r, host_root;

	if (!root)
		panic("no memory for the root file system");
	vfs_set_root(root);
	host_root = hostfs_mount_all(1); /* --root: a host tree is "/" instead */
	/* /tmp first: a program that lives under the host's /tmp, and the
	 * libraries it brings from there, must land in the guest's /tmp, not
	 * under it. (/dev, /proc and /sys come after the initrd, which may
	 * have its own /dev entries: those end up hidden, as on Linux.) */
	if ((tmp = ramfs_new())) /* its own file system, as a tmpfs is on Linux */
		tmp->root->mode = S_IFDIR | 01777;
	mount_or_warn(tmp, "/tmp");
	if (boot_info->initrd_size &&
	    (r = ramfs_load_cpio(PHYS_TO_VIRT(boot_info->initrd_gpa), boot_info->initrd_size))) {
		printk("bothy: the initrd is not a valid cpio (newc) archive (error %d)\n", -r);
		proc_exit(BOTHY_EXIT_MONITOR);
	}
	/* The program at its own path, as a user who looks for it expects
	 * (python finds its prefix that way). Not in a --root tree, where the
	 * host's file is there already; not over a file the initrd has. */
	if (!host_root && proc_exe_path[0] == '/')
		ramfs_add_file(proc_exe_path, PHYS_TO_VIRT(boot_info->prog_gpa),
		               boot_info->prog_size, 0755);
	mount_or_warn(devfs_new(), "/dev");
	if ((tmp = ramfs_new())) /* shm_open(3) */
		tmp->root->mode = S_IFDIR | 01777;
	mount_or_warn(tmp, "/dev/shm");
	mount_or_warn(procfs_new(), "/proc");
	mount_or_warn(sysfs_new(), "/sys");
	hostfs_mount_all(0);
	/* The program's own file, for /proc/self/exe (a magic link, as on
	 * Linux: it works whether or not the file is visible at its path). */
	vfs_exe = ramfs_file_inode(PHYS_TO_VIRT(boot_info->prog_gpa), boot_info->prog_size, 0755);
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = console_file(fd);
		if (!f || fd_install(f, fd, 0) != fd)
			panic("cannot open the console as descriptor %d", fd);
	}
}
