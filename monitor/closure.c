/*
 * A program's start-up closure (closure.h).
 *
 * Resolution follows the loader's own bookkeeping. The program is object 0.
 * A library is parsed when it is found, so that its DT_SONAME satisfies
 * later names at once (glibc), and its DT_NEEDED names are looked up when
 * its turn comes, breadth-first, as ld.so maps them. A name satisfied once
 * (a DT_NEEDED name found, a soname, a path) is not looked up again; a
 * file parsed once (same device and inode) is not parsed again, but every
 * path that reached it is kept, since the guest's loader opens that path.
 * Every file is mapped read-only and every offset and size read from it is
 * checked against the mapping's length before use.
 *
 * The ld.so.cache layout (the only one glibc >= 2.32 writes), little-endian:
 *   0   "glibc-ld.so.cache" "1.1" (20 bytes, no NUL)
 *   20  uint32 nlibs; 24 uint32 len_strings; 28 uint8 flags, 3 pad bytes;
 *   32  uint32 extension_offset; 36 uint32 unused[3]
 *   48  nlibs entries of 24 bytes: int32 flags, uint32 key, uint32 value,
 *       uint32 osversion, uint64 hwcap
 * key (a soname) and value (its path) are offsets of NUL-terminated strings
 * from the start of the file. flags: low byte 3 is "ELF, libc6", the next
 * byte 3 is "x86-64". Entries for glibc-hwcaps subdirectories have the same
 * key as the plain one.
 *
 * Archive writing walks each path from the root one component at a time
 * with lstat(2), as path_resolution(7) does, keeping in `full` only real
 * directories, so that every name written has real directories as parents.
 */
#include "closure.h"

#include "cpio_out.h"
#include "elf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The dynamic section (System V gABI, "Dynamic Section"; elf(5)). */
typedef struct {
	int64_t d_tag;
	uint64_t d_val;
} Elf64_Dyn;

#define DT_NULL       0
#define DT_NEEDED     1
#define DT_STRTAB     5
#define DT_STRSZ      10
#define DT_SONAME     14
#define DT_RPATH      15
#define DT_RUNPATH    29
#define DT_FLAGS_1    0x6ffffffb
#define DF_1_NODEFLIB 0x800

#define CACHE_MAGIC        "glibc-ld.so.cache1.1"
#define CACHE_MAGIC_LEN    20
#define CACHE_NLIBS_OFF    20
#define CACHE_HDR_LEN      48
#define CACHE_ENT_LEN      24
#define CACHE_X86_64_LIBC6 0x0303 /* flags & 0xffff */
#define DEFAULT_LDCACHE    "/etc/ld.so.cache"

#define MAX_LINKS   40   /* symbolic links followed in one path, as Linux */
#define ARCHIVE_ALN 4096 /* data alignment of files in the archive */

/* glibc's trusted directories on Debian x86_64 (ld.so(8)). */
static const char *const default_dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                           "/lib", "/usr/lib"};
/* glibc-hwcaps subdirectories, best first (ld.so(8), "Hardware capabilities"). */
static const char *const hwcaps_dirs[] = {"x86-64-v4", "x86-64-v3", "x86-64-v2"};
/* What $LIB stands for in Debian's glibc. */
static const char glibc_lib[] = "lib/x86_64-linux-gnu";
/* musl's system path when PREFIX/etc/ld-musl-x86_64.path does not exist. */
static const char musl_default_path[] = "/lib:/usr/local/lib:/usr/lib";
/* Name prefixes musl's loader answers itself: it is all of these. */
static const char *const musl_builtin[] = {"libc.",  "libpthread.", "librt.",  "libm.",
                                           "libdl.", "libutil.",    "libxnet."};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- sets of strings ---- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

/* The slot holding s, or the empty slot where it would go; set->cap > 0. */
static char **names_slot(const struct closure_names *set, const char *s)
{
	size_t mask = set->cap - 1, i = (size_t)name_hash(s) & mask;

	while (set->slot[i] && strcmp(set->slot[i], s) != 0)
		i = (i + 1) & mask;
	return &set->slot[i];
}

