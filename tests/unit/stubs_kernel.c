/*
 * Host stand-ins for the parts of the kernel that kernel/fs/ needs from the
 * rest of it (memory, time, program memory, the console), so that the VFS
 * and ramfs can run in a unit test. Compiled with the host's headers first
 * and the kernel's after them (unit-test-cflags: -idirafter kernel/include).
 *
 * "Physical" pages are host pages: page_alloc() returns the address p such
 * that PHYS_TO_VIRT(p) is the host pointer (the macro adds
 * BOTHY_KERNEL_VBASE modulo 2^64, so p = pointer - BOTHY_KERNEL_VBASE).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/lsan_interface.h>

#include <ktime.h>
#include <mm.h>

/* Pages handed out and not freed; pages page_alloc() may still hand out
 * (-1: no limit); what time_realtime_ns() says. Tests read and set them. */
long stub_pages_in_use;
long stub_page_budget = -1;
uint64_t stub_time_ns = 1700000000ull * 1000000000ull;

void *kmalloc(size_t n)
{
	return calloc(1, n ? n : 1); /* glibc's calloc is 16-byte aligned */
}

void kfree(void *p)
{
	free(p);
}

char *kstrdup(const char *s)
{
	return strdup(s);
}

uint64_t page_alloc(void)
{
	void *p;

	if (stub_page_budget == 0)
		return 0;
	if (!(p = aligned_alloc(PAGE_SIZE, PAGE_SIZE)))
		return 0;
	/* Only the "physical" address is kept, which LeakSanitizer cannot
	 * see as a pointer: the tests count pages in use instead. */
	__lsan_ignore_object(p);
	memset(p, 0, PAGE_SIZE);
	if (stub_page_budget > 0)
		stub_page_budget--;
	stub_pages_in_use++;
	return VIRT_TO_PHYS(p);
}

/* Contiguous runs (virtio-net's big receive buffers), never freed by the
 * code under test: page_free() of a run's page is not supported here. */
uint64_t pages_alloc_run(size_t n)
{
	void *p;

	if (!n || stub_page_budget == 0)
		return 0;
	if (!(p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE)))
		return 0;
	__lsan_ignore_object(p);
	memset(p, 0, n * PAGE_SIZE);
	stub_pages_in_use += n;
	return VIRT_TO_PHYS(p);
}

void page_free(uint64_t pa)
{
	if (!pa)
		panic("page_free(0)");
	stub_pages_in_use--;
	free(PHYS_TO_VIRT(pa));
}

uint64_t mm_total_bytes(void)
{
	return 64ull << 20;
}

uint64_t mm_free_bytes(void)
{
	return (64ull << 20) - (uint64_t)stub_pages_in_use * PAGE_SIZE;
}

uint64_t time_realtime_ns(void)
{
	return stub_time_ns;
}

/* Program memory is host memory: every address is valid. */
int vm_check(uint64_t addr, uint64_t len, unsigned access)
{
	(void)addr, (void)len, (void)access;
	return 0;
}

int vm_phys(uint64_t va, unsigned access, uint64_t *pa)
{
	(void)access;
	*pa = VIRT_TO_PHYS((void *)(uintptr_t)va);
	return 0;
}

/* No page tables on the host: every lookup misses, so callers take the
 * vm_phys() path. */
int mmu_lookup(uint64_t va, uint64_t *pa, unsigned *flags)
{
	(void)va, (void)pa, (void)flags;
	return -EFAULT;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)usrc, n);
	return 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	memcpy((void *)(uintptr_t)udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
	size_t n = strnlen((const char *)(uintptr_t)usrc, max);

	if (n == max)
		return -ENAMETOOLONG;
	memcpy(dst, (const char *)(uintptr_t)usrc, n + 1);
	return (long)n;
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kernel panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}
