/*
 * The VFS: inodes, open files, the descriptor table, mounts and path
 * resolution, shared by every file system (ramfs, hostfs, devfs, procfs,
 * sysfs, pipes). Modelled on Linux's VFS, much reduced: no dentry cache
 * (each file system keeps its own names), no page cache (ramfs keeps its
 * pages, hostfs goes to the host every time), one process.
 *
 * Reference counts: iget()/iput() on inodes, fget()/fput() on files.
 * Every function that returns an inode or a file through an out-pointer
 * hands over one reference. Errors are -errno, as Linux gives them.
 */
#ifndef BOTHY_VFS_H
#define BOTHY_VFS_H
#include <kernel.h>
#include <linux_abi.h>

/* open(2) flags (asm-generic/fcntl.h, x86_64 values). */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DSYNC     00010000
#define O_DIRECT    00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_SYNC      04010000
#define O_PATH      010000000
#define O_TMPFILE   020200000

/* File types and permission bits (stat(2), inode(7)). */
#define S_IFMT      0170000
#define S_IFSOCK    0140000
#define S_IFLNK     0120000
#define S_IFBLK     0060000
#define S_IFDIR     0040000
#define S_ISUID     04000
#define S_ISGID     02000
#define S_ISVTX     01000
#define S_ISREG(m)  (((m)&S_IFMT) == S_IFREG)
#define S_ISDIR(m)  (((m)&S_IFMT) == S_IFDIR)
#define S_ISLNK(m)  (((m)&S_IFMT) == S_IFLNK)
#define S_ISCHR(m)  (((m)&S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)

/* linux_dirent64 d_type values (getdents64(2)). */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_REG     8
#define DT_LNK     10
#define DT_SOCK    12
#define IFTODT(m)  (((m)&S_IFMT) >> 12)

#define NAME_MAX     255
#define PATH_MAX     4096
#define SYMLOOP_MAX  40   /* Linux's limit on symlinks followed in one lookup */
#define FD_MAX       4096 /* the hard RLIMIT_NOFILE */
#define ST_DEV_RAMFS 0x1a

struct inode;
struct file;
struct super_block;

/* setattr(): what to change (chmod(2), chown(2), truncate(2), utimensat(2)). */
#define ATTR_MODE  1u
#define ATTR_UID   2u
#define ATTR_GID   4u
#define ATTR_SIZE  8u
#define ATTR_ATIME 16u
#define ATTR_MTIME 32u
#define ATTR_CTIME 64u /* set by the VFS with any change */
struct iattr {
	unsigned valid; /* ATTR_* */
	uint32_t mode;  /* permission bits only */
	uint32_t uid, gid;
	uint64_t size;
	struct kernel_timespec atime, mtime; /* tv_nsec may be UTIME_NOW */
};
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

/*
 * Inode operations. Names are (name, len) pairs, not NUL-terminated,
 * 1..NAME_MAX bytes, never "." or ".." (the VFS handles those). A missing
 * operation means the file system does not support it (the VFS returns
 * -EPERM for namespace changes on a directory, -EINVAL for readlink).
 */
