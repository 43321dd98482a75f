/*
 * Sockets: the family-independent layer (kernel/net/socket.c) and what
 * each family implements (kernel/net/unix.c: AF_UNIX; kernel/net/inet.c:
 * AF_INET and AF_INET6 over lwIP's raw API), plus readiness hooks that
 * epoll(7) attaches to (kernel/fs/eventpoll.c).
 *
 * Locking: everything here runs under the one kernel lock (include/sched.h),
 * which is also lwIP's core lock. A call that must wait sleeps on the
 * socket's wait queue with wait_event() and tests its condition again.
 *
 * Sources: socket(2), socket(7), unix(7), ip(7), ipv6(7), tcp(7), udp(7),
 * send(2), recv(2), epoll(7).
 */
#ifndef BOTHY_NET_H
#define BOTHY_NET_H
#include <kernel.h>
#include <sched.h>
#include <vfs.h>

/* --- readiness: what poll(2), select(2) and epoll(7) watch --- */

struct epitem;
/*
 * A pollhead sits in every object whose readiness can change (a socket,
 * a pipe, an eventfd, a timerfd). epoll links its items for that object
 * here, so a change costs O(watchers), and epoll_wait O(ready).
 */
struct pollhead {
	struct epitem *items; /* epoll items watching this object */
};
/* pollhead_notify - ph's object may have become ready (or stopped being
 * ready) for `events` (POLLIN, POLLOUT, POLLHUP, POLLERR, ...; 0 = may be
 * any): mark the epoll items watching it and wake poll/select waiters
 * (poll_notify()). Safe in interrupt context (the lock is held). */
void pollhead_notify(struct pollhead *ph, unsigned events);
/* pollhead_release - the object is going away: unlink its epoll items
 * (epoll drops them, as Linux does when the last reference to a file is
 * closed). */
void pollhead_release(struct pollhead *ph);

/* --- socket addresses and messages --- */

#define AF_UNSPEC 0
#define AF_UNIX   1
#define AF_INET   2
#define AF_INET6  10

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  O_NONBLOCK
#define SOCK_CLOEXEC   O_CLOEXEC

/* send(2)/recv(2) flags */
#define MSG_OOB          0x1
#define MSG_PEEK         0x2
#define MSG_DONTROUTE    0x4
#define MSG_CTRUNC       0x8
#define MSG_TRUNC        0x20
#define MSG_DONTWAIT     0x40
#define MSG_EOR          0x80
#define MSG_WAITALL      0x100
#define MSG_NOSIGNAL     0x4000
#define MSG_MORE         0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

/* The largest socket address (struct sockaddr_storage). */
#define SOCKADDR_MAX 128
struct sockaddr_k {
	uint16_t family;
	uint8_t data[SOCKADDR_MAX - 2];
};

/*
 * A message being sent or received, in the kernel: the data is the
 * program's iovec (iov[0..iovlen), each a struct iobuf), `len` bytes in
 * all; the address and ancillary data have been copied in (send) or are
 * copied out by the socket layer (receive).
 */
struct msghdr_k {
	struct iobuf *iov;
	unsigned iovlen;
	size_t len;             /* total bytes in iov */
	struct sockaddr_k name; /* send: destination; receive: source */
	int namelen;            /* send: 0 = none; receive: set by the family (0 = none) */
	uint64_t control;       /* user address of ancillary data, or 0 */
	size_t controllen;      /* its size; receive: set to the bytes written */
	unsigned flags;         /* receive: MSG_TRUNC, MSG_CTRUNC, ... set by the family */
};

/* msg_copy_to / msg_copy_from - copy n bytes between kernel memory and
 * the message's data at byte offset off. 0 or -EFAULT. */
int msg_copy_to(struct msghdr_k *m, size_t off, const void *src, size_t n);
int msg_copy_from(struct msghdr_k *m, size_t off, void *dst, size_t n);

/* --- sockets --- */

struct socket;

/*
 * What a family implements; every function runs under the kernel lock.
 * Errors are -errno as Linux returns them for that family. A function
 * left NULL gives the errno Linux gives a family without it (-EOPNOTSUPP).
 * Blocking calls honour `nonblock` (O_NONBLOCK on the file, or
 * MSG_DONTWAIT) and return -EAGAIN, or wait interruptibly and return
 * -ERESTARTSYS on a signal (or -EINTR where Linux never restarts: with a
 * timeout set by SO_RCVTIMEO/SO_SNDTIMEO).
 */
