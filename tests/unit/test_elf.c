/*
 * Unit tests of elf_parse() (kernel/lib/elf.c).
 *
 * Real executables that Linux runs must be accepted, and what elf_parse()
 * reports about them must agree with binutils' readelf, the oracle. Broken
 * executables are made by mutating a copy of a real one in memory; every
 * parse gets a buffer of exactly the bytes it may read, so AddressSanitizer
 * catches any read outside it.
 */
/* unit-test-sources: kernel/lib/elf.c */
#include "elf.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PH 64

/* What readelf says about a file. */
struct readelf {
	int ok;
	struct elf_info info;
	char interp[4096];
	unsigned nload;
	uint64_t load_off[MAX_PH], load_filesz[MAX_PH];
	uint64_t extent; /* bytes of the file that headers and segments need */
};

static char fixture_dir[4096];

static const char *fixture(const char *name)
{
	static char path[8192];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	return path;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Reads one program header row of `readelf -lW` into r. */
static void readelf_row(struct readelf *r, const char *line, uint64_t *first_lo, int *have_phdr)
{
	char type[64];
	uint64_t off, va, pa, fsz, msz;
	struct elf_info *in = &r->info;

	if (sscanf(line, " %63s 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64,
	           type, &off, &va, &pa, &fsz, &msz) != 6)
		return;
	if (strcmp(type, "LOAD") == 0 && r->nload < MAX_PH) {
		uint64_t lo = va & ~0xfffull, hi = (va + msz + 0xfff) & ~0xfffull;

		*first_lo = r->nload == 0 ? lo : (lo < *first_lo ? lo : *first_lo);
		in->vaddr_hi = max64(in->vaddr_hi, hi);
		r->load_off[r->nload] = off;
		r->load_filesz[r->nload++] = fsz;
		if (!*have_phdr && !in->phdr_vaddr && off <= in->phoff &&
		    in->phoff + in->phnum * 56ull <= off + fsz)
			in->phdr_vaddr = va + in->phoff - off;
		r->extent = max64(r->extent, off + fsz);
	} else if (strcmp(type, "PHDR") == 0) {
		*have_phdr = 1;
		in->phdr_vaddr = va;
	} else if (strcmp(type, "TLS") == 0) {
		in->tls_memsz = msz;
	} else if (strcmp(type, "INTERP") == 0) {
		in->interp_off = off;
		r->extent = max64(r->extent, off + fsz);
	}
}

static void run_readelf(const char *path, struct readelf *r)
{
	char *out = test_sh_out("LC_ALL=C readelf -hlW '%s' 2>/dev/null", path);
	uint64_t lo = 0;
	int have_phdr = 0;
	char *line, *save = NULL;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':');

		if (strstr(line, "  Type:") == line)
			r->info.type = strstr(v, "EXEC") ? ET_EXEC : strstr(v, "DYN") ? ET_DYN : 0;
		else if (strstr(line, "  Entry point address:") == line)
			r->info.entry = strtoull(v + 1, NULL, 16);
		else if (strstr(line, "  Start of program headers:") == line)
			r->info.phoff = strtoull(v + 1, NULL, 10);
		else if (strstr(line, "  Number of program headers:") == line)
			r->info.phnum = (uint16_t)strtoul(v + 1, NULL, 10);
		else if (strstr(line, "[Requesting program interpreter: "))
			sscanf(strchr(line, ':') + 2, "%4095[^]]", r->interp);
		else
			readelf_row(r, line, &lo, &have_phdr);
	}
	r->info.vaddr_lo = lo;
	r->info.interp_len = strlen(r->interp);
	r->extent = max64(r->extent, r->info.phoff + r->info.phnum * 56ull);
	r->ok = r->info.type != 0 && r->nload > 0;
	free(out);
}

/* Parses buf and checks every field against readelf's view of path. */
static void check_against_readelf(const char *path, const void *buf, size_t len)
{
	struct readelf r;
	struct elf_info info;
	const char *why = NULL;
	int rc = elf_parse(buf, len, EM_X86_64, &info, &why);

	run_readelf(path, &r);
	CHECK(r.ok);
	if (rc != 0)
		printf("  %s: rejected: %s\n", path, why);
	CHECK_EQ(rc, 0);
	CHECK_EQ(info.type, r.info.type);
	CHECK_EQ(info.phnum, r.info.phnum);
	CHECK_EQ(info.entry, r.info.entry);
	CHECK_EQ(info.phoff, r.info.phoff);
	CHECK_EQ(info.vaddr_lo, r.info.vaddr_lo);
	CHECK_EQ(info.vaddr_hi, r.info.vaddr_hi);
	CHECK_EQ(info.phdr_vaddr, r.info.phdr_vaddr);
	CHECK_EQ(info.tls_memsz, r.info.tls_memsz);
	CHECK_EQ(info.interp_off, r.info.interp_off);
	CHECK_EQ(info.interp_len, r.info.interp_len);
	if (rc == 0 && info.interp_off)
		CHECK(memcmp((const char *)buf + info.interp_off, r.interp,
		             r.info.interp_len + 1) == 0);
}

