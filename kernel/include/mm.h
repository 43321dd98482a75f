/*
 * Memory: physical pages (page_alloc), the kernel heap (kmalloc), and the
 * program's address space (vm_*), which is one list of areas (VMAs) over
 * the one page table. Anonymous memory is zero-filled; small mappings are
 * populated when made (a page fault costs 30 us under PVM), large or
 * MAP_NORESERVE ones on first touch.
 */
#ifndef BOTHY_MM_H
#define BOTHY_MM_H
#include <kernel.h>

/* mm_init - hand RAM [0, mem_size) minus the reserved ranges to page_alloc. */
void mm_init(uint64_t mem_size);
/* mm_reserve - keep physical [pa, pa+len) out of page_alloc. */
void mm_reserve(uint64_t pa, uint64_t len);
/* page_alloc - one zeroed physical page; 0 if memory is exhausted. */
uint64_t page_alloc(void);
/* pages_alloc_run - n contiguous zeroed pages, each freeable alone with
 * page_free(); 0 if no such run is left. */
uint64_t pages_alloc_run(size_t n);
/* page_free - give back a page from page_alloc (or a released image page). */
void page_free(uint64_t pa);
/* mm_free_bytes / mm_total_bytes - for sysinfo(2). */
uint64_t mm_free_bytes(void);
uint64_t mm_total_bytes(void);

/* kmalloc - n bytes of zeroed kernel memory, 16-byte aligned; NULL if none. */
void *kmalloc(size_t n);
/* kmalloc_nozero - as kmalloc, but a reused block keeps whatever it held:
 * for buffers about to be overwritten (lwIP's pbufs). Under PVM a memset
 * costs about a third of a microsecond per byte. */
void *kmalloc_nozero(size_t n);
/* kfree - free a kmalloc() or kmalloc_nozero() block; kfree(NULL) does nothing. */
void kfree(void *p);
/* kstrdup - a kmalloc() copy of the string s; NULL if out of memory. */
char *kstrdup(const char *s);

/* Linux mmap(2) protections and flags. */
#define PROT_NONE           0
#define PROT_READ           1
#define PROT_WRITE          2
#define PROT_EXEC           4
#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_GROWSDOWN       0x100
#define MAP_DENYWRITE       0x800
#define MAP_NORESERVE       0x4000
#define MAP_POPULATE        0x8000
#define MAP_STACK           0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE      1
#define MREMAP_FIXED        2

/* The user address space (x86_64 and aarch64 with 48-bit addresses). */
#define USER_MIN        0x10000ull /* vm.mmap_min_addr */
#define USER_STACK_TOP  0x7ffffffde000ull
#define USER_STACK_SIZE (8ull << 20) /* RLIMIT_STACK */
#define USER_MMAP_TOP   (USER_STACK_TOP - USER_STACK_SIZE - (1ull << 30))
#define USER_PIE_BASE   0x555555554000ull /* ELF_ET_DYN_BASE: 2/3 of the space */
#define USER_RND_BITS   28                /* vm.mmap_rnd_bits: pages of randomness */

/* Where mmap's top-down search starts, where a position-independent
 * program is loaded, and how far after the program the heap (brk)
 * starts: USER_MMAP_TOP, USER_PIE_BASE and 0 until vm_layout_randomize()
 * moves them. */
extern uint64_t user_mmap_top, user_pie_base, user_brk_offset;
/*
 * vm_layout_randomize - move user_mmap_top down and user_pie_base up by
 * independent random multiples of the page size below 2^USER_RND_BITS
 * pages (1 TiB), as Linux's arch_pick_mmap_layout() and load_elf_binary()
 * do with randomize_va_space=2, and the heap's start by a random number of
 * pages below 32 MiB (arch_randomize_brk()). Call before the program is
 * loaded.
 */
void vm_layout_randomize(void);

/* VMA flags. */
#define VMA_NORESERVE 1u /* populate on first touch */
#define VMA_SHARED    2u /* MAP_SHARED: written back to its file */

struct file;

/*
 * vm_map - create an anonymous mapping of len bytes (rounded up to
 * pages) with PROT_* `prot`. With `fixed`, at *addr, replacing what was
 * there; else near *addr if free, or where vm_find_free() puts it. On
 * success *addr is the start. 0, -ENOMEM, -EINVAL. Source: mmap(2).
 */
int vm_map(uint64_t *addr, uint64_t len, unsigned prot, unsigned flags, int fixed);
/*
 * vm_map_file - vm_map() for a file mapping: the pages are filled from
 * `file` (a reference is taken) at byte offset `off` (page aligned) when
 * populated; with VMA_SHARED in flags and PROT_WRITE they are written back
 * on msync(2) and munmap(2). mmap(2).
 */