static int names_has(const struct closure_names *set, const char *s)
{
	return set->cap && *names_slot(set, s);
}

static int names_grow(struct closure_names *set)
{
	struct closure_names big = {.cap = set->cap ? set->cap * 2 : 64, .n = set->n};

	big.slot = calloc(big.cap, sizeof(*big.slot));
	if (!big.slot)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i])
			*names_slot(&big, set->slot[i]) = set->slot[i];
	free(set->slot);
	*set = big;
	return 0;
}

/* Adds a copy of s (nothing if it is there). Returns 0 or -ENOMEM. */
static int names_add(struct closure_names *set, const char *s)
{
	char **slot;

	if (names_has(set, s))
		return 0;
	if ((set->n + 1) * 2 > set->cap && names_grow(set))
		return -ENOMEM;
	slot = names_slot(set, s);
	*slot = strdup(s);
	if (!*slot)
		return -ENOMEM;
	set->n++;
	return 0;
}

static void names_free(struct closure_names *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	*set = (struct closure_names){0};
}

/* ---- mapped files ---- */

int host_map_open(const char *path, int flags, struct host_map *m)
{
	struct stat st;
	void *p = NULL;
	int fd, r = 0;

	*m = (struct host_map){0};
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > 0 &&
	         (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		r = -errno;
	close(fd);
	if (r == 0)
		*m = (struct host_map){p, (size_t)st.st_size, st.st_mode, st.st_dev, st.st_ino};
	return r;
}

void host_map_close(struct host_map *m)
{
	if (m->len)
		munmap((void *)m->b, m->len);
	*m = (struct host_map){0};
}

/* The NUL-terminated string at off in b[0..len), or NULL if it is not all
 * inside. */
static const char *str_at(const unsigned char *b, size_t len, uint64_t off)
{
	if (off >= len || !memchr(b + off, '\0', len - off))
		return NULL;
	return (const char *)b + off;
}

/* ---- objects ---- */

/* An object the loader maps: the program, its interpreter or a library. */
struct dso {
	char *path;    /* the path it was found at */
	char *origin;  /* $ORIGIN: the directory of path (of its real path, for the program) */
	char *soname;  /* DT_SONAME, or NULL */
	char *rpath;   /* DT_RPATH; NULL if none or if there is a DT_RUNPATH */
	char *runpath; /* DT_RUNPATH, or NULL */
	char **needed; /* nneeded DT_NEEDED names, NULL for a bad one */
	size_t nneeded;
	int loader;   /* the object that needed it first; -1 for the program and interpreter */
	int scan;     /* its DT_NEEDED names are to be looked up */
	int nodeflib; /* DT_FLAGS_1 has DF_1_NODEFLIB */
	dev_t dev;
	ino_t ino;
};

static void dso_free(struct dso *d)
{
	for (size_t i = 0; i < d->nneeded; i++)
		free(d->needed[i]);
	free(d->needed);
	free(d->path);
	free(d->origin);
	free(d->soname);
	free(d->rpath);
	free(d->runpath);
	*d = (struct dso){0};
}

/* The dynamic section of an image: its entries and string table. */
struct dyn {
	const unsigned char *ent; /* count entries, maybe misaligned */
	size_t count;
	const unsigned char *str; /* the string table, strsz bytes */
	size_t strsz;
};

static Elf64_Dyn dyn_get(const struct dyn *dy, size_t i)
{
	Elf64_Dyn d;

	memcpy(&d, dy->ent + i * sizeof(d), sizeof(d));
	return d;
}

/* Points t at the file bytes of the PT_LOAD that holds address vaddr, at
 * most size of them; nothing if no PT_LOAD holds it in its file image. */
static void dyn_strtab(const unsigned char *b, const struct elf_info *info, uint64_t vaddr,
                       uint64_t size, struct dyn *t)
{
	for (unsigned i = 0; i < info->phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(b, info, i);
		uint64_t skip = vaddr - ph->p_vaddr;

		if (ph->p_type != PT_LOAD || vaddr < ph->p_vaddr || skip >= ph->p_filesz)
			continue;
		/* elf_parse() checked that the PT_LOAD lies inside the file. */
		t->str = b + ph->p_offset + skip;
		t->strsz = (size_t)(size < ph->p_filesz - skip ? size : ph->p_filesz - skip);
		return;
	}
}

/* Finds the dynamic section of an image elf_parse() accepted. Returns 0
 * (count 0 if there is none) or -ENOEXEC if it lies outside the file. */
static int dyn_find(const unsigned char *b, size_t len, const struct elf_info *info, struct dyn *dy)
{
	uint64_t strtab = 0, strsz = UINT64_MAX;
	int have_strtab = 0;

	*dy = (struct dyn){0};
	for (unsigned i = 0; i < info->phnum && !dy->ent; i++) {
		const Elf64_Phdr *ph = elf_phdr(b, info, i);

		if (ph->p_type != PT_DYNAMIC)
			continue;
		if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
			return -ENOEXEC;
		dy->ent = b + ph->p_offset;
		dy->count = (size_t)(ph->p_filesz / sizeof(Elf64_Dyn));
	}
	for (size_t i = 0; i < dy->count; i++) {
		Elf64_Dyn d = dyn_get(dy, i);

		if (d.d_tag == DT_NULL) {
			dy->count = i;
		} else if (d.d_tag == DT_STRTAB) {
			strtab = d.d_val;
			have_strtab = 1;
		} else if (d.d_tag == DT_STRSZ) {
			strsz = d.d_val;
		}
	}
	if (have_strtab)
		dyn_strtab(b, info, strtab, strsz, dy);
	return 0;
}

/* *out = a copy of the string at off in the string table; NULL if it is
 * empty or not all inside the table. Returns 0 or -ENOMEM. */
static int dyn_str(const struct dyn *dy, uint64_t off, char **out)
{
	const char *s = str_at(dy->str, dy->strsz, off);

	free(*out); /* a second DT_SONAME/DT_RPATH/DT_RUNPATH wins */
	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* Copies what the loader needs from the dynamic section into d. */
static int dso_read_dyn(const struct dyn *dy, struct dso *d)
{
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < dy->count; i++)
		n += dyn_get(dy, i).d_tag == DT_NEEDED;
	d->needed = calloc(n ? n : 1, sizeof(*d->needed));
	if (!d->needed)
		return -ENOMEM;
	for (size_t i = 0; i < dy->count && !rc; i++) {
		Elf64_Dyn e = dyn_get(dy, i);

		if (e.d_tag == DT_NEEDED)
			rc = dyn_str(dy, e.d_val, &d->needed[d->nneeded++]);
		else if (e.d_tag == DT_SONAME)
			rc = dyn_str(dy, e.d_val, &d->soname);
		else if (e.d_tag == DT_RPATH)
			rc = dyn_str(dy, e.d_val, &d->rpath);
		else if (e.d_tag == DT_RUNPATH)
			rc = dyn_str(dy, e.d_val, &d->runpath);
		else if (e.d_tag == DT_FLAGS_1)
			d->nodeflib = (e.d_val & DF_1_NODEFLIB) != 0;
	}
	if (d->runpath) { /* then DT_RPATH is ignored (ld.so(8)) */
		free(d->rpath);
		d->rpath = NULL;
	}
	return rc;
}

/* Parses the mapped image m into *d (strings copied; path, origin and
 * loader left for the caller) and *info. Returns 0, -ENOEXEC if it is not
 * an ELF64 x86_64 executable or shared object or its dynamic section is
 * outside the file, or -ENOMEM; on error *d is empty. */
static int dso_parse(const struct host_map *m, struct dso *d, struct elf_info *info)
{
	struct dyn dy;
	int rc;

	*d = (struct dso){.dev = m->dev, .ino = m->ino};
	rc = elf_parse(m->b, m->len, EM_X86_64, info, NULL);
	if (rc == 0)
		rc = dyn_find(m->b, m->len, info, &dy);
	if (rc == 0)
		rc = dso_read_dyn(&dy, d);
	if (rc)
		dso_free(d);
	return rc;
}

/* A malloc'd copy of the directory part of the absolute path p. */
static char *dir_of(const char *p)
{
	size_t n = (size_t)(strrchr(p, '/') - p);

	return strndup(p, n ? n : 1);
}

/* ---- the search ---- */

struct resolver {
	struct closure *out;
	struct closure_names paths; /* the paths in out */
	struct closure_names names; /* names satisfied: needed names, sonames, paths */
	struct dso *dso;            /* objects found; dso[0] is the program */
	size_t ndso, cap;
	struct host_map cache; /* the ld.so.cache (glibc), or nothing */
	uint32_t ncache;       /* its entries, all inside it */
	char *musl_path;       /* musl: the system path, ':' or '\n' separated */
	int musl;
};

/* Appends path to the closure (once). Returns 1 or -ENOMEM. */
static int out_add(struct resolver *r, const char *path)
{
	struct closure *c = r->out;

	if (names_has(&r->paths, path))
		return 1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **p = realloc(c->path, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->path = p;
		c->cap = cap;
	}
	c->path[c->n] = strdup(path);
	if (!c->path[c->n] || names_add(&r->paths, path)) {
		free(c->path[c->n]);
		return -ENOMEM;
	}
	c->n++;
	return 1;
}

/* Adds the parsed object d (owned by r from now on, even on error). */
static int dso_push(struct resolver *r, struct dso *d)
{
	int rc = 0;

	if (r->ndso == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct dso *p = realloc(r->dso, cap * sizeof(*p));

		if (!p) {
			dso_free(d);
			return -ENOMEM;
		}
		r->dso = p;
		r->cap = cap;
	}
	r->dso[r->ndso++] = *d;
	if (d->soname && !r->musl) /* musl matches names only as written */
		rc = names_add(&r->names, d->soname);
	return rc ? rc : names_add(&r->names, d->path);
}

/* Takes the file at `path` for a name that dso[loader] needs (loader -1:
 * the interpreter) if it is an ELF64 x86_64 object. Returns 1 if taken,
 * 0 if not (the search goes on), or -ENOMEM. */
static int take(struct resolver *r, const char *path, int loader)
{
	struct elf_info info;
	struct host_map m;
	struct dso d;
	int rc;

	if (names_has(&r->paths, path))
		return 1;
	if (host_map_open(path, 0, &m))
		return 0;
	for (size_t i = 0; i < r->ndso; i++) {
		if (r->dso[i].dev == m.dev && r->dso[i].ino == m.ino) {
			host_map_close(&m);
			return out_add(r, path); /* the same file by another path */
		}
	}
	rc = dso_parse(&m, &d, &info);
	host_map_close(&m);
	if (rc)
		return rc == -ENOEXEC ? 0 : rc;
	d.loader = loader;
	d.scan = loader >= 0;
	d.path = strdup(path);
	d.origin = dir_of(path);
	if (!d.path || !d.origin) {
		dso_free(&d);
		return -ENOMEM;
	}
	rc = dso_push(r, &d);
	return rc ? rc : out_add(r, path);
}

/* Length of the dynamic string token `var` at s ("$VAR" not followed by a
 * name character, or "${VAR}"), n bytes being left; 0 if it is not there. */
static size_t dst_len(const char *s, size_t n, const char *var)
{
	size_t v = strlen(var);

	if (n >= v + 3 && s[1] == '{' && memcmp(s + 2, var, v) == 0 && s[v + 2] == '}')
		return v + 3;
	if (n >= v + 1 && memcmp(s + 1, var, v) == 0 &&
	    (n == v + 1 || !(isalnum((unsigned char)s[v + 1]) || s[v + 1] == '_')))
		return v + 1;
	return 0;
}

/* Writes s[0..n) into out[0..size) with $ORIGIN (origin; NULL: unknown)
 * and $LIB expanded, other '$' kept. Returns 0, or -1 if the result is to
 * be dropped ($PLATFORM, which depends on the CPU; unknown origin; too
 * long). */
static int expand(const char *s, size_t n, const char *origin, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		const char *val = s + i;
		size_t k = 1, vlen = 1;

		if (s[i] == '$') {
			if ((k = dst_len(s + i, n - i, "ORIGIN")) != 0)
				val = origin;
			else if ((k = dst_len(s + i, n - i, "LIB")) != 0)
				val = glibc_lib;
			else if (dst_len(s + i, n - i, "PLATFORM"))
				return -1;
			if (k == 0)
				k = 1;
			if (!val)
				return -1;
			vlen = k == 1 ? 1 : strlen(val);
		}
		if (vlen >= size - o)
			return -1;
		memcpy(out + o, val, vlen);
		o += vlen;
		i += k;
	}
	out[o] = '\0';
	return 0;
}

