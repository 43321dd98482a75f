/*
 * The two ELF files the monitor handles before any VM exists: the program
 * (refused with a one-line reason if Bothy cannot run it) and the kernel
 * (checked for this monitor's ABI version; symbols for fault reports).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "monitor.h"

extern const uint8_t kernel_blob[], kernel_blob_end[];

/* map_file - map path read-only; -errno on failure. */
static int map_file(const char *path, struct image *img)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
		close(fd);
		return e;
	}
	img->fd = fd;
	img->size = st.st_size;
	img->data = NULL;
	if (st.st_size == 0)
		return 0;
	img->data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img->data == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	return 0;
}

void program_open(const char *path, struct image *img)
{
	struct elf_info info;
	const char *why;
	int r = map_file(path, img);

	if (r == -ENOENT || r == -ENOTDIR)
		die(BOTHY_EXIT_NOENT, "%s: no such file", path);
	if (r == -EISDIR)
		die(BOTHY_EXIT_NOEXEC, "%s: is a directory", path);
	if (r)
		die(BOTHY_EXIT_NOEXEC, "%s: cannot read: %s", path, strerror(-r));
	if (img->size == 0)
		die(BOTHY_EXIT_NOEXEC, "%s: empty file, not an ELF executable", path);
	if (img->size >= 2 && !memcmp(img->data, "#!", 2))
		die(BOTHY_EXIT_NOEXEC, "%s: a script (#!): Bothy runs ELF programs only", path);
	if (elf_parse(img->data, img->size, EM_X86_64, &info, &why))
		die(BOTHY_EXIT_NOEXEC, "%s: %s", path, why);
	/* A dynamic program's interpreter is the guest kernel's to find. */
}

/* The BOTHY_NOTE_ABI note's version, or -1 if the kernel has none. */
static long abi_version(const uint8_t *k, size_t size, const struct elf_info *info)
{
	for (unsigned i = 0; i < info->phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(k, info, i);
		uint64_t off = ph->p_offset, end = off + ph->p_filesz;
		if (ph->p_type != PT_NOTE || end > size || end < off)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= end) {
			Elf64_Nhdr n;
			memcpy(&n, k + off, sizeof(n));
			uint64_t name = off + sizeof(n),
			         desc = name + ((n.n_namesz + 3ull) & ~3ull);
			uint64_t next = desc + ((n.n_descsz + 3ull) & ~3ull);
			if (next > end)
				break;
			if (n.n_type == BOTHY_NOTE_ABI && n.n_namesz == sizeof(BOTHY_NOTE_NAME) &&
			    !memcmp(k + name, BOTHY_NOTE_NAME, n.n_namesz) && n.n_descsz == 4) {
				uint32_t v;
				memcpy(&v, k + desc, 4);
				return v;
			}
			off = next;
		}
	}
	return -1;
}

/* The kernel is an ELF64 x86_64 ET_EXEC whose program headers lie in the
 * file; the loader checks each segment against guest RAM (kvm.c). */
static const char *kernel_check(const uint8_t *k, size_t size, struct elf_info *info)
{
	const Elf64_Ehdr *eh = (const void *)k;

	if (size < sizeof(*eh) || memcmp(k,
	                                 "\x7f"
	                                 "ELF",
	                                 4))
		return "not an ELF file";
	if (k[EI_CLASS] != ELFCLASS64 || k[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC)
		return "not an x86_64 ELF64 executable";
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
	    eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return "program headers outside the file";
	memset(info, 0, sizeof(*info));
	info->type = ET_EXEC;
	info->phnum = eh->e_phnum;
	info->phoff = eh->e_phoff;
	info->entry = eh->e_entry;
	return NULL;
}

void kernel_open(const char *path, struct image *img)
{
	struct elf_info info;
	const char *why;
	long v;
	int r;

	if (!path) {
		img->data = kernel_blob;
		img->size = kernel_blob_end - kernel_blob;
		img->fd = -1;
		path = "(built-in kernel)";
	} else if ((r = map_file(path, img))) {
		die(BOTHY_EXIT_MONITOR, "kernel %s: %s", path, strerror(-r));
	}
	if ((why = kernel_check(img->data, img->size, &info)))
		die(BOTHY_EXIT_MONITOR, "kernel %s: %s", path, why);
	v = abi_version(img->data, img->size, &info);
	if (v != BOTHY_ABI_VERSION)
		die(BOTHY_EXIT_MONITOR,
		    "kernel %s speaks guest ABI version %ld, this monitor speaks %d: "
		    "rebuild them together",
		    path, v, BOTHY_ABI_VERSION);
}

void kernel_symbolize(const struct image *k, uint64_t addr, char *buf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)k->data;
	const Elf64_Shdr *sh = (const void *)(k->data + eh->e_shoff);
	const Elf64_Sym *best = NULL;
	const char *strtab = NULL;

	snprintf(buf, len, "?");
	if (eh->e_shoff > k->size || eh->e_shnum > (k->size - eh->e_shoff) / sizeof(*sh))
		return;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		if (sh[i].sh_offset > k->size || sh[i].sh_size > k->size - sh[i].sh_offset ||
		    st->sh_offset > k->size || st->sh_size > k->size - st->sh_offset)
			return;
		const Elf64_Sym *sym = (const void *)(k->data + sh[i].sh_offset);
		strtab = (const char *)k->data + st->sh_offset;
		for (size_t j = 0; j < sh[i].sh_size / sizeof(*sym); j++)
			if (ELF64_ST_TYPE(sym[j].st_info) <= STT_FUNC && sym[j].st_value <= addr &&
			    (!best || sym[j].st_value > best->st_value) &&
			    sym[j].st_name < st->sh_size)
				best = &sym[j];
		if (best)
			snprintf(buf, len, "%s+0x%lx", strtab + best->st_name,
			         (unsigned long)(addr - best->st_value));
		return;
	}
}