int vm_map_file(uint64_t *addr, uint64_t len, unsigned prot, unsigned flags, int fixed,
                struct file *file, uint64_t off);
/* vm_msync - write back the shared file pages of [addr, addr+len).
 * 0, -EINVAL (misaligned), -ENOMEM (unmapped), or a write error. msync(2). */
int vm_msync(uint64_t addr, uint64_t len);
/* vm_mincore - one byte per page into the program's uvec: 1 if the page
 * is resident. 0, -EINVAL, -ENOMEM, -EFAULT. mincore(2). */
int vm_mincore(uint64_t addr, uint64_t len, uint64_t uvec);
/* vm_snapshot - a copy of the address space (areas, break, page
 * contents) for fork(2) run one process at a time; NULL if out of memory.
 * vm_restore - make the address space the snapshot again (freeing what is
 * there now) and consume the snapshot. */
struct vm_snapshot *vm_snapshot(void);
void vm_restore(struct vm_snapshot *s);
/* vm_name - name the area holding addr ("[stack]") in /proc/self/maps. */
void vm_name(uint64_t addr, const char *name);
/* vm_map_phys - map the physical pages [pa, pa+len) at va (image pages, the
 * stub page) with `prot`; the pages are not owned by the mapping. */
int vm_map_phys(uint64_t va, uint64_t pa, uint64_t len, unsigned prot);
/* vm_unmap - remove [addr, addr+len). 0 or -EINVAL. munmap(2). */
int vm_unmap(uint64_t addr, uint64_t len);
/*
 * vm_remap - mremap(2): resize the mapping [addr, addr+old_len), which must
 * lie in one area (else -EFAULT), to new_len bytes (both rounded up to
 * pages). Shrinking unmaps the tail; growing extends in place when the
 * addresses after it are free, else moves the area (pages, file and
 * protection with it) when flags has MREMAP_MAYMOVE, to new_addr with
 * MREMAP_FIXED (what was there is unmapped). Returns the new address, or
 * -EINVAL (misaligned, zero length, bad flags, overlapping MREMAP_FIXED
 * target), -EFAULT, -ENOMEM (no room, or cannot move).
 */
long vm_remap(uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr);
/* vm_protect - change protections; -ENOMEM if a page is unmapped. mprotect(2). */
int vm_protect(uint64_t addr, uint64_t len, unsigned prot);
/* vm_discard - MADV_DONTNEED: anonymous pages read back as zero. madvise(2). */
int vm_discard(uint64_t addr, uint64_t len);
/* vm_populate - fill [start, end) with pages now. 0 or -ENOMEM. */
int vm_populate(uint64_t start, uint64_t end);
/* vm_fault - resolve a fault at addr for an access of PROT_* `access`:
 * 0 if it was a not-yet-populated page (now mapped), -EFAULT if the access
 * is not allowed (the program gets SIGSEGV), -ENOMEM. */
int vm_fault(uint64_t addr, unsigned access);
/* vm_phys - the physical address behind program address va, faulting the
 * page in if it is not populated yet. 0 or -EFAULT. */
int vm_phys(uint64_t va, unsigned access, uint64_t *pa);
/* vm_mapped - is addr inside an area (of any protection)? 1 or 0. */
int vm_mapped(uint64_t addr);
/* vm_check - may the program's [addr, addr+len) be accessed with `access`?
 * 0 or -EFAULT. */
int vm_check(uint64_t addr, uint64_t len, unsigned access);
/* vm_brk - brk(2): move the break to `brk` (0 = query); returns the new
 * break, or the old one if it cannot move. */
uint64_t vm_brk(uint64_t brk);
/* vm_set_brk - where the break starts (after the program's segments). */
void vm_set_brk(uint64_t start);
/* One area as /proc/self/maps shows it. */
struct vm_area_info {
	uint64_t start, end; /* [start, end), page aligned */
	uint64_t off;        /* file offset of start */
	unsigned prot;       /* PROT_* */
	int shared;          /* MAP_SHARED */
	const char *name;    /* file path, "[stack]"..., or NULL */
	uint64_t dev, ino;   /* the file's, or 0 */
};
/* vm_for_each - call fn on every area in address order (/proc/self/maps). */
void vm_for_each(void (*fn)(const struct vm_area_info *a, void *arg), void *arg);

/* copy_from_user/copy_to_user - checked copies; 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
/* strncpy_from_user - copy a NUL-terminated string of at most max-1
 * bytes; returns its length, -EFAULT, or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t max);

#endif
