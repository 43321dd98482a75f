/* The boot benchmark's program: a static hello world, built with musl-gcc. */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