struct inode_ops {
	/* lookup - the inode named `name` in directory dir; -ENOENT. */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* create - a new regular file (mode has S_IFREG and the umasked
	 * permissions); -EEXIST if the name exists. `oflags` are the open(2)
	 * flags, for file systems that open as they create. */
	int (*create)(struct inode *dir, const char *name, size_t len, uint32_t mode,
	              unsigned oflags, struct inode **out);
	int (*mkdir)(struct inode *dir, const char *name, size_t len, uint32_t mode);
	/* mknod - a FIFO or socket node (mode has its S_IFMT); optional. */
	int (*mknod)(struct inode *dir, const char *name, size_t len, uint32_t mode);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target);
	/* link - a new name in dir for inode `old` (same super block). */
	int (*link)(struct inode *old, struct inode *dir, const char *name, size_t len);
	int (*unlink)(struct inode *dir, const char *name, size_t len);
	int (*rmdir)(struct inode *dir, const char *name, size_t len);
	/* rename - renameat2(2) within one super block; flags RENAME_*. */
	int (*rename)(struct inode *olddir, const char *oldname, size_t oldlen,
	              struct inode *newdir, const char *newname, size_t newlen, unsigned flags);
	/* readlink - the symlink's target into buf[0..size); returns its
	 * length (not terminated, may be truncated to size). */
	long (*readlink)(struct inode *inode, char *buf, size_t size);
	/* get_link - a "magic" link (/proc/self/fd/N): the inode it stands
	 * for, resolved without a path. Optional. */
	int (*get_link)(struct inode *inode, struct inode **out);
	/* getattr - refresh the inode's attribute fields (hostfs). Optional. */
	int (*getattr)(struct inode *inode);
	/* setattr - apply *ia (the VFS has checked it). Optional (-EPERM). */
	int (*setattr)(struct inode *inode, const struct iattr *ia);
	/* statfs - fill st for the file system holding inode. Optional. */
	int (*statfs)(struct inode *inode, struct kernel_statfs *st);
	/* release - free the file system's part when the last reference goes. */
	void (*release)(struct inode *inode);
};

/*
 * An I/O buffer: `addr` is a program address (checked here, faulted in)
 * unless `kernel` is set, when it is a kernel pointer. Every file
 * operation moves data through io_copy_to()/io_copy_from() or, for
 * hostfs, io_segments().
 */
struct iobuf {
	uint64_t addr;
	size_t len; /* bytes */
	int kernel;
};

/* getdents callback: one entry; returns nonzero when the caller's buffer
 * is full (the entry was not taken, and iteration must stop there). */
typedef int (*filldir_t)(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                         uint64_t next_pos);

/*
 * File operations. `pos` is the file position the call works at (the
 * VFS passes &file->pos, or a pread offset); read/write advance it.
 * Returns bytes moved or -errno. A missing read/write gives -EINVAL.
 */
struct file_ops {
	/* open - set up file->priv for inode; optional. */
	int (*open)(struct inode *inode, struct file *f);
	/* release - the last reference to the open file went away. */
	void (*release)(struct file *f);
	long (*read)(struct file *f, struct iobuf *b, uint64_t *pos);
	long (*write)(struct file *f, struct iobuf *b, uint64_t *pos);
	/* iterate - emit directory entries starting at *pos, updating it to
	 * each taken entry's next_pos; 0 at the end or when fill is full. */
	int (*iterate)(struct file *f, uint64_t *pos, filldir_t fill, void *ctx);
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
	int (*fsync)(struct file *f, int datasync);
	/* fallocate - fallocate(2) modes 0 and FALLOC_FL_KEEP_SIZE. */
	int (*fallocate)(struct file *f, int mode, uint64_t off, uint64_t len);
	/* llseek - lseek(2) for devices whose positions are their own
	 * (/dev/null: always 0); optional. Returns the new position. */
	long (*llseek)(struct file *f, int64_t off, int whence);
	/* poll - what the file is ready for now (POLLIN, POLLOUT, POLLHUP,
	 * POLLERR); optional (else always readable and writable). A file
	 * that has it calls poll_notify() (or pollhead_notify(), net.h)
	 * whenever that may change. */
	unsigned (*poll)(struct file *f);
	/* pollhead - where epoll(7) links its items watching f (net.h), so
	 * that a change reaches them in O(1): the file calls
	 * pollhead_notify() on it when its readiness may change and, when f's
	 * last reference goes, pollhead_release() (or pollhead_forget(ph, f)
	 * if several files share it). Optional: epoll polls a pollable file
	 * without one on every epoll_wait (and keeps a reference to it). */
	struct pollhead *(*pollhead)(struct file *f);
	/* bytes_ready - FIONREAD; optional (else size - pos for files). */
	long (*bytes_ready)(struct file *f);
	/* seekable: lseek(2) works (else -ESPIPE). */
	int seekable;
};