/* A fixture (or system file) that Linux runs: accepted, and as readelf says. */
static void check_real(const char *path, int run_it)
{
	size_t len;
	void *buf;

	if (run_it)
		CHECK_EQ(test_sh("'%s'", path), 0); /* Linux itself runs it */
	buf = test_read(path, &len);
	check_against_readelf(path, buf, len);
	free(buf);
}

static void real_musl_static(void)
{
	check_real(fixture("musl-static"), 1);
}

static void real_musl_static_pie(void)
{
	check_real(fixture("musl-static-pie"), 1);
}

static void real_glibc_static(void)
{
	check_real(fixture("glibc-static"), 1);
}

static void real_glibc_static_pie(void)
{
	check_real(fixture("glibc-static-pie"), 1);
}

static void real_glibc_dynamic(void)
{
	check_real(fixture("glibc-dynamic"), 1);
	check_real(fixture("glibc-nopie"), 1);
}

static void real_bin_ls(void)
{
	struct elf_info info;
	size_t len;
	void *buf = test_read("/bin/ls", &len);
	const char *why;

	check_against_readelf("/bin/ls", buf, len);
	CHECK_EQ(elf_parse(buf, len, EM_X86_64, &info, &why), 0);
	CHECK(info.interp_off != 0); /* dynamic: accepted, interpreter named */
	free(buf);
}

static void real_busybox(void)
{
	if (!exists("/bin/busybox"))
		SKIP("/bin/busybox missing (apt-get install busybox-static)");
	check_real("/bin/busybox", 0);
}

/* Every ELF file in these directories is accepted and agrees with readelf. */
static void real_system_sweep(void)
{
	static const char *dirs[] = {"/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"};
	unsigned n = 0;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		while (dir && (de = readdir(dir))) {
			char path[4096];
			struct stat st;
			size_t len;
			unsigned char *buf;

			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_size < 64)
				continue;
			buf = test_read(path, &len);
			/* Executables and shared objects; not object files. */
			if (memcmp(buf,
			           "\x7f"
			           "ELF\x02",
			           5) == 0 &&
			    buf[18] == EM_X86_64 && (buf[16] == ET_EXEC || buf[16] == ET_DYN)) {
				check_against_readelf(path, buf, len);
				n++;
			}
			free(buf);
		}
		if (dir)
			closedir(dir);
	}
	printf("  (%u system ELF files compared with readelf)\n", n);
	CHECK(n > 100);
}

