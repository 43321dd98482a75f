/*
 * x86_64 4-level paging for user mappings (Intel SDM vol. 3, 4.5). The
 * kernel half is the boot map (boot.S); user space is PML4 entries 0-255.
 * Leaf entries get A and D preset so the CPU never has to write them.
 */
#include <arch.h>
#include <arch/cpu.h>
#include <errno.h>
#include <irq.h>
#include <mm.h>
#include <sched.h>

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_U     (1ull << 2)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_OWNED (1ull << 9) /* software bit: page belongs to the mapping */
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull

static uint64_t *pml4(void)
{
	return PHYS_TO_VIRT(read_cr3() & PTE_ADDR);
}

static uint64_t pte_bits(unsigned f)
{
	uint64_t e = PTE_P | PTE_A | PTE_D;

	if (f & MMU_WRITE)
		e |= PTE_W;
	if (f & MMU_USER)
		e |= PTE_U;
	if (!(f & MMU_EXEC))
		e |= PTE_NX;
	if (f & MMU_OWNED)
		e |= PTE_OWNED;
	return e;
}

/* The page table (level 1) covering va; created if `create`. */
static uint64_t *pt_of(uint64_t va, int create)
{
	uint64_t *t = pml4();

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			uint64_t pa;
			if (!create || !(pa = page_alloc()))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		if (*e & PTE_PS)
			panic("mmu: user address %lx inside a large page", (unsigned long)va);
		t = PHYS_TO_VIRT(*e & PTE_ADDR);
	}
	return t;
}

int mmu_map(uint64_t va, uint64_t pa, uint64_t len, unsigned flags)
{
	uint64_t bits = pte_bits(flags), end = va + len;

	while (va < end) {
		uint64_t *pt = pt_of(va, 1);
		if (!pt)
			return -ENOMEM;
		for (unsigned i = (va >> 12) & 511; i < 512 && va < end; i++) {
			pt[i] = pa | bits;
			va += PAGE_SIZE;
			pa += PAGE_SIZE;
		}
	}
	return 0;
}

int mmu_lookup(uint64_t va, uint64_t *pa, unsigned *flags)
{
	uint64_t *pt = pt_of(va, 0), e;

	if (!pt || !((e = pt[(va >> 12) & 511]) & PTE_P))
		return -EFAULT;
	*pa = e & PTE_ADDR;
	*flags = MMU_READ | (e & PTE_W ? MMU_WRITE : 0) | (e & PTE_U ? MMU_USER : 0) |
	         (e & PTE_NX ? 0 : MMU_EXEC) | (e & PTE_OWNED ? MMU_OWNED : 0);
	return 0;
}

/* Visit the present leaf entries in [va, end); tables absent are skipped. */
static void walk(uint64_t va, uint64_t end, void (*fn)(uint64_t *e, void *arg), void *arg)
{
	while (va < end) {
		uint64_t *pt = pt_of(va, 0);
		if (!pt) {
			va = ALIGN_DOWN(va, 1ull << 21) + (1ull << 21);
			continue;
		}
		for (unsigned i = (va >> 12) & 511; i < 512 && va < end; i++, va += PAGE_SIZE)
			if (pt[i] & PTE_P)
				fn(&pt[i], arg);
	}
}

void mmu_for_each(uint64_t va, uint64_t len,
                  void (*fn)(uint64_t va, uint64_t pa, unsigned flags, void *arg), void *arg)
{
	uint64_t end = va + len;

	while (va < end) {
		uint64_t *pt = pt_of(va, 0);
		if (!pt) {
			va = ALIGN_DOWN(va, 1ull << 21) + (1ull << 21);
			continue;
		}
		for (unsigned i = (va >> 12) & 511; i < 512 && va < end; i++, va += PAGE_SIZE) {
			uint64_t e = pt[i];
			if (e & PTE_P)
				fn(va, e & PTE_ADDR,
				   MMU_READ | MMU_USER | (e & PTE_W ? MMU_WRITE : 0) |
				       (e & PTE_NX ? 0 : MMU_EXEC) |
				       (e & PTE_OWNED ? MMU_OWNED : 0),
				   arg);
		}
	}
}

static void unmap_one(uint64_t *e, void *arg)
{
	void (*release)(uint64_t) = arg;

	if ((*e & PTE_OWNED) && release)
		release(*e & PTE_ADDR);
	*e = 0;
}

void mmu_unmap(uint64_t va, uint64_t len, void (*release)(uint64_t pa))
{
	walk(va, va + len, unmap_one, (void *)release);
}

static void protect_one(uint64_t *e, void *arg)
{
	unsigned f = *(unsigned *)arg;

	if (!f) { /* PROT_NONE: keep the page, make it inaccessible */
		*e &= ~PTE_U;
		return;
	}
	*e = (*e & (PTE_ADDR | PTE_OWNED)) | pte_bits(f);
}

void mmu_protect(uint64_t va, uint64_t len, unsigned flags)
{
	walk(va, va + len, protect_one, &flags);
}

void mmu_flush_local(void)
{
	write_cr3(read_cr3());
}

void mmu_flush(void)
{
	mmu_flush_local();
	tlb_shootdown();
}

/* Device pages live at MMIO_VBASE + slot * 4 KiB (PML4 entry 510), handed
 * out in order and never taken back. */
#define MMIO_VBASE 0xffffff0000000000ull
#define MMIO_SLOTS 512

/* Map the npages device pages from physical pa (page aligned) at the next
 * free slots, uncached; their kernel address, or NULL. */
static void *mmio_map_pages(uint64_t pa, uint64_t npages)
{
	static unsigned slots;
	uint64_t va0 = MMIO_VBASE + (uint64_t)slots * PAGE_SIZE;

	if (npages > MMIO_SLOTS - slots)
		return NULL;
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t va = va0 + i * PAGE_SIZE, *t = pml4();
		for (int shift = 39; shift > 12; shift -= 9) {
			uint64_t *e = &t[(va >> shift) & 511], npa;
			if (!(*e & PTE_P)) {
				if (!(npa = page_alloc()))
					return NULL;
				*e = npa | PTE_P | PTE_W;
			}
			t = PHYS_TO_VIRT(*e & PTE_ADDR);
		}
		t[(va >> 12) & 511] = ((pa + i * PAGE_SIZE) & PTE_ADDR) | PTE_P | PTE_W | PTE_A |
		                      PTE_D | PTE_NX | PTE_PCD | PTE_PWT;
		invlpg(va);
	}
	slots += (unsigned)npages;
	return (void *)va0;
}

void *mmu_map_mmio(uint64_t pa)
{
	return mmio_map_pages(pa & PTE_ADDR, 1);
}

/* Declared in irq.h. */
void *arch_mmio_map(uint64_t pa, uint64_t len)
{
	uint64_t first = ALIGN_DOWN(pa, PAGE_SIZE);
	uint8_t *va;

	if (!len || pa + len < pa || pa + len > (1ull << 52))
		return NULL;
	va = mmio_map_pages(first, (ALIGN_UP(pa + len, PAGE_SIZE) - first) / PAGE_SIZE);
	return va ? va + (pa - first) : NULL;
}

void mmu_flush_page(uint64_t va)
{
	invlpg(va);
}
