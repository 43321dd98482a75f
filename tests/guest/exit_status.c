/*
 * exit_status: the low 8 bits of the status reach the parent, whichever
 * way the program ends (exit(3), _exit(2) = exit_group, return from main).
 * Usage: exit_status STATUS [exit|_exit|return]
 */
// case: exit0 -- 0
// case: exit1 -- 1
// case: exit42 -- 42
// case: exit255 -- 255
// case: exit256 -- 256
// case: exit_minus1 -- -1
// case: _exit42 -- 42 _exit
// case: return7 -- 7 return
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status;
	const char *how;

	if (argc < 2)
		return 2;
	status = atoi(argv[1]);
	how = argc > 2 ? argv[2] : "exit";
	printf("ending with %d by %s\n", status, how);
	fflush(stdout);
	if (strcmp(how, "_exit") == 0)
		_exit(status);
	if (strcmp(how, "return") == 0)
		return status;
	exit(status);
}
