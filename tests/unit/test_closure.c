/* clang-format off */
/* unit-test-sources: monitor/closure.c monitor/cpio_out.c kernel/lib/elf.c kernel/lib/cpio.c */
/* clang-format on */
/*
 * Unit tests of a program's start-up closure (monitor/closure.c). The
 * oracle is the loader itself: glibc's ldd (ld.so with
 * LD_TRACE_LOADED_OBJECTS) for every dynamic program in /usr/bin and
 * /usr/sbin and for programs built here with DT_RPATH/DT_RUNPATH, and
 * musl's `ld-musl --list` for musl programs; the two sets of files are
 * compared after realpath(3). Then malformed programs and caches (made by
 * hand and by random mutation) must give -ENOEXEC or be skipped, never a
 * crash (the test runs under ASan/UBSan); and an archive written by
 * closure_write(), extracted by GNU cpio, must lead each path to a copy of
 * the host's file, with each name once and no symlink as a parent.
 */
#include "closure.h"
#include "cpio.h"
#include "cpio_out.h"
#include "elf.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MUSL_LDSO "/lib/ld-musl-x86_64.so.1"

/* A list of strings, sorted and without duplicates once set_done() ran. */
struct set {
	char **s;
	size_t n, cap;
};

static void set_add(struct set *set, const char *s)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->s = realloc(set->s, set->cap * sizeof(*set->s));
	}
	set->s[set->n++] = strdup(s);
}

/* Adds the real path of p (p itself if it has none). */
static void set_add_real(struct set *set, const char *p)
{
	char real[PATH_MAX];

	set_add(set, realpath(p, real) ? real : p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_done(struct set *set)
{
	size_t j = 0;

	if (set->n > 1)
		qsort(set->s, set->n, sizeof(*set->s), cmp_str);
	for (size_t i = 0; i < set->n; i++) {
		if (j > 0 && strcmp(set->s[j - 1], set->s[i]) == 0)
			free(set->s[i]);
		else
			set->s[j++] = set->s[i];
	}
	set->n = j;
}

static int set_has(const struct set *set, const char *s)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->s[i], s) == 0)
			return 1;
	return 0;
}

static int set_equal(const struct set *a, const struct set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->s[i], b->s[i]) != 0)
			return 0;
	return 1;
}

static void set_free(struct set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->s[i]);
	free(set->s);
	*set = (struct set){0};
}

/* The real paths of a closure. */
static void closure_set(const struct closure *c, struct set *set)
{
	for (size_t i = 0; i < c->n; i++)
		set_add_real(set, c->path[i]);
	set_done(set);
}

/*
 * Reads one program's part of ldd (or `ld-musl --list`) output from *p (up
 * to the next line starting "@@ " or the end) into *set, as real paths:
 * the "=> /path" of each library and the interpreter's "/path (0x...)";
 * "not found" and linux-vdso.so.1 are left out. Returns 1 if ldd said the
 * program is not dynamic.
 */
static int parse_ldd(char **p, struct set *set)
{
	int is_static = 0;

	while (**p && strncmp(*p, "@@ ", 3) != 0) {
		char *line = *p, *end = strchr(line, '\n'), *arrow, *path = NULL;

		if (end)
			*end = '\0';
		*p = end ? end + 1 : line + strlen(line);
		line += strspn(line, " \t");
		arrow = strstr(line, " => ");
		if (arrow && arrow[4] == '/')
			path = arrow + 4;
		else if (!arrow && line[0] == '/')
			path = line;
		if (strstr(line, "not a dynamic executable") || strstr(line, "statically linked"))
			is_static = 1;
		if (path) {
			char *paren = strstr(path, " (0x");

			if (paren)
				*paren = '\0';
			set_add_real(set, path);
		}
	}
	set_done(set);
	return is_static;
}

static void print_set(const char *what, const struct set *set, const struct set *other)
{
	for (size_t i = 0; i < set->n; i++)
		if (!set_has(other, set->s[i]))
			printf("    only %s: %s\n", what, set->s[i]);
}

/*
 * Compares closure_resolve(exe) with the oracle output (one program's
 * part, see parse_ldd). Returns 1 if the sets are equal, 0 (after printing
 * the difference) if not, -1 if closure_resolve refused the file.
 */
static int compare_with(const char *exe, char **oracle)
{
	struct set ours = {0}, theirs = {0};
	int is_static = parse_ldd(oracle, &theirs), rc, same;
	struct closure c;

	rc = closure_resolve(exe, NULL, &c);
	if (rc) {
		set_free(&theirs);
		return -1;
	}
	closure_set(&c, &ours);
	same = set_equal(&ours, &theirs) && (!is_static || c.n == 0);
	if (!same) {
		printf("  %s: closure_resolve and the loader differ%s\n", exe,
		       is_static ? " (static)" : "");
		print_set("in closure_resolve", &ours, &theirs);
		print_set("in ldd", &theirs, &ours);
	}
	closure_free(&c);
	set_free(&ours);
	set_free(&theirs);
	return same;
}

