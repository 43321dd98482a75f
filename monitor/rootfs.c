/*
 * The files a program sees by default, without --root: a generated,
 * minimal /etc, and for a dynamically linked program its interpreter and
 * the closure of its DT_NEEDED libraries at their host paths, read from
 * the host now (monitor/closure.c). They travel as a cpio archive in the
 * initrd, so they reach the guest without a single hypercall: on PVM an
 * exit and the guest's work around it cost far more than the copy here
 * (docs/pvm.md). The program's own file is added by the kernel, from the
 * copy it already has. docs/files.md, "The default view", has the rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "closure.h"
#include "cpio_out.h"
#include "monitor.h"

/* What glibc's NSS and resolver, and musl's, read (passwd(5), group(5),
 * nsswitch.conf(5), hosts(5), resolv.conf(5)). The guest runs the program
 * as root, on a machine called "bothy" (uname(2) in the kernel). */
static const struct {
	const char *name, *text;
} etc_files[] = {
    {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
    {"etc/group", "root:x:0:\nnogroup:x:65534:\n"},
    {"etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
                          "networks: files\nprotocols: files\nservices: files\n"},
    {"etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tbothy\n"
                  "::1\tlocalhost ip6-localhost ip6-loopback\n"},
    /* The resolver of QEMU's user-mode network (slirp), which forwards to
     * the host's. */
    {"etc/resolv.conf", "nameserver 10.0.2.3\n"},
};

/* Add host file `from` (following symlinks) as regular file `name`, if it
 * is a readable regular file; otherwise it adds nothing. 0 or -errno. */
static int copy_host_file(struct cpio_out *c, const char *name, const char *from)
{
	struct host_map m;
	int r = host_map_open(from, 0, &m);

	if (r)
		return r == -ENOENT || r == -EACCES || r == -EINVAL ? 0 : r;
	r = cpio_out_file(c, name, 0644, m.b, m.len, 4);
	host_map_close(&m);
	return r;
}

int rootfs_write(struct cpio_out *c, const struct options *o)
{
	struct closure cl = {0};
	struct closure_tree t;
	int r = 0;

	/* The program's closure first: its path's directories and links are
	 * the host's, and the /etc below takes over any name it shares. */
	if (o->exe_path && (r = closure_resolve(o->exe_path, NULL, &cl)) && r != -ENOEXEC)
		return r;
	closure_tree_init(&t, c);
	for (size_t i = 0; i < cl.n; i++)
		if ((r = closure_write(&t, cl.path[i])) && r != -ENOENT && r != -EACCES) {
			fprintf(stderr, "bothy: cannot give the guest %s: %s\n", cl.path[i],
			        strerror(-r));
			break;
		}
	closure_tree_free(&t);
	if (!r && (r = cpio_out_dir(c, "etc", 0755)) == 0) {
		for (size_t i = 0; !r && i < sizeof(etc_files) / sizeof(etc_files[0]); i++)
			r = cpio_out_file(c, etc_files[i].name, 0644, etc_files[i].text,
			                  strlen(etc_files[i].text), 4);
		if (!r) /* as on Debian: df and mount(8) read the mounts there */
			r = cpio_out_symlink(c, "etc/mtab", "../proc/self/mounts");
		if (!r)
			r = copy_host_file(c, "etc/localtime", "/etc/localtime");
		if (!r && cl.n) /* glibc's ld.so reads it; the paths in it are the host's */
			r = copy_host_file(c, "etc/ld.so.cache", "/etc/ld.so.cache");
	}
	closure_free(&cl);
	return r;
}

int rootfs_memfd(const struct options *o, uint64_t *size)
{
	int fd = memfd_create("bothy-rootfs", MFD_CLOEXEC), r;
	struct cpio_out c;
	off_t end;

	if (fd < 0)
		return -errno;
	cpio_out_open(&c, fd);
	if ((r = rootfs_write(&c, o)) || (r = cpio_out_finish(&c))) {
		close(fd);
		return r;
	}
	/* A whole number of pages, so that an --initrd can follow it in guest
	 * memory (the kernel skips the zeros between archives). */
	if ((end = lseek(fd, 0, SEEK_END)) < 0 || ftruncate(fd, (end + 4095) & ~4095) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*size = (uint64_t)((end + 4095) & ~4095);
	return fd;
}