/* Looks for name in dir (and, for glibc, its glibc-hwcaps subdirectories;
 * all that have it are taken). Returns 1 if taken, 0, or -ENOMEM. */
static int search_dir(struct resolver *r, const char *dir, const char *name, int loader)
{
	size_t nh = r->musl ? 0 : ARRAY_LEN(hwcaps_dirs);
	char p[PATH_MAX];
	int hit = 0;

	for (size_t i = 0; i <= nh; i++) {
		int rc, len;

		if (i < nh)
			len = snprintf(p, sizeof(p), "%s/glibc-hwcaps/%s/%s", dir, hwcaps_dirs[i],
			               name);
		else
			len = snprintf(p, sizeof(p), "%s/%s", dir, name);
		if (len < 0 || (size_t)len >= sizeof(p))
			continue;
		rc = take(r, p, loader);
		if (rc < 0)
			return rc;
		hit |= rc;
	}
	return hit;
}

/* Whether musl uses the search path `list`: it drops one that has a '$'
 * other than $ORIGIN. */
static int musl_list_ok(const char *list)
{
	for (const char *s = strchr(list, '$'); s; s = strchr(s + 1, '$'))
		if (strncmp(s, "$ORIGIN", 7) != 0 && strncmp(s, "${ORIGIN}", 9) != 0)
			return 0;
	return 1;
}

