/*
 * The ELF loader for static (ET_EXEC) and static-PIE (ET_DYN) programs.
 *
 * Pages of read-only segments that lie wholly inside the file are mapped
 * straight from the program image the monitor (or the initrd) placed in
 * RAM: no copy. Writable segments get their own pages.
 * A segment's last file page is copied when its memory runs on past the
 * file (the .bss tail must read as zero); pages wholly past the file are
 * anonymous zero memory.
 */
#include <arch.h>
#include <elf.h>
#include <errno.h>
#include <exec.h>
#include <mm.h>
#include <sched.h>
#include <random.h>
#include <string.h>
#include <vfs.h>
#include <syscall.h>

/* auxv types (include/uapi/linux/auxvec.h, getauxval(3)). */
#define AT_NULL         0
#define AT_PHDR         3
#define AT_PHENT        4
#define AT_PHNUM        5
#define AT_PAGESZ       6
#define AT_BASE         7
#define AT_FLAGS        8
#define AT_ENTRY        9
#define AT_UID          11
#define AT_EUID         12
#define AT_GID          13
#define AT_EGID         14
#define AT_PLATFORM     15
#define AT_HWCAP        16
#define AT_CLKTCK       17
#define AT_SECURE       23
#define AT_RANDOM       25
#define AT_HWCAP2       26
#define AT_EXECFN       31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ  51

#define STACK_POPULATE (16ul << 10) /* mapped up front; the rest on demand */
#define BSS_POPULATE   (64ul << 10) /* .bss beyond this is mapped on first touch */

static unsigned seg_prot(uint32_t p_flags)
{
	return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) |
	       (p_flags & PF_X ? PROT_EXEC : 0);
}

/*
 * Map one PT_LOAD segment. A read-only segment's whole file pages are the
 * image's own; a writable one (`copy`) gets private pages, so the image
 * stays equal to the file (it is also /proc/self/exe, and under QEMU part
 * of the initrd).
 */
static int load_segment(const Elf64_Phdr *ph, uint64_t bias, uint64_t image_pa, int copy)
{
	uint64_t start = ALIGN_DOWN(ph->p_vaddr + bias, PAGE_SIZE);
	uint64_t file_end = ph->p_vaddr + bias + ph->p_filesz;
	uint64_t mem_end = ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz, PAGE_SIZE);
	uint64_t file_pa = image_pa + ALIGN_DOWN(ph->p_offset, PAGE_SIZE);
	uint64_t whole = ph->p_memsz > ph->p_filesz ? ALIGN_DOWN(file_end, PAGE_SIZE)
	                                            : ALIGN_UP(file_end, PAGE_SIZE);
	unsigned prot = seg_prot(ph->p_flags);
	uint64_t a = start;
	int r;

	if ((r = vm_map(&a, mem_end - start, prot, VMA_NORESERVE, 1)))
		return r;
	vm_name(start, proc_exe_path);
	if (copy) {
		uint64_t fpages = ALIGN_UP(file_end, PAGE_SIZE);
		if ((r = vm_populate(start, MIN(mem_end, fpages + BSS_POPULATE))))
			return r;
		memcpy((void *)start, PHYS_TO_VIRT(file_pa), file_end - start);
		return 0;
	}
	if (whole > start && (r = vm_map_phys(start, file_pa, whole - start, prot)))
		return r;
	if (whole < mem_end && (r = vm_populate(whole, MIN(mem_end, whole + BSS_POPULATE))))
		return r;
	if (whole < file_end) /* the page shared by the file's end and .bss */
		memcpy((void *)whole, PHYS_TO_VIRT(file_pa + (whole - start)), file_end - whole);
	return 0;
}

static int load_image(const void *image, uint64_t image_pa, const struct elf_info *info,
                      uint64_t bias, int set_brk)
{
	uint64_t brk = 0;
	int r;

	/* Writable until loaded: .bss tails are written through the mapping. */
	for (unsigned i = 0; i < info->phnum; i++) {
		Elf64_Phdr ph = *elf_phdr(image, info, i);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		int copy = ph.p_flags & PF_W;
		ph.p_flags |= PF_W;
		if ((r = load_segment(&ph, bias, image_pa, copy)))
			return r;
		brk = MAX(brk, ph.p_vaddr + bias + ph.p_memsz);
	}
	for (unsigned i = 0; i < info->phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(image, info, i);
		uint64_t s = ALIGN_DOWN(ph->p_vaddr + bias, PAGE_SIZE);
		if (ph->p_type == PT_LOAD && ph->p_memsz && !(ph->p_flags & PF_W))
			vm_protect(s, ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz, PAGE_SIZE) - s,
			           seg_prot(ph->p_flags));
	}
	if (set_brk)
		vm_set_brk(ALIGN_UP(brk, PAGE_SIZE) + user_brk_offset);
	return 0;
}