struct super_block {
	const char *type;     /* "ramfs", "hostfs", "proc", ... (/proc/mounts) */
	uint64_t dev;         /* st_dev */
	unsigned flags;       /* SB_RDONLY */
	struct inode *root;   /* reference held while mounted */
	void *priv;           /* the file system's */
	uint32_t statfs_type; /* f_type, e.g. RAMFS_MAGIC */
	unsigned mounts_here; /* mounts whose mount point is in this file system */
};
#define SB_RDONLY 1u

struct inode {
	unsigned refs;
	uint32_t mode; /* S_IFMT | permissions */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t ino;
	uint64_t size;   /* bytes (i_size) */
	uint64_t blocks; /* 512-byte units */
	uint64_t rdev;
	struct kernel_timespec atime, mtime, ctime;
	struct super_block *sb;
	const struct inode_ops *iop;
	const struct file_ops *fop; /* what open() of this inode uses */
	/* directories: the parent directory (a reference), for ".."; NULL at
	 * the root of a file system */
	struct inode *parent;
	void *priv; /* the file system's */
};

/* An open file description (open(2)): shared by dup()ed descriptors. */
struct file {
	unsigned refs;
	unsigned flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, O_DIRECTORY ... */
	uint64_t pos;
	struct inode *inode;
	const struct file_ops *fop;
	void *priv;
	char *path; /* the name it was opened by (/proc/self/fd, maps); may be NULL */
};

/* --- inodes (kernel/fs/inode.c) --- */

/* inode_new - a fresh inode of `sb` with one reference, number `ino` (0 =
 * the next free one), mode, times now, nlink 1; NULL if out of memory. */
struct inode *inode_new(struct super_block *sb, uint32_t mode, uint64_t ino);
struct inode *iget(struct inode *inode);
void iput(struct inode *inode);
/* inode_touch - set the times named by ATTR_ATIME|ATTR_MTIME|ATTR_CTIME to now. */
void inode_touch(struct inode *inode, unsigned which);
/* inode_getattr - refresh inode's attributes (hostfs) and return 0 or -errno. */
int inode_getattr(struct inode *inode);
/* inode_fill_stat - struct stat for inode (after inode_getattr). */
void inode_fill_stat(struct inode *inode, struct kernel_stat *st);

/* --- open files and descriptors (kernel/fs/file.c) --- */

/* file_open_inode - a new open file on inode with open(2) flags, calling
 * fop->open; `path` (copied) names it in /proc. 0 or -errno. */
int file_open_inode(struct inode *inode, unsigned flags, const char *path, struct file **out);
/* file_new - an open file with operations fop and no inode (pipes). */
struct file *file_new(const struct file_ops *fop, unsigned flags, struct inode *inode);
struct file *fget(int fd); /* the file of descriptor fd, referenced; NULL if none */
void fput(struct file *f);
/* fd_install - the lowest free descriptor >= min for f (taking over the
 * reference), with FD_CLOEXEC if cloexec. The descriptor or -EMFILE. */
int fd_install(struct file *f, int min, int cloexec);
/* fd_close - close descriptor fd; 0 or -EBADF. */
int fd_close(int fd);
/* fd_limit - the RLIMIT_NOFILE soft limit (descriptors < it may be used). */
extern unsigned fd_limit;
/* fd_cloexec_get/set - the FD_CLOEXEC bit of fd. */
int fd_cloexec_get(int fd);
void fd_cloexec_set(int fd, int on);
/* fd_dup2 - make newfd refer to oldfd's file (dup3(2)); newfd or -errno. */
int fd_dup2(int oldfd, int newfd, int cloexec);
/* fd_for_each - call fn for each open descriptor in order (/proc/self/fd). */
void fd_for_each(void (*fn)(int fd, struct file *f, void *arg), void *arg);

/* fd_snapshot - a copy of the descriptor table (each file referenced
 * again), for fork(2); NULL if out of memory. fd_restore - put it back,
 * closing what is open now, and consume it. */
