/* clang-format off */
/* unit-test-sources: monitor/hostfs.c monitor/hostfs_ops.c monitor/hypercall.c monitor/gpa.c tests/unit/stubs_monitor.c */
/* clang-format on */
/*
 * Unit tests of the monitor's host directory sharing (monitor/hostfs.c):
 * BOTHY_HC_FS calls made through hypercall() by a fake guest whose RAM is
 * a heap buffer (AddressSanitizer catches any access outside it), against
 * a directory tree made for each case. Besides each op doing its job, the
 * cases try to get out of the share: "..", symlinks planted inside
 * pointing outside, names with '/', another share, stale handles, guest
 * addresses and lengths outside RAM. Every escape is checked on the host
 * too: the file outside the share stays as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hostfs.h"
#include "hostfs_impl.h"
#include "kvm.h"
#include "test.h"

#define RAM      (1u << 20)
#define HC_GPA   0x100ull   /* the struct bothy_hc_fs */
#define NAME_GPA 0x1000ull  /* names and paths, up to 8 KiB */
#define BUF_GPA  0x4000ull  /* buf: targets, mount paths, dirents (16 KiB) */
#define SEG_GPA  0x8000ull  /* segment arrays (BOTHY_FS_SEGS_MAX + 1 entries) */
#define DATA_GPA 0x10000ull /* file data */

static struct vm vm;
static struct hostfs_share shares[3];
static unsigned nshares;
static char top[PATH_MAX];    /* the case's directory: share/, other/, ro/, secret */
static struct bothy_hc_fs *R; /* the guest's struct after the last call */

static char *host(const char *rel)
{
	static char buf[4][PATH_MAX * 2];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", top, rel);
	return b;
}

static void teardown(void)
{
	hostfs_free(vm.hostfs);
	for (unsigned i = 0; i < nshares; i++)
		hostfs_share_close(&shares[i]);
	nshares = 0;
	free(vm.mem);
	memset(&vm, 0, sizeof(vm));
}

static void add_share(const char *spec)
{
	char err[256];
	const char *why = hostfs_share_parse(spec, &shares[nshares], err, sizeof(err));

	if (why) {
		fprintf(stderr, "hostfs_share_parse(%s): %s\n", spec, why);
		exit(1);
	}
	nshares++;
}

/*
 * A fresh tree, shared as /mnt/a (share/), /mnt/b (other/) and /mnt/ro
 * (ro/, read-only); `secret` lies outside every share.
 */
static void setup_max(unsigned max_handles)
{
	char spec[PATH_MAX + 64];

	teardown();
	test_tmpdir(top, sizeof(top));
	if (test_sh(
	        "cd '%s' && mkdir -p share/dir/sub/deep other ro/rdir && "
	        "printf 'hello world' > share/file && printf SECRET > secret && "
	        "printf 'read only' > ro/rfile && ln -s file share/link_rel && "
	        "ln -s /etc share/abs && ln -s '%s' share/absdir && ln -s ../secret share/out && "
	        "ln -s ../../../.. share/dir/up && mkfifo share/fifo && ln -s rfile ro/rlink",
	        top, top))
		exit(1);
	vm.mem = calloc(1, RAM);
	vm.mem_size = RAM;
	snprintf(spec, sizeof(spec), "%s:/mnt/a", host("share"));
	add_share(spec);
	snprintf(spec, sizeof(spec), "%s:/mnt/b:rw", host("other"));
	add_share(spec);
	snprintf(spec, sizeof(spec), "%s:/mnt/ro:ro", host("ro"));
	add_share(spec);
	vm.hostfs = hostfs_new(shares, nshares, max_handles);
	if (!vm.hostfs)
		exit(1);
}

static void setup(void)
{
	setup_max(0);
}

static char *G(uint64_t gpa)
{
	return (char *)vm.mem + gpa;
}

/* One BOTHY_HC_FS call; name (NUL-terminated, or NULL) goes to NAME_GPA. */
static int64_t call(uint32_t op, uint64_t node, const char *name, uint64_t buf, uint64_t len,
                    uint64_t a0, uint64_t a1, uint64_t a2)
{
	R = (struct bothy_hc_fs *)G(HC_GPA);
	*R = (struct bothy_hc_fs){
	    .op = op, .node = node, .buf = buf, .len = len, .arg = {a0, a1, a2}, .ret = 12345};
	if (name) {
		R->name = NAME_GPA;
		R->name_len = (uint32_t)strlen(name);
		memcpy(G(NAME_GPA), name, R->name_len);
	}
	if (hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA) != 0) {
		test_fail(__FILE__, __LINE__, "hypercall() ended the VM");
		return 12345;
	}
	return R->ret;
}

/* The root node of share n (mount path into BUF_GPA). */
static uint64_t root(unsigned n)
{
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, n, 0, 0), 0);
	return R->node;
}

/* LOOKUP path from dir, which must walk all of it; the new node. */
static uint64_t walk(uint64_t dir, const char *path)
{
	int64_t r = call(BOTHY_FS_LOOKUP, dir, path, 0, 0, 0, 0, 0);

	CHECK_EQ(r, 0);
	CHECK_EQ(R->arg[1], strlen(path));
	return r == 0 ? R->node : 0;
}

/* OPEN node with flags; the open-file handle, or 0. */
static uint64_t open_node(uint64_t node, int flags)
{
	int64_t r = call(BOTHY_FS_OPEN, node, NULL, 0, 0, (uint64_t)flags, 0, 0);

	CHECK_EQ(r, 0);
	return r == 0 ? R->arg[1] : 0;
}

static struct bothy_fs_seg *segs(void)
{
	return (struct bothy_fs_seg *)G(SEG_GPA);
}

static int64_t io(uint32_t op, uint64_t file, uint64_t off, const char *data, uint64_t len)
{
	if (data)
		memcpy(G(DATA_GPA), data, len);
	segs()[0] = (struct bothy_fs_seg){DATA_GPA, len};
	return call(op, file, NULL, SEG_GPA, sizeof(struct bothy_fs_seg), off, 1, 0);
}

static char *host_file(const char *rel)
{
	size_t n;
	char *d = test_read(host(rel), &n);
	char *s = malloc(n + 1);

	memcpy(s, d, n);
	s[n] = 0;
	free(d);
	return s;
}

