/*
 * arch_prctl: ARCH_GET_FS returns the FS base that libc set; ARCH_SET_FS
 * moves it (seen through %fs-relative loads) and back; an unknown code
 * fails with EINVAL (arch_prctl(2)). No libc call may run while FS points
 * at our block, so the results are kept and printed afterwards.
 */
// case: arch_prctl
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

/* From Linux arch/x86/include/uapi/asm/prctl.h (musl ships no kernel headers). */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static long raw_arch_prctl(long code, unsigned long addr)
{
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "0"(SYS_arch_prctl), "D"(code), "S"(addr)
	                 : "rcx", "r11", "memory");
	return ret;
}

static uintptr_t fs_load(long off)
{
	uintptr_t v;

	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}

int main(void)
{
	static uintptr_t block[4] = {0, 0x1122334455667788ul, 0, 0};
	unsigned long old = 0, now = 0;
	long r_get, r_set, r_get2, r_back;
	uintptr_t seen0, seen1;
	int bad = 0;

	block[0] = (uintptr_t)block;
	r_get = raw_arch_prctl(ARCH_GET_FS, (unsigned long)&old);
	r_set = raw_arch_prctl(ARCH_SET_FS, (unsigned long)block);
	seen0 = fs_load(0);
	seen1 = fs_load(8);
	r_get2 = raw_arch_prctl(ARCH_GET_FS, (unsigned long)&now);
	r_back = raw_arch_prctl(ARCH_SET_FS, old);

	bad += check("ARCH_GET_FS", r_get == 0);
	bad += check("FS base == %fs:0 (TCB self pointer)", old == fs_load(0));
	bad += check("ARCH_SET_FS to a new block", r_set == 0);
	bad += check("%fs:0 and %fs:8 read the new block",
	             seen0 == (uintptr_t)block && seen1 == 0x1122334455667788ul);
	bad += check("ARCH_GET_FS returns the new base", r_get2 == 0 && now == (uintptr_t)block);
	bad += check("ARCH_SET_FS back to libc's block", r_back == 0);
	bad += check("ARCH_SET_FS to a kernel address fails with EPERM",
	             raw_arch_prctl(ARCH_SET_FS, 0xffff800000000000ul) == -EPERM);
	bad += check("unknown code fails with EINVAL", raw_arch_prctl(0x1fff, 0) == -EINVAL);
	return bad;
}
