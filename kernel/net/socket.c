/*
 * Sockets, the family-independent layer: the system calls of socket(2),
 * socketpair(2), bind(2), listen(2), accept(2), connect(2),
 * getsockname(2), getpeername(2), send(2), recv(2), sendmmsg(2),
 * recvmmsg(2), shutdown(2), setsockopt(2) and getsockopt(2); socket
 * addresses and messages copied between the program and the kernel with
 * Linux's checks, in Linux's order (net/socket.c); sockets as open files
 * (read/write are recvmsg/sendmsg, poll, ioctl, fstat's S_IFSOCK). The
 * families (kernel/net/unix.c, kernel/net/inet.c) implement struct
 * proto_ops (include/net.h).
 * Sources: socket(2), socket(7), send(2), recv(2), sendmmsg(2),
 * recvmmsg(2), setsockopt(2), unix(7).
 */
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <string.h>
#include <sys.h>
#include <syscall.h>
#include <vfs.h>

#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT 92
#endif
#ifndef ENOBUFS
#define ENOBUFS 105
#endif

#define AF_MAX         46 /* NPROTO: families are 0..AF_MAX-1 */
#define SOCK_MAX       11 /* types are 0..SOCK_PACKET */
#define SOMAXCONN      4096
#define UIO_MAXIOV     1024
#define UIO_FASTIOV    8
#define MAX_RW_COUNT   0x7ffff000l /* INT_MAX & PAGE_MASK */
#define USER_TOP       0x800000000000ull
#define MSG_WAITFORONE 0x10000

#define SOL_SOCKET      1
#define SO_TYPE         3
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#define SO_ACCEPTCONN   30
#define SO_PROTOCOL     38
#define SO_DOMAIN       39
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

/* Linux's jiffies at HZ=250 (Debian's kernels): socket timeouts are kept
 * in them, so what getsockopt(2) reads back is rounded as Linux rounds. */
#define HZ           250
#define NS_PER_JIFFY (1000000000ull / HZ)

/* The program's struct msghdr and struct mmsghdr (x86_64). */
struct user_msghdr {
	uint64_t name;
	int32_t namelen;
	uint32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	uint32_t flags;
	uint32_t pad1;
};
_Static_assert(sizeof(struct user_msghdr) == 56, "struct msghdr");
struct user_mmsghdr {
	struct user_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};
_Static_assert(sizeof(struct user_mmsghdr) == 64, "struct mmsghdr");
#define UMSG_NAMELEN    8
#define UMSG_CONTROLLEN 40
#define UMSG_FLAGS      48

static struct super_block sock_sb = {.type = "sockfs", .dev = 0x8, .statfs_type = 0x534f434b};

/* ---- messages ---- */

/* Walk m's iovec to byte `off`, moving n bytes with io (io_copy_to or
 * io_copy_from). Bytes past the iovec's end are not moved. */
static int msg_copy(struct msghdr_k *m, size_t off, void *k, size_t n, int to)
{
	for (unsigned i = 0; i < m->iovlen && n; i++) {
		struct iobuf *b = &m->iov[i];
		size_t c;
		int r;

		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		c = MIN(n, b->len - off);
		r = to ? io_copy_to(b, off, k, c) : io_copy_from(b, off, k, c);
		if (r)
			return r;
		k = (char *)k + c;
		n -= c;
		off = 0;
	}
	return 0;
}

int msg_copy_to(struct msghdr_k *m, size_t off, const void *src, size_t n)
{
	return msg_copy(m, off, (void *)src, n, 1);
}

int msg_copy_from(struct msghdr_k *m, size_t off, void *dst, size_t n)
{
	return msg_copy(m, off, dst, n, 0);
}

/* ---- sockets as files ---- */

static long sock_file_read(struct file *f, struct iobuf *b, uint64_t *pos);
static long sock_file_write(struct file *f, struct iobuf *b, uint64_t *pos);
static void sock_file_release(struct file *f);
static unsigned sock_file_poll(struct file *f);
static long sock_file_ioctl(struct file *f, unsigned cmd, uint64_t arg);
static struct pollhead *sock_file_pollhead(struct file *f);