/* The file outside the shares is untouched; nothing new appeared beside it. */
static void check_outside(void)
{
	char *s = host_file("secret");
	char *ls = test_sh_out("ls -A '%s'", top);

	CHECK_STR(s, "SECRET");
	CHECK_STR(ls, "other\nro\nsecret\nshare\n");
	free(s);
	free(ls);
}

/* ---- the share list, -v parsing ---- */

static void share_lists_every_share(void)
{
	setup();
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, 0, 0, 0), 0);
	CHECK_STR(G(BUF_GPA), "/mnt/a");
	CHECK_EQ(R->arg[1], 0);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFDIR);
	CHECK(R->node != 0);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, 2, 0, 0), 0);
	CHECK_STR(G(BUF_GPA), "/mnt/ro");
	CHECK_EQ(R->arg[1], BOTHY_FS_SHARE_RO);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, 3, 0, 0), -ENOENT);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, ~0ull, 0, 0), -ENOENT);
	/* "/mnt/a" needs 7 bytes with its NUL. */
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 6, 0, 0, 0), -ERANGE);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 7, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, RAM - 3, 7, 0, 0, 0), -EFAULT);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, ~0ull, 0, 0, 0), -EFAULT);
	teardown();
}

static void no_shares_without_v(void)
{
	setup();
	hostfs_free(vm.hostfs);
	vm.hostfs = NULL;
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, 0, 0, 0), -ENOENT);
	CHECK_EQ(call(BOTHY_FS_GETATTR, 1, NULL, 0, 0, 0, 0, 0), -EBADF);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, 1, "file", 0, 0, 0, 0, 0), -EBADF);
	teardown();
}

static const char *parse(const char *spec, int *ro)
{
	static char err[512];
	struct hostfs_share s;
	const char *why = hostfs_share_parse(spec, &s, err, sizeof(err));

	if (!why) {
		*ro = s.ro;
		CHECK(s.root >= 0);
		hostfs_share_close(&s);
	}
	return why;
}

static void volume_specs_are_checked(void)
{
	static const char *const bad[] = {
	    "%s",            /* no guest path */
	    ":/mnt",         /* no host directory */
	    "%s:mnt",        /* relative guest path */
	    "%s:",           /* empty guest path */
	    "%s:/",          /* the guest's root */
	    "%s:/mnt/",      /* trailing slash */
	    "%s://mnt",      /* empty component */
	    "%s:/mnt/./a",   /* "." */
	    "%s:/mnt/../a",  /* ".." */
	    "%s:/mnt/..",    /* ".." at the end */
	    "%s:/mnt:rx",    /* unknown mode */
	    "%s:/mnt:ro:rw", /* too many fields */
	    "%s:/mnt:",      /* empty mode */
	    "%s/nope:/mnt",  /* no such directory */
	    "%s/secret:/mnt" /* not a directory */
	};
	char spec[PATH_MAX + 400], longname[300];
	int ro = -1;

	setup();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(spec, sizeof(spec), bad[i], top);
		const char *why = parse(spec, &ro);
		CHECK(why != NULL);
		if (why) /* one line naming the argument */
			CHECK(strstr(why, "-v '") == why && !strchr(why, '\n'));
		else
			fprintf(stderr, "  accepted: %s\n", spec);
	}
	memset(longname, 'x', 256);
	longname[256] = 0;
	snprintf(spec, sizeof(spec), "%s:/mnt/%s", top, longname);
	CHECK(parse(spec, &ro) != NULL);
	longname[255] = 0;
	snprintf(spec, sizeof(spec), "%s:/mnt/%s", top, longname);
	CHECK(parse(spec, &ro) == NULL);
	snprintf(spec, sizeof(spec), "%s:/mnt/x:ro", top);
	CHECK(parse(spec, &ro) == NULL);
	CHECK_EQ(ro, 1);
	snprintf(spec, sizeof(spec), "%s:/mnt/x:rw", top);
	CHECK(parse(spec, &ro) == NULL);
	CHECK_EQ(ro, 0);
	snprintf(spec, sizeof(spec), "%s/share/dir/sub:/a", top);
	CHECK(parse(spec, &ro) == NULL);
	teardown();
}

/* --root DIR[:ro|:rw]: the guest's "/", read-only by default. */
static void root_specs_are_checked(void)
{
	char spec[PATH_MAX + 32], err[512];
	struct hostfs_share s;

	setup();
	snprintf(spec, sizeof(spec), "%s", top);
	CHECK(hostfs_root_parse(spec, &s, err, sizeof(err)) == NULL);
	CHECK(!strcmp(s.guest, "/") && s.ro == 1 && s.root >= 0);
	hostfs_share_close(&s);
	snprintf(spec, sizeof(spec), "%s:rw", top);
	CHECK(hostfs_root_parse(spec, &s, err, sizeof(err)) == NULL);
	CHECK_EQ(s.ro, 0);
	hostfs_share_close(&s);
	snprintf(spec, sizeof(spec), "%s:rx", top);
	CHECK(hostfs_root_parse(spec, &s, err, sizeof(err)) != NULL);
	CHECK(strstr(err, "--root '") == err);
	snprintf(spec, sizeof(spec), "%s/nope", top);
	CHECK(hostfs_root_parse(spec, &s, err, sizeof(err)) != NULL);
	snprintf(spec, sizeof(spec), "%s/secret", top); /* not a directory */
	CHECK(hostfs_root_parse(spec, &s, err, sizeof(err)) != NULL);
	CHECK(hostfs_root_parse("", &s, err, sizeof(err)) != NULL);
	teardown();
}

/* ---- lookups ---- */

static void lookup_walks_components(void)
{
	setup();
	uint64_t r = root(0);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "dir/sub/deep", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 12);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFDIR);
	uint64_t deep = R->node;
	CHECK(deep != r);
	/* Stops after a file: the rest begins at arg[1]. */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "file/x/y", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 5);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFREG);
	CHECK_EQ(R->attr.size, 11);
	/* ... and after a symlink. */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "link_rel/x", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 9);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	/* An error after some progress: the walked prefix, then the error. */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "dir/missing/x", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 4);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFDIR);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, R->node, "missing/x", 0, 0, 0, 0, 0), -ENOENT);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "missing", 0, 0, 0, 0, 0), -ENOENT);
	/* From a non-directory. */
	uint64_t f = walk(r, "file");
	CHECK_EQ(call(BOTHY_FS_LOOKUP, f, "x", 0, 0, 0, 0, 0), -ENOTDIR);
	/* GETATTR agrees with the host. */
	struct stat st;
	CHECK_EQ(stat(host("share/dir/sub/deep"), &st), 0);
	CHECK_EQ(call(BOTHY_FS_GETATTR, deep, NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->attr.ino, st.st_ino);
	CHECK_EQ(R->attr.mode, st.st_mode);
	CHECK_EQ(R->attr.nlink, st.st_nlink);
	teardown();
}