/* Searches the directories of `list` (':'-separated; also '\n' for musl)
 * in order, $ORIGIN being origin. Relative directories are skipped: they
 * depend on the guest's current directory. Returns 1, 0 or -ENOMEM. */
static int search_list(struct resolver *r, const char *list, const char *origin, const char *name,
                       int loader)
{
	const char *sep = r->musl ? ":\n" : ":";
	char dir[PATH_MAX];
	int rc = 0;

	if (r->musl && !musl_list_ok(list))
		return 0;
	for (const char *s = list; *s && rc == 0;) {
		size_t n = strcspn(s, sep), d;

		if (n > 0 && expand(s, n, origin, dir, sizeof(dir)) == 0 && dir[0] == '/') {
			for (d = strlen(dir); d > 1 && dir[d - 1] == '/'; d--)
				dir[d - 1] = '\0'; /* as ld.so, which then adds one '/' */
			rc = search_dir(r, dir, name, loader);
		}
		s += n;
		s += *s != '\0';
	}
	return rc;
}

/* Whether path lies in one of glibc's trusted directories (or below). */
static int in_default_dir(const char *path)
{
	for (size_t i = 0; i < ARRAY_LEN(default_dirs); i++) {
		size_t n = strlen(default_dirs[i]);

		if (strncmp(path, default_dirs[i], n) == 0 && path[n] == '/')
			return 1;
	}
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v)); /* x86_64: little-endian, as the cache */
	return v;
}

