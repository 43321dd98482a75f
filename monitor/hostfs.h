/*
 * Host directories shared with the guest (`bothy run -v HOSTDIR:/guest/dir`):
 * the monitor half of BOTHY_HC_FS (include/bothy/abi.h). docs/files.md has
 * the design; monitor/hostfs.c the rules that keep the guest inside HOSTDIR.
 */
#ifndef BOTHY_HOSTFS_H
#define BOTHY_HOSTFS_H

#include <stddef.h>
#include <stdint.h>
#include <bothy/abi.h>

struct vm;

/* One -v argument, parsed and checked. */
struct hostfs_share {
	char *spec;  /* malloc'd copy of the argument; host and guest point into it */
	char *host;  /* HOSTDIR as given (relative to bothy's working directory or absolute) */
	char *guest; /* mount point in the guest: absolute, normalized, not "/" */
	int ro;      /* ":ro" */
	int root;    /* HOSTDIR opened O_PATH | O_DIRECTORY | O_CLOEXEC */
};

#define HOSTFS_SHARES_MAX  64u    /* -v flags accepted */
#define HOSTFS_HANDLES_MAX 65536u /* live handles; the next one gets -ENFILE */

/*
 * hostfs_share_parse - parse the argument of -v / --volume,
 * "HOSTDIR:/guest/dir[:ro|:rw]", into *s and open HOSTDIR. HOSTDIR must be
 * an existing directory; the guest path must be absolute, normalized (no
 * empty, "." or ".." component, no trailing "/"), not "/" itself, with
 * components of at most BOTHY_FS_NAME_MAX bytes and under
 * BOTHY_FS_PATH_MAX bytes in all. Neither part may contain ':'.
 * Returns NULL, or a one-line message (in err[0..errlen)) naming what is
 * wrong; *s then holds nothing to release.
 */
const char *hostfs_share_parse(const char *spec, struct hostfs_share *s, char *err, size_t errlen);
/*
 * hostfs_root_parse - parse the argument of --root, "DIR[:ro|:rw]": DIR
 * becomes the guest's "/" (read-only unless ":rw"). NULL on success, else
 * the message (in err) for exit status 125.
 */
const char *hostfs_root_parse(const char *spec, struct hostfs_share *s, char *err, size_t errlen);

/* hostfs_share_close - close s->root and free s->spec. */
void hostfs_share_close(struct hostfs_share *s);

/*
 * hostfs_new - the handle table serving `n` shares (shares[] is kept, not
 * copied, and must outlive it), with room for max_handles live handles
 * (0 or more than HOSTFS_HANDLES_MAX: HOSTFS_HANDLES_MAX). When n > 0 it
 * also raises RLIMIT_NOFILE's soft limit to the hard one, since each
 * handle is a host descriptor, and sets the process's umask to 0, since
 * the guest sends modes with its own umask applied. Returns NULL if out
 * of memory.
 */
struct hostfs *hostfs_new(const struct hostfs_share *shares, unsigned n, unsigned max_handles);

/* hostfs_free - close every handle's descriptor and free fs (NULL is fine). */
void hostfs_free(struct hostfs *fs);

/*
 * hostfs_call - serve one BOTHY_HC_FS call: `a` is the guest's struct,
 * already checked to lie in guest RAM. Reads its IN fields once, performs
 * the op and writes ret and the OUT fields. Never fails as a whole: every
 * problem, including a bad guest address (-EFAULT) or an unknown op
 * (-ENOSYS), becomes a -errno in a->ret. vm->hostfs may be NULL (no
 * shares: SHARE gives -ENOENT, every handle -EBADF).
 */
void hostfs_call(struct vm *vm, struct bothy_hc_fs *a);

#endif
