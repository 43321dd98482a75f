/*
 * aslr: print where the program, its heap, a mapping, a libc function and
 * the stack are. tests/dynamic/programs.sh runs it twice and expects the
 * two runs to differ, and to be equal with `bothy run --fixed-base`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(void)
{
	int local;
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	printf("main %p\nheap %p\nmmap %p\nlibc %p\nstack %p\n", (void *)main, malloc(64), m,
	       (void *)printf, (void *)&local);
	return 0;
}