static const struct file_ops sock_fops = {
    .read = sock_file_read,
    .write = sock_file_write,
    .release = sock_file_release,
    .poll = sock_file_poll,
    .ioctl = sock_file_ioctl,
    .pollhead = sock_file_pollhead,
};

struct socket *sock_alloc(const struct proto_ops *ops, int type, int protocol)
{
	struct inode *i = inode_new(&sock_sb, S_IFSOCK | 0777, 0);
	struct socket *s = kmalloc(sizeof(*s));
	struct file *f = NULL;

	if (i)
		f = file_new(&sock_fops, O_RDWR | (type & SOCK_NONBLOCK), i);
	if (i)
		iput(i); /* the file holds it */
	if (!f || !s) {
		if (f) {
			f->fop = NULL;
			fput(f);
		}
		kfree(s);
		return NULL;
	}
	s->ops = ops;
	s->file = f;
	s->type = type & SOCK_TYPE_MASK;
	s->protocol = protocol;
	f->priv = s;
	return s;
}

struct socket *sock_from_file(struct file *f)
{
	return f && f->fop == &sock_fops ? f->priv : NULL;
}

void sock_wake(struct socket *s, unsigned events)
{
	wake_up(&s->wq, -1);
	pollhead_notify(&s->ph, events);
}

int sock_wait(struct socket *s, uint64_t deadline, const char *what)
{
	int r = wait_event(&s->wq, deadline, 1, what);

	if (r == -ETIMEDOUT)
		return -EAGAIN;
	if (r)
		return deadline ? -EINTR : -ERESTARTSYS;
	return 0;
}

/* sock_sendmsg / sock_recvmsg - through the family, with SIGPIPE for an
 * -EPIPE from a stream socket unless MSG_NOSIGNAL (the stream families'
 * pipe_err paths; Linux's datagram and seqpacket sends give EPIPE
 * without a signal). */
static long sock_sendmsg(struct socket *s, struct msghdr_k *m, unsigned flags)
{
	long r;

	if (s->file->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	r = s->ops->sendmsg(s, m, flags, (flags & MSG_DONTWAIT) != 0);
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL) && s->type == SOCK_STREAM)
		signal_raise(SIGPIPE, SI_USER);
	return r;
}

static long sock_recvmsg(struct socket *s, struct msghdr_k *m, unsigned flags)
{
	if (s->file->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	m->namelen = 0;
	m->flags = 0;
	return s->ops->recvmsg(s, m, flags, (flags & MSG_DONTWAIT) != 0);
}

/* read(2) is recv(2) with no flags; a read of 0 bytes returns 0 without
 * asking the family (sock_read_iter). */
static long sock_file_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct msghdr_k m;

	(void)pos;
	if (!b->len)
		return 0;
	memset(&m, 0, sizeof(m));
	m.iov = b;
	m.iovlen = 1;
	m.len = b->len;
	return sock_recvmsg(f->priv, &m, 0);
}

/* write(2) is send(2) with no flags (MSG_EOR on a SOCK_SEQPACKET socket),
 * even of 0 bytes (sock_write_iter). */
static long sock_file_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct socket *s = f->priv;
	struct msghdr_k m;

	(void)pos;
	memset(&m, 0, sizeof(m));
	m.iov = b;
	m.iovlen = 1;
	m.len = b->len;
	return sock_sendmsg(s, &m, s->type == SOCK_SEQPACKET ? MSG_EOR : 0);
}

static void sock_file_release(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops && s->ops->release)
		s->ops->release(s);
	pollhead_release(&s->ph);
	kfree(s);
}

static unsigned sock_file_poll(struct file *f)
{
	struct socket *s = f->priv;

	return s->ops->poll ? s->ops->poll(s) : 0;
}

/* epoll links its items for a socket in the socket's pollhead, which
 * sock_wake() notifies and the last close releases. */
static struct pollhead *sock_file_pollhead(struct file *f)
{
	return &((struct socket *)f->priv)->ph;
}

