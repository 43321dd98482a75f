/*
 * args_env: argc, argv and the environment, as the kernel laid them out
 * on the initial stack (System V x86-64 ABI 3.4.1; execve(2)).
 * Prints the basename of argv[0] only: the path differs between runs.
 */
// case: args_none
// case: args_some -- one two three
// case: args_quoted -- 'with space' '' $'tab\tin' 'semi;colon' '*'
// case: args_many -- $(seq 1 200)
// case: env_some env=HOME=/root env=TERM=dumb env=EMPTY= env=WITH_EQ=a=b -- x
// case: env_long env=LONG=$(printf '%04096d' 7)
#include <stdio.h>
#include <string.h>
#include "guest.h"

extern char **environ;

int main(int argc, char **argv)
{
	int bad = 0;
	size_t total = 0;

	bad += check("environ follows argv", environ == argv + argc + 1);
	bad += check("argv[argc] is NULL", argv[argc] == NULL);
	printf("argc %d\n", argc);
	printf("argv[0] basename %s\n", base_name(argv[0]));
	for (int i = 1; i < argc; i++)
		printf("argv[%d] [%s]\n", i, argv[i]);
	for (char **e = environ; *e; e++) {
		size_t len = strlen(*e);

		total += len;
		if (len > 80)
			printf("env [%.40s...] length %zu\n", *e, len);
		else
			printf("env [%s]\n", *e);
	}
	printf("environment bytes %zu\n", total);
	return bad;
}