/* Maps the ld.so.cache at path if it is one; otherwise r has no cache. */
static void cache_open(struct resolver *r, const char *path)
{
	uint32_t nlibs;

	if (host_map_open(path, 0, &r->cache))
		return;
	if (r->cache.len >= CACHE_HDR_LEN &&
	    memcmp(r->cache.b, CACHE_MAGIC, CACHE_MAGIC_LEN) == 0) {
		nlibs = le32(r->cache.b + CACHE_NLIBS_OFF);
		if (nlibs <= (r->cache.len - CACHE_HDR_LEN) / CACHE_ENT_LEN) {
			r->ncache = nlibs;
			return;
		}
	}
	host_map_close(&r->cache);
}

/* Takes every x86-64 libc6 entry of the cache for name (but none in a
 * trusted directory if dso[loader] has DF_1_NODEFLIB). Returns 1, 0 or
 * -ENOMEM. */
static int cache_search(struct resolver *r, const char *name, int loader)
{
	const unsigned char *b = r->cache.b;
	int hit = 0;

	for (uint32_t i = 0; i < r->ncache; i++) {
		const unsigned char *e = b + CACHE_HDR_LEN + (size_t)i * CACHE_ENT_LEN;
		const char *key, *val;
		int rc;

		if ((le32(e) & 0xffff) != CACHE_X86_64_LIBC6)
			continue;
		key = str_at(b, r->cache.len, le32(e + 4));
		val = str_at(b, r->cache.len, le32(e + 8));
		if (!key || !val || strcmp(key, name) != 0 || val[0] != '/' ||
		    (r->dso[loader].nodeflib && in_default_dir(val)))
			continue;
		rc = take(r, val, loader);
		if (rc < 0)
			return rc;
		hit |= rc;
	}
	return hit;
}

