/*
 * hello: the smallest program, writing through write(2) and through stdio
 * (musl: writev; glibc: write).
 */
// case: hello
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello from write(2)\n";

	if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		return 1;
	printf("hello, world\n");
	return 0;
}