static void lookup_refuses_dot_dot_and_malformed_paths(void)
{
	static const char *const bad[] = {"..",
	                                  "dir/..",
	                                  "dir/../..",
	                                  ".",
	                                  "dir/./sub",
	                                  "dir//sub",
	                                  "/dir",
	                                  "dir/",
	                                  "/",
	                                  "../secret",
	                                  "dir/sub/deep/../../../../secret"};
	char big[BOTHY_FS_PATH_MAX + 2];

	setup();
	uint64_t r = root(0), dir = walk(r, "dir");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(call(BOTHY_FS_LOOKUP, r, bad[i], 0, 0, 0, 0, 0), -EINVAL);
		CHECK_EQ(call(BOTHY_FS_LOOKUP, dir, bad[i], 0, 0, 0, 0, 0), -EINVAL);
	}
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "", 0, 0, 0, 0, 0), -EINVAL);
	/* A NUL inside the name. */
	call(BOTHY_FS_LOOKUP, r, "dir", 0, 0, 0, 0, 0);
	memcpy(G(NAME_GPA), "dir\0sub", 7);
	R->name_len = 7;
	R->node = r;
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, -EINVAL);
	/* Lengths: a component of 256 bytes, a path of 4097, a huge name_len. */
	memset(big, 'a', 256);
	big[256] = 0;
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, big, 0, 0, 0, 0, 0), -ENAMETOOLONG);
	big[255] = 0;
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, big, 0, 0, 0, 0, 0), -ENOENT);
	for (size_t i = 0; i < BOTHY_FS_PATH_MAX + 1; i++)
		big[i] = i % 2 ? '/' : 'd';
	big[BOTHY_FS_PATH_MAX + 1] = 0;
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, big, 0, 0, 0, 0, 0), -ENAMETOOLONG);
	call(BOTHY_FS_LOOKUP, r, "dir", 0, 0, 0, 0, 0);
	R->name_len = UINT32_MAX;
	R->node = r;
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, -ENAMETOOLONG);
	/* The name outside guest RAM, or running past its end. */
	call(BOTHY_FS_LOOKUP, r, "dir", 0, 0, 0, 0, 0);
	R->name = RAM - 2;
	R->name_len = 3;
	R->node = r;
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, -EFAULT);
	R->name = ~0ull - 1;
	R->ret = 0;
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, -EFAULT);
	check_outside();
	teardown();
}

/* ---- symlinks: read, never followed ---- */

static void planted_symlinks_are_never_followed(void)
{
	char target[64] = {0};

	setup();
	uint64_t r = root(0);
	/* An absolute symlink: the walk stops at it, it never reaches /etc. */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "abs/passwd", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 4);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	uint64_t abs = R->node;
	CHECK_EQ(call(BOTHY_FS_READLINK, abs, NULL, BUF_GPA, sizeof(target), 0, 0, 0), 4);
	CHECK(!memcmp(G(BUF_GPA), "/etc", 4));
	CHECK_EQ(call(BOTHY_FS_OPEN, abs, NULL, 0, 0, O_RDONLY, 0, 0), -ELOOP);
	CHECK_EQ(call(BOTHY_FS_OPEN, abs, NULL, 0, 0, O_RDONLY | O_DIRECTORY, 0, 0), -ELOOP);
	/* LOOKUP from it as a directory fails (it is no directory). */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, abs, "passwd", 0, 0, 0, 0, 0), -ENOTDIR);
	/* Symlinks to the directory holding the share, and up through ".." */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "absdir/secret", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 7);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, r, "dir/up/secret", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->arg[1], 7);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	uint64_t out = walk(r, "out");
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	CHECK_EQ(call(BOTHY_FS_OPEN, out, NULL, 0, 0, O_RDWR | O_TRUNC, 0, 0), -ELOOP);
	/* No change goes through a symlink to its target either. */
	CHECK_EQ(call(BOTHY_FS_SETATTR, out, NULL, 0, 0, BOTHY_FS_SET_MODE, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(call(BOTHY_FS_SETATTR, out, NULL, 0, 0, BOTHY_FS_SET_SIZE, 0, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "out", 0, 0, O_RDWR | O_TRUNC, 0, 0644), -ELOOP);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "out", 0, 0, O_RDWR | O_EXCL, 0, 0644), -EEXIST);
	/* A hard link of a symlink is a link to the symlink itself. */
	CHECK_EQ(call(BOTHY_FS_LINK, out, "out2", 0, 0, r, 0, 0), 0);
	struct stat st;
	CHECK_EQ(lstat(host("share/out2"), &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_nlink, 2);
	/* Times of a symlink are its own (utimensat AT_SYMLINK_NOFOLLOW). */
	R = (struct bothy_hc_fs *)G(HC_GPA);
	struct stat before;
	CHECK_EQ(stat(host("secret"), &before), 0);
	*R = (struct bothy_hc_fs){.op = BOTHY_FS_SETATTR,
	                          .node = out,
	                          .arg = {BOTHY_FS_SET_MTIME},
	                          .attr = {.mtime_sec = 1000}};
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, 0);
	CHECK_EQ(lstat(host("share/out"), &st), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000);
	CHECK_EQ(stat(host("secret"), &st), 0);
	CHECK_EQ(st.st_mtim.tv_sec, before.st_mtim.tv_sec);
	check_outside();
	teardown();
}

