/* Calls a function of a private library (tests/dynamic/libprivate.c). */
#include <stdio.h>

int private_answer(int x);

int main(void)
{
	printf("the private library says %d\n", private_answer(7));
	return 0;
}
