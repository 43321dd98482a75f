/*
 * unix_connect: what glibc's NSS does before it reads /etc/passwd: an
 * AF_UNIX socket that connects to nscd's socket, which is not there
 * (ENOENT). Also: connecting to a file that is not a socket or to an
 * abstract name nobody listens on is ECONNREFUSED; bad arguments give
 * EBADF, ENOTSOCK, EINVAL and ESOCKTNOSUPPORT; an unconnected stream
 * socket cannot be written (ENOTCONN); fstat says S_IFSOCK.
 */
// case: unix_connect variants=glibc,musl
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "guest.h"

static int connect_path(int fd, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int main(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), file;
	struct sockaddr_un abs = {.sun_family = AF_UNIX, .sun_path = "\0bothy-nobody"};
	struct stat st;
	int bad = 0;

	bad += check("socket(AF_UNIX, SOCK_STREAM|CLOEXEC|NONBLOCK)", fd >= 0);
	bad += check("it is close-on-exec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	bad += check("fstat says S_IFSOCK", fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode));
	bad += check_fails("connect to nscd's socket", connect_path(fd, "/var/run/nscd/socket"),
	                   ENOENT);
	bad += check_fails("connect through a missing directory",
	                   connect_path(fd, "/nonexistent-dir/sock"), ENOENT);
	file = open("/tmp/unix_connect.plain", O_CREAT | O_WRONLY, 0600);
	bad += check("a plain file in /tmp", file >= 0);
	bad += check_fails("connect to a plain file", connect_path(fd, "/tmp/unix_connect.plain"),
	                   ECONNREFUSED);
	unlink("/tmp/unix_connect.plain");
	bad += check_fails(
	    "connect to an abstract name nobody listens on",
	    connect(fd, (struct sockaddr *)&abs, offsetof(struct sockaddr_un, sun_path) + 13),
	    ECONNREFUSED);
	bad += check_fails("write to an unconnected stream socket", write(fd, "x", 1), ENOTCONN);
	bad += check_fails("connect with a 1-byte address", connect(fd, (struct sockaddr *)&abs, 1),
	                   EINVAL);
	bad += check_fails("connect on a closed descriptor", connect_path(99, "/x"), EBADF);
	bad += check_fails("connect on a plain file", connect_path(file, "/x"), ENOTSOCK);
	bad += check_fails("socket(AF_UNIX, type 9)", socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
	bad += check_fails("socket(AF_UNIX, unknown flag)",
	                   socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), EINVAL);
	bad += check("close", close(fd) == 0 && close(file) == 0);
	return bad;
}