/*
 * Load the program interpreter `path` (PT_INTERP: ld.so) from the guest's
 * files, as Linux's load_elf_binary does: read whole into contiguous pages
 * (its read-only segments are then mapped from there, like the program's),
 * placed where mmap would put it. *base is its load bias (AT_BASE), *entry
 * where the program starts. -ENOENT, -EACCES, -ENOEXEC (*why), -ENOMEM.
 */
static int load_interp(const char *path, uint64_t *base, uint64_t *entry, const char **why)
{
	struct nameidata nd;
	struct elf_info ii;
	struct file *f;
	const void *data;
	uint64_t pa, size, pos = 0, a = 0, span;
	int r;

	if ((r = path_walk(AT_FDCWD, path, LOOKUP_FOLLOW, &nd)))
		return r;
	if ((r = inode_getattr(nd.inode)) || !S_ISREG(nd.inode->mode)) {
		path_release(&nd);
		return r ? r : -EACCES;
	}
	size = nd.inode->size;
	if ((data = ramfs_backing(nd.inode, 0, size)) && !((uintptr_t)data % PAGE_SIZE)) {
		/* In memory already, page aligned (the initrd): used in place,
		 * as the program's own image is. */
		path_release(&nd);
		pa = VIRT_TO_PHYS(data);
		goto parse;
	}
	r = file_open_inode(nd.inode, O_RDONLY, path, &f);
	path_release(&nd);
	if (r)
		return r;
	if (!size || !(pa = pages_alloc_run(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE))) {
		fput(f);
		return size ? -ENOMEM : -ENOEXEC;
	}
	while (pos < size) {
		struct iobuf b = {(uint64_t)(uintptr_t)PHYS_TO_VIRT(pa) + pos, size - pos, 1};
		long n = vfs_read(f, &b, &pos);
		if (n <= 0) {
			fput(f);
			return n < 0 ? (int)n : -EIO;
		}
	}
	fput(f);
parse:
	if ((r = elf_parse(PHYS_TO_VIRT(pa), size, EM_X86_64, &ii, why)))
		return r;
	if (ii.type != ET_DYN || ii.interp_off) {
		*why = "its interpreter is not a shared object";
		return -ENOEXEC;
	}
	span = ii.vaddr_hi - ii.vaddr_lo;
	if ((r = vm_map(&a, span, PROT_NONE, VMA_NORESERVE, 0))) /* where mmap puts it */
		return r;
	vm_unmap(a, span);
	*base = a - ii.vaddr_lo;
	*entry = ii.entry + *base;
	return load_image(PHYS_TO_VIRT(pa), pa, &ii, *base, 0);
}

/* The initial stack, built downwards from `top` in the mapped stack. */
struct stack {
	uint64_t sp, floor;
};

static uint64_t push_bytes(struct stack *s, const void *p, size_t n)
{
	if (s->sp - s->floor < n)
		return 0;
	s->sp -= n;
	memcpy((void *)s->sp, p, n);
	return s->sp;
}

static uint64_t push_str(struct stack *s, const char *str)
{
	return push_bytes(s, str, strlen(str) + 1);
}

