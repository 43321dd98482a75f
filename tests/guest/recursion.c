/*
 * recursion: a recursion that uses about 4 MiB of stack, within the
 * usual 8 MiB RLIMIT_STACK, so the stack must grow (or be big enough)
 * far below its first pages.
 */
// case: recursion
#include <stdio.h>
#include <string.h>

#define DEPTH 4000
#define FRAME 1000

/* Each level keeps FRAME bytes live across the call, so nothing is folded. */
static unsigned long deep(int n)
{
	volatile unsigned char frame[FRAME];
	unsigned long sum = 0;

	for (int i = 0; i < FRAME; i++)
		frame[i] = (unsigned char)(n + i);
	if (n > 0)
		sum = deep(n - 1);
	for (int i = 0; i < FRAME; i += 97)
		sum += frame[i];
	return sum;
}

int main(void)
{
	printf("depth %d, sum %lu\n", DEPTH, deep(DEPTH));
	return 0;
}
