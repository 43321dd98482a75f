/*
 * ELF64 executables: the structures of the System V gABI (elf(5)) and a
 * validating parser shared by the kernel (which loads programs) and the
 * monitor (which loads the kernel and refuses bad programs before the VM
 * starts). Pure code: no allocation, no I/O; includes only <stdint.h>,
 * <stddef.h> and <errno.h>.
 */
#ifndef BOTHY_ELF_H
#define BOTHY_ELF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	unsigned char e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

typedef struct {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
} Elf64_Shdr;

typedef struct {
	uint32_t st_name;
	unsigned char st_info;
	unsigned char st_other;
	uint16_t st_shndx;
	uint64_t st_value;
	uint64_t st_size;
} Elf64_Sym;

typedef struct {
	uint32_t n_namesz;
	uint32_t n_descsz;
	uint32_t n_type;
} Elf64_Nhdr;

#define EI_CLASS         4
#define EI_DATA          5
#define ELFCLASS32       1
#define ELFCLASS64       2
#define ELFDATA2LSB      1
#define ET_REL           1
#define ET_EXEC          2
#define ET_DYN           3
#define ET_CORE          4
#define EM_386           3
#define EM_X86_64        62
#define EM_AARCH64       183
#define PT_NULL          0
#define PT_LOAD          1
#define PT_DYNAMIC       2
#define PT_INTERP        3
#define PT_NOTE          4
#define PT_PHDR          6
#define PT_TLS           7
#define PT_GNU_STACK     0x6474e551
#define PF_X             1
#define PF_W             2
#define PF_R             4
#define SHT_SYMTAB       2
#define SHT_STRTAB       3
#define STT_FUNC         2
#define ELF64_ST_TYPE(i) ((i)&0xf)

#define ELF_PAGE_SIZE 4096ull
/* Highest user address + 1 (x86_64 and aarch64 with 48-bit VAs). */
#define ELF_USER_TOP 0x0000800000000000ull

/* What elf_parse() learned about an executable. Addresses unrelocated. */
struct elf_info {
	uint16_t type;       /* ET_EXEC or ET_DYN */
	uint16_t phnum;      /* number of program headers */
	uint64_t entry;      /* e_entry */
	uint64_t phoff;      /* file offset of the program header table */
	uint64_t vaddr_lo;   /* lowest PT_LOAD p_vaddr, rounded down to a page */
	uint64_t vaddr_hi;   /* highest PT_LOAD p_vaddr + p_memsz, rounded up */
	uint64_t phdr_vaddr; /* where the program headers are in memory (PT_PHDR,
	                        or the PT_LOAD that holds them), 0 if nowhere */
	uint64_t interp_off; /* PT_INTERP: file offset of the path, 0 if none */
	uint64_t interp_len; /* its length in bytes, without the final NUL */
	uint64_t tls_memsz;  /* PT_TLS p_memsz, 0 if none */
};

/*
 * elf_parse - check that buf[0..len) is an ELF64 little-endian executable
 * (ET_EXEC, or ET_DYN for static-PIE/dynamic) for `machine` that can be
 * loaded in user space, and summarise it in *info.
 *
 * Checks: magic, class, data, e_machine, e_type, e_phentsize, the program
 * header table (8-byte aligned, as ELF-64 structures are) and every
 * PT_LOAD/PT_INTERP inside the file with overflow-safe arithmetic;
 * e_entry below ELF_USER_TOP; p_filesz <= p_memsz; p_offset and p_vaddr
 * congruent modulo the page size; PT_LOAD segments in ascending,
 * non-overlapping order (gABI; as byte ranges, so two segments may share a
 * page) and below ELF_USER_TOP; at least one PT_LOAD; at most one
 * PT_INTERP, its path NUL-terminated at p_filesz - 1, non-empty, and at
 * most 4096 bytes (as Linux). buf may have any alignment; nothing outside
 * buf[0..len) is read.
 *
 * Returns 0, or -ENOEXEC with *why (if why is not NULL) pointing at a
 * static one-line reason (for instance "not an ELF file", "32-bit ELF files
 * are not supported", "built for another machine", "segment outside the
 * file"; the full list is in elf.c). *info is zeroed on failure.
 * Source: System V gABI, "Program Loading"; elf(5).
 */
int elf_parse(const void *buf, size_t len, uint16_t machine, struct elf_info *info,
              const char **why);

/*
 * elf_phdr - the i-th program header of an image elf_parse() accepted, as a
 * pointer into buf, or NULL if i >= info->phnum. buf must be 8-byte aligned
 * for the pointer to be dereferenced (the table's offset is).
 */
const Elf64_Phdr *elf_phdr(const void *buf, const struct elf_info *info, unsigned i);

#endif