/* Compares closure_resolve(exe) with the output of the shell command
 * `oracle` (printf-style, its argument exe). */
static int compare_cmd(const char *exe, const char *oracle)
{
	char *out = test_sh_out(oracle, exe), *p = out;
	int r = compare_with(exe, &p);

	free(out);
	return r;
}

static const char ldd_cmd[] = "env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd '%s' 2>&1";
static const char musl_cmd[] = MUSL_LDSO " --list '%s' 2>&1";

/* Every dynamic program of /usr/bin and /usr/sbin (real paths, not setuid
 * or setgid, ELF) against ldd run on it. */
static void ldd_host_programs(void)
{
	char *out, *p;
	int compared = 0, differ = 0, refused = 0;

	if (test_sh("command -v ldd >/dev/null") != 0)
		SKIP("no ldd");
	/* One shell for all: "@@ PATH" and then what ldd says about PATH. */
	out = test_sh_out(
	    "for f in /usr/bin/* /usr/sbin/*; do"
	    "  [ -f \"$f\" ] && [ ! -u \"$f\" ] && [ ! -g \"$f\" ] && realpath \"$f\";"
	    "done | sort -u | while read -r p; do"
	    "  [ \"$(head -c 4 \"$p\" | tr -d '\\000')\" = \"$(printf '\\177ELF')\" ] || continue;"
	    "  echo \"@@ $p\"; env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd \"$p\" 2>&1; "
	    "done");
	p = out;
	while ((p = strstr(p, "@@ ")) != NULL) {
		char *exe = p + 3, *nl = strchr(exe, '\n');
		int r;

		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
		r = compare_with(exe, &p);
		if (r < 0) {
			refused++;
			continue;
		}
		compared++;
		differ += r == 0;
	}
	free(out);
	printf("  ldd: compared %d programs, %d differ, %d not ELF64 x86_64\n", compared, differ,
	       refused);
	CHECK(compared >= 100);
	CHECK_EQ(differ, 0);
}

/* Makes a directory tree for the build cases; returns its path in t. */
static void build_dir(char *t, size_t n)
{
	test_tmpdir(t, n);
	CHECK_EQ(test_sh("cd '%s' && mkdir -p bin lib lib2 gone && "
	                 "echo 'int pb(void) { return 2; }' > pb.c && "
	                 "echo 'int pb(void); int pa(void) { return pb() + 1; }' > pa.c && "
	                 "echo 'int pa(void); int main(void) { return pa() != 3; }' > main.c && "
	                 "echo 'int main(void) { return 0; }' > plain.c",
	                 t),
	         0);
}

/* Whether the closure of exe holds a file whose real path is want. */
static int closure_has(const char *exe, const char *want)
{
	struct set s = {0};
	struct closure c;
	int has;

	if (closure_resolve(exe, NULL, &c) != 0)
		return -1;
	closure_set(&c, &s);
	has = set_has(&s, want);
	closure_free(&c);
	set_free(&s);
	return has;
}

/* A musl program, linked dynamically: only the interpreter, which is libc;
 * and one with a private library found through $ORIGIN in DT_RUNPATH. */
static void musl_programs(void)
{
	char t[PATH_MAX], exe[PATH_MAX + 32], want[PATH_MAX + 32];
	struct closure c;

	if (test_sh("command -v musl-gcc >/dev/null && test -e " MUSL_LDSO) != 0)
		SKIP("no musl-gcc or no musl loader");
	build_dir(t, sizeof(t));
	CHECK_EQ(test_sh("cd '%s' && musl-gcc -O1 -o bin/musl plain.c && "
	                 "musl-gcc -O1 -shared -fPIC -o lib2/libpb.so pb.c && "
	                 "musl-gcc -O1 -shared -fPIC -o lib/libpa.so pa.c -Llib2 -lpb && "
	                 "musl-gcc -O1 -o bin/musl-priv main.c -Llib -lpa -Wl,-rpath-link,lib2 "
	                 "-Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../lib2' -Wl,--enable-new-dtags",
	                 t),
	         0);
	snprintf(exe, sizeof(exe), "%s/bin/musl", t);
	CHECK_EQ(closure_resolve(exe, NULL, &c), 0);
	CHECK_EQ(c.n, 1);
	if (c.n == 1)
		CHECK_STR(c.path[0], MUSL_LDSO);
	closure_free(&c);
	CHECK_EQ(compare_cmd(exe, musl_cmd), 1);
	/* musl, unlike glibc, lets libpa use the program's DT_RUNPATH. */
	snprintf(exe, sizeof(exe), "%s/bin/musl-priv", t);
	CHECK_EQ(compare_cmd(exe, musl_cmd), 1);
	snprintf(want, sizeof(want), "%s/lib2/libpb.so", t);
	CHECK_EQ(closure_has(exe, want), 1);
	CHECK_EQ(test_sh("'%s'", exe), 0); /* and it runs */
}

