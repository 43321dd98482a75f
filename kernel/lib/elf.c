/*
 * Validation of ELF64 executables before they are loaded (elf.h).
 *
 * Every header is copied out of the caller's buffer with byte loads, so the
 * buffer may have any alignment, and every offset and size taken from the
 * file is checked against the buffer's length with subtractions that cannot
 * wrap. Each check returns a static reason string, or NULL when it passes.
 */
#include "elf.h"

#include <errno.h>

#define PATH_MAX_LEN 4096 /* PT_INTERP limit, as Linux's binfmt_elf */

/* Headers are copied out so that buf may have any alignment. The sizes
 * are constants, so this compiles to a few register moves (no call, no
 * byte loop: each instruction counts in ring 0 on PVM, docs/pvm.md). */
#define copy_in(dst, src, n) __builtin_memcpy((dst), (src), (n))

/* Whether [off, off + size) lies inside [0, len). */
static int in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* Whether [addr, addr + size) lies below ELF_USER_TOP. */
static int in_user(uint64_t addr, uint64_t size)
{
	return addr <= ELF_USER_TOP && size <= ELF_USER_TOP - addr;
}

static const char *check_ident(const unsigned char *b, size_t len)
{
	static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};

	for (size_t i = 0; i < 4; i++)
		if (i >= len || b[i] != magic[i])
			return "not an ELF file";
	if (len <= EI_CLASS)
		return "truncated ELF header";
	if (b[EI_CLASS] == ELFCLASS32)
		return "32-bit ELF files are not supported";
	if (b[EI_CLASS] != ELFCLASS64)
		return "unknown ELF class";
	if (len <= EI_DATA)
		return "truncated ELF header";
	if (b[EI_DATA] == 2)
		return "big-endian ELF files are not supported";
	if (b[EI_DATA] != ELFDATA2LSB)
		return "unknown ELF data encoding";
	if (len < sizeof(Elf64_Ehdr))
		return "truncated ELF header";
	return NULL;
}

static const char *check_type(uint16_t type)
{
	switch (type) {
	case ET_EXEC:
	case ET_DYN:
		return NULL;
	case ET_REL:
		return "object file, not an executable";
	case ET_CORE:
		return "core file, not an executable";
	default:
		return "not an executable";
	}
}

static const char *check_ehdr(const Elf64_Ehdr *eh, size_t len, uint16_t machine)
{
	const char *why;

	if (eh->e_machine != machine)
		return "built for another machine";
	why = check_type(eh->e_type);
	if (why)
		return why;
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return "bad program header entry size";
	/* ELF-64 structures are naturally aligned, so elf_phdr() can be used. */
	if (eh->e_phoff % 8 != 0)
		return "misaligned program header table";
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return "program header table outside the file";
	if (eh->e_entry >= ELF_USER_TOP)
		return "entry point outside user space";
	return NULL;
}

/* One PT_LOAD; *prev_end is where the previous one ended in memory. */
static const char *check_load(const Elf64_Phdr *ph, size_t len, uint64_t *prev_end)
{
	if (ph->p_filesz > ph->p_memsz)
		return "segment file size larger than memory size";
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return "segment outside the file";
	if (ph->p_offset % ELF_PAGE_SIZE != ph->p_vaddr % ELF_PAGE_SIZE)
		return "segment offset and address not congruent modulo the page size";
	if (!in_user(ph->p_vaddr, ph->p_memsz))
		return "segment outside user space";
	if (ph->p_vaddr < *prev_end)
		return "segments overlap or are out of order";
	*prev_end = ph->p_vaddr + ph->p_memsz;
	return NULL;
}

static void note_load(const Elf64_Phdr *ph, struct elf_info *info, int first)
{
	uint64_t lo = ph->p_vaddr & ~(ELF_PAGE_SIZE - 1);
	uint64_t hi = (ph->p_vaddr + ph->p_memsz + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
	uint64_t table = (uint64_t)info->phnum * sizeof(Elf64_Phdr);

	if (first)
		info->vaddr_lo = lo;
	info->vaddr_hi = hi;
	/* The load that holds the program headers places them in memory. */
	if (!info->phdr_vaddr && ph->p_offset <= info->phoff &&
	    info->phoff - ph->p_offset <= ph->p_filesz &&
	    table <= ph->p_filesz - (info->phoff - ph->p_offset))
		info->phdr_vaddr = ph->p_vaddr + (info->phoff - ph->p_offset);
}

static const char *check_interp(const unsigned char *b, size_t len, const Elf64_Phdr *ph,
                                struct elf_info *info)
{
	const unsigned char *path;
	uint64_t n = 0;

	if (info->interp_off)
		return "more than one PT_INTERP";
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return "segment outside the file";
	if (ph->p_filesz > PATH_MAX_LEN)
		return "interpreter path too long";
	path = b + ph->p_offset;
	if (ph->p_filesz == 0 || path[ph->p_filesz - 1] != '\0')
		return "interpreter path not NUL-terminated";
	while (path[n] != '\0')
		n++;
	if (n == 0)
		return "empty interpreter path";
	info->interp_off = ph->p_offset;
	info->interp_len = n;
	return NULL;
}

static const char *check_phdrs(const unsigned char *b, size_t len, struct elf_info *info)
{
	uint64_t prev_end = 0, phdr_seg = 0;
	int loads = 0, have_phdr = 0;
	const char *why = NULL;

	for (unsigned i = 0; i < info->phnum && !why; i++) {
		Elf64_Phdr ph;

		copy_in(&ph, b + info->phoff + (size_t)i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			why = check_load(&ph, len, &prev_end);
			if (!why)
				note_load(&ph, info, loads++ == 0);
			break;
		case PT_INTERP:
			why = check_interp(b, len, &ph, info);
			break;
		case PT_PHDR:
			have_phdr = 1;
			phdr_seg = ph.p_vaddr;
			break;
		case PT_TLS:
			info->tls_memsz = ph.p_memsz;
			break;
		}
	}
	if (!why && loads == 0)
		why = "no loadable segment";
	if (have_phdr)
		info->phdr_vaddr = phdr_seg;
	return why;
}

int elf_parse(const void *buf, size_t len, uint16_t machine, struct elf_info *info,
              const char **why)
{
	const unsigned char *b = buf;
	Elf64_Ehdr eh;
	const char *reason;

	*info = (struct elf_info){0};
	reason = check_ident(b, len);
	if (!reason) {
		copy_in(&eh, b, sizeof(eh));
		reason = check_ehdr(&eh, len, machine);
	}
	if (!reason) {
		info->type = eh.e_type;
		info->phnum = eh.e_phnum;
		info->entry = eh.e_entry;
		info->phoff = eh.e_phoff;
		reason = check_phdrs(b, len, info);
	}
	if (why)
		*why = reason;
	return reason ? -ENOEXEC : 0;
}

const Elf64_Phdr *elf_phdr(const void *buf, const struct elf_info *info, unsigned i)
{
	if (i >= info->phnum)
		return NULL;
	return (const Elf64_Phdr *)((const unsigned char *)buf + info->phoff) + i;
}
