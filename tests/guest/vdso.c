/*
 * vdso: the kernel maps a vDSO (vdso(7)) and names it in AT_SYSINFO_EHDR;
 * libc's clock_gettime, gettimeofday and time agree with the system calls;
 * and 200000 calls of clock_gettime take under a second, which holds only
 * when they do not enter the kernel on a PVM host (a system call costs
 * about 0.5 ms there); clock_getres agrees with the system call, and with
 * glibc (which takes it from the vDSO) 2000 calls take under 0.5 s.
 */
// case: vdso
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
	const unsigned char *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	struct timespec a, b, sys;
	struct timeval tv;
	int bad = 0;

	bad += check("AT_SYSINFO_EHDR present", eh != NULL);
	bad += check("the vDSO is an ELF64 shared object",
	             eh && !memcmp(eh, ELFMAG, SELFMAG) && eh[EI_CLASS] == ELFCLASS64 &&
	                 ((const Elf64_Ehdr *)eh)->e_type == ET_DYN);
	clock_gettime(CLOCK_MONOTONIC, &a);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &sys);
	clock_gettime(CLOCK_MONOTONIC, &b);
	bad += check("libc MONOTONIC brackets the system call's",
	             ns(&a) <= ns(&sys) && ns(&sys) <= ns(&b));
	clock_gettime(CLOCK_REALTIME, &a);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &sys);
	gettimeofday(&tv, NULL);
	bad += check("libc REALTIME within 50 ms of the system call's",
	             ns(&sys) - ns(&a) < 50000000 && ns(&sys) >= ns(&a));
	bad += check("gettimeofday and time agree with REALTIME",
	             tv.tv_sec - sys.tv_sec <= 1 && time(NULL) - sys.tv_sec <= 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 200000; i++)
		clock_gettime(CLOCK_MONOTONIC, &b);
	bad += check("200000 clock_gettime calls in under 1 s", ns(&b) - ns(&a) < 1000000000LL);
	bad +=
	    check("libc clock_getres(MONOTONIC) equals the system call's",
	          clock_getres(CLOCK_MONOTONIC, &a) == 0 &&
	              syscall(SYS_clock_getres, CLOCK_MONOTONIC, &sys) == 0 && ns(&a) == ns(&sys));
	bad +=
	    check("libc clock_getres(REALTIME) equals the system call's",
	          clock_getres(CLOCK_REALTIME, &a) == 0 &&
	              syscall(SYS_clock_getres, CLOCK_REALTIME, &sys) == 0 && ns(&a) == ns(&sys));
#ifdef __GLIBC__ /* musl's clock_getres is always the system call */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2000; i++)
		clock_getres(CLOCK_MONOTONIC, &sys);
	clock_gettime(CLOCK_MONOTONIC, &b);
	bad += check("glibc: 2000 clock_getres calls in under 0.5 s (the vDSO)",
	             ns(&b) - ns(&a) < 500000000LL);
#endif
	return bad != 0;
}