struct fd_snapshot *fd_snapshot(void);
void fd_restore(struct fd_snapshot *s);

/* The I/O buffer helpers. 0 or -EFAULT. */
int io_copy_to(struct iobuf *b, size_t off, const void *src, size_t n);
int io_copy_from(struct iobuf *b, size_t off, void *dst, size_t n);
int io_zero(struct iobuf *b, size_t off, size_t n);
/* io_segments - the guest-physical runs of b->addr + [off, off+n) into
 * segs[0..max) (faulting program pages in for `access` PROT_READ or
 * PROT_WRITE); returns the number used (covering as much as fits) or
 * -EFAULT. seg_bytes gets the bytes covered. */
long io_segments(struct iobuf *b, size_t off, size_t n, unsigned access, struct bothy_fs_seg *segs,
                 size_t max, size_t *seg_bytes);

/* --- file systems and mounts (kernel/fs/namei.c) --- */

/* vfs_mount - mount sb's root on the directory at `path` (absolute,
 * created in the root file system if missing). 0 or -errno. */
int vfs_mount(struct super_block *sb, const char *path);
/* vfs_make_dirs - mkdir -p: every directory of absolute `path` (0755). */
int vfs_make_dirs(const char *path);
/* vfs_set_root - make sb's root the root directory and working directory. */
void vfs_set_root(struct super_block *sb);
/* vfs_mounts - for each mount, its point (path) and super block. */
void vfs_for_each_mount(void (*fn)(const char *path, struct super_block *sb, void *arg), void *arg);

/* Path lookup flags. */
#define LOOKUP_FOLLOW    1u /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 2u /* the last component must be a directory */
#define LOOKUP_PARENT    4u /* stop at the parent; see struct nameidata */
#define LOOKUP_EMPTY     8u /* "" names dirfd itself (AT_EMPTY_PATH) */