static int build_stack(struct stack *s, int argc, const char *const *argv, int envc,
                       const char *const *envp, const char *execfn, const struct elf_info *info,
                       uint64_t bias, uint64_t interp_base, uint64_t vdso, uint64_t *sp_out)
{
	uint64_t strs[argc + envc], rnd[2], hwcap, hwcap2, *v;
	uint64_t u_rand, u_plat, u_fn;
	size_t nwords, i = 0;

	u_fn = push_str(s, execfn);
	for (int k = envc - 1; k >= 0; k--)
		strs[argc + k] = push_str(s, envp[k]);
	for (int k = argc - 1; k >= 0; k--)
		strs[k] = push_str(s, argv[k]);
	u_plat = push_str(s, arch_platform());
	random_bytes(rnd, sizeof(rnd));
	u_rand = push_bytes(s, rnd, sizeof(rnd));
	if (!u_fn || !u_plat || !u_rand || s->sp - s->floor < 4096)
		return -E2BIG;
	for (int k = 0; k < argc + envc; k++)
		if (!strs[k])
			return -E2BIG;
	arch_hwcap(&hwcap, &hwcap2);
	uint64_t auxv[] = {
	    AT_PHDR,         info->phdr_vaddr ? info->phdr_vaddr + bias : 0,
	    AT_PHENT,        sizeof(Elf64_Phdr),
	    AT_PHNUM,        info->phnum,
	    AT_PAGESZ,       PAGE_SIZE,
	    AT_BASE,         interp_base,
	    AT_FLAGS,        0,
	    AT_ENTRY,        info->entry + bias,
	    AT_UID,          0,
	    AT_EUID,         0,
	    AT_GID,          0,
	    AT_EGID,         0,
	    AT_SECURE,       0,
	    AT_HWCAP,        hwcap,
	    AT_HWCAP2,       hwcap2,
	    AT_CLKTCK,       100,
	    AT_RANDOM,       u_rand,
	    AT_PLATFORM,     u_plat,
	    AT_EXECFN,       u_fn,
	    AT_MINSIGSTKSZ,  2048,
	    AT_SYSINFO_EHDR, vdso,
	    AT_NULL,         0,
	};
	nwords = 1 + argc + 1 + envc + 1 + ARRAY_SIZE(auxv);
	s->sp = ALIGN_DOWN(s->sp - nwords * 8, 16); /* %rsp 16-byte aligned at entry */
	v = (uint64_t *)s->sp;
	v[i++] = argc;
	for (int k = 0; k < argc; k++)
		v[i++] = strs[k];
	v[i++] = 0;
	for (int k = 0; k < envc; k++)
		v[i++] = strs[argc + k];
	v[i++] = 0;
	memcpy(&v[i], auxv, sizeof(auxv));
	*sp_out = s->sp;
	return 0;
}

int exec_start(uint64_t image_pa, uint64_t size, int argc, const char *const *argv, int envc,
               const char *const *envp, const char *execfn, const char **why)
{
	const void *image = PHYS_TO_VIRT(image_pa);
	uint64_t bias = 0, stack = USER_STACK_TOP - USER_STACK_SIZE, sp, vdso, base = 0, entry;
	char interp[PATH_MAX];
	struct elf_info info;
	struct stack s = {USER_STACK_TOP, USER_STACK_TOP - STACK_POPULATE};
	int r;

	if ((r = elf_parse(image, size, EM_X86_64, &info, why)))
		return r;
	boot_phase("ELF check");
	if (info.interp_len >= sizeof(interp)) {
		*why = "its interpreter's name is too long";
		return -ENOEXEC;
	}
	if (!(boot_info->flags & BOTHY_BOOT_FIXED_BASE))
		vm_layout_randomize();
	if (info.type == ET_DYN)
		bias = user_pie_base - info.vaddr_lo;
	if ((r = load_image(image, image_pa, &info, bias, 1)))
		return r;
	entry = info.entry + bias;
	if (info.interp_off) { /* a dynamic program: ld.so comes from the guest's files */
		memcpy(interp, (const char *)image + info.interp_off, info.interp_len);
		interp[info.interp_len] = 0;
		if ((r = load_interp(interp, &base, &entry, why))) {
			if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -EACCES)
				*why = interp; /* named by kmain() */
			return r;
		}
	}
	boot_phase("segments");
	if ((r = vm_map(&stack, USER_STACK_SIZE - STACK_POPULATE, PROT_READ | PROT_WRITE,
	                VMA_NORESERVE, 1)))
		return r;
	stack = USER_STACK_TOP - STACK_POPULATE; /* a separate area, populated now */
	if ((r = vm_map(&stack, STACK_POPULATE, PROT_READ | PROT_WRITE, 0, 1)))
		return r;
	vm_name(stack, "[stack]");
	vm_name(USER_STACK_TOP - USER_STACK_SIZE, "[stack]");
	if ((r = vm_map_phys(arch_user_stub_va(), arch_user_stub_phys(), PAGE_SIZE,
	                     PROT_READ | PROT_EXEC)))
		return r;
	mmu_flush();
	boot_phase("stack");
	vdso = arch_vdso_map();
	if ((r = build_stack(&s, argc, argv, envc, envp, execfn, &info, bias, base, vdso, &sp)))
		return r;
	boot_phase("initial stack");
	boot_phases_print();
	sched_user_return(NULL); /* releases the kernel lock */
	arch_enter_user(entry, sp);
}
