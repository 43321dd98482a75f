/*
 * The files a dynamically linked x86_64 program needs to start: its
 * interpreter and the closure of its DT_NEEDED libraries, found on the host
 * as the guest's loader (glibc's ld.so or musl's) will look for them, and
 * written into a cpio archive at their host paths, with the directories and
 * symbolic links on the way, so that the loader finds them at those paths.
 * Sources: ld.so(8) ("Search order"); ldconfig(8) and the glibc
 * ld.so.cache format ("glibc-ld.so.cache1.1"); musl's dynamic linker
 * (musl-libc.org, "Library search path" and /etc/ld-musl-$ARCH.path);
 * cpio(5); path_resolution(7).
 */
#ifndef BOTHY_CLOSURE_H
#define BOTHY_CLOSURE_H

#include <stddef.h>
#include <sys/types.h>

struct cpio_out;

/* A host file mapped read-only; an empty one has b == NULL. */
struct host_map {
	const unsigned char *b;
	size_t len;
	mode_t mode;
	dev_t dev;
	ino_t ino;
};

/*
 * host_map_open - map the regular file at `path` read-only (open(2) with
 * O_NONBLOCK and `flags` added, so a FIFO never blocks; the descriptor is
 * closed again). Returns 0, -EINVAL if it is not a regular file, or the
 * -errno of open(2)/fstat(2)/mmap(2). host_map_close - unmap it.
 */
int host_map_open(const char *path, int flags, struct host_map *m);
void host_map_close(struct host_map *m);

/* The host paths of a program's closure, in the order the loader opens
 * them: the interpreter first, then the libraries breadth-first. */
struct closure {
	char **path; /* n malloc'd absolute paths, no two equal */
	size_t n;
	size_t cap; /* slots allocated in path */
};

/* A set of strings (open addressing); all-zero is the empty set. */
struct closure_names {
	char **slot; /* cap slots, NULL or a malloc'd string */
	size_t cap;  /* 0 or a power of two */
	size_t n;    /* strings in the set */
};

/* An archive being filled by closure_write(). */
struct closure_tree {
	struct cpio_out *out;         /* where entries go; not owned */
	struct closure_names written; /* archive names already written */
};

/*
 * closure_resolve - fill *out with the host paths that `exe` (an absolute
 * path to an ELF64 x86_64 program) needs at start: its PT_INTERP as written
 * in the program (if it is an ELF64 x86_64 file), then every DT_NEEDED library,
 * transitively and breadth-first, each looked up once per name as ld.so(8)
 * does: a name with '/' is a path ($ORIGIN expanded); otherwise DT_RPATH
 * of the needing object and of the objects that led to it (only when the
 * needing object has no DT_RUNPATH), its DT_RUNPATH, the cache
 * `ldcache_path` (NULL: /etc/ld.so.cache; every x86-64 libc6 entry with
 * that name, so that whichever one ld.so picks is there), then
 * /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib and /usr/lib
 * (if the needing object has DF_1_NODEFLIB: none of these directories, nor
 * cache entries in them). Each
 * directory searched contributes its glibc-hwcaps/x86-64-v{4,3,2}
 * variants too. $ORIGIN, ${ORIGIN} and $LIB (lib/x86_64-linux-gnu) are
 * expanded; a path with $PLATFORM (which depends on the CPU) is dropped.
 * For a musl program (interpreter named ld-musl-*): the libc names musl
 * provides itself (libc.*, libm.*, libpthread.*, ...) need nothing;
 * otherwise DT_RUNPATH or else DT_RPATH of the needing object and of those
 * that led to it, then the directories of PREFIX/etc/ld-musl-x86_64.path
 * (PREFIX: the interpreter's path less its last two components), or
 * /lib:/usr/local/lib:/usr/lib if that file does not exist; only $ORIGIN
 * is expanded, and a run path with another '$' is ignored, as musl does.
 * LD_LIBRARY_PATH, LD_PRELOAD and relative paths are not used (they depend
 * on the guest's environment and directory). A library that is not found,
 * or not an ELF64 x86_64 file, is skipped and the search goes on; a bad
 * string in a dynamic section is skipped; a corrupt cache counts as none.
 * A program without PT_INTERP gives an empty list.
 * Returns 0 (then closure_free(out) later) or -errno: -EINVAL if exe is
 * not absolute, the error of opening or mapping exe, -ENOEXEC if it is not
 * an ELF64 x86_64 executable or its dynamic section lies outside the file,
 * -ENOMEM. On error *out is empty.
 */
int closure_resolve(const char *exe, const char *ldcache_path, struct closure *out);

/* closure_free - free the paths of c and empty it. */
void closure_free(struct closure *c);

/* closure_tree_init - start writing host paths into the archive `out`,
 * which stays the caller's (cpio_out.h). */
void closure_tree_init(struct closure_tree *t, struct cpio_out *out);

/*
 * closure_write - add the host file `path` (absolute) to t's archive under
 * the same name without the leading '/', so that resolving the path in the
 * extracted archive leads to a copy of the file: every directory met on the
 * way (host permission bits), every symbolic link met as a link entry with
 * its target as readlink(2) gives it, followed to where it leads (which is
 * added in the same way; at most 40 links), and at the end the regular
 * file (content and permission bits; data aligned to 4096 bytes in the
 * archive) or directory. No name is written twice in t's archive, and no
 * name written has a symbolic link as a parent component. Returns 0 or
 * -errno: -EINVAL (path not absolute, or a special file on the way),
 * -ENOENT and the other errors of lstat(2), readlink(2), open(2) and
 * mmap(2), -ELOOP, -ENAMETOOLONG, -ENOTDIR, -ENOMEM, or the error of the
 * cpio writer (then the archive is unusable).
 */
int closure_write(struct closure_tree *t, const char *path);

/* closure_tree_free - forget the names written; the archive stays open. */
void closure_tree_free(struct closure_tree *t);

#endif