/*
 * glibc programs with private libraries: libpa needs libpb, which lives in
 * another directory. DT_RPATH is inherited by the libraries a program
 * loads, DT_RUNPATH is not (ld.so(8)); a library that exists nowhere is
 * left out without an error. Each against ldd.
 */
static void glibc_run_paths(void)
{
	char t[PATH_MAX], exe[PATH_MAX + 32], want[PATH_MAX + 32];
	struct closure c;

	build_dir(t, sizeof(t));
	CHECK_EQ(
	    test_sh("cd '%s' && gcc -O1 -shared -fPIC -o lib2/libpb.so pb.c && "
	            "gcc -O1 -shared -fPIC -o lib/libpa.so pa.c -Llib2 -lpb && "
	            "gcc -O1 -o bin/runpath main.c -Llib -lpa -Wl,-rpath-link,lib2 "
	            "  -Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../lib2' -Wl,--enable-new-dtags && "
	            "gcc -O1 -o bin/rpath main.c -Llib -lpa -Wl,-rpath-link,lib2 "
	            "  -Wl,-rpath,'$ORIGIN/../lib:${ORIGIN}/../lib2' -Wl,--disable-new-dtags && "
	            "gcc -O1 -o bin/direct main.c -Llib -Llib2 -Wl,--no-as-needed -lpa -lpb "
	            "  -Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../lib2' -Wl,--enable-new-dtags && "
	            "gcc -O1 -shared -fPIC -o gone/libgone.so pb.c && "
	            "gcc -O1 -o bin/gone plain.c -Lgone -Wl,--no-as-needed -lgone && "
	            "rm gone/libgone.so",
	            t),
	    0);
	snprintf(want, sizeof(want), "%s/lib2/libpb.so", t);

	/* RUNPATH: libpa found; libpb, which libpa needs, not (libpa has no
	 * path of its own and the program's RUNPATH is not inherited). */
	snprintf(exe, sizeof(exe), "%s/bin/runpath", t);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
	CHECK_EQ(closure_has(exe, want), 0);
	snprintf(want, sizeof(want), "%s/lib/libpa.so", t);
	CHECK_EQ(closure_has(exe, want), 1);

	/* RPATH: the program's path serves libpa's needs too. */
	snprintf(exe, sizeof(exe), "%s/bin/rpath", t);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
	snprintf(want, sizeof(want), "%s/lib2/libpb.so", t);
	CHECK_EQ(closure_has(exe, want), 1);
	CHECK_EQ(test_sh("'%s'", exe), 0);

	/* RUNPATH, libpb needed by the program itself: found before libpa
	 * asks for it, so libpa's need is met by that name. */
	snprintf(exe, sizeof(exe), "%s/bin/direct", t);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
	CHECK_EQ(closure_has(exe, want), 1);
	CHECK_EQ(test_sh("'%s'", exe), 0);

	/* A DT_NEEDED library that exists nowhere. */
	snprintf(exe, sizeof(exe), "%s/bin/gone", t);
	CHECK_EQ(closure_resolve(exe, NULL, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		CHECK(strstr(c.path[i], "libgone") == NULL);
	CHECK(c.n >= 2); /* the interpreter and libc */
	closure_free(&c);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
}

/* Rewrites the first dynamic entry tagged `from` in the file at path to
 * tag `to`. Returns 1 if there was one. */
static int retag(const char *path, int64_t from, int64_t to)
{
	size_t len;
	unsigned char *b = test_read(path, &len);
	Elf64_Ehdr eh;
	int done = 0;

	memcpy(&eh, b, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum && !done; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		for (size_t k = 0; ph.p_type == PT_DYNAMIC && k + 16 <= ph.p_filesz && !done;
		     k += 16) {
			int64_t tag;

			memcpy(&tag, b + ph.p_offset + k, 8);
			if (tag == from) {
				memcpy(b + ph.p_offset + k, &to, 8);
				done = 1;
			}
		}
	}
	test_write(path, b, len);
	free(b);
	return done;
}

/*
 * The rule that DT_RUNPATH turns DT_RPATH off (ld.so(8)): libpa3 has a
 * DT_RUNPATH, so the program's DT_RPATH does not serve its needs; libmid
 * has both (its DT_SONAME string retagged as DT_RUNPATH), so its DT_RPATH
 * serves neither its needs nor those of the libraries it loads.
 */
static void glibc_rpath_vs_runpath(void)
{
	char t[PATH_MAX], exe[PATH_MAX + 32], want[PATH_MAX + 32];

	build_dir(t, sizeof(t));
	CHECK_EQ(
	    test_sh("cd '%s' && echo 'int pa(void); int mid(void) { return pa(); }' > mid.c && "
	            "echo 'int mid(void); int main(void) { return mid() != 3; }' > mmain.c && "
	            "gcc -O1 -shared -fPIC -o lib2/libpb.so pb.c && "
	            "gcc -O1 -shared -fPIC -o lib/libpa.so pa.c -Llib2 -lpb && "
	            "gcc -O1 -shared -fPIC -o lib/libpa3.so pa.c -Llib2 -lpb "
	            "  -Wl,-rpath,/nonexistent -Wl,--enable-new-dtags && "
	            "gcc -O1 -o bin/mixed main.c -Llib -lpa3 -Wl,-rpath-link,lib2 "
	            "  -Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../lib2' -Wl,--disable-new-dtags && "
	            "gcc -O1 -shared -fPIC -o lib/libmid.so mid.c -Llib -lpa && "
	            "gcc -O1 -o bin/mid mmain.c -Llib -lmid -Wl,-rpath-link,lib:lib2 "
	            "  -Wl,-rpath,'$ORIGIN/../lib' -Wl,--disable-new-dtags && "
	            /* A string for the DT_RUNPATH, where the program does not see it. */
	            "gcc -O1 -shared -fPIC -o lib/libmid.so mid.c -Llib -lpa -Wl,-rpath-link,lib2 "
	            "  -Wl,-soname,'$ORIGIN' -Wl,-rpath,'$ORIGIN/../lib2' "
	            "  -Wl,--disable-new-dtags",
	            t),
	    0);
	snprintf(want, sizeof(want), "%s/lib2/libpb.so", t);
	snprintf(exe, sizeof(exe), "%s/bin/mixed", t);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
	CHECK_EQ(closure_has(exe, want), 0);
	snprintf(exe, sizeof(exe), "%s/bin/mid", t);
	CHECK_EQ(closure_has(exe, want), 1); /* before the retag: found */
	snprintf(exe, sizeof(exe), "%s/lib/libmid.so", t);
	CHECK(retag(exe, 14 /* DT_SONAME */, 29 /* DT_RUNPATH */));
	snprintf(exe, sizeof(exe), "%s/bin/mid", t);
	CHECK_EQ(compare_cmd(exe, ldd_cmd), 1);
	CHECK_EQ(closure_has(exe, want), 0);
}

/* An ld.so.cache entry for write_cache(). */
struct cache_ent {
	uint32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

/* Writes an ld.so.cache in glibc's "1.1" format (see closure.c): header,
 * entries, then the strings, offsets counted from the file's start. */
static void write_cache(const char *path, const struct cache_ent *e, uint32_t n)
{
	size_t strings = 48 + (size_t)n * 24, len = strings;
	unsigned char *b;

	for (uint32_t i = 0; i < n; i++)
		len += strlen(e[i].key) + strlen(e[i].value) + 2;
	b = calloc(1, len);
	memcpy(b, "glibc-ld.so.cache1.1", 20);
	memcpy(b + 20, &n, 4);
	for (uint32_t i = 0, off = (uint32_t)strings; i < n; i++) {
		unsigned char *ent = b + 48 + i * 24;
		uint32_t k = off, v = k + (uint32_t)strlen(e[i].key) + 1;

		strcpy((char *)b + k, e[i].key);
		strcpy((char *)b + v, e[i].value);
		off = v + (uint32_t)strlen(e[i].value) + 1;
		memcpy(ent, &e[i].flags, 4);
		memcpy(ent + 4, &k, 4);
		memcpy(ent + 8, &v, 4);
		memcpy(ent + 16, &e[i].hwcap, 8);
	}
	test_write(path, b, len);
	free(b);
}

/*
 * A cache made here: every x86-64 libc6 entry for the name is taken (the
 * glibc-hwcaps one too), an entry with other flags is not, nor is one for
 * another name; a library only the cache knows is found.
 */
static void crafted_cache(void)
{
	char t[PATH_MAX], p[5][PATH_MAX + 64], exe[PATH_MAX + 32];
	struct closure c;
	int has[4] = {0};

	build_dir(t, sizeof(t));
	CHECK_EQ(test_sh("cd '%s' && mkdir -p a/glibc-hwcaps/x86-64-v3 b && "
	                 "gcc -O1 -shared -fPIC -Wl,-soname,libpb.so.1 -o a/libpb.so.1 pb.c && "
	                 "cp a/libpb.so.1 a/glibc-hwcaps/x86-64-v3/ && cp a/libpb.so.1 b/ && "
	                 "cp a/libpb.so.1 b/libother.so.1 && "
	                 "gcc -O1 -o bin/prog plain.c -La -Wl,--no-as-needed -l:libpb.so.1",
	                 t),
	         0);
	snprintf(p[0], sizeof(p[0]), "%s/a/libpb.so.1", t);
	snprintf(p[1], sizeof(p[1]), "%s/a/glibc-hwcaps/x86-64-v3/libpb.so.1", t);
	snprintf(p[2], sizeof(p[2]), "%s/b/libpb.so.1", t);
	snprintf(p[3], sizeof(p[3]), "%s/b/libother.so.1", t);
	snprintf(p[4], sizeof(p[4]), "%s/cache", t);
	{
		const struct cache_ent e[] = {
		    {0x0303, "libpb.so.1", p[1], 1ull << 62 | 1},
		    {0x0303, "libpb.so.1", p[0], 0},
		    {0x0003, "libpb.so.1", p[2], 0}, /* i386 */
		    {0x0303, "libother.so.1", p[3], 0},
		};

		write_cache(p[4], e, 4);
	}
	snprintf(exe, sizeof(exe), "%s/bin/prog", t);
	CHECK_EQ(closure_resolve(exe, p[4], &c), 0);
	for (size_t i = 0; i < c.n; i++)
		for (int k = 0; k < 4; k++)
			has[k] += strcmp(c.path[i], p[k]) == 0;
	CHECK(has[0] == 1 && has[1] == 1 && has[2] == 0 && has[3] == 0);
	CHECK_EQ(c.n, 4); /* and the interpreter and libc, from the default directories */
	closure_free(&c);
	/* The host's cache does not know it. */
	CHECK_EQ(closure_resolve(exe, NULL, &c), 0);
	CHECK_EQ(c.n, 2);
	closure_free(&c);
}

static void static_programs(void)
{
	static const char *const names[] = {"glibc-static", "glibc-static-pie", "musl-static",
	                                    "musl-static-pie"};
	char exe[PATH_MAX];
	struct closure c;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(exe, sizeof(exe), "%s/fixtures/%s", test_workdir, names[i]);
		CHECK_EQ(closure_resolve(exe, NULL, &c), 0);
		CHECK_EQ(c.n, 0);
		closure_free(&c);
	}
	CHECK_EQ(closure_resolve("fixtures/glibc-dynamic", NULL, &c), -EINVAL);
	CHECK_EQ(closure_resolve("/nonexistent/program", NULL, &c), -ENOENT);
	CHECK_EQ(closure_resolve("/etc/passwd", NULL, &c), -ENOEXEC);
	snprintf(exe, sizeof(exe), "%s/fixtures/prog.o", test_workdir);
	CHECK_EQ(closure_resolve(exe, NULL, &c), -ENOEXEC);
	CHECK_EQ(c.n, 0);
}

/* ---- malformed programs and caches ---- */

static char scratch[PATH_MAX]; /* a directory for mutated files */

/* closure_resolve of buf[0..len) written to a file, with the cache at
 * `cache` (NULL: the host's). */
static int resolve_buf(const void *buf, size_t len, const char *cache, struct closure *c)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/prog", scratch);
	test_write(path, buf, len);
	return closure_resolve(path, cache, c);
}

/* The program fixture, and where its dynamic section and strings are. */
struct fixture {
	unsigned char *b;
	size_t len;
	size_t phdr_dyn;  /* file offset of the PT_DYNAMIC program header */
	size_t dyn, ndyn; /* file offset and entries of the dynamic section */
	size_t needed;    /* file offset of the first DT_NEEDED entry */
	size_t strtab;    /* file offset of the DT_STRTAB entry */
};

static int load_fixture(struct fixture *f)
{
	char path[PATH_MAX];
	Elf64_Ehdr eh;

	snprintf(path, sizeof(path), "%s/fixtures/glibc-dynamic", test_workdir);
	*f = (struct fixture){0};
	f->b = test_read(path, &f->len);
	memcpy(&eh, f->b, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, f->b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_DYNAMIC) {
			f->phdr_dyn = eh.e_phoff + i * sizeof(ph);
			f->dyn = ph.p_offset;
			f->ndyn = ph.p_filesz / 16;
		}
	}
	for (size_t i = 0; i < f->ndyn; i++) {
		int64_t tag;

		memcpy(&tag, f->b + f->dyn + i * 16, 8);
		if (tag == 1 && !f->needed)
			f->needed = f->dyn + i * 16;
		if (tag == 5)
			f->strtab = f->dyn + i * 16;
	}
	return f->phdr_dyn && f->needed && f->strtab;
}