/* The last component of a LOOKUP_PARENT walk. */
enum last_type { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

struct nameidata {
	struct inode *dir;       /* LOOKUP_PARENT: the parent directory (a reference) */
	struct inode *inode;     /* the named inode (a reference), or NULL if it does
	                          * not exist (LOOKUP_PARENT only) */
	char last[NAME_MAX + 1]; /* LOOKUP_PARENT: the last name, terminated */
	size_t last_len;
	enum last_type last_type;
	int trailing_slash; /* the path ended in "/" */
};

/*
 * path_walk - resolve kernel string `path` relative to dirfd (AT_FDCWD =
 * the working directory; ignored for absolute paths) with LOOKUP_* flags.
 * With LOOKUP_PARENT, nd->dir and nd->last name the last component and
 * nd->inode is what it names now (NULL if nothing; a symlink there is
 * followed when LOOKUP_FOLLOW is given). Without it, nd->inode is the
 * result and nd->dir is NULL. 0 or -ENOENT, -ENOTDIR, -ELOOP,
 * -ENAMETOOLONG, -EBADF. path_release() drops the references.
 */
int path_walk(int dirfd, const char *path, unsigned flags, struct nameidata *nd);
void path_release(struct nameidata *nd);
/* user_path - path_walk on a program string (checked, <= PATH_MAX). */
int user_path(int dirfd, uint64_t upath, unsigned flags, struct nameidata *nd);
/* path_of - write an absolute path of directory inode into buf[0..size)
 * (getcwd(2)); returns its length with the NUL, or -ENAMETOOLONG/-ENOENT. */
long path_of(struct inode *dir, char *buf, size_t size);
/* vfs_cwd - the working directory (chdir(2)). */
struct inode *vfs_cwd(void);
void vfs_set_cwd(struct inode *dir);
/* vfs_umask - the file-mode creation mask (umask(2)). */
extern uint32_t vfs_umask;

/* vfs_read / vfs_write - I/O on an open file at *pos, with the access
 * checks of read(2)/write(2) (EBADF if not open for it, EISDIR). */
long vfs_read(struct file *f, struct iobuf *b, uint64_t *pos);
long vfs_write(struct file *f, struct iobuf *b, uint64_t *pos);
/* vfs_truncate - set inode's size (truncate(2)); 0 or -errno. */
int vfs_truncate(struct inode *inode, uint64_t size);

/* --- the file systems --- */

/* ramfs_new - an empty writable RAM file system. NULL if out of memory. */
struct super_block *ramfs_new(void);
/* ramfs_load_cpio - add the cpio (newc) archive buf[0..len), which may be
 * several archives one after another, to the root file system under "/".
 * File data is used in place (copied only when written). Entries under
 * "/.bothy" (the platform's own) are skipped. 0 or -EINVAL/-ENOMEM. */
int ramfs_load_cpio(const void *buf, size_t len);
/* ramfs_add_file - a read-only view of kernel memory data[0..len) as the
 * file at absolute `path` (parents created), mode `mode`. 0 or -errno. */
int ramfs_add_file(const char *path, const void *data, size_t len, uint32_t mode);
/*
 * ramfs_backing - where a ramfs file's bytes [off, off+len) lie in memory,
 * if they are all still its read-only backing (an initrd file not written
 * since, or the program's file): a kernel pointer, else NULL (another kind
 * of file, written pages, or a range past the backing). Lets the kernel
 * map such files without copying them (vm.c, exec.c).
 */
const void *ramfs_backing(struct inode *i, uint64_t off, uint64_t len);
/* ramfs_file_inode - a read-only view of kernel memory data[0..len) as a
 * regular file in no directory (the program's own file). NULL if out of
 * memory. */
struct inode *ramfs_file_inode(const void *data, size_t len, uint32_t mode);
/* vfs_exe - the program's file (/proc/self/exe), or NULL. */
extern struct inode *vfs_exe;
/* hostfs_mount_all - with root 0, mount every host directory the monitor
 * shares at its path; with root 1, make the one shared as "/" (--root) the
 * root directory, if there is one. Returns how many were mounted. */
int hostfs_mount_all(int root);
/* devfs_new / procfs_new / sysfs_new - the synthetic file systems. */
struct super_block *devfs_new(void);
struct super_block *procfs_new(void);
struct super_block *sysfs_new(void);
/* pipe_create - a new pipe: *rd and *wr are its read and write ends, with
 * O_NONBLOCK from flags. 0 or -ENOMEM. pipe(2). */
int pipe_create(unsigned flags, struct file **rd, struct file **wr);
/* pipe_size - F_GETPIPE_SZ of f, or -EBADF if f is not a pipe. */
long pipe_size(struct file *f);
/* poll_notify - a pollable file's readiness may have changed: waiting
 * poll(2)/select(2) calls look again (kernel/fs/poll.c). */
void poll_notify(void);
/* poll_waitq - the wait queue poll_notify() wakes (kernel/fs/poll.c). */
struct waitq *poll_waitq(void);
struct pollhead;
/* pollhead_forget - f's last reference is gone: drop the epoll items
 * watching f through ph (which other files may share); see net.h
 * (kernel/fs/eventpoll.c). */
void pollhead_forget(struct pollhead *ph, struct file *f);
/* anon_inode_fd - a descriptor for a new anonymous file ("anon_inode:[x]"
 * as `name`), open O_RDWR with operations fop and f->priv = priv, with
 * O_NONBLOCK and O_CLOEXEC from flags. The descriptor or -errno (priv is
 * the caller's to free then). kernel/timer.c. */
long anon_inode_fd(const struct file_ops *fop, void *priv, unsigned flags, const char *name);
/* console_stdin_ready - the monitor says stdin is readable: wake readers. */
void console_stdin_ready(void);
/* console_file - an open file for stdio descriptor fd (0, 1 or 2). */
struct file *console_file(int fd);

/* vfs_init - the root ramfs (from the initrd), /tmp, /dev, /proc, /sys,
 * the host directories, and descriptors 0-2 on the console. */
void vfs_init(void);

#endif