/* FIONBIO and FIOCLEX are sys_ioctl's; the rest (FIONREAD, SIOCOUTQ...)
 * are the family's, or ENOTTY. */
static long sock_file_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct socket *s = f->priv;

	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

/* ---- descriptors and addresses ---- */

/* The socket of descriptor fd (its file referenced: sockfd_put()), or
 * NULL with *err = -EBADF or -ENOTSOCK (sockfd_lookup_light). */
static struct socket *sockfd_get(long fd, long *err)
{
	struct file *f = fget((int)fd);

	if (!f || (f->flags & O_PATH)) {
		fput(f);
		*err = -EBADF;
		return NULL;
	}
	if (f->fop != &sock_fops) {
		fput(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	*err = 0;
	return f->priv;
}

static void sockfd_put(struct socket *s)
{
	fput(s->file);
}

/* move_addr_to_kernel: 0, -EINVAL (bad length) or -EFAULT. */
static int addr_from_user(uint64_t uaddr, int len, struct sockaddr_k *a)
{
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	a->family = 0;
	if (len && copy_from_user(a, uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

/* move_addr_to_user: the address (klen bytes) truncated to the program's
 * *ulen, which is set to klen. 0, -EINVAL (negative *ulen), -EFAULT. */
static int addr_to_user(const struct sockaddr_k *a, int klen, uint64_t uaddr, uint64_t ulen)
{
	int len;

	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_user(uaddr, a, (size_t)len))
		return -EFAULT;
	return copy_to_user(ulen, &klen, sizeof(klen));
}

/* access_ok: the range lies in the program's half of the address space. */
static int user_range_ok(uint64_t addr, uint64_t len)
{
	return addr + len >= addr && addr + len <= USER_TOP;
}

/* Install s's file as a descriptor with SOCK_NONBLOCK/SOCK_CLOEXEC from
 * flags; the descriptor, or -EMFILE (the socket is closed). */
static long sock_install(struct socket *s, int flags)
{
	if (flags & SOCK_NONBLOCK)
		s->file->flags |= O_NONBLOCK;
	return fd_install(s->file, 0, (flags & SOCK_CLOEXEC) != 0);
}

/* sock_create: the family's socket of (masked) type, or -errno. */
static int sock_create(int family, int type, int protocol, struct socket **out)
{
	static uint64_t warned;

	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_MAX)
		return -EINVAL;
	switch (family) {
	case AF_UNIX:
		return unix_create(type, protocol, out);
	case AF_INET:
	case AF_INET6:
		return inet_create(family, type, protocol, out);
	}
	if (!(warned & (1ull << family))) {
		warned |= 1ull << family;
		if (log_level >= BOTHY_LOG_WARN)
			printk("bothy: socket family %d is not supported: returning "
			       "EAFNOSUPPORT\n",
			       family);
	}
	return -EAFNOSUPPORT;
}

/* socket(2): a new socket as the lowest free descriptor, or -EINVAL (flags),
 * -EAFNOSUPPORT, -EINVAL (type), the family's -ESOCKTNOSUPPORT /
 * -EPROTONOSUPPORT, -EMFILE. */
long sys_socket(long family, long type, long protocol)
{
	int flags = (int)type & ~SOCK_TYPE_MASK;
	struct socket *s;
	int r;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if ((r = sock_create((int)family, (int)type & SOCK_TYPE_MASK, (int)protocol, &s)))
		return r;
	return sock_install(s, flags);
}

/* socketpair(2): two connected AF_UNIX sockets into the int[2] at usv.
 * 0, or socket(2)'s errors, -EOPNOTSUPP (another family), -EMFILE,
 * -EFAULT. */
long sys_socketpair(long family, long type, long protocol, long usv)
{
	int flags = (int)type & ~SOCK_TYPE_MASK, fds[2];
	struct socket *a, *b;
	int r;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	type = (int)type & SOCK_TYPE_MASK;
	if ((int)family < 0 || (int)family >= AF_MAX)
		return -EAFNOSUPPORT;
	if ((int)type >= SOCK_MAX)
		return -EINVAL;
	if ((int)family != AF_UNIX) {
		/* Another family's socket(2) errors first, then
		 * sock_no_socketpair's EOPNOTSUPP. */
		if ((r = sock_create((int)family, (int)type, (int)protocol, &a)))
			return r;
		fput(a->file);
		return -EOPNOTSUPP;
	}
	if ((r = unix_socketpair((int)type, (int)protocol, &a, &b)))
		return r;
	if ((fds[0] = (int)sock_install(a, flags)) < 0) {
		fput(b->file);
		return fds[0];
	}
	if ((fds[1] = (int)sock_install(b, flags)) < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (copy_to_user((uint64_t)usv, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

/* bind(2): 0, -EBADF, -ENOTSOCK, -EINVAL (length), -EFAULT, or the
 * family's error. */
long sys_bind(long fd, long uaddr, long len)
{
	struct sockaddr_k a;
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	if (!(r = addr_from_user((uint64_t)uaddr, (int)len, &a)))
		r = s->ops->bind ? s->ops->bind(s, &a, (int)len) : -EOPNOTSUPP;
	sockfd_put(s);
	return r;
}

/* connect(2): 0, -EBADF, -ENOTSOCK, -EINVAL (length), -EFAULT, or the
 * family's error (-ENOENT, -ECONNREFUSED, -EAGAIN, ...). */
long sys_connect(long fd, long uaddr, long len)
{
	struct sockaddr_k a;
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	if (!(r = addr_from_user((uint64_t)uaddr, (int)len, &a)))
		r = s->ops->connect
		        ? s->ops->connect(s, &a, (int)len, (s->file->flags & O_NONBLOCK) != 0)
		        : -EOPNOTSUPP;
	sockfd_put(s);
	return r;
}

/* listen(2): backlog clamped to SOMAXCONN (a negative one too). 0,
 * -EBADF, -ENOTSOCK, or the family's -EOPNOTSUPP / -EINVAL. */
long sys_listen(long fd, long backlog)
{
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	r = s->ops->listen ? s->ops->listen(s, (int)backlog) : -EOPNOTSUPP;
	if (!r)
		s->listening = 1;
	sockfd_put(s);
	return r;
}

/* accept4(2): the new connection's descriptor (SOCK_NONBLOCK,
 * SOCK_CLOEXEC from flags), its peer's address at uaddr/ulen (truncated
 * as move_addr_to_user does). -EINVAL (flags), -EBADF, -ENOTSOCK, the
 * family's errors, -EFAULT, -EMFILE. */
long sys_accept4(long fd, long uaddr, long ulen, long flags)
{
	struct socket *s, *ns = NULL;
	struct sockaddr_k a;
	int len = 0;
	long r;

	if ((int)flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (!(s = sockfd_get(fd, &r)))
		return r;
	if (!s->ops->accept) {
		r = -EOPNOTSUPP;
		goto out;
	}
	a.family = 0;
	r = s->ops->accept(s, &ns, &a, &len, (s->file->flags & O_NONBLOCK) != 0);
	if (r)
		goto out;
	if (uaddr && (r = addr_to_user(&a, len, (uint64_t)uaddr, (uint64_t)ulen))) {
		fput(ns->file); /* the connection is lost, as on Linux */
		goto out;
	}
	r = sock_install(ns, (int)flags);
out:
	sockfd_put(s);
	return r;
}

/* accept(2): accept4(2) with no flags. */
long sys_accept(long fd, long uaddr, long ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}

static long getname(long fd, long uaddr, long ulen, int peer)
{
	struct sockaddr_k a;
	struct socket *s;
	int len = 0;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	a.family = 0;
	r = s->ops->getname ? s->ops->getname(s, &a, &len, peer) : -EOPNOTSUPP;
	if (!r)
		r = addr_to_user(&a, len, (uint64_t)uaddr, (uint64_t)ulen);
	sockfd_put(s);
	return r;
}

/* getsockname(2) / getpeername(2): the address, truncated to *ulen,
 * which is set to its full length. -EBADF, -ENOTSOCK, -ENOTCONN (peer),
 * -EINVAL (negative *ulen), -EFAULT. */
long sys_getsockname(long fd, long uaddr, long ulen)
{
	return getname(fd, uaddr, ulen, 0);
}

long sys_getpeername(long fd, long uaddr, long ulen)
{
	return getname(fd, uaddr, ulen, 1);
}

/* sendto(2) / send(2): bytes sent; -EFAULT (buffer), -EBADF, -ENOTSOCK,
 * -EINVAL (address length), the family's errors; -EPIPE raises SIGPIPE
 * on a stream socket unless MSG_NOSIGNAL. */
long sys_sendto(long fd, long ubuf, long len, long flags, long uaddr, long alen)
{
	struct iobuf b = {.addr = (uint64_t)ubuf, .len = (size_t)len};
	struct msghdr_k m;
	struct socket *s;
	long r;

	if ((uint64_t)len > MAX_RW_COUNT)
		b.len = MAX_RW_COUNT;
	if (!user_range_ok(b.addr, b.len))
		return -EFAULT;
	if (!(s = sockfd_get(fd, &r)))
		return r;
	m.iov = &b;
	m.iovlen = 1;
	m.len = b.len;
	m.namelen = 0;
	m.control = 0;
	m.controllen = 0;
	m.flags = 0;
	if (uaddr) {
		if ((r = addr_from_user((uint64_t)uaddr, (int)alen, &m.name)))
			goto out;
		m.namelen = (int)alen;
	}
	r = sock_sendmsg(s, &m, (unsigned)flags);
out:
	sockfd_put(s);
	return r;
}

/* recvfrom(2) / recv(2): bytes received (or the datagram's length with
 * MSG_TRUNC); the source address as getsockname(2) gives one. */
long sys_recvfrom(long fd, long ubuf, long len, long flags, long uaddr, long ulen)
{
	struct iobuf b = {.addr = (uint64_t)ubuf, .len = (size_t)len};
	struct msghdr_k m;
	struct socket *s;
	long r;
	int e;

	if ((uint64_t)len > MAX_RW_COUNT)
		b.len = MAX_RW_COUNT;
	if (!user_range_ok(b.addr, b.len))
		return -EFAULT;
	if (!(s = sockfd_get(fd, &r)))
		return r;
	m.iov = &b;
	m.iovlen = 1;
	m.len = b.len;
	m.control = 0;
	m.controllen = 0;
	r = sock_recvmsg(s, &m, (unsigned)flags);
	if (r >= 0 && uaddr &&
	    (e = addr_to_user(&m.name, m.namelen, (uint64_t)uaddr, (uint64_t)ulen)))
		r = e;
	sockfd_put(s);
	return r;
}

/* A message header copied in: the kernel's msghdr_k and where its iovec
 * lives (fast[] or heap). */
struct kmsg {
	struct msghdr_k m;
	struct iobuf fast[UIO_FASTIOV];
	struct iobuf *heap;
	uint64_t uname; /* the program's msg_name (receive) */
};

/* import_iovec: the program's iovec[0..n) (n <= UIO_MAXIOV) into k->m's
 * iov, iovlen and len (clamped to MAX_RW_COUNT in all). 0, -EFAULT,
 * -EINVAL (a negative iov_len), -ENOMEM. The caller frees k->heap. */
static long kmsg_import_iovec(struct kmsg *k, uint64_t uiov, uint64_t n)
{
	struct iovec iov;
	size_t total = 0;

	k->heap = NULL;
	k->m.iov = k->fast;
	if (n > UIO_FASTIOV && !(k->m.iov = k->heap = kmalloc(n * sizeof(struct iobuf))))
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (copy_from_user(&iov, uiov + i * sizeof(iov), sizeof(iov)))
			return -EFAULT;
		if ((int64_t)iov.iov_len < 0)
			return -EINVAL;
		if (iov.iov_len > MAX_RW_COUNT - total)
			iov.iov_len = MAX_RW_COUNT - total;
		if (!user_range_ok(iov.iov_base, iov.iov_len))
			return -EFAULT;
		k->m.iov[i] = (struct iobuf){.addr = iov.iov_base, .len = iov.iov_len};
		total += iov.iov_len;
	}
	k->m.iovlen = (unsigned)n;
	k->m.len = total;
	return 0;
}

/* copy_msghdr_from_user + import_iovec: 0, -EFAULT, -EINVAL (negative
 * msg_namelen or iov_len), -EMSGSIZE (more than UIO_MAXIOV iovecs),
 * -ENOBUFS (send: msg_controllen > INT_MAX). */
static long kmsg_from_user(struct kmsg *k, uint64_t umsg, int send)
{
	struct user_msghdr um;
	long r;

	k->heap = NULL;
	if (copy_from_user(&um, umsg, sizeof(um)))
		return -EFAULT;
	if (um.namelen < 0)
		return -EINVAL;
	if (um.namelen > SOCKADDR_MAX)
		um.namelen = SOCKADDR_MAX;
	k->m.namelen = 0;
	k->uname = um.name;
	if (send && um.name && um.namelen) {
		if ((r = addr_from_user(um.name, um.namelen, &k->m.name)))
			return r;
		k->m.namelen = um.namelen;
	}
	if (um.iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if ((r = kmsg_import_iovec(k, um.iov, um.iovlen)))
		return r;
	if (send && um.controllen > 0x7fffffff)
		return -ENOBUFS;
	k->m.control = um.controllen ? um.control : 0;
	k->m.controllen = um.control ? um.controllen : 0;
	k->m.flags = 0;
	return 0;
}

/* ___sys_sendmsg on an open socket. */
static long do_sendmsg(struct socket *s, uint64_t umsg, unsigned flags)
{
	struct kmsg k;
	long r;

	if (!(r = kmsg_from_user(&k, umsg, 1)))
		r = sock_sendmsg(s, &k.m, flags);
	kfree(k.heap);
	return r;
}

/* ___sys_recvmsg on an open socket: the message, then its source address
 * (msg_namelen), msg_flags and msg_controllen written back. */
static long do_recvmsg(struct socket *s, uint64_t umsg, unsigned flags)
{
	struct kmsg k;
	uint64_t clen;
	long r, e;

	if ((r = kmsg_from_user(&k, umsg, 0)))
		goto out;
	r = sock_recvmsg(s, &k.m, flags);
	if (r < 0)
		goto out;
	if (k.uname && (e = addr_to_user(&k.m.name, k.m.namelen, k.uname, umsg + UMSG_NAMELEN))) {
		r = e;
		goto out;
	}
	clen = k.m.control ? k.m.controllen : 0;
	if (copy_to_user(umsg + UMSG_FLAGS, &k.m.flags, sizeof(k.m.flags)) ||
	    copy_to_user(umsg + UMSG_CONTROLLEN, &clen, sizeof(clen)))
		r = -EFAULT;
out:
	kfree(k.heap);
	return r;
}

long sock_rw_iov(struct file *f, uint64_t uiov, long cnt, int write)
{
	struct socket *s = sock_from_file(f);
	struct kmsg k;
	long r;

	if (!s)
		return -ENOTSOCK;
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	memset(&k.m, 0, sizeof(k.m));
	if (!(r = kmsg_import_iovec(&k, (uint64_t)uiov, (uint64_t)cnt)))
		r = write ? sock_sendmsg(s, &k.m, 0) : sock_recvmsg(s, &k.m, 0);
	kfree(k.heap);
	return r;
}

/* sendmsg(2): as sendto(2), with the msghdr's iovec (at most UIO_MAXIOV:
 * -EMSGSIZE; negative lengths: -EINVAL) and control data (the family's). */
long sys_sendmsg(long fd, long umsg, long flags)
{
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	r = do_sendmsg(s, (uint64_t)umsg, (unsigned)flags);
	sockfd_put(s);
	return r;
}

/* recvmsg(2): as recvfrom(2); writes back msg_namelen, msg_flags and
 * msg_controllen (the control bytes written). */
long sys_recvmsg(long fd, long umsg, long flags)
{
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	r = do_recvmsg(s, (uint64_t)umsg, (unsigned)flags);
	sockfd_put(s);
	return r;
}

/* sendmmsg(2): a loop of sendmsg; the count sent, or the first error if
 * none was. */
long sys_sendmmsg(long fd, long umm, long vlen, long flags)
{
	struct socket *s;
	unsigned n = 0;
	long r = 0;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	if ((unsigned)vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (n < (unsigned)vlen) {
		uint64_t e = (uint64_t)umm + n * sizeof(struct user_mmsghdr);
		uint32_t len;
		r = do_sendmsg(s, e, (unsigned)flags);
		if (r < 0)
			break;
		len = (uint32_t)r;
		if (copy_to_user(e + offsetof(struct user_mmsghdr, len), &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		n++;
	}
	sockfd_put(s);
	return n ? (long)n : r;
}

/* recvmmsg(2): a loop of recvmsg; MSG_WAITFORONE makes the ones after the
 * first non-blocking; the timeout is checked between messages (as Linux
 * does) and what is left of it written back. */
long sys_recvmmsg(long fd, long umm, long vlen, long flags, long uts)
{
	struct kernel_timespec ts;
	uint64_t deadline = 0, now;
	struct socket *s;
	unsigned n = 0;
	long r = 0;

	if (uts) {
		if (copy_from_user(&ts, (uint64_t)uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = time_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000ull +
		           (uint64_t)ts.tv_nsec;
	}
	if (!(s = sockfd_get(fd, &r)))
		return r;
	if ((unsigned)vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (n < (unsigned)vlen) {
		uint64_t e = (uint64_t)umm + n * sizeof(struct user_mmsghdr);
		uint32_t len;
		r = do_recvmsg(s, e, (unsigned)flags & ~(unsigned)MSG_WAITFORONE);
		if (r < 0)
			break;
		len = (uint32_t)r;
		if (copy_to_user(e + offsetof(struct user_mmsghdr, len), &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		n++;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (uts && time_monotonic_ns() >= deadline)
			break;
	}
	if (uts) {
		now = time_monotonic_ns();
		now = now < deadline ? deadline - now : 0;
		ts.tv_sec = (int64_t)(now / 1000000000ull);
		ts.tv_nsec = (int64_t)(now % 1000000000ull);
		copy_to_user((uint64_t)uts, &ts, sizeof(ts));
	}
	sockfd_put(s);
	if (n)
		return n;
	return r == -ERESTARTSYS && uts ? -EINTR : r;
}

/* shutdown(2): 0, -EBADF, -ENOTSOCK, or the family's -EINVAL/-ENOTCONN. */
long sys_shutdown(long fd, long how)
{
	struct socket *s;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	r = s->ops->shutdown ? s->ops->shutdown(s, (int)how) : -EOPNOTSUPP;
	sockfd_put(s);
	return r;
}

/* sock_set_timeout: struct timeval to ns rounded up to jiffies, as Linux
 * keeps it; a negative tv_sec is "do not wait" (1 ns here). */
static int set_timeout(uint64_t *timeo, uint64_t optval, unsigned optlen)
{
	struct kernel_timeval tv;
	uint64_t j;

	if (optlen < sizeof(tv))
		return -EINVAL;
	if (copy_from_user(&tv, optval, sizeof(tv)))
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*timeo = 1;
		return 0;
	}
	j = (uint64_t)tv.tv_sec * HZ + ((uint64_t)tv.tv_usec + 1000000 / HZ - 1) / (1000000 / HZ);
	*timeo = j * NS_PER_JIFFY;
	return 0;
}

/* setsockopt(2): SO_RCVTIMEO/SO_SNDTIMEO here (struct timeval; -EDOM for
 * a bad tv_usec), SO_TYPE/SO_DOMAIN/SO_PROTOCOL/SO_ACCEPTCONN read-only
 * (-ENOPROTOOPT), the rest the family's. -EINVAL (negative optlen, or
 * below an int at SOL_SOCKET), -EBADF, -ENOTSOCK, -EFAULT. */
long sys_setsockopt(long fd, long level, long name, long optval, long optlen)
{
	struct socket *s;
	long r;
	int v;

	if ((int)optlen < 0)
		return -EINVAL;
	if (!(s = sockfd_get(fd, &r)))
		return r;
	if ((int)level != SOL_SOCKET) {
		r = s->ops->setsockopt ? s->ops->setsockopt(s, (int)level, (int)name,
		                                            (uint64_t)optval, (unsigned)optlen)
		                       : -EOPNOTSUPP;
		goto out;
	}
	/* sk_setsockopt: every SOL_SOCKET option reads an int first. */
	if ((unsigned)optlen < sizeof(int)) {
		r = -EINVAL;
		goto out;
	}
	if (copy_from_user(&v, (uint64_t)optval, sizeof(v))) {
		r = -EFAULT;
		goto out;
	}
	switch ((int)name) {
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		r = set_timeout(&s->rcvtimeo, (uint64_t)optval, (unsigned)optlen);
		break;
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		r = set_timeout(&s->sndtimeo, (uint64_t)optval, (unsigned)optlen);
		break;
	case SO_TYPE:
	case SO_DOMAIN:
	case SO_PROTOCOL:
	case SO_ACCEPTCONN:
		r = -ENOPROTOOPT;
		break;
	default:
		r = s->ops->setsockopt ? s->ops->setsockopt(s, (int)level, (int)name,
		                                            (uint64_t)optval, (unsigned)optlen)
		                       : -ENOPROTOOPT;
	}
out:
	sockfd_put(s);
	return r;
}

/* getsockopt(2): the value truncated to *optlen, which is set to the
 * bytes written. -EBADF, -ENOTSOCK, -EFAULT, -EINVAL (negative *optlen),
 * -ENOPROTOOPT, or the family's error. */
long sys_getsockopt(long fd, long level, long name, long optval, long uoptlen)
{
	struct kernel_timeval tv;
	struct socket *s;
	const void *val = &tv;
	int len, lv = sizeof(int), v;
	long r;

	if (!(s = sockfd_get(fd, &r)))
		return r;
	if ((int)level != SOL_SOCKET) {
		r = s->ops->getsockopt ? s->ops->getsockopt(s, (int)level, (int)name,
		                                            (uint64_t)optval, (uint64_t)uoptlen)
		                       : -EOPNOTSUPP;
		goto out;
	}
	if (copy_from_user(&len, (uint64_t)uoptlen, sizeof(len))) {
		r = -EFAULT;
		goto out;
	}
	if (len < 0) {
		r = -EINVAL;
		goto out;
	}
	switch ((int)name) {
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = s->ops->family;
		break;
	case SO_PROTOCOL:
		v = s->protocol;
		break;
	case SO_ACCEPTCONN:
		v = s->listening;
		break;
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW: {
		uint64_t t = (int)name == SO_RCVTIMEO_OLD || (int)name == SO_RCVTIMEO_NEW
		                 ? s->rcvtimeo
		                 : s->sndtimeo;
		uint64_t j = t / NS_PER_JIFFY;
		tv.tv_sec = (int64_t)(j / HZ);
		tv.tv_usec = (int64_t)((j % HZ) * (1000000 / HZ));
		lv = sizeof(tv);
		goto copy;
	}
	default:
		r = s->ops->getsockopt ? s->ops->getsockopt(s, (int)level, (int)name,
		                                            (uint64_t)optval, (uint64_t)uoptlen)
		                       : -ENOPROTOOPT;
		goto out;
	}
	val = &v;
copy:
	if (len > lv)
		len = lv;
	r = 0;
	if (copy_to_user((uint64_t)optval, val, (size_t)len) ||
	    copy_to_user((uint64_t)uoptlen, &len, sizeof(len)))
		r = -EFAULT;
out:
	sockfd_put(s);
	return r;
}
