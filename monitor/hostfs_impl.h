/*
 * Internal to monitor/hostfs*.c: the handle table, one call being served,
 * the helpers every op uses, and the table of ops. hostfs.c has the rules
 * that keep the guest inside its shares.
 */
#ifndef BOTHY_HOSTFS_IMPL_H
#define BOTHY_HOSTFS_IMPL_H

#include <sys/stat.h>

#include "hostfs.h"
#include "kvm.h"

enum { FS_FREE, FS_NODE, FS_FILE }; /* kinds of slot */
#define K_NODE (1u << FS_NODE)      /* masks of kinds */
#define K_FILE (1u << FS_FILE)
#define K_ANY  (K_NODE | K_FILE)

struct fs_handle {
	int fd;         /* host descriptor, when the slot is in use */
	uint32_t gen;   /* raised each time the slot is freed */
	uint32_t next;  /* next free slot, when free */
	uint16_t share; /* index into hostfs.shares */
	uint8_t kind;   /* FS_* */
	uint8_t append; /* FS_FILE opened O_APPEND */
};

struct hostfs {
	const struct hostfs_share *shares;
	unsigned nshares;
	struct fs_handle *h; /* max slots, zeroed lazily by calloc */
	uint32_t max;        /* slots */
	uint32_t used;       /* slots ever handed out: [0, used) */
	uint32_t free;       /* first free slot below `used`, or UINT32_MAX */
};

/* One call being served. `fd`, `share` and `append` are copied from the
 * handle `node` names, if the op takes one. */
struct fs_call {
	struct hostfs *fs;
	const struct vm *vm;
	struct bothy_hc_fs a; /* the guest's struct, read once */
	struct fs_handle *h;
	int fd;
	unsigned share;
	int ro; /* the share is read-only */
};

/* The ops (hostfs_ops.c): which kinds of handle `node` may name (0:
 * none), and whether the op changes the share (-EROFS on a read-only one;
 * OPEN decides by its flags). */
struct fs_op {
	int64_t (*fn)(struct fs_call *c);
	uint8_t kinds;
	uint8_t change;
};
extern const struct fs_op hostfs_ops[BOTHY_FS_OP_MAX];

/*
 * hostfs_handle_new - a new handle for descriptor fd (taken over) of
 * `kind` in share `share`, into *out. Returns 0, or -ENFILE with fd
 * closed when the table is full.
 */
int hostfs_handle_new(struct hostfs *fs, int fd, unsigned share, int kind, int append,
                      uint64_t *out);
/* hostfs_handle_get - the live slot `handle` names if its kind is in the
 * mask `kinds` (K_*), else NULL (fs may be NULL). */
struct fs_handle *hostfs_handle_get(struct hostfs *fs, uint64_t handle, unsigned kinds);
/* hostfs_handle_free - close the slot's descriptor; its handle dies. */
void hostfs_handle_free(struct hostfs *fs, struct fs_handle *h);

/* hostfs_lstat - lstat(2) of descriptor fd itself; 0 or -errno. */
int hostfs_lstat(int fd, struct stat *st);
/* hostfs_attr_of - struct stat as the ABI's attributes. */
void hostfs_attr_of(const struct stat *st, struct bothy_fs_attr *a);
/* hostfs_attr - hostfs_lstat() into *a; 0 or -errno. */
int hostfs_attr(int fd, struct bothy_fs_attr *a);
/* hostfs_proc_fd - "/proc/self/fd/N": the magic link to fd's own inode. */
void hostfs_proc_fd(char buf[32], int fd);
/*
 * hostfs_reopen - open the inode of node descriptor fd for I/O with
 * open(2) flags. The caller has checked it is a regular file or directory.
 * Never blocks. Returns a descriptor (O_CLOEXEC) or -errno.
 */
int hostfs_reopen(int fd, int flags);
/*
 * hostfs_name - copy guest [gpa, gpa+len) into buf (BOTHY_FS_NAME_MAX + 1
 * bytes) as a C string if it is one path component. Returns 0,
 * -ENAMETOOLONG, -EFAULT, or -EINVAL (empty, ".", "..", '/' or NUL inside).
 */
int hostfs_name(const struct vm *vm, uint64_t gpa, uint64_t len, char *buf);

#endif