static void special_files_are_never_opened(void)
{
	setup();
	uint64_t r = root(0);
	uint64_t fifo = walk(r, "fifo"); /* O_PATH: does not block */
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFIFO);
	CHECK_EQ(call(BOTHY_FS_OPEN, fifo, NULL, 0, 0, O_RDONLY, 0, 0), -ENXIO);
	CHECK_EQ(call(BOTHY_FS_OPEN, fifo, NULL, 0, 0, O_WRONLY, 0, 0), -ENXIO);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "fifo", 0, 0, O_RDONLY, 0, 0644), -ENXIO);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "fifo", 0, 0, O_WRONLY, 0, 0644), -ENXIO);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "dir", 0, 0, O_RDONLY, 0, 0644), -EISDIR);
	/* A device node (needs mknod permission; the null device is harmless). */
	if (mknod(host("share/null"), S_IFCHR | 0666, makedev(1, 3)) == 0) {
		uint64_t dev = walk(r, "null");
		CHECK_EQ(call(BOTHY_FS_OPEN, dev, NULL, 0, 0, O_RDWR, 0, 0), -ENXIO);
		CHECK_EQ(call(BOTHY_FS_CREATE, r, "null", 0, 0, O_RDWR, 0, 0644), -ENXIO);
	}
	teardown();
}

/* ---- I/O ---- */

static void read_and_write_through_segments(void)
{
	setup();
	uint64_t r = root(0), node = walk(r, "file"), f = open_node(node, O_RDWR);
	struct bothy_fs_seg *s = segs();

	/* One READ, three pieces of guest memory ("hell", "", "o world"). */
	s[0] = (struct bothy_fs_seg){DATA_GPA + 100, 4};
	s[1] = (struct bothy_fs_seg){DATA_GPA, 0};
	s[2] = (struct bothy_fs_seg){DATA_GPA + 200, 100};
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, 3 * sizeof(*s), 0, 3, 0), 11);
	CHECK(!memcmp(G(DATA_GPA + 100), "hell", 4));
	CHECK(!memcmp(G(DATA_GPA + 200), "o world", 7));
	CHECK_EQ(io(BOTHY_FS_READ, f, 6, NULL, 100), 5);
	CHECK(!memcmp(G(DATA_GPA), "world", 5));
	CHECK_EQ(io(BOTHY_FS_READ, f, 11, NULL, 100), 0);
	CHECK_EQ(io(BOTHY_FS_WRITE, f, 6, "there!", 6), 6);
	char *got = host_file("share/file");
	CHECK_STR(got, "hello there!");
	free(got);
	/* O_APPEND ignores the offset. */
	uint64_t a = open_node(node, O_WRONLY | O_APPEND);
	CHECK_EQ(io(BOTHY_FS_WRITE, a, 0, "+", 1), 1);
	got = host_file("share/file");
	CHECK_STR(got, "hello there!+");
	free(got);
	/* Access modes are the host's: no write on O_RDONLY, no read on O_WRONLY. */
	uint64_t ro = open_node(node, O_RDONLY);
	CHECK_EQ(io(BOTHY_FS_WRITE, ro, 0, "x", 1), -EBADF);
	CHECK_EQ(io(BOTHY_FS_READ, a, 0, NULL, 1), -EBADF);
	/* O_TRUNC. */
	open_node(node, O_WRONLY | O_TRUNC);
	CHECK_EQ(R->attr.size, 0);
	/* FSYNC, FALLOCATE. */
	CHECK_EQ(call(BOTHY_FS_FSYNC, f, NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_FSYNC, f, NULL, 0, 0, 1, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_FSYNC, f, NULL, 0, 0, 2, 0, 0), -EINVAL);
	int64_t fr = call(BOTHY_FS_FALLOCATE, f, NULL, 0, 0, 0, 0, 8192);
	if (fr != -EOPNOTSUPP) {
		CHECK_EQ(fr, 0);
		struct stat st;
		CHECK_EQ(stat(host("share/file"), &st), 0);
		CHECK_EQ(st.st_size, 8192);
	}
	CHECK_EQ(call(BOTHY_FS_FALLOCATE, f, NULL, 0, 0, 0, ~0ull, 1), -EINVAL);
	teardown();
}

/* The host descriptor behind an open-file handle has the flags asked for:
 * O_NONBLOCK only while opening, unless the guest wants it. */
static void open_files_have_the_flags_asked_for(void)
{
	setup();
	uint64_t r = root(0), node = walk(r, "file");
	static const int want[] = {O_RDONLY, O_WRONLY | O_APPEND, O_RDWR | O_NONBLOCK,
	                           O_RDONLY | O_DIRECTORY};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t f = open_node(want[i] & O_DIRECTORY ? r : node, want[i]);
		struct fs_handle *h = hostfs_handle_get(vm.hostfs, f, K_FILE);
		CHECK(h != NULL);
		if (!h)
			continue;
		int fl = fcntl(h->fd, F_GETFL);
		CHECK_EQ(fl & (O_ACCMODE | O_APPEND | O_NONBLOCK),
		         want[i] & (O_ACCMODE | O_APPEND | O_NONBLOCK));
		CHECK(fcntl(h->fd, F_GETFD) & FD_CLOEXEC);
	}
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "c", 0, 0, O_RDWR | O_APPEND, 0, 0600), 0);
	struct fs_handle *h = hostfs_handle_get(vm.hostfs, R->arg[1], K_FILE);
	CHECK(h != NULL);
	if (h)
		CHECK_EQ(fcntl(h->fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK),
		         O_RDWR | O_APPEND);
	teardown();
}

static void bad_segments_are_refused(void)
{
	setup();
	uint64_t f = open_node(walk(root(0), "file"), O_RDWR);
	struct bothy_fs_seg *s = segs();

	/* Counts: too many, or not matching len. */
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, (BOTHY_FS_SEGS_MAX + 1) * sizeof(*s), 0,
	              BOTHY_FS_SEGS_MAX + 1, 0),
	         -EINVAL);
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, sizeof(*s), 0, 2, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, 0, 0, ~0ull, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, ~0ull, 0, ~0ull >> 4, 0), -EINVAL);
	/* The segment array itself outside RAM. */
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, RAM - 8, sizeof(*s), 0, 1, 0), -EFAULT);
	/* A segment outside RAM, past its end, huge, or wrapping around. */
	static const uint64_t bad[][2] = {
	    {RAM, 1}, {RAM - 4, 5}, {DATA_GPA, ~0ull}, {~0ull - 3, 8}, {DATA_GPA, RAM}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s[0] = (struct bothy_fs_seg){DATA_GPA, 4};
		s[1] = (struct bothy_fs_seg){bad[i][0], bad[i][1]};
		CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, 2 * sizeof(*s), 0, 2, 0), -EFAULT);
		CHECK_EQ(call(BOTHY_FS_WRITE, f, NULL, SEG_GPA, 2 * sizeof(*s), 0, 2, 0), -EFAULT);
	}
	/* Offsets beyond off_t. */
	CHECK_EQ(io(BOTHY_FS_READ, f, ~0ull, NULL, 4), -EINVAL);
	/* The largest count is fine. */
	for (unsigned i = 0; i < BOTHY_FS_SEGS_MAX; i++)
		s[i] = (struct bothy_fs_seg){DATA_GPA + i, 1};
	CHECK_EQ(call(BOTHY_FS_READ, f, NULL, SEG_GPA, BOTHY_FS_SEGS_MAX * sizeof(*s), 0,
	              BOTHY_FS_SEGS_MAX, 0),
	         11);
	char *got = host_file("share/file");
	CHECK_STR(got, "hello world");
	free(got);
	teardown();
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

