/*
 * tls: __thread variables of the main thread (initialised .tdata and
 * zeroed .tbss, an over-aligned one), set up by libc through
 * arch_prctl(ARCH_SET_FS) from the PT_TLS segment (ELF Handling For
 * Thread-Local Storage, x86-64 variant II).
 */
// case: tls
#include <stdint.h>
#include <stdio.h>
#include "guest.h"

static __thread int counter = 42;
static __thread long zeroed[64];
static __thread _Alignas(64) char aligned[3] = "ab";
__thread const char *tls_name = "tls-name";

/* The thread pointer, read from %fs:0 (the TCB's pointer to itself). */
static uintptr_t thread_pointer(void)
{
	uintptr_t tp;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

static int zeroed_is_zero(void)
{
	for (int i = 0; i < 64; i++)
		if (zeroed[i])
			return 0;
	return 1;
}

int main(void)
{
	uintptr_t tp = thread_pointer(), a = (uintptr_t)&counter;
	int bad = 0;

	bad += check(".tdata int initialised to 42", counter == 42);
	bad += check(".tdata pointer initialised", tls_name && tls_name[0] == 't');
	bad += check(".tbss array is zero", zeroed_is_zero());
	bad += check("64-byte aligned TLS variable", (uintptr_t)aligned % 64 == 0);
	bad += check("aligned TLS variable initialised", aligned[0] == 'a' && aligned[2] == 0);
	counter += 1;
	zeroed[63] = -1;
	bad += check("TLS writes stick", counter == 43 && zeroed[63] == -1);
	bad += check("%fs:0 is non-zero", tp != 0);
	bad += check("variables sit below the thread pointer (variant II)", a < tp);
	bad += check("and within 1 MiB of it", tp - a < (1 << 20));
	return bad;
}
