/*
 * Sockets, as far as a program without a network needs them: AF_UNIX
 * sockets that can be created and closed, and whose connect(2) fails as
 * Linux's would when nobody listens. That is how glibc's NSS asks nscd
 * first (connect to /var/run/nscd/socket, ENOENT) before it reads
 * /etc/passwd itself (../shared/reference/syscall-census.md, "NSS").
 * No socket in this guest can listen yet, so a connect to a path that
 * exists is refused. Other families answer EAFNOSUPPORT, logged once:
 * the network stack (lwIP on virtio-net) is a later step.
 * Sources: socket(2), connect(2), unix(7).
 */
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <sys.h>
#include <syscall.h>
#include <vfs.h>

#define AF_UNIX        1
#define AF_INET        2
#define AF_INET6       10
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  O_NONBLOCK
#define SOCK_CLOEXEC   O_CLOEXEC
#define UNIX_PATH_MAX  108

struct sockaddr_un {
	uint16_t sun_family;
	char sun_path[UNIX_PATH_MAX + 1]; /* + 1: Linux accepts 108 bytes without a NUL */
};

static struct super_block sock_sb = {.type = "sockfs", .dev = 0x8, .statfs_type = 0x534f434b};

/* An unconnected stream socket: reading is EINVAL, writing ENOTCONN
 * (unix_stream_recvmsg, unix_stream_sendmsg). */
static long unix_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)b, (void)pos;
	return -EINVAL;
}

static long unix_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	(void)f, (void)b, (void)pos;
	return -ENOTCONN;
}

static const struct file_ops unix_fops = {.read = unix_read, .write = unix_write};

long sys_socket(long family, long type, long protocol)
{
	static unsigned warned;
	long kind = type & SOCK_TYPE_MASK;
	struct inode *i;
	struct file *f;
	int fd;

	if (family != AF_UNIX) {
		if (family >= 0 && family < 32 && !(warned & (1u << family))) {
			warned |= 1u << family;
			if (log_level >= BOTHY_LOG_WARN)
				printk("bothy: socket family %ld is not supported yet (no "
				       "network): returning EAFNOSUPPORT\n",
				       family);
		}
		return -EAFNOSUPPORT;
	}
	if (type & ~(long)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0)
		return -EPROTONOSUPPORT;
	if (!(i = inode_new(&sock_sb, S_IFSOCK | 0777, 0)))
		return -ENOMEM;
	f = file_new(&unix_fops, O_RDWR | (type & SOCK_NONBLOCK), i);
	iput(i);
	if (!f)
		return -ENOMEM;
	if ((fd = fd_install(f, 0, (type & SOCK_CLOEXEC) != 0)) < 0)
		fput(f);
	return fd;
}

long sys_connect(long fd, long uaddr, long len)
{
	struct file *f = fget((int)fd);
	struct sockaddr_un sa;
	struct nameidata nd;
	long r;

	if (!f)
		return -EBADF;
	if (f->fop != &unix_fops) {
		fput(f);
		return -ENOTSOCK;
	}
	fput(f);
	if (len < (long)sizeof(sa.sun_family) || len > (long)sizeof(sa) - 1)
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	if (copy_from_user(&sa, uaddr, len))
		return -EFAULT;
	if (sa.sun_family != AF_UNIX)
		return -EINVAL;
	if (len == sizeof(sa.sun_family) || !sa.sun_path[0])
		return -ECONNREFUSED; /* the abstract namespace: nobody there */
	if (strnlen(sa.sun_path, sizeof(sa.sun_path)) == sizeof(sa.sun_path))
		return -EINVAL;
	if ((r = path_walk(AT_FDCWD, sa.sun_path, LOOKUP_FOLLOW, &nd)))
		return r;
	/* A file that is not a socket, or a socket nobody listens on: both
	 * are ECONNREFUSED (unix_find_bsd()). */
	path_release(&nd);
	return -ECONNREFUSED;
}