struct proto_ops {
	int family;
	/* release - the last file reference is gone: close, free ops data. */
	void (*release)(struct socket *s);
	int (*bind)(struct socket *s, const struct sockaddr_k *a, int len);
	int (*connect)(struct socket *s, const struct sockaddr_k *a, int len, int nonblock);
	int (*listen)(struct socket *s, int backlog);
	/* accept - a new connected socket in *newsock (made by the family with
	 * sock_alloc()), its peer's address in *a and *len if a != NULL. */
	int (*accept)(struct socket *s, struct socket **newsock, struct sockaddr_k *a, int *len,
	              int nonblock);
	int (*getname)(struct socket *s, struct sockaddr_k *a, int *len, int peer);
	/* sendmsg / recvmsg - bytes sent or received, or -errno. -EPIPE from
	 * sendmsg: the socket layer raises SIGPIPE unless MSG_NOSIGNAL. */
	long (*sendmsg)(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock);
	long (*recvmsg)(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock);
	int (*shutdown)(struct socket *s, int how);
	/* setsockopt / getsockopt - options the socket layer does not handle
	 * itself (it handles SOL_SOCKET's SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
	 * SO_ACCEPTCONN, SO_RCVTIMEO, SO_SNDTIMEO); optval is a user
	 * address. */
	int (*setsockopt)(struct socket *s, int level, int name, uint64_t optval, unsigned optlen);
	int (*getsockopt)(struct socket *s, int level, int name, uint64_t optval, uint64_t optlen);
	/* poll - POLLIN/POLLOUT/POLLHUP/POLLRDHUP/POLLERR now. */
	unsigned (*poll)(struct socket *s);
	/* ioctl - FIONREAD (SIOCINQ), SIOCOUTQ...; FIONBIO is the socket layer's. */
	long (*ioctl)(struct socket *s, unsigned cmd, uint64_t arg);
};

struct socket {
	const struct proto_ops *ops;
	struct file *file; /* the file it is open as (one per socket) */
	int type;          /* SOCK_STREAM, SOCK_DGRAM, ... */
	int protocol;
	int listening;     /* listen(2) was called (SO_ACCEPTCONN) */
	uint64_t rcvtimeo, sndtimeo; /* SO_RCVTIMEO/SO_SNDTIMEO in ns; 0 = none */
	struct waitq wq;             /* threads waiting in this socket */
	struct pollhead ph;          /* epoll items watching it */
	void *priv;                  /* the family's state */
};

/* sock_alloc - a new socket of `type` with ops, opened as a file with
 * O_RDWR | (type & SOCK_NONBLOCK); NULL if out of memory. The file holds
 * the socket; closing its last reference calls ops->release. */
struct socket *sock_alloc(const struct proto_ops *ops, int type, int protocol);
/* sock_from_file - the socket a file is, or NULL. */
struct socket *sock_from_file(struct file *f);
/* sock_rw_iov - readv(2)/writev(2) on socket file f: the program's
 * iovec[0..cnt) as one message (one datagram on a datagram socket), as
 * recvmsg/sendmsg with no flags. Bytes moved, or -errno (-EINVAL for cnt
 * outside 0..UIO_MAXIOV, -EFAULT, -ENOTSOCK, the family's). */
long sock_rw_iov(struct file *f, uint64_t uiov, long cnt, int write);
/* sock_wake - the socket's state changed for `events` (see
 * pollhead_notify): wake its waiters and pollers. */
void sock_wake(struct socket *s, unsigned events);
/* sock_wait - wait on s->wq until woken, the deadline (absolute ns; 0 =
 * none) or a signal; `what` names the wait for the deadlock report.
 * 0 when woken, -EAGAIN at the deadline (SO_RCVTIMEO: Linux returns
 * EAGAIN), -ERESTARTSYS for a signal (-EINTR when a deadline is set). */
int sock_wait(struct socket *s, uint64_t deadline, const char *what);

/* The families' socket(2) and socketpair(2) (called by the socket layer
 * after it checked type flags). Return the new socket(s) or -errno. */
int unix_create(int type, int protocol, struct socket **out);
int unix_socketpair(int type, int protocol, struct socket **a, struct socket **b);
int inet_create(int family, int type, int protocol, struct socket **out);

/* net_init - bring up the network stack (lwIP), its loopback interface
 * and the virtio-net interfaces found at boot (kernel/net/netif.c). */
void net_init(void);
/* net_wait_configured - call after the devices are probed (virtio_init)
 * and before the program starts: with DHCP (BOTHY_NET_DHCP), wait until
 * the first device has a lease, at most 5 s (then one warning line; DHCP
 * goes on in the background). Returns at once otherwise. */
void net_wait_configured(void);
/* net_external - nonzero when a network device connects this guest to
 * the outside, so a socket wait may be ended by something outside the VM
 * (not a deadlock). */
extern int net_external;
/* net_sockets - AF_INET/AF_INET6 sockets open now. While a device is
 * attached and one is open, no wait is a deadlock: a frame from outside
 * may end any of them (kernel/sched.c). */
extern unsigned net_sockets;

#endif