static void readdir_returns_linux_dirents(void)
{
	char names[1024] = "";
	int calls = 0;

	setup();
	uint64_t r = root(0), d = open_node(r, O_RDONLY | O_DIRECTORY);
	/* A small buffer, so that positions (d_off) are used. */
	for (uint64_t pos = 0; calls < 100; calls++) {
		int64_t n = call(BOTHY_FS_READDIR, d, NULL, BUF_GPA, 64, pos, 0, 0);
		CHECK(n >= 0);
		if (n <= 0)
			break;
		for (int64_t off = 0; off < n;) {
			struct linux_dirent64 *e = (void *)G(BUF_GPA + off);
			strcat(names, e->d_name);
			strcat(names, e->d_type == DT_DIR ? "/ " : " ");
			pos = (uint64_t)e->d_off;
			off += e->d_reclen;
		}
	}
	char *want = test_sh_out("cd '%s' && for f in .* *; do if [ -d \"$f\" ] && "
	                         "[ ! -L \"$f\" ]; then printf '%%s/ ' \"$f\"; else printf '%%s ' "
	                         "\"$f\"; fi; done",
	                         host("share"));
	char *got = test_sh_out("printf '%%s' '%s' | tr ' ' '\\n' | sort | tr '\\n' ' '", names);
	char *exp = test_sh_out("printf '%%s' '%s' | tr ' ' '\\n' | sort | tr '\\n' ' '", want);
	CHECK_STR(got, exp);
	CHECK(calls > 1);
	free(want);
	free(got);
	free(exp);
	/* Too small for one record: the host's EINVAL. Outside RAM: EFAULT. */
	CHECK_EQ(call(BOTHY_FS_READDIR, d, NULL, BUF_GPA, 8, 0, 0, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_READDIR, d, NULL, RAM - 16, 64, 0, 0, 0), -EFAULT);
	CHECK_EQ(call(BOTHY_FS_READDIR, d, NULL, BUF_GPA, ~0ull, 0, 0, 0), -EFAULT);
	/* Not a directory; a node, not an open file. */
	uint64_t f = open_node(walk(r, "file"), O_RDONLY);
	CHECK_EQ(call(BOTHY_FS_READDIR, f, NULL, BUF_GPA, 4096, 0, 0, 0), -ENOTDIR);
	CHECK_EQ(call(BOTHY_FS_READDIR, r, NULL, BUF_GPA, 4096, 0, 0, 0), -EBADF);
	teardown();
}

/* ---- changes ---- */

static void create_mkdir_symlink_link_rename_unlink(void)
{
	struct stat st;

	setup();
	uint64_t r = root(0);
	/* CREATE: a node and an open file; the mode as given (umask 0). */
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_RDWR | O_EXCL, 0, 0640), 0);
	uint64_t node = R->node, f = R->arg[1];
	CHECK_EQ(R->attr.mode, S_IFREG | 0640);
	CHECK_EQ(stat(host("share/new"), &st), 0);
	CHECK_EQ(st.st_mode, S_IFREG | 0640);
	CHECK_EQ(io(BOTHY_FS_WRITE, f, 0, "abc", 3), 3);
	CHECK_EQ(call(BOTHY_FS_GETATTR, node, NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(R->attr.size, 3);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_RDWR | O_EXCL, 0, 0640), -EEXIST);
	/* Without O_EXCL an existing file is opened; O_TRUNC empties it. */
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_RDONLY, 0, 0600), 0);
	CHECK_EQ(R->attr.size, 3);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_WRONLY | O_TRUNC, 0, 0600), 0);
	CHECK_EQ(R->attr.size, 0);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_ACCMODE, 0, 0600), -EINVAL);
	/* MKDIR, SYMLINK (the target is stored, not checked or followed). */
	CHECK_EQ(call(BOTHY_FS_MKDIR, r, "nd", 0, 0, 0, 0, 0750), 0);
	uint64_t nd = R->node;
	CHECK_EQ(R->attr.mode, S_IFDIR | 0750);
	CHECK_EQ(call(BOTHY_FS_MKDIR, r, "nd", 0, 0, 0, 0, 0750), -EEXIST);
	strcpy(G(BUF_GPA), "../../../etc/passwd");
	CHECK_EQ(call(BOTHY_FS_SYMLINK, nd, "sl", BUF_GPA, 19, 0, 0, 0), 0);
	CHECK_EQ(R->attr.mode & S_IFMT, S_IFLNK);
	CHECK_EQ(R->attr.size, 19);
	char t[64] = {0};
	CHECK_EQ(readlink(host("share/nd/sl"), t, sizeof(t)), 19);
	CHECK_STR(t, "../../../etc/passwd");
	CHECK_EQ(call(BOTHY_FS_SYMLINK, nd, "empty", BUF_GPA, 0, 0, 0, 0), -ENOENT);
	CHECK_EQ(call(BOTHY_FS_SYMLINK, nd, "big", BUF_GPA, BOTHY_FS_PATH_MAX, 0, 0, 0),
	         -ENAMETOOLONG);
	CHECK_EQ(call(BOTHY_FS_SYMLINK, nd, "far", RAM - 2, 4, 0, 0, 0), -EFAULT);
	memcpy(G(BUF_GPA), "a\0b", 3);
	CHECK_EQ(call(BOTHY_FS_SYMLINK, nd, "nul", BUF_GPA, 3, 0, 0, 0), -EINVAL);
	/* LINK "new" into nd as "hard". */
	CHECK_EQ(call(BOTHY_FS_LINK, node, "hard", 0, 0, nd, 0, 0), 0);
	CHECK_EQ(stat(host("share/new"), &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	/* RENAME new -> nd/renamed; with RENAME_NOREPLACE onto "hard": EEXIST. */
	strcpy(G(BUF_GPA), "hard");
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "new", BUF_GPA, 4, nd, RENAME_NOREPLACE, 0), -EEXIST);
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "new", BUF_GPA, 4, nd, RENAME_WHITEOUT, 0), -EINVAL);
	strcpy(G(BUF_GPA), "renamed");
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "new", BUF_GPA, 7, nd, 0, 0), 0);
	CHECK_EQ(access(host("share/new"), F_OK), -1);
	CHECK_EQ(access(host("share/nd/renamed"), F_OK), 0);
	/* UNLINK. */
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "nd", 0, 0, 0, 0, 0), -EISDIR);
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "nd", 0, 0, AT_REMOVEDIR, 0, 0), -ENOTEMPTY);
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "nd", 0, 0, AT_SYMLINK_NOFOLLOW, 0, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_UNLINK, nd, "renamed", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_UNLINK, nd, "hard", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_UNLINK, nd, "sl", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "nd", 0, 0, AT_REMOVEDIR, 0, 0), 0);
	CHECK_EQ(access(host("share/nd"), F_OK), -1);
	/* The open file outlives its names. */
	CHECK_EQ(io(BOTHY_FS_WRITE, f, 0, "xyz", 3), 3);
	check_outside();
	teardown();
}