/* glibc's search for a name without '/' (ld.so(8), "Search order").
 * Strings of r->dso stay put while take() grows the array. */
static int glibc_search(struct resolver *r, const char *name, int loader)
{
	int rc = 0;

	if (!r->dso[loader].runpath)
		for (int l = loader; l >= 0 && rc == 0; l = r->dso[l].loader)
			if (r->dso[l].rpath)
				rc =
				    search_list(r, r->dso[l].rpath, r->dso[l].origin, name, loader);
	if (rc == 0 && r->dso[loader].runpath)
		rc = search_list(r, r->dso[loader].runpath, r->dso[loader].origin, name, loader);
	if (rc == 0)
		rc = cache_search(r, name, loader);
	for (size_t i = 0; rc == 0 && !r->dso[loader].nodeflib && i < ARRAY_LEN(default_dirs); i++)
		rc = search_dir(r, default_dirs[i], name, loader);
	return rc;
}

static int musl_is_builtin(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(musl_builtin); i++)
		if (strncmp(name, musl_builtin[i], strlen(musl_builtin[i])) == 0)
			return 1;
	return 0;
}

/* musl's search for a name without '/': the run path (DT_RUNPATH, else
 * DT_RPATH) of the needing object and of those that led to it, then the
 * system path. */
static int musl_search(struct resolver *r, const char *name, int loader)
{
	int rc = 0;

	if (musl_is_builtin(name))
		return 1;
	if (strlen(name) > NAME_MAX)
		return 0;
	for (int l = loader; l >= 0 && rc == 0; l = r->dso[l].loader) {
		const char *list = r->dso[l].runpath ? r->dso[l].runpath : r->dso[l].rpath;

		if (list)
			rc = search_list(r, list, r->dso[l].origin, name, loader);
	}
	if (rc == 0 && r->musl_path)
		rc = search_list(r, r->musl_path, NULL, name, loader);
	return rc;
}

/* Looks up `needed`, a DT_NEEDED name of dso[loader], unless it is
 * satisfied already. Returns 0 (found or not) or -ENOMEM. */
