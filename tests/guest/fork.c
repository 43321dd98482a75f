/*
 * fork: fork(2) and wait4(2) as a program that forks a helper uses them.
 * The child writes more than a pipe holds and exits with a status; the
 * parent reads it all, then waits. The child's changes to memory, the
 * working directory and its descriptors do not reach the parent; the
 * open file description (its offset) is shared. A child killed by a
 * signal is reported so. Prints relations between pids, not pids.
 */
// case: fork variants=musl,glibc
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter = 41;

int main(void)
{
	static char chunk[4096];
	int p[2], status = -1, fd;
	long total = 0, n;
	pid_t parent = getpid(), child;
	char *heap = malloc(64), cwd[256];

	strcpy(heap, "parent's heap");
	if (pipe(p))
		return 1;
	fd = open("/proc/self/exe", O_RDONLY);
	child = fork();
	if (child < 0) {
		printf("fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		close(p[0]);
		counter = 7;
		strcpy(heap, "child's heap");
		if (chdir("/tmp") || getppid() != parent || getpid() == parent)
			_exit(99);
		char hdr[4];
		if (read(fd, hdr, 4) != 4) /* moves the shared offset */
			_exit(98);
		close(fd);
		memset(chunk, 'x', sizeof(chunk));
		for (int i = 0; i < 50; i++) /* 200 KiB: more than a pipe holds */
			if (write(p[1], chunk, sizeof(chunk)) != sizeof(chunk))
				_exit(97);
		_exit(7);
	}
	close(p[1]);
	while ((n = read(p[0], chunk, sizeof(chunk))) > 0)
		total += n;
	printf("read from the child: %ld bytes\n", total);
	printf("wait4: %s\n", waitpid(child, &status, 0) == child ? "the child" : strerror(errno));
	printf("exited: %d, status %d\n", WIFEXITED(status), WEXITSTATUS(status));
	printf("waiting again: %s\n", waitpid(-1, &status, 0) < 0 ? strerror(errno) : "a child?");
	printf("counter: %d, heap: %s\n", counter, heap);
	printf("cwd unchanged: %d\n", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp") != 0);
	printf("fd still open, offset shared: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	printf("getpid unchanged: %d\n", getpid() == parent);

	child = fork();
	if (child == 0)
		abort();
	waitpid(child, &status, 0);
	printf("second child: signaled %d, signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
	return 0;
}