static void real_unaligned_buffer(void)
{
	size_t len;
	unsigned char *buf = test_read(fixture("musl-static"), &len);
	unsigned char *odd = malloc(len + 1);
	struct elf_info a, b;
	const char *why;

	memcpy(odd + 1, buf, len);
	CHECK_EQ(elf_parse(buf, len, EM_X86_64, &a, &why), 0);
	CHECK_EQ(elf_parse(odd + 1, len, EM_X86_64, &b, &why), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	free(odd);
	free(buf);
}

static void real_elf_phdr(void)
{
	size_t len;
	unsigned char *buf = test_read(fixture("glibc-dynamic"), &len);
	struct elf_info info;
	unsigned loads = 0;
	const char *why;

	CHECK_EQ(elf_parse(buf, len, EM_X86_64, &info, &why), 0);
	for (unsigned i = 0; i < info.phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(buf, &info, i);

		CHECK((const unsigned char *)ph == buf + info.phoff + i * sizeof(*ph));
		loads += ph->p_type == PT_LOAD;
		if (ph->p_type == PT_INTERP)
			CHECK_EQ(ph->p_offset, info.interp_off);
	}
	CHECK(loads > 0);
	CHECK(elf_phdr(buf, &info, info.phnum) == NULL);
	free(buf);
}

/* --- Mutations of a real executable. --- */

struct img {
	unsigned char *b;
	size_t len;
};

static struct img load(const char *name)
{
	struct img im;

	im.b = test_read(fixture(name), &im.len);
	return im;
}

static Elf64_Ehdr *ehdr(struct img *im)
{
	return (Elf64_Ehdr *)im->b; /* malloc'd, so aligned */
}

static Elf64_Phdr *phdr(struct img *im, unsigned i)
{
	return (Elf64_Phdr *)(im->b + ehdr(im)->e_phoff) + i;
}

/* The n-th program header of type `type`, or NULL. */
static Elf64_Phdr *find_ph(struct img *im, uint32_t type, unsigned n)
{
	for (unsigned i = 0; i < ehdr(im)->e_phnum; i++)
		if (phdr(im, i)->p_type == type && n-- == 0)
			return phdr(im, i);
	return NULL;
}

/* Parses the first len bytes of im from an exact-size copy. */
static const char *why_len(struct img *im, size_t len, uint16_t machine)
{
	unsigned char *copy = test_dup(im->b, len);
	struct elf_info info;
	const char *why = NULL;
	int rc = elf_parse(copy, len, machine, &info, &why);

	free(copy);
	if (rc == 0)
		return why == NULL ? "accepted" : "accepted, but why set";
	return rc == -ENOEXEC && why ? why : "bad return value";
}

static const char *why_of(struct img *im)
{
	return why_len(im, im->len, EM_X86_64);
}

static void bad_truncated(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *last = NULL;
	struct readelf r;

	for (unsigned i = 0; find_ph(&im, PT_LOAD, i); i++)
		last = find_ph(&im, PT_LOAD, i);
	CHECK_STR(why_len(&im, 0, EM_X86_64), "not an ELF file");
	CHECK_STR(why_len(&im, 3, EM_X86_64), "not an ELF file");
	CHECK_STR(why_len(&im, 4, EM_X86_64), "truncated ELF header");
	CHECK_STR(why_len(&im, 5, EM_X86_64), "truncated ELF header");
	CHECK_STR(why_len(&im, 63, EM_X86_64), "truncated ELF header");
	CHECK_STR(why_len(&im, 64, EM_X86_64), "program header table outside the file");
	CHECK_STR(why_len(&im, 64 + ehdr(&im)->e_phnum * 56 - 1, EM_X86_64),
	          "program header table outside the file");
	CHECK_STR(why_len(&im, last->p_offset + last->p_filesz - 1, EM_X86_64),
	          "segment outside the file");
	CHECK_STR(why_len(&im, last->p_offset + last->p_filesz, EM_X86_64), "accepted");
	/* Every length: accepted exactly from readelf's extent of the file on. */
	run_readelf(fixture("musl-static"), &r);
	for (size_t n = 0; n <= im.len; n += n < 8192 ? 1 : 509) {
		const char *why = why_len(&im, n, EM_X86_64);

		if ((strcmp(why, "accepted") == 0) != (n >= r.extent)) {
			printf("  length %zu: %s\n", n, why);
			CHECK(!"acceptance follows readelf's extent");
			break;
		}
	}
	free(im.b);
}

static void bad_magic(void)
{
	struct img im = load("musl-static");

	for (int i = 0; i < 4; i++) {
		im.b[i] ^= 0x20;
		CHECK_STR(why_of(&im), "not an ELF file");
		im.b[i] ^= 0x20;
	}
	CHECK_STR(why_of(&im), "accepted");
	free(im.b);
}

static void bad_class(void)
{
	struct img im = load("musl-static");

	im.b[EI_CLASS] = ELFCLASS32;
	CHECK_STR(why_of(&im), "32-bit ELF files are not supported");
	im.b[EI_CLASS] = 0;
	CHECK_STR(why_of(&im), "unknown ELF class");
	im.b[EI_CLASS] = 3;
	CHECK_STR(why_of(&im), "unknown ELF class");
	free(im.b);
}

static void bad_real_32bit(void)
{
	struct img im;

	if (!exists(fixture("elf32")))
		SKIP("no 32-bit fixture (gcc -m32 -c or ld -m elf_i386 failed)");
	im = load("elf32");
	CHECK(test_sh("LC_ALL=C readelf -h '%s' | grep -q 'Class: *ELF32'", fixture("elf32")) == 0);
	CHECK_STR(why_len(&im, im.len, EM_386), "32-bit ELF files are not supported");
	CHECK_STR(why_of(&im), "32-bit ELF files are not supported");
	free(im.b);
}

static void bad_data_encoding(void)
{
	struct img im = load("musl-static");

	im.b[EI_DATA] = 2;
	CHECK_STR(why_of(&im), "big-endian ELF files are not supported");
	im.b[EI_DATA] = 0;
	CHECK_STR(why_of(&im), "unknown ELF data encoding");
	free(im.b);
}

static void bad_machine(void)
{
	struct img im = load("musl-static");

	CHECK_STR(why_len(&im, im.len, EM_AARCH64), "built for another machine");
	ehdr(&im)->e_machine = EM_AARCH64;
	CHECK_STR(why_of(&im), "built for another machine");
	CHECK_STR(why_len(&im, im.len, EM_AARCH64), "accepted");
	free(im.b);
}

static void bad_real_aarch64(void)
{
	struct img im;

	if (!exists(fixture("aarch64-static")))
		SKIP("no aarch64 fixture (gcc-aarch64-linux-gnu not installed)");
	im = load("aarch64-static");
	CHECK_STR(why_of(&im), "built for another machine");
	CHECK_STR(why_len(&im, im.len, EM_AARCH64), "accepted");
	free(im.b);
}

static void bad_type(void)
{
	struct img im = load("prog.o");

	CHECK_EQ(ehdr(&im)->e_type, ET_REL);
	CHECK_STR(why_of(&im), "object file, not an executable");
	free(im.b);
	im = load("musl-static");
	ehdr(&im)->e_type = ET_CORE;
	CHECK_STR(why_of(&im), "core file, not an executable");
	ehdr(&im)->e_type = 0;
	CHECK_STR(why_of(&im), "not an executable");
	free(im.b);
}

static void bad_phdr_table(void)
{
	struct img im = load("musl-static");
	Elf64_Ehdr *eh = ehdr(&im);
	Elf64_Ehdr saved = *eh;

	eh->e_phentsize = 32;
	CHECK_STR(why_of(&im), "bad program header entry size");
	*eh = saved;
	eh->e_phoff = im.len - 8;
	CHECK_STR(why_of(&im), "program header table outside the file");
	eh->e_phoff = UINT64_MAX - 7; /* phoff + size wraps around */
	CHECK_STR(why_of(&im), "program header table outside the file");
	eh->e_phoff = 68;
	CHECK_STR(why_of(&im), "misaligned program header table");
	*eh = saved;
	eh->e_phnum = 0xffff;
	CHECK_STR(why_of(&im), "program header table outside the file");
	eh->e_phnum = 0;
	CHECK_STR(why_of(&im), "no loadable segment");
	*eh = saved;
	eh->e_entry = ELF_USER_TOP;
	CHECK_STR(why_of(&im), "entry point outside user space");
	free(im.b);
}

static void bad_no_load(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *ph;

	while ((ph = find_ph(&im, PT_LOAD, 0)))
		ph->p_type = PT_NULL;
	CHECK_STR(why_of(&im), "no loadable segment");
	free(im.b);
}

static void bad_segment_in_file(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *ph = find_ph(&im, PT_LOAD, 1), saved = *ph;

	ph->p_offset = UINT64_MAX - 0xfff + (ph->p_vaddr & 0xfff); /* offset + size wraps */
	ph->p_filesz = ph->p_memsz = 0x2000;
	CHECK_STR(why_of(&im), "segment outside the file");
	*ph = saved;
	ph->p_filesz = ph->p_memsz = UINT64_MAX - ph->p_offset + 1; /* offset + size wraps to 0 */
	CHECK_STR(why_of(&im), "segment outside the file");
	*ph = saved;
	ph->p_filesz = im.len - ph->p_offset + 1;
	ph->p_memsz = ph->p_filesz;
	CHECK_STR(why_of(&im), "segment outside the file");
	*ph = saved;
	ph->p_filesz = ph->p_memsz + 1;
	CHECK_STR(why_of(&im), "segment file size larger than memory size");
	*ph = saved;
	CHECK_STR(why_of(&im), "accepted");
	free(im.b);
}

static void bad_congruence(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *ph = find_ph(&im, PT_LOAD, 0);

	ph->p_offset += 0x10;
	CHECK_STR(why_of(&im), "segment offset and address not congruent modulo the page size");
	ph->p_offset -= 0x10;
	ph->p_vaddr -= 0x1000; /* congruent again, and still below the next */
	CHECK_STR(why_of(&im), "accepted");
	free(im.b);
}

static void bad_order(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *a = find_ph(&im, PT_LOAD, 0), *b = find_ph(&im, PT_LOAD, 1), t = *a;

	*a = *b; /* descending */
	*b = t;
	CHECK_STR(why_of(&im), "segments overlap or are out of order");
	*b = *a;
	*a = t;
	a->p_memsz = b->p_vaddr - a->p_vaddr + 1; /* one byte of overlap */
	CHECK_STR(why_of(&im), "segments overlap or are out of order");
	a->p_memsz--; /* touching is fine */
	CHECK_STR(why_of(&im), "accepted");
	free(im.b);
}

static void bad_user_top(void)
{
	struct img im = load("musl-static");
	Elf64_Phdr *ph = NULL;

	for (unsigned i = 0; find_ph(&im, PT_LOAD, i); i++)
		ph = find_ph(&im, PT_LOAD, i);
	ph->p_vaddr = ELF_USER_TOP - 0x1000 + (ph->p_offset & 0xfff);
	ph->p_memsz = 0x1000;
	CHECK_STR(why_of(&im), "segment outside user space");
	ph->p_memsz = UINT64_MAX - 0x10; /* vaddr + memsz wraps around */
	CHECK_STR(why_of(&im), "segment outside user space");
	ph->p_memsz = 0x1000 - (ph->p_offset & 0xfff); /* ends exactly at the top */
	ph->p_filesz = ph->p_filesz < ph->p_memsz ? ph->p_filesz : ph->p_memsz;
	CHECK_STR(why_of(&im), "accepted");
	ph->p_vaddr = ELF_USER_TOP + (ph->p_offset & 0xfff);
	CHECK_STR(why_of(&im), "segment outside user space");
	free(im.b);
}

static void bad_interp(void)
{
	struct img im = load("glibc-dynamic");
	Elf64_Phdr *ph = find_ph(&im, PT_INTERP, 0), saved = *ph;
	unsigned char *path = im.b + ph->p_offset;

	CHECK_STR(why_of(&im), "accepted");
	path[ph->p_filesz - 1] = 'x';
	CHECK_STR(why_of(&im), "interpreter path not NUL-terminated");
	path[ph->p_filesz - 1] = '\0';
	path[0] = '\0';
	CHECK_STR(why_of(&im), "empty interpreter path");
	path[0] = '/';
	ph->p_filesz = 0;
	CHECK_STR(why_of(&im), "interpreter path not NUL-terminated");
	ph->p_filesz = 4097;
	CHECK_STR(why_of(&im), "interpreter path too long");
	*ph = saved;
	ph->p_offset = im.len - ph->p_filesz + 1;
	CHECK_STR(why_of(&im), "segment outside the file");
	ph->p_offset = UINT64_MAX;
	CHECK_STR(why_of(&im), "segment outside the file");
	*ph = saved;
	ph->p_filesz = UINT64_MAX - ph->p_offset + 2; /* offset + size wraps to 1 */
	CHECK_STR(why_of(&im), "segment outside the file");
	*ph = saved;
	find_ph(&im, PT_NOTE, 0)->p_type = PT_INTERP;
	CHECK_STR(why_of(&im), "more than one PT_INTERP");
	free(im.b);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/fixtures", test_workdir);
	TEST_RUN(real_musl_static);
	TEST_RUN(real_musl_static_pie);
	TEST_RUN(real_glibc_static);
	TEST_RUN(real_glibc_static_pie);
	TEST_RUN(real_glibc_dynamic);
	TEST_RUN(real_bin_ls);
	TEST_RUN(real_busybox);
	TEST_RUN(real_system_sweep);
	TEST_RUN(real_unaligned_buffer);
	TEST_RUN(real_elf_phdr);
	TEST_RUN(bad_truncated);
	TEST_RUN(bad_magic);
	TEST_RUN(bad_class);
	TEST_RUN(bad_real_32bit);
	TEST_RUN(bad_data_encoding);
	TEST_RUN(bad_machine);
	TEST_RUN(bad_real_aarch64);
	TEST_RUN(bad_type);
	TEST_RUN(bad_phdr_table);
	TEST_RUN(bad_no_load);
	TEST_RUN(bad_segment_in_file);
	TEST_RUN(bad_congruence);
	TEST_RUN(bad_order);
	TEST_RUN(bad_user_top);
	TEST_RUN(bad_interp);
	return test_summary("elf");
}