static int resolve(struct resolver *r, const char *needed, int loader)
{
	char name[PATH_MAX];
	int rc;

	/* glibc expands dynamic string tokens in DT_NEEDED too; musl does not. */
	if (r->musl)
		rc = strlen(needed) < sizeof(name) ? (strcpy(name, needed), 0) : -1;
	else
		rc = expand(needed, strlen(needed), r->dso[loader].origin, name, sizeof(name));
	if (rc || !name[0] || names_has(&r->names, name))
		return 0;
	if (strchr(name, '/'))
		rc = name[0] == '/' ? take(r, name, loader) : 0;
	else if (r->musl)
		rc = musl_search(r, name, loader);
	else
		rc = glibc_search(r, name, loader);
	if (rc > 0)
		rc = names_add(&r->names, name);
	return rc;
}

/* Reads musl's system path from PREFIX/etc/ld-musl-x86_64.path, PREFIX
 * being interp less its last two components. */
static int musl_path_load(struct resolver *r, const char *interp)
{
	const char *end = interp + strlen(interp);
	char file[PATH_MAX];
	struct host_map m;
	int slashes = 0, rc, len;

	while (end > interp && slashes < 2)
		slashes += *--end == '/';
	len = snprintf(file, sizeof(file), "%.*s/etc/ld-musl-x86_64.path", (int)(end - interp),
	               interp);
	rc = len > 0 && (size_t)len < sizeof(file) ? host_map_open(file, 0, &m) : -ENAMETOOLONG;
	if (rc == -ENOENT)
		r->musl_path = strdup(musl_default_path);
	else if (rc) /* musl: a path file it cannot read means no system path */
		r->musl_path = strdup("");
	else
		r->musl_path = m.len ? strndup((const char *)m.b, m.len) : strdup("");
	if (rc == 0)
		host_map_close(&m);
	return r->musl_path ? 0 : -ENOMEM;
}

static int is_musl_interp(const char *interp)
{
	return strncmp(strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp, "ld-musl-", 8) ==
	       0;
}

/* Parses the program into dso[0] and takes its interpreter; a program
 * without one leaves r empty. */
static int load_program(struct resolver *r, const char *exe)
{
	char real[PATH_MAX], *interp = NULL;
	struct elf_info info;
	struct host_map m;
	struct dso d;
	int rc = host_map_open(exe, 0, &m);

	if (rc)
		return rc;
	rc = dso_parse(&m, &d, &info);
	if (rc == 0 && info.interp_off) /* elf_parse() checked the NUL */
		interp = strdup((const char *)m.b + info.interp_off);
	host_map_close(&m);
	if (rc)
		return rc;
	if (!info.interp_off) { /* static: nothing to load */
		dso_free(&d);
		return 0;
	}
	d.loader = -1;
	d.scan = 1;
	d.path = strdup(exe);
	d.origin = dir_of(realpath(exe, real) ? real : exe);
	rc = interp && d.path && d.origin ? 0 : -ENOMEM;
	if (rc)
		dso_free(&d);
	else
		rc = dso_push(r, &d);
	if (rc == 0 && interp[0] == '/') {
		r->musl = is_musl_interp(interp);
		rc = r->musl ? musl_path_load(r, interp) : 0;
		rc = rc ? rc : names_add(&r->names, interp);
		rc = rc ? rc : take(r, interp, -1);
	}
	free(interp);
	return rc < 0 ? rc : 0;
}

void closure_free(struct closure *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->path[i]);
	free(c->path);
	*c = (struct closure){0};
}

int closure_resolve(const char *exe, const char *ldcache_path, struct closure *out)
{
	struct resolver r = {.out = out};
	int rc;

	*out = (struct closure){0};
	if (!exe || exe[0] != '/')
		return -EINVAL;
	rc = load_program(&r, exe);
	if (rc == 0 && r.ndso > 0 && !r.musl)
		cache_open(&r, ldcache_path ? ldcache_path : DEFAULT_LDCACHE);
	for (size_t i = 0; i < r.ndso && rc == 0; i++)
		for (size_t j = 0; r.dso[i].scan && j < r.dso[i].nneeded && rc == 0; j++)
			if (r.dso[i].needed[j])
				rc = resolve(&r, r.dso[i].needed[j], (int)i);
	for (size_t i = 0; i < r.ndso; i++)
		dso_free(&r.dso[i]);
	free(r.dso);
	names_free(&r.paths);
	names_free(&r.names);
	host_map_close(&r.cache);
	free(r.musl_path);
	if (rc)
		closure_free(out);
	return rc;
}