static void setattr_and_statfs(void)
{
	struct stat st;

	setup();
	uint64_t r = root(0), node = walk(r, "file");
	R = (struct bothy_hc_fs *)G(HC_GPA);
	*R = (struct bothy_hc_fs){
	    .op = BOTHY_FS_SETATTR,
	    .node = node,
	    .arg = {BOTHY_FS_SET_MODE | BOTHY_FS_SET_SIZE | BOTHY_FS_SET_ATIME |
	            BOTHY_FS_SET_MTIME},
	    .attr = {.mode = S_IFREG | 0604,
	             .size = 5,
	             .atime_sec = 77,
	             .mtime_sec = 12345,
	             .mtime_nsec = 6789},
	};
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, 0);
	CHECK_EQ(R->attr.mode, S_IFREG | 0604);
	CHECK_EQ(R->attr.mtime_sec, 12345);
	CHECK_EQ(stat(host("share/file"), &st), 0);
	CHECK_EQ(st.st_mode, S_IFREG | 0604);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(st.st_atim.tv_sec, 77);
	CHECK_EQ(st.st_mtim.tv_sec, 12345);
	CHECK_EQ(st.st_mtim.tv_nsec, 6789);
	/* uid/gid: to what they are (any user may). */
	*R = (struct bothy_hc_fs){.op = BOTHY_FS_SETATTR,
	                          .node = node,
	                          .arg = {BOTHY_FS_SET_UID | BOTHY_FS_SET_GID},
	                          .attr = {.uid = st.st_uid, .gid = st.st_gid}};
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, 0);
	/* Bad masks, sizes, and sizes of directories; an open file works too. */
	CHECK_EQ(call(BOTHY_FS_SETATTR, node, NULL, 0, 0, 64, 0, 0), -EINVAL);
	R->attr.size = ~0ull;
	R->arg[0] = BOTHY_FS_SET_SIZE;
	hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA);
	CHECK_EQ(R->ret, -EINVAL);
	CHECK_EQ(call(BOTHY_FS_SETATTR, r, NULL, 0, 0, BOTHY_FS_SET_SIZE, 0, 0), -EISDIR);
	uint64_t f = open_node(node, O_RDWR);
	CHECK_EQ(call(BOTHY_FS_SETATTR, f, NULL, 0, 0, BOTHY_FS_SET_SIZE, 0, 0), 0);
	CHECK_EQ(R->attr.size, 0);
	/* STATFS. */
	struct statvfs sv;
	struct bothy_fs_statfs *sf = (void *)G(BUF_GPA);
	CHECK_EQ(statvfs(host("share"), &sv), 0);
	CHECK_EQ(call(BOTHY_FS_STATFS, r, NULL, BUF_GPA, sizeof(*sf), 0, 0, 0), 0);
	CHECK_EQ(sf->bsize, sv.f_bsize);
	CHECK_EQ(sf->blocks, sv.f_blocks);
	CHECK_EQ(sf->flags & ST_RDONLY, 0);
	CHECK_EQ(call(BOTHY_FS_STATFS, r, NULL, BUF_GPA, sizeof(*sf) - 1, 0, 0, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_STATFS, r, NULL, RAM - 8, sizeof(*sf), 0, 0, 0), -EFAULT);
	teardown();
}

static void names_must_be_one_component(void)
{
	static const char *const bad[] = {"a/b", "..", ".", "", "../secret", "/x", "x/"};
	char big[BOTHY_FS_NAME_MAX + 2];

	setup();
	uint64_t r = root(0), dir = walk(r, "dir"), file = walk(r, "file");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *n = bad[i];
		CHECK_EQ(call(BOTHY_FS_CREATE, dir, n, 0, 0, O_RDWR, 0, 0644), -EINVAL);
		CHECK_EQ(call(BOTHY_FS_MKDIR, dir, n, 0, 0, 0, 0, 0755), -EINVAL);
		strcpy(G(BUF_GPA), "t");
		CHECK_EQ(call(BOTHY_FS_SYMLINK, dir, n, BUF_GPA, 1, 0, 0, 0), -EINVAL);
		CHECK_EQ(call(BOTHY_FS_LINK, file, n, 0, 0, dir, 0, 0), -EINVAL);
		CHECK_EQ(call(BOTHY_FS_UNLINK, dir, n, 0, 0, 0, 0, 0), -EINVAL);
		CHECK_EQ(call(BOTHY_FS_UNLINK, dir, n, 0, 0, AT_REMOVEDIR, 0, 0), -EINVAL);
		strcpy(G(BUF_GPA), "ok");
		CHECK_EQ(call(BOTHY_FS_RENAME, r, n, BUF_GPA, 2, dir, 0, 0), -EINVAL);
		strcpy(G(BUF_GPA), n);
		CHECK_EQ(call(BOTHY_FS_RENAME, r, "file", BUF_GPA, strlen(n), dir, 0, 0), -EINVAL);
	}
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_EQ(call(BOTHY_FS_CREATE, dir, big, 0, 0, O_RDWR, 0, 0644), -ENAMETOOLONG);
	CHECK_EQ(call(BOTHY_FS_MKDIR, dir, big, 0, 0, 0, 0, 0755), -ENAMETOOLONG);
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "file", BUF_GPA, ~0ull, dir, 0, 0), -ENAMETOOLONG);
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "file", RAM - 1, 2, dir, 0, 0), -EFAULT);
	/* Still all there. */
	CHECK_EQ(access(host("share/file"), F_OK), 0);
	CHECK_EQ(test_sh("cd '%s' && [ -z \"$(ls -A dir | grep -v '^sub$' | grep -v '^up$')\" ]",
	                 host("share")),
	         0);
	check_outside();
	teardown();
}

