/*
 * Synthetic file systems (devfs, procfs, sysfs): each is a static tree of
 * struct synth_node, shown through the VFS as inodes made on lookup.
 *
 * - A directory lists its children (an array ended by a node whose name
 *   is NULL) and, optionally, numbered entries made on demand (struct
 *   synth_dyn: /proc/self/fd/N, /sys/devices/system/cpu/cpuN).
 * - A regular file has fixed text, or a show() function that writes its
 *   content when the file is opened; reads and lseek then work over that
 *   snapshot, as Linux's seq_file does. st_size is 0, as on Linux.
 * - A symlink has a fixed target, or a show() that writes the target.
 * - A device or other special file brings its own file_ops.
 *
 * Inode numbers come from the nodes' addresses (synth_ino()), so nothing
 * is done at mount time; entry `id` of a numbered directory gets
 * (template ino << 32) | id. Inodes are not cached: each lookup makes a
 * fresh one with the node's number.
 */
#ifndef BOTHY_FS_SYNTH_H
#define BOTHY_FS_SYNTH_H
#include <vfs.h>

/* A growing text buffer for generated content (always NUL-terminated). */
struct synth_buf {
	char *data;
	size_t len, cap; /* bytes used, bytes allocated */
	int err;         /* -ENOMEM once an append failed; appends then do nothing */
};

/* synth_printf - append formatted text (snprintf's subset, kernel.h). */
__printf(2, 3) void synth_printf(struct synth_buf *s, const char *fmt, ...);
/* synth_write / synth_puts - append n bytes / a C string. */
void synth_write(struct synth_buf *s, const void *p, size_t n);
void synth_puts(struct synth_buf *s, const char *str);
/* synth_pad - append spaces until the text since offset `from` is `width`
 * bytes long (nothing if it already is). */
void synth_pad(struct synth_buf *s, size_t from, size_t width);
/* synth_reserve - room for n more bytes (and a NUL) at s->data + s->len;
 * the caller fills it and adds what it used to s->len. NULL if out of
 * memory. */
char *synth_reserve(struct synth_buf *s, size_t n);
/* synth_octal - append v in octal with at least `width` digits. */
void synth_octal(struct synth_buf *s, uint64_t v, int width);

/* Numbered directory entries: names prefix + decimal id, id < SYNTH_DYN_MAX. */
#define SYNTH_DYN_MAX 4096
struct synth_node;
struct synth_dyn {
	struct synth_node *entry; /* what each entry is (its name is unused) */
	const char *prefix;       /* "" for /proc/self/fd/N, "cpu" for cpuN */
	/* list - set bit id of ids[SYNTH_DYN_MAX / 64] (zeroed) for each
	 * entry; called when the directory is opened (getdents). */
	void (*list)(uint64_t *ids);
};

/* synth_node.flags: how opening for writing or writing fails (Linux's
 * answers for each kind of file; the default is write(2) -> -EINVAL). */
#define SYNTH_W_EACCES 1u /* open(O_WRONLY/O_RDWR) -> -EACCES (read-only sysctl) */
#define SYNTH_W_EROFS  2u /* open(O_WRONLY/O_RDWR) -> -EROFS (a sysctl we do not let change) */
#define SYNTH_W_EIO    4u /* write(2) -> -EIO (files of /proc's top level) */
#define SYNTH_SIZED    8u /* a fixed symlink whose st_size is its length (devtmpfs) */

struct synth_node {
	const char *name;
	uint32_t mode;               /* S_IFMT | permissions */
	unsigned flags;              /* SYNTH_W_* */
	uint64_t rdev;               /* devices: makedev(3) encoding (SYNTH_MKDEV) */
	struct synth_node *children; /* S_IFDIR: ended by a node named NULL */
	const struct synth_dyn *dyn; /* S_IFDIR: numbered entries after the children */
	const char *text;            /* S_IFREG content / S_IFLNK target, fixed */
	/* show - S_IFREG content / S_IFLNK target, generated; `id` is the
	 * entry's number for numbered entries, else -1. */
	void (*show)(struct synth_buf *s, long id);
	/* setup - numbered entries: check that entry id exists (0, or
	 * -ENOENT) and adjust the new inode (its mode). Optional. */
	int (*setup)(struct inode *inode, long id);
	const struct file_ops *fop;  /* devices: instead of the generic ones */
	const struct inode_ops *iop; /* magic links: instead of synth_iops */
};

#define SYNTH_DIR(n, perm, kids)                                                                   \
	{                                                                                          \
		.name = (n), .mode = S_IFDIR | (perm), .children = (kids)                          \
	}
#define SYNTH_TEXT(n, perm, str)                                                                   \
	{                                                                                          \
		.name = (n), .mode = S_IFREG | (perm), .text = (str)                               \
	}
#define SYNTH_FILE(n, perm, fn)                                                                    \
	{                                                                                          \
		.name = (n), .mode = S_IFREG | (perm), .show = (fn)                                \
	}
#define SYNTH_LINK(n, target)                                                                      \
	{                                                                                          \
		.name = (n), .mode = S_IFLNK | 0777, .text = (target)                              \
	}
#define SYNTH_LINK_FN(n, fn)                                                                       \
	{                                                                                          \
		.name = (n), .mode = S_IFLNK | 0777, .show = (fn)                                  \
	}
#define SYNTH_END                                                                                  \
	{                                                                                          \
		.name = NULL                                                                       \
	}
/* makedev(3) (glibc's encoding, equal to Linux's new_encode_dev for
 * minor < 2^20) */
#define SYNTH_MKDEV(ma, mi)                                                                        \
	((((uint64_t)(ma)&0xfffu) << 8) | (((uint64_t)(ma) & ~0xfffull) << 32) |                   \
	 ((uint64_t)(mi)&0xffu) | (((uint64_t)(mi) & ~0xffull) << 12))

/* synth_mount - make sb's root inode for the tree under root (sb's other
 * fields are the caller's). 0 or -ENOMEM. */
int synth_mount(struct super_block *sb, struct synth_node *root);
/* synth_ino - node n's inode number: unique among all nodes, < 2^32. */
uint64_t synth_ino(const struct synth_node *n);
/* synth_id - the number of a numbered entry's inode, else -1. */
long synth_id(const struct inode *inode);
/* synth_statfs - statfs(2) for a synthetic file system: f_type from
 * sb->statfs_type, no blocks, ST_RDONLY from SB_RDONLY. */
int synth_statfs(struct inode *inode, struct kernel_statfs *st);

/* The generic operations (for file systems that extend them). */
extern const struct inode_ops synth_iops;
extern const struct file_ops synth_file_fops, synth_dir_fops;

/* --- between devfs and the console (devfs.c, console.c) --- */

#define DEV_TTY     SYNTH_MKDEV(5, 0)
#define DEV_CONSOLE SYNTH_MKDEV(5, 1)
/* devfs_super - devfs's super block (made on first use); NULL if out of memory. */
struct super_block *devfs_super(void);
/* devfs_console - the node of /dev/console (for its inode number). */
extern struct synth_node *const devfs_console;
/* console_fops - /dev/tty, /dev/console and the stdio descriptors. */
extern const struct file_ops console_fops;
/* console_is_tty - is the host's stdio descriptor fd (0-2) a terminal? */
int console_is_tty(int fd);

#endif