static void put64(unsigned char *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static void put32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static uint32_t get32(const unsigned char *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

static uint64_t get64(const unsigned char *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, 8);
	return v;
}

/* Resolves a copy of the fixture with the 8 bytes at off set to v. */
static int resolve_patched(const struct fixture *f, size_t off, uint64_t v, struct closure *c)
{
	unsigned char *b = test_dup(f->b, f->len);
	int rc;

	put64(b, off, v);
	rc = resolve_buf(b, f->len, NULL, c);
	free(b);
	return rc;
}

static void malformed_programs(void)
{
	static const size_t cuts[] = {0, 3, 10, 63, 64, 100, 300};
	struct fixture f;
	struct closure c;
	size_t strsz_off = 0;

	test_tmpdir(scratch, sizeof(scratch));
	if (!load_fixture(&f)) {
		CHECK(!"fixture has PT_DYNAMIC, DT_NEEDED and DT_STRTAB");
		free(f.b);
		return;
	}
	/* The fixture itself: the interpreter and libc. */
	CHECK_EQ(resolve_buf(f.b, f.len, NULL, &c), 0);
	CHECK_EQ(c.n, 2);
	closure_free(&c);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		CHECK_EQ(resolve_buf(f.b, cuts[i], NULL, &c), -ENOEXEC);
	CHECK_EQ(resolve_buf(f.b, f.len / 2, NULL, &c), -ENOEXEC);
	/* e_phoff past the end, or wrapping around. */
	CHECK_EQ(resolve_patched(&f, 32, f.len, &c), -ENOEXEC);
	CHECK_EQ(resolve_patched(&f, 32, UINT64_MAX - 7, &c), -ENOEXEC);
	/* PT_DYNAMIC's p_offset or p_filesz outside the file. */
	CHECK_EQ(resolve_patched(&f, f.phdr_dyn + 8, f.len, &c), -ENOEXEC);
	CHECK_EQ(resolve_patched(&f, f.phdr_dyn + 8, UINT64_MAX - 15, &c), -ENOEXEC);
	CHECK_EQ(resolve_patched(&f, f.phdr_dyn + 32, f.len, &c), -ENOEXEC);
	/* DT_STRTAB nowhere in the file, DT_NEEDED past the strings: the
	 * name is skipped, the interpreter stays. */
	CHECK_EQ(resolve_patched(&f, f.strtab + 8, 0xdead0000000ull, &c), 0);
	CHECK_EQ(c.n, 1);
	closure_free(&c);
	CHECK_EQ(resolve_patched(&f, f.needed + 8, 0xffffffffull, &c), 0);
	CHECK_EQ(c.n, 1);
	closure_free(&c);
	CHECK_EQ(resolve_patched(&f, f.needed + 8, UINT64_MAX, &c), 0);
	CHECK_EQ(c.n, 1);
	closure_free(&c);
	/* A string table cut inside the name (DT_STRSZ), so it has no NUL. */
	for (size_t i = 0; i < f.ndyn; i++)
		if (get64(f.b, f.dyn + i * 16) == 10)
			strsz_off = f.dyn + i * 16 + 8;
	CHECK(strsz_off != 0);
	if (strsz_off) {
		CHECK_EQ(resolve_patched(&f, strsz_off, get64(f.b, f.needed + 8) + 3, &c), 0);
		CHECK_EQ(c.n, 1);
		closure_free(&c);
	}
	/* No DT_NULL: the entries run to the end of PT_DYNAMIC. */
	for (size_t i = 0; i < f.ndyn; i++) {
		if (get64(f.b, f.dyn + i * 16) != 0)
			continue;
		CHECK_EQ(resolve_patched(&f, f.dyn + i * 16, 1, &c), 0);
		closure_free(&c);
	}
	free(f.b);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13; /* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random bytes written over the headers, the dynamic section or the
 * strings: never a crash; a result is 0 or -ENOEXEC, and every path it
 * gives exists. */
static void fuzz_programs(void)
{
	struct fixture f;
	struct closure c;
	int ok = 0, refused = 0;

	test_tmpdir(scratch, sizeof(scratch));
	if (!load_fixture(&f)) {
		CHECK(!"fixture loads");
		free(f.b);
		return;
	}
	for (int iter = 0; iter < 1500; iter++) {
		unsigned char *b = test_dup(f.b, f.len);
		int rc;

		for (int k = 1 + (int)(rnd() % 4); k > 0; k--) {
			size_t where[3] = {rnd() % 512, f.dyn + rnd() % (f.ndyn * 16),
			                   (size_t)(rnd() % f.len)};
			size_t at = where[rnd() % 3];

			b[at] = (unsigned char)(rnd() % 3 == 0 ? 0xff : rnd());
		}
		rc = resolve_buf(b, f.len, NULL, &c);
		CHECK(rc == 0 || rc == -ENOEXEC);
		ok += rc == 0;
		refused += rc == -ENOEXEC;
		for (size_t i = 0; rc == 0 && i < c.n; i++)
			CHECK(access(c.path[i], F_OK) == 0);
		closure_free(&c);
		free(b);
	}
	printf("  fuzz: %d resolved, %d refused\n", ok, refused);
	free(f.b);
}

/* Corrupt caches: no crash, and the libraries are still found in the
 * default directories. */
static void malformed_caches(void)
{
	struct fixture f;
	struct closure c;
	struct set want = {0};
	unsigned char *cache, *b;
	size_t len, nlibs;
	char path[PATH_MAX + 16];

	test_tmpdir(scratch, sizeof(scratch));
	if (access("/etc/ld.so.cache", R_OK) != 0)
		SKIP("no /etc/ld.so.cache");
	if (!load_fixture(&f)) {
		CHECK(!"fixture loads");
		free(f.b);
		return;
	}
	cache = test_read("/etc/ld.so.cache", &len);
	CHECK(len >= 48 && memcmp(cache, "glibc-ld.so.cache1.1", 20) == 0);
	nlibs = len >= 48 ? get32(cache, 20) : 0;
	CHECK(48 + nlibs * 24 <= len);
	snprintf(path, sizeof(path), "%s/cache", scratch);
	CHECK_EQ(resolve_buf(f.b, f.len, NULL, &c), 0);
	closure_set(&c, &want);
	closure_free(&c);
	for (int v = 0; v < 400; v++) {
		size_t n = len;
		struct set got = {0};
		int rc;

		b = test_dup(cache, len);
		if (v < 6) { /* truncated */
			static const size_t cut[] = {0, 19, 20, 47, 48, 100};

			n = cut[v];
		} else if (v == 6) {
			b[3] = 'X'; /* wrong magic */
		} else if (v == 7) {
			put32(b, 20, 0xffffffffu); /* nlibs */
		} else if (v == 8) {
			put32(b, 20, (uint32_t)((len - 48) / 24 + 1));
		} else if (v == 9) { /* every key and value out of the file */
			for (size_t i = 0; i < nlibs; i++)
				put64(b, 48 + i * 24 + 4, 0xfffffff0fffffff0ull);
		} else if (v == 10) { /* strings without a NUL up to the end */
			memset(b + 48 + nlibs * 24, 'a', len - 48 - nlibs * 24);
		} else if (v == 11) {
			n = len / 2;
		} else {
			for (int k = 1 + (int)(rnd() % 8); k > 0; k--)
				b[rnd() % (v % 2 ? 64 + nlibs * 24 : len)] = (unsigned char)rnd();
			n = v % 5 == 0 ? (size_t)(rnd() % len) : len;
		}
		test_write(path, b, n);
		rc = resolve_buf(f.b, f.len, path, &c);
		CHECK_EQ(rc, 0);
		if (rc == 0) {
			closure_set(&c, &got);
			if (v <= 11 && !set_equal(&got, &want))
				CHECK(!"a broken cache is no cache");
			for (size_t i = 0; i < c.n; i++)
				CHECK(access(c.path[i], F_OK) == 0);
		}
		set_free(&got);
		closure_free(&c);
		free(b);
	}
	set_free(&want);
	free(cache);
	free(f.b);
}

/* ---- archives ---- */

static int open_in_root(int root, const char *path)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static void *read_fd(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	ssize_t r;

	while ((r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	*len = n;
	return b;
}

/* Whether the file reached by resolving path inside root has the same
 * content as the host's. */
static int same_inside(int root, const char *path)
{
	size_t n1, n2;
	int fd = open_in_root(root, path), same;
	unsigned char *a, *b;

	if (fd < 0) {
		printf("  %s: not reachable in the archive: %s\n", path, strerror(errno));
		return 0;
	}
	a = read_fd(fd, &n1);
	close(fd);
	b = test_read(path, &n2);
	same = n1 == n2 && memcmp(a, b, n1) == 0;
	if (!same)
		printf("  %s: differs in the archive\n", path);
	free(a);
	free(b);
	return same;
}

/*
 * Each archive entry: written once; its parents real directories in the
 * extracted tree; of the same type as the host's file of that name (and
 * for a link, the same target); file data aligned to 4096. Returns the
 * number of entries.
 */
static int check_entries(const unsigned char *buf, size_t len, const char *root)
{
	struct set names = {0};
	struct cpio_entry e;
	size_t off = 0, before;
	int n = 0;

	while (cpio_next(buf, len, &off, &e) == 1) {
		char host[PATH_MAX], in[2 * PATH_MAX];
		struct stat hs, is;

		set_add(&names, e.name);
		n++;
		if (strncmp(e.name, CPIO_OUT_PAD_DIR, strlen(CPIO_OUT_PAD_DIR)) == 0)
			continue;
		snprintf(host, sizeof(host), "/%s", e.name);
		CHECK(lstat(host, &hs) == 0 && (hs.st_mode & S_IFMT) == (e.mode & S_IFMT));
		CHECK((hs.st_mode & 07777) == (e.mode & 07777) || S_ISLNK(hs.st_mode));
		if (S_ISLNK(e.mode)) {
			char t[PATH_MAX];
			ssize_t k = readlink(host, t, sizeof(t) - 1);

			CHECK(k >= 0 && (size_t)k == e.size && memcmp(t, e.data, e.size) == 0);
		}
		if (S_ISREG(e.mode))
			CHECK_EQ(((const unsigned char *)e.data - buf) % 4096, 0);
		/* Every parent in the extracted tree is a real directory. */
		for (char *s = strchr(strcpy(host, e.name), '/'); s; s = strchr(s + 1, '/')) {
			*s = '\0';
			snprintf(in, sizeof(in), "%s/%s", root, host);
			CHECK(lstat(in, &is) == 0 && S_ISDIR(is.st_mode));
			*s = '/';
		}
	}
	before = names.n;
	set_done(&names);
	CHECK_EQ(names.n, before); /* no name twice */
	set_free(&names);
	return n;
}

/* Writes exe and its closure to an archive at arch; returns 0 or -errno. */
static int write_closure(const char *exe, const struct closure *c, const char *arch)
{
	struct closure_tree t;
	struct cpio_out o;
	int fd = open(arch, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc;

	cpio_out_open(&o, fd);
	closure_tree_init(&t, &o);
	rc = closure_write(&t, exe);
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		rc = closure_write(&t, c->path[i]);
		if (rc == 0)
			rc = closure_write(&t, c->path[i]); /* again: nothing more */
	}
	if (rc == 0)
		rc = cpio_out_finish(&o);
	closure_tree_free(&t);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void archive_round_trip(void)
{
	static const char *const progs[] = {"/usr/bin/sqlite3", "/usr/bin/ls", "/usr/bin/env"};
	char t[PATH_MAX], arch[PATH_MAX + 16], root[PATH_MAX + 16];
	const char *exe = NULL;
	struct closure c;
	unsigned char *buf;
	size_t len;
	int rfd;

	if (test_sh("command -v cpio >/dev/null") != 0)
		SKIP("no GNU cpio");
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]) && !exe; i++)
		if (access(progs[i], R_OK) == 0)
			exe = progs[i];
	if (!exe)
		SKIP("no dynamic program to archive");
	test_tmpdir(t, sizeof(t));
	snprintf(arch, sizeof(arch), "%s/a.cpio", t);
	snprintf(root, sizeof(root), "%s/root", t);
	CHECK_EQ(closure_resolve(exe, NULL, &c), 0);
	CHECK(c.n >= 2);
	CHECK_EQ(write_closure(exe, &c, arch), 0);
	CHECK_EQ(test_sh("mkdir '%s' && cd '%s' && cpio -idm --quiet < '%s'", root, root, arch), 0);
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK(rfd >= 0);
	CHECK(same_inside(rfd, exe));
	for (size_t i = 0; i < c.n; i++)
		CHECK(same_inside(rfd, c.path[i]));
	close(rfd);
	buf = test_read(arch, &len);
	printf("  %s: %zu files, %d archive entries, %zu bytes\n", exe, c.n + 1,
	       check_entries(buf, len, root), len);
	free(buf);
	closure_free(&c);
}

/* Links met on the way: relative ones with "..", absolute ones, chains;
 * and the errors. */
static void archive_links(void)
{
	char t[PATH_MAX], p[PATH_MAX + 64], arch[PATH_MAX + 16], root[PATH_MAX + 16];
	struct closure_tree tree;
	struct cpio_out o;
	unsigned char *buf;
	size_t len;
	int fd, rfd;

	test_tmpdir(t, sizeof(t));
	CHECK_EQ(test_sh("cd '%s' && mkdir -p real/sub src && echo hello > real/sub/f && "
	                 "chmod 0640 real/sub/f && ln -s real dst && ln -s ../dst/sub/f src/rel && "
	                 "ln -s '%s/src/rel' src/abs && ln -s abs src/chain && "
	                 "ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s . dot",
	                 t, t),
	         0);
	snprintf(arch, sizeof(arch), "%s/a.cpio", t);
	snprintf(root, sizeof(root), "%s/root", t);
	fd = open(arch, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cpio_out_open(&o, fd);
	closure_tree_init(&tree, &o);
	snprintf(p, sizeof(p), "%s/src/chain", t);
	CHECK_EQ(closure_write(&tree, p), 0);
	snprintf(p, sizeof(p), "%s/dot/dot/./src/../real/sub/f", t);
	CHECK_EQ(closure_write(&tree, p), 0);
	snprintf(p, sizeof(p), "%s/loop1", t);
	CHECK_EQ(closure_write(&tree, p), -ELOOP);
	snprintf(p, sizeof(p), "%s/real/sub/f/x", t);
	CHECK_EQ(closure_write(&tree, p), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/nothing", t);
	CHECK_EQ(closure_write(&tree, p), -ENOENT);
	CHECK_EQ(closure_write(&tree, "/dev/null"), -EINVAL);
	CHECK_EQ(closure_write(&tree, "relative/path"), -EINVAL);
	CHECK_EQ(cpio_out_finish(&o), 0);
	closure_tree_free(&tree);
	close(fd);
	CHECK_EQ(test_sh("mkdir '%s' && cd '%s' && cpio -idm --quiet < '%s'", root, root, arch), 0);
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "%s/src/chain", t);
	CHECK(same_inside(rfd, p));
	snprintf(p, sizeof(p), "%s/real/sub/f", t);
	CHECK(same_inside(rfd, p));
	close(rfd);
	buf = test_read(arch, &len);
	check_entries(buf, len, root);
	free(buf);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(static_programs);
	TEST_RUN(glibc_run_paths);
	TEST_RUN(glibc_rpath_vs_runpath);
	TEST_RUN(crafted_cache);
	TEST_RUN(musl_programs);
	TEST_RUN(malformed_programs);
	TEST_RUN(fuzz_programs);
	TEST_RUN(malformed_caches);
	TEST_RUN(archive_links);
	TEST_RUN(archive_round_trip);
	TEST_RUN(ldd_host_programs);
	return test_summary("closure");
}