static void read_only_share_refuses_every_change(void)
{
	setup();
	uint64_t r = root(2), rdir = walk(r, "rdir"), rfile = walk(r, "rfile");
	uint64_t rlink = walk(r, "rlink"), other = root(0);

	strcpy(G(BUF_GPA), "x");
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "new", 0, 0, O_RDWR, 0, 0644), -EROFS);
	CHECK_EQ(call(BOTHY_FS_CREATE, r, "rfile", 0, 0, O_RDONLY, 0, 0644), -EROFS);
	CHECK_EQ(call(BOTHY_FS_MKDIR, r, "new", 0, 0, 0, 0, 0755), -EROFS);
	CHECK_EQ(call(BOTHY_FS_SYMLINK, r, "new", BUF_GPA, 1, 0, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_LINK, rfile, "new", 0, 0, rdir, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "rfile", 0, 0, 0, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_UNLINK, r, "rdir", 0, 0, AT_REMOVEDIR, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_RENAME, r, "rfile", BUF_GPA, 1, rdir, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_SETATTR, rfile, NULL, 0, 0, BOTHY_FS_SET_SIZE, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_SETATTR, rfile, NULL, 0, 0, BOTHY_FS_SET_MODE, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_SETATTR, rlink, NULL, 0, 0, BOTHY_FS_SET_MTIME, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_OPEN, rfile, NULL, 0, 0, O_WRONLY, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_OPEN, rfile, NULL, 0, 0, O_RDWR, 0, 0), -EROFS);
	CHECK_EQ(call(BOTHY_FS_OPEN, rfile, NULL, 0, 0, O_RDONLY | O_TRUNC, 0, 0), -EROFS);
	/* Reading works; a file open for reading cannot be written. */
	uint64_t f = open_node(rfile, O_RDONLY);
	CHECK_EQ(io(BOTHY_FS_READ, f, 0, NULL, 100), 9);
	CHECK(!memcmp(G(DATA_GPA), "read only", 9));
	CHECK_EQ(io(BOTHY_FS_WRITE, f, 0, "x", 1), -EROFS);
	CHECK_EQ(call(BOTHY_FS_FALLOCATE, f, NULL, 0, 0, 0, 0, 4096), -EROFS);
	CHECK_EQ(call(BOTHY_FS_FSYNC, f, NULL, 0, 0, 0, 0, 0), 0);
	struct bothy_fs_statfs *sf = (void *)G(BUF_GPA);
	CHECK_EQ(call(BOTHY_FS_STATFS, r, NULL, BUF_GPA, sizeof(*sf), 0, 0, 0), 0);
	CHECK_EQ(sf->flags & ST_RDONLY, ST_RDONLY);
	/* Nor into it from a writable share. */
	uint64_t wf = walk(other, "file");
	CHECK_EQ(call(BOTHY_FS_LINK, wf, "in", 0, 0, r, 0, 0), -EXDEV);
	CHECK_EQ(call(BOTHY_FS_RENAME, other, "file", BUF_GPA, 1, r, 0, 0), -EXDEV);
	char *ls = test_sh_out("cd '%s' && ls -A && cat rfile", host("ro"));
	CHECK_STR(ls, "rdir\nrfile\nrlink\nread only");
	free(ls);
	teardown();
}

static void other_shares_are_exdev(void)
{
	setup();
	uint64_t a = root(0), b = root(1), file = walk(a, "file");
	strcpy(G(BUF_GPA), "moved");
	CHECK_EQ(call(BOTHY_FS_RENAME, a, "file", BUF_GPA, 5, b, 0, 0), -EXDEV);
	CHECK_EQ(call(BOTHY_FS_RENAME, a, "file", BUF_GPA, 5, b, RENAME_EXCHANGE, 0), -EXDEV);
	CHECK_EQ(call(BOTHY_FS_LINK, file, "linked", 0, 0, b, 0, 0), -EXDEV);
	CHECK_EQ(access(host("share/file"), F_OK), 0);
	CHECK_EQ(access(host("other/moved"), F_OK), -1);
	CHECK_EQ(access(host("other/linked"), F_OK), -1);
	/* Within one share they work. */
	uint64_t dir = walk(a, "dir");
	CHECK_EQ(call(BOTHY_FS_RENAME, a, "file", BUF_GPA, 5, dir, 0, 0), 0);
	CHECK_EQ(access(host("share/dir/moved"), F_OK), 0);
	teardown();
}

/* ---- handles ---- */

