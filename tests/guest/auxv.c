/*
 * auxv: the auxiliary vector that the kernel puts after envp
 * (getauxval(3), System V x86-64 ABI 3.4.3, Linux fs/binfmt_elf.c
 * create_elf_tables). Prints only facts that hold on every x86-64 Linux.
 */
// case: auxv
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "guest.h"

extern char **environ;
extern char _start[];

/* The entries that Linux always supplies (fs/binfmt_elf.c create_elf_tables). */
static const struct {
	unsigned long type;
	const char *name;
} must[] = {
    {AT_PHDR, "AT_PHDR"},     {AT_PHENT, "AT_PHENT"},   {AT_PHNUM, "AT_PHNUM"},
    {AT_PAGESZ, "AT_PAGESZ"}, {AT_BASE, "AT_BASE"},     {AT_FLAGS, "AT_FLAGS"},
    {AT_ENTRY, "AT_ENTRY"},   {AT_UID, "AT_UID"},       {AT_EUID, "AT_EUID"},
    {AT_GID, "AT_GID"},       {AT_EGID, "AT_EGID"},     {AT_SECURE, "AT_SECURE"},
    {AT_RANDOM, "AT_RANDOM"}, {AT_EXECFN, "AT_EXECFN"}, {AT_HWCAP, "AT_HWCAP"},
    {AT_CLKTCK, "AT_CLKTCK"},
};

struct phdr_seen {
	const ElfW(Phdr) * phdr;
	int phnum;
	int covers_main;
	int calls;
};

/* dl_iterate_phdr callback: record the first object (the program). */
static int note_program(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct phdr_seen *seen = arg;

	(void)size;
	if (seen->calls++)
		return 0;
	seen->phdr = info->dlpi_phdr;
	seen->phnum = info->dlpi_phnum;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + p->p_vaddr;
		uintptr_t at = (uintptr_t)&note_program;

		if (p->p_type == PT_LOAD && lo <= at && at < lo + p->p_memsz)
			seen->covers_main = 1;
	}
	return 0;
}

/*
 * The kernel's vector, read where the ABI puts it: after envp's NULL.
 * (glibc's getauxval rewrites AT_HWCAP, so the raw vector is the oracle.)
 * Returns the entry for @type, or NULL when the kernel did not supply it.
 */
static const ElfW(auxv_t) * raw_entry(unsigned long type)
{
	char **e = environ;

	while (*e)
		e++;
	for (const ElfW(auxv_t) *a = (const ElfW(auxv_t) *)(e + 1); a->a_type != AT_NULL; a++)
		if (a->a_type == type)
			return a;
	return NULL;
}

/* The value of @type in the raw vector, 0 when it is missing. */
static unsigned long raw(unsigned long type)
{
	const ElfW(auxv_t) *a = raw_entry(type);

	return a ? a->a_un.a_val : 0;
}

/* getauxval(3) finds the same values that the raw vector holds. */
static int getauxval_agrees(void)
{
	static const unsigned long types[] = {AT_PHDR,   AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM,
	                                      AT_EXECFN, AT_UID,   AT_SECURE, AT_CLKTCK};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (getauxval(types[i]) != raw(types[i]))
			return 0;
	return 1;
}

static int random_bytes_ok(void)
{
	const unsigned char *r = (const unsigned char *)raw(AT_RANDOM);
	int nonzero = 0;

	if (!r)
		return 0;
	for (int i = 0; i < 16; i++)
		nonzero |= r[i];
	return nonzero != 0;
}

int main(void)
{
	struct phdr_seen seen = {0};
	const char *execfn;
	int bad = 0;

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		char what[40];

		snprintf(what, sizeof(what), "%s present", must[i].name);
		bad += check(what, raw_entry(must[i].type) != NULL);
	}
	bad += check("getauxval agrees with the vector after envp", getauxval_agrees());
	bad += check("AT_PAGESZ == 4096", raw(AT_PAGESZ) == 4096);
	bad += check("AT_PAGESZ == sysconf(_SC_PAGESIZE)",
	             getauxval(AT_PAGESZ) == (unsigned long)sysconf(_SC_PAGESIZE));
	bad += check("AT_CLKTCK == 100", raw(AT_CLKTCK) == 100);
	bad += check("AT_SECURE == 0", raw(AT_SECURE) == 0);
	bad += check("AT_BASE == 0 (no interpreter)", raw(AT_BASE) == 0);
	bad += check("AT_PHENT == sizeof(Elf64_Phdr)", raw(AT_PHENT) == sizeof(ElfW(Phdr)));
	bad += check("AT_ENTRY == _start", raw(AT_ENTRY) == (uintptr_t)_start);
	bad += check("AT_HWCAP has SSE2 (CPUID.1:EDX bit 26)", raw(AT_HWCAP) & (1ul << 26));
	bad += check("AT_UID == getuid()", raw(AT_UID) == getuid());
	bad += check("AT_EUID == geteuid()", raw(AT_EUID) == geteuid());
	bad += check("AT_GID == getgid()", raw(AT_GID) == getgid());
	bad += check("AT_EGID == getegid()", raw(AT_EGID) == getegid());
	bad += check("AT_RANDOM: 16 readable bytes, not all zero", random_bytes_ok());
	dl_iterate_phdr(note_program, &seen);
	bad += check("dl_iterate_phdr phdr == AT_PHDR", (uintptr_t)seen.phdr == raw(AT_PHDR));
	bad +=
	    check("dl_iterate_phdr phnum == AT_PHNUM", (unsigned long)seen.phnum == raw(AT_PHNUM));
	bad += check("a PT_LOAD of AT_PHDR covers the code", seen.covers_main);
	execfn = (const char *)raw(AT_EXECFN);
	bad += check("AT_EXECFN non-NULL", execfn != NULL);
	printf("AT_EXECFN basename %s\n", execfn ? base_name(execfn) : "(null)");
	return bad;
}