/* ---- the archive ---- */

void closure_tree_init(struct closure_tree *t, struct cpio_out *out)
{
	*t = (struct closure_tree){.out = out};
}

void closure_tree_free(struct closure_tree *t)
{
	names_free(&t->written);
}

/* Writes directory `name` (no leading '/') once. */
static int emit_dir(struct closure_tree *t, const char *name, mode_t mode)
{
	int rc;

	if (names_has(&t->written, name))
		return 0;
	rc = cpio_out_dir(t->out, name, mode & 07777);
	return rc ? rc : names_add(&t->written, name);
}

static int emit_link(struct closure_tree *t, const char *name, const char *target)
{
	int rc;

	if (names_has(&t->written, name))
		return 0;
	rc = cpio_out_symlink(t->out, name, target);
	return rc ? rc : names_add(&t->written, name);
}

/* Writes the regular file at "/" name once, with its content. */
static int emit_file(struct closure_tree *t, const char *full)
{
	const char *name = full + 1;
	struct host_map m;
	int rc;

	if (names_has(&t->written, name))
		return 0;
	rc = host_map_open(full, O_NOFOLLOW, &m);
	if (rc)
		return rc;
	rc = cpio_out_file(t->out, name, m.mode & 07777, m.b, m.len, ARCHIVE_ALN);
	host_map_close(&m);
	return rc ? rc : names_add(&t->written, name);
}

/* Writes the link at `full` and makes todo the rest of the walk: its
 * target then `rest`. full is cut back to where the target starts. */
static int follow_link(struct closure_tree *t, char *full, size_t parent, const char *rest,
                       char *todo)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n = readlink(full, target, sizeof(target));
	int rc, len;

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	rc = emit_link(t, full + 1, target);
	if (rc)
		return rc;
	len = snprintf(next, sizeof(next), "%s/%s", target, rest);
	if (len < 0 || (size_t)len >= sizeof(next))
		return -ENAMETOOLONG;
	memcpy(todo, next, (size_t)len + 1);
	full[target[0] == '/' ? 1 : parent] = '\0';
	return 0;
}

int closure_write(struct closure_tree *t, const char *path)
{
	char full[PATH_MAX] = "/", todo[PATH_MAX];
	const char *s = todo;
	int links = 0, rc = 0;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= sizeof(todo))
		return -ENAMETOOLONG;
	strcpy(todo, path);
	while (rc == 0 && *(s += strspn(s, "/"))) {
		size_t n = strcspn(s, "/"), flen = strlen(full);
		struct stat st;

		if (n == 1 && s[0] == '.') {
			s += n;
			continue;
		}
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(full, '/');

			slash[slash == full] = '\0'; /* "/a/b" -> "/a", "/a" -> "/" */
			s += n;
			continue;
		}
		if (flen + 1 + n >= sizeof(full))
			return -ENAMETOOLONG;
		snprintf(full + flen, sizeof(full) - flen, "%s%.*s", flen > 1 ? "/" : "", (int)n,
		         s);
		s += n;
		if (lstat(full, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode)) {
			rc = emit_dir(t, full + 1, st.st_mode);
		} else if (S_ISREG(st.st_mode)) {
			return s[strspn(s, "/")] ? -ENOTDIR : emit_file(t, full);
		} else if (S_ISLNK(st.st_mode)) {
			rc = ++links > MAX_LINKS ? -ELOOP : follow_link(t, full, flen, s, todo);
			s = todo;
		} else {
			return -EINVAL;
		}
	}
	return rc;
}