static void bad_handles_are_ebadf(void)
{
	setup();
	uint64_t r = root(0), node = walk(r, "file"), f = open_node(node, O_RDONLY);
	uint64_t d = walk(r, "dir");

	static const uint64_t junk[] = {0, 0xffffffff, 1ull << 32, ~0ull, 65537, 12345};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		CHECK_EQ(call(BOTHY_FS_GETATTR, junk[i], NULL, 0, 0, 0, 0, 0), -EBADF);
		CHECK_EQ(call(BOTHY_FS_LOOKUP, junk[i], "file", 0, 0, 0, 0, 0), -EBADF);
		CHECK_EQ(call(BOTHY_FS_FORGET, junk[i], NULL, 0, 0, 0, 0, 0), -EBADF);
		CHECK_EQ(io(BOTHY_FS_READ, junk[i], 0, NULL, 1), -EBADF);
		CHECK_EQ(call(BOTHY_FS_LINK, node, "x", 0, 0, junk[i], 0, 0), -EBADF);
		strcpy(G(BUF_GPA), "x");
		CHECK_EQ(call(BOTHY_FS_RENAME, r, "file", BUF_GPA, 1, junk[i], 0, 0), -EBADF);
	}
	/* Wrong kind: an open file where a node is needed, and the reverse. */
	CHECK_EQ(call(BOTHY_FS_LOOKUP, f, "x", 0, 0, 0, 0, 0), -EBADF);
	CHECK_EQ(call(BOTHY_FS_OPEN, f, NULL, 0, 0, O_RDONLY, 0, 0), -EBADF);
	CHECK_EQ(call(BOTHY_FS_LINK, node, "x", 0, 0, open_node(d, O_RDONLY), 0, 0), -EBADF);
	CHECK_EQ(io(BOTHY_FS_READ, node, 0, NULL, 1), -EBADF);
	CHECK_EQ(call(BOTHY_FS_FSYNC, node, NULL, 0, 0, 0, 0, 0), -EBADF);
	CHECK_EQ(call(BOTHY_FS_FALLOCATE, node, NULL, 0, 0, 0, 0, 1), -EBADF);
	CHECK_EQ(call(BOTHY_FS_GETATTR, f, NULL, 0, 0, 0, 0, 0), 0); /* either kind */
	/* Forgotten handles stay dead, even when their slot is reused. */
	CHECK_EQ(call(BOTHY_FS_FORGET, f, NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(io(BOTHY_FS_READ, f, 0, NULL, 1), -EBADF);
	CHECK_EQ(call(BOTHY_FS_FORGET, f, NULL, 0, 0, 0, 0, 0), -EBADF);
	uint64_t f2 = open_node(node, O_RDONLY);
	CHECK((uint32_t)f2 == (uint32_t)f); /* the same slot ... */
	CHECK(f2 != f);                     /* ... with another generation */
	CHECK_EQ(io(BOTHY_FS_READ, f, 0, NULL, 1), -EBADF);
	CHECK_EQ(io(BOTHY_FS_READ, f2, 0, NULL, 1), 1);
	/* Unknown ops. */
	CHECK_EQ(call(0, r, NULL, 0, 0, 0, 0, 0), -ENOSYS);
	CHECK_EQ(call(BOTHY_FS_OP_MAX, r, NULL, 0, 0, 0, 0, 0), -ENOSYS);
	CHECK_EQ(call(~0u, r, NULL, 0, 0, 0, 0, 0), -ENOSYS);
	/* OPEN with O_ACCMODE. */
	CHECK_EQ(call(BOTHY_FS_OPEN, node, NULL, 0, 0, O_ACCMODE, 0, 0), -EINVAL);
	/* READLINK of a non-symlink is the host's EINVAL; out of RAM, EFAULT. */
	CHECK_EQ(call(BOTHY_FS_READLINK, node, NULL, BUF_GPA, 64, 0, 0, 0), -EINVAL);
	CHECK_EQ(call(BOTHY_FS_READLINK, walk(r, "abs"), NULL, RAM - 2, 64, 0, 0, 0), -EFAULT);
	CHECK_EQ(call(BOTHY_FS_READLINK, walk(r, "abs"), NULL, BUF_GPA, ~0ull, 0, 0, 0), -EFAULT);
	teardown();
}

static void full_table_is_enfile(void)
{
	uint64_t h[4];

	setup_max(4);
	for (int i = 0; i < 4; i++)
		h[i] = root(0);
	CHECK_EQ(call(BOTHY_FS_SHARE, 0, NULL, BUF_GPA, 256, 0, 0, 0), -ENFILE);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, h[0], "file", 0, 0, 0, 0, 0), -ENFILE);
	CHECK_EQ(call(BOTHY_FS_OPEN, h[0], NULL, 0, 0, O_RDONLY | O_DIRECTORY, 0, 0), -ENFILE);
	/* CREATE needs two: it fails whole, leaving no file handle behind. */
	CHECK_EQ(call(BOTHY_FS_FORGET, h[3], NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_CREATE, h[0], "c", 0, 0, O_RDWR, 0, 0644), -ENFILE);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, h[0], "file", 0, 0, 0, 0, 0), 0);
	CHECK_EQ(call(BOTHY_FS_LOOKUP, h[0], "file", 0, 0, 0, 0, 0), -ENFILE);
	teardown();
}

static void bad_struct_ends_the_vm(void)
{
	setup();
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_FS, RAM - 8), 1);
	CHECK_EQ(vm.exit_status, BOTHY_EXIT_KERNEL_FAULT);
	vm.exit_status = 0;
	CHECK_EQ(hypercall(&vm, NULL, BOTHY_HC_FS, HC_GPA + 4), 1);
	CHECK_EQ(vm.exit_status, BOTHY_EXIT_KERNEL_FAULT);
	teardown();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	alarm(120); /* a call that blocks (a FIFO opened) must fail, not hang */
	TEST_RUN(share_lists_every_share);
	TEST_RUN(no_shares_without_v);
	TEST_RUN(volume_specs_are_checked);
	TEST_RUN(root_specs_are_checked);
	TEST_RUN(lookup_walks_components);
	TEST_RUN(lookup_refuses_dot_dot_and_malformed_paths);
	TEST_RUN(planted_symlinks_are_never_followed);
	TEST_RUN(special_files_are_never_opened);
	TEST_RUN(read_and_write_through_segments);
	TEST_RUN(open_files_have_the_flags_asked_for);
	TEST_RUN(bad_segments_are_refused);
	TEST_RUN(readdir_returns_linux_dirents);
	TEST_RUN(create_mkdir_symlink_link_rename_unlink);
	TEST_RUN(setattr_and_statfs);
	TEST_RUN(names_must_be_one_component);
	TEST_RUN(read_only_share_refuses_every_change);
	TEST_RUN(other_shares_are_exdev);
	TEST_RUN(bad_handles_are_ebadf);
	TEST_RUN(full_table_is_enfile);
	TEST_RUN(bad_struct_ends_the_vm);
	return test_summary("hostfs");
}
