/*
 * AF_UNIX sockets (unix(7)): SOCK_STREAM, SOCK_DGRAM (and SOCK_RAW, which
 * Linux makes a datagram socket) and SOCK_SEQPACKET; socketpair(2); names
 * in the file system (a socket inode made with the directory's mknod) and
 * in the abstract namespace (sun_path[0] == 0), autobind on an empty
 * address; listen/accept/connect; SCM_RIGHTS descriptor passing;
 * SO_PEERCRED; FIONREAD/SIOCOUTQ. Modelled on Linux's net/unix/af_unix.c:
 * the same states, the same errors in the same order.
 *
 * Each socket's state is a struct usock, referenced by its socket file
 * (or, before accept(2), by its listener's accept queue), by its peer, and
 * by every message it has queued somewhere. A message (struct skb) is
 * queued on the receiver; its bytes count against the sender's send
 * buffer (wmem) until read. A connected stream socket's peer is an
 * "embryo" usock until accept(2) gives it a file.
 *
 * Not done: SCM_CREDENTIALS and SO_PASSCRED (accepted, no credentials
 * sent), MSG_OOB (EOPNOTSUPP), the garbage collection of sockets passed
 * over themselves (they leak), permission checks on socket files.
 */
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <string.h>
#include <sys.h>
#include <syscall.h>
#include <vfs.h>

#ifndef EDESTADDRREQ
#define EDESTADDRREQ 89
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef EPROTOTYPE
#define EPROTOTYPE 91
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT 92
#endif
#ifndef EADDRINUSE
#define EADDRINUSE 98
#endif
#ifndef ECONNRESET
#define ECONNRESET 104
#endif
#ifndef EISCONN
#define EISCONN 106
#endif
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif
#ifndef POLLWRBAND
#define POLLWRBAND 0x200
#endif

#define PF_UNIX       1
#define UNIX_PATH_MAX 108
#define SUN_OFF       2 /* offsetof(struct sockaddr_un, sun_path) */
#define SUN_MAX       (SUN_OFF + UNIX_PATH_MAX)

#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

#define WMEM_DEFAULT   212992 /* net.core.wmem_default and _max */
#define SNDBUF_MIN     4608
#define RCVBUF_MIN     2304
#define MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */
#define SCM_MAX_FD     253

#define SOL_SOCKET     1
#define SCM_RIGHTS     1
#define SCM_CREDS      2
#define SO_DEBUG       1
#define SO_REUSEADDR   2
#define SO_ERROR       4
#define SO_DONTROUTE   5
#define SO_BROADCAST   6
#define SO_SNDBUF      7
#define SO_RCVBUF      8
#define SO_KEEPALIVE   9
#define SO_OOBINLINE   10
#define SO_NO_CHECK    11
#define SO_PRIORITY    12
#define SO_LINGER      13
#define SO_REUSEPORT   15
#define SO_PASSCRED    16
#define SO_PEERCRED    17
#define SO_RCVLOWAT    18
#define SO_SNDLOWAT    19
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SIOCOUTQ       0x5411
#define SIOCINQ        FIONREAD
#define OPT_MAX        64
#define MSG_K_CMSG     0x20000000u /* internal: scm_recv wrote a control message */

enum { US_CLOSE, US_LISTEN, US_CONNECTED };

struct usock;

/* A queued message (datagram) or piece of a stream. */
struct skb {
	struct skb *next;
	struct usock *sender; /* a reference: its address, its wmem */
	size_t len, off;      /* data[off..len) is still unread (streams) */
	struct file **fp;     /* SCM_RIGHTS files in flight, or NULL */
	unsigned nfp;
	char data[];
};

struct ucred_k {
	int32_t pid;
	uint32_t uid, gid;
};

struct usock {
	unsigned refs;
	struct socket *sock; /* NULL: an embryo not yet accepted, or released */
	int type;
	int state; /* US_* */
	int dead;  /* released (SOCK_DEAD) */
	unsigned shutdown;
	int err;            /* a pending error (sk_err), positive */
	struct usock *peer; /* a reference */
	struct sockaddr_k addr;
	int addrlen;         /* 0: not bound */
	struct inode *inode; /* bound to a path: its socket inode (a reference) */
	struct usock *bound_next;
	struct skb *rq_head, *rq_tail; /* the receive queue */
	size_t rq_bytes;
	unsigned rq_len;
	size_t wmem; /* bytes this socket has queued elsewhere, unread */
	int sndbuf, rcvbuf;
	int backlog;
	struct usock *acc_head, *acc_tail, *acc_next; /* listener: embryos */
	unsigned nacc;
	struct waitq peer_wait; /* senders waiting for room here, connectors */
	struct ucred_k peercred;
	int opt[OPT_MAX]; /* plain SOL_SOCKET options, as set */
	int linger[2];
};

static struct usock *bound; /* every bound socket */
static unsigned autobind_next;
static const struct proto_ops unix_ops;

/* ---- references and queues ---- */

static struct usock *usock_new(int type)
{
	struct usock *u = kmalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	u->sndbuf = WMEM_DEFAULT;
	u->rcvbuf = WMEM_DEFAULT;
	u->peercred = (struct ucred_k){0, (uint32_t)-1, (uint32_t)-1};
	return u;
}

static void usock_put(struct usock *u)
{
	if (u && !--u->refs)
		kfree(u);
}

static struct ucred_k cred_now(void)
{
	return (struct ucred_k){(int32_t)fork_pid(), 0, 0};
}

static void uwake(struct usock *u, unsigned events)
{
	if (u->sock)
		sock_wake(u->sock, events);
	else
		poll_notify();
}

static uint64_t deadline_of(uint64_t timeo)
{
	return timeo ? time_monotonic_ns() + timeo : 0;
}

/* As sock_wait(), on another queue (a peer's peer_wait). */
static int uwait(struct waitq *wq, uint64_t deadline, const char *what)
{
	int r = wait_event(wq, deadline, 1, what);

	if (r == -ETIMEDOUT)
		return -EAGAIN;
	if (r)
		return deadline ? -EINTR : -ERESTARTSYS;
	return 0;
}

static void fp_put(struct file **fp, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fput(fp[i]);
	kfree(fp);
}

/* Free a message taken off a queue: its sender may write again. */
static void skb_free(struct skb *b)
{
	struct usock *s = b->sender;

	s->wmem -= b->len;
	if (b->fp)
		fp_put(b->fp, b->nfp);
	kfree(b);
	uwake(s, POLLOUT | POLLWRNORM);
	usock_put(s);
}

static void skb_queue(struct usock *to, struct skb *b)
{
	b->next = NULL;
	if (to->rq_tail)
		to->rq_tail->next = b;
	else
		to->rq_head = b;
	to->rq_tail = b;
	to->rq_bytes += b->len;
	to->rq_len++;
	uwake(to, POLLIN | POLLRDNORM);
}

static void skb_unlink_head(struct usock *u)
{
	struct skb *b = u->rq_head;

	u->rq_head = b->next;
	if (!u->rq_head)
		u->rq_tail = NULL;
	u->rq_bytes -= b->len - b->off;
	u->rq_len--;
}

/* A message of len bytes from u's point of view (sender), data from m at
 * byte off; NULL with *err = -ENOMEM or -EFAULT. */
static struct skb *skb_make(struct usock *u, struct msghdr_k *m, size_t off, size_t len, int *err)
{
	struct skb *b = kmalloc(sizeof(*b) + len);

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	if (len && msg_copy_from(m, off, b->data, len)) {
		kfree(b);
		*err = -EFAULT;
		return NULL;
	}
	b->len = len;
	b->sender = u;
	u->refs++;
	u->wmem += len;
	return b;
}

/* ---- names ---- */

static void unbind(struct usock *u)
{
	for (struct usock **p = &bound; *p; p = &(*p)->bound_next) {
		if (*p == u) {
			*p = u->bound_next;
			break;
		}
	}
	if (u->inode)
		iput(u->inode);
	u->inode = NULL;
}

/* unix_validate_addr: a name of more than sun_family, AF_UNIX. */
static int validate(const struct sockaddr_k *a, int len)
{
	if (len <= SUN_OFF || len > SUN_MAX || a->family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* The path of a file-system name, terminated; its address length. */
static int mkname(const struct sockaddr_k *a, int len, char *path)
{
	memcpy(path, a->data, (size_t)(len - SUN_OFF));
	path[len - SUN_OFF] = 0;
	return (int)strlen(path) + SUN_OFF + 1;
}

static struct usock *find_abstract(const struct sockaddr_k *a, int len, int type)
{
	for (struct usock *b = bound; b; b = b->bound_next)
		if (!b->inode && b->type == type && b->addrlen == len &&
		    !memcmp(&b->addr, a, (size_t)len))
			return b;
	return NULL;
}

/* unix_find_other: the socket named by a (validated), of `type`.
 * -ENOENT etc. from the path walk, -ECONNREFUSED (nothing bound there,
 * not a socket), -EPROTOTYPE (another type at that path). */
static int find_other(const struct sockaddr_k *a, int len, int type, struct usock **out)
{
	char path[UNIX_PATH_MAX + 1];
	struct nameidata nd;
	struct usock *b;
	int r;

	if (!a->data[0]) {
		*out = find_abstract(a, len, type);
		return *out ? 0 : -ECONNREFUSED;
	}
	mkname(a, len, path);
	if ((r = path_walk(AT_FDCWD, path, LOOKUP_FOLLOW, &nd)))
		return r;
	r = -ECONNREFUSED;
	if ((nd.inode->mode & S_IFMT) == S_IFSOCK) {
		for (b = bound; b; b = b->bound_next) {
			if (b->inode && b->inode->sb == nd.inode->sb &&
			    b->inode->ino == nd.inode->ino) {
				r = b->type == type ? 0 : -EPROTOTYPE;
				*out = b;
				break;
			}
		}
	}
	path_release(&nd);
	return r;
}

static int autobind(struct usock *u)
{
	static const char hex[] = "0123456789abcdef";
	struct sockaddr_k a;

	if (u->addrlen)
		return 0;
	memset(&a, 0, sizeof(a));
	a.family = AF_UNIX;
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		unsigned n = autobind_next++ & 0xfffff;
		for (int i = 0; i < 5; i++)
			a.data[5 - i] = (uint8_t)hex[(n >> (4 * i)) & 15];
		if (!find_abstract(&a, SUN_OFF + 6, u->type)) {
			u->addr = a;
			u->addrlen = SUN_OFF + 6;
			u->bound_next = bound;
			bound = u;
			return 0;
		}
	}
	return -ENOSPC;
}

static int bind_path(struct usock *u, const struct sockaddr_k *a, int len)
{
	char path[UNIX_PATH_MAX + 1];
	struct inode *i = NULL;
	struct nameidata nd;
	int alen = mkname(a, len, path), r;

	if ((r = path_walk(AT_FDCWD, path, LOOKUP_PARENT, &nd)))
		return r;
	if (nd.inode || nd.last_type != LAST_NORM)
		r = -EADDRINUSE;
	else if (u->addrlen)
		r = -EINVAL;
	else if (nd.dir->sb && (nd.dir->sb->flags & SB_RDONLY))
		r = -EROFS;
	else if (!nd.dir->iop || !nd.dir->iop->mknod || !nd.dir->iop->lookup)
		r = -EPERM;
	else if (!(r = nd.dir->iop->mknod(nd.dir, nd.last, nd.last_len,
	                                  S_IFSOCK | (0777 & ~vfs_umask))))
		r = nd.dir->iop->lookup(nd.dir, nd.last, nd.last_len, &i);
	path_release(&nd);
	if (r == -EEXIST)
		r = -EADDRINUSE;
	if (r)
		return r;
	memset(&u->addr, 0, sizeof(u->addr));
	u->addr.family = AF_UNIX;
	memcpy(u->addr.data, path, (size_t)(alen - SUN_OFF));
	u->addrlen = alen;
	u->inode = i;
	u->bound_next = bound;
	bound = u;
	return 0;
}

static int unix_bind(struct socket *s, const struct sockaddr_k *a, int len)
{
	struct usock *u = s->priv;
	int r;

	if (len == SUN_OFF && a->family == AF_UNIX)
		return autobind(u);
	if ((r = validate(a, len)))
		return r;
	if (a->data[0])
		return bind_path(u, a, len);
	if (u->addrlen)
		return -EINVAL;
	if (find_abstract(a, len, u->type))
		return -EADDRINUSE;
	memcpy(&u->addr, a, (size_t)len);
	u->addrlen = len;
	u->bound_next = bound;
	bound = u;
	return 0;
}

/* ---- life and death ---- */

static void usock_kill(struct usock *u, int embryo);

/* unix_release_sock: unbind, tell the peer (end of file, ECONNRESET if
 * data was left unread), drop the queues; consumes the owner's
 * reference. */
static void usock_kill(struct usock *u, int embryo)
{
	struct usock *p = u->peer, *e;

	unbind(u);
	u->dead = 1;
	u->state = US_CLOSE;
	u->shutdown = SHUTDOWN_MASK;
	if (p && (u->type == SOCK_STREAM || u->type == SOCK_SEQPACKET)) {
		p->shutdown = SHUTDOWN_MASK;
		if (u->rq_head || embryo)
			p->err = ECONNRESET;
		uwake(p, POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR);
	}
	u->peer = NULL;
	wake_up(&u->peer_wait, -1);
	while ((e = u->acc_head)) {
		u->acc_head = e->acc_next;
		u->nacc--;
		usock_kill(e, 1);
	}
	u->acc_tail = NULL;
	while (u->rq_head) {
		struct skb *b = u->rq_head;
		skb_unlink_head(u);
		skb_free(b);
	}
	usock_put(p);
	usock_put(u);
}

static void unix_release(struct socket *s)
{
	struct usock *u = s->priv;

	if (!u)
		return;
	s->priv = NULL;
	u->sock = NULL;
	usock_kill(u, 0);
}

/* A new socket with its usock: 0 or -ENOMEM. */
static int unix_new(int type, int protocol, struct socket **out)
{
	struct socket *s = sock_alloc(&unix_ops, type, protocol);
	struct usock *u;

	if (!s)
		return -ENOMEM;
	if (!(u = usock_new(type))) {
		fput(s->file);
		return -ENOMEM;
	}
	s->priv = u;
	u->sock = s;
	*out = s;
	return 0;
}

/* unix_create - socket(2) for AF_UNIX: protocol 0 or PF_UNIX
 * (-EPROTONOSUPPORT), SOCK_STREAM, SOCK_DGRAM (SOCK_RAW becomes one),
 * SOCK_SEQPACKET (else -ESOCKTNOSUPPORT). 0 or -errno; *out the socket. */
int unix_create(int type, int protocol, struct socket **out)
{
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_SEQPACKET:
		break;
	case SOCK_RAW:
		type = SOCK_DGRAM;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	return unix_new(type, protocol, out);
}

/* unix_socketpair - socketpair(2): two new sockets connected to each
 * other, with SO_PEERCRED of the caller. 0 or -errno. */
int unix_socketpair(int type, int protocol, struct socket **a, struct socket **b)
{
	struct usock *ua, *ub;
	int r;

	if ((r = unix_create(type, protocol, a)))
		return r;
	if ((r = unix_create(type, protocol, b))) {
		fput((*a)->file);
		return r;
	}
	ua = (*a)->priv;
	ub = (*b)->priv;
	ua->peer = ub;
	ub->peer = ua;
	ua->refs++;
	ub->refs++;
	ua->state = ub->state = US_CONNECTED;
	ua->peercred = ub->peercred = cred_now();
	return 0;
}

/* ---- connections ---- */

static int stream_connect(struct socket *s, const struct sockaddr_k *a, int len, int nonblock)
{
	struct usock *u = s->priv, *other, *e;
	uint64_t deadline = deadline_of(s->sndtimeo);
	int r;

	if ((r = validate(a, len)))
		return r;
	for (;;) {
		if ((r = find_other(a, len, u->type, &other)))
			return r;
		if (other->state != US_LISTEN || (other->shutdown & RCV_SHUTDOWN))
			return -ECONNREFUSED;
		if (other->nacc <= (unsigned)other->backlog)
			break;
		if (nonblock)
			return -EAGAIN;
		other->refs++;
		r = uwait(&other->peer_wait, deadline, "a connect to a full AF_UNIX listener");
		usock_put(other);
		if (r)
			return r;
	}
	if (u->state == US_CONNECTED)
		return -EISCONN;
	if (u->state != US_CLOSE)
		return -EINVAL;
	if (!(e = usock_new(u->type)))
		return -ENOMEM;
	e->state = US_CONNECTED;
	e->addr = other->addr;
	e->addrlen = other->addrlen;
	e->peercred = cred_now();
	e->peer = u;
	u->refs++;
	u->peer = e;
	e->refs++;
	u->state = US_CONNECTED;
	u->peercred = other->peercred;
	if (other->acc_tail)
		other->acc_tail->acc_next = e;
	else
		other->acc_head = e;
	other->acc_tail = e;
	other->nacc++;
	uwake(other, POLLIN | POLLRDNORM);
	return 0;
}

/* unix_may_send: other is not connected, or connected to u. */
static int may_send(struct usock *u, struct usock *other)
{
	return !other->peer || other->peer == u;
}

static int dgram_connect(struct socket *s, const struct sockaddr_k *a, int len)
{
	struct usock *u = s->priv, *other = NULL, *old = u->peer;
	int r;

	if (len < SUN_OFF)
		return -EINVAL;
	if (a->family != AF_UNSPEC) {
		if ((r = validate(a, len)) || (r = find_other(a, len, u->type, &other)))
			return r;
		if (!may_send(u, other))
			return -EPERM;
		other->refs++;
	}
	u->peer = other;
	u->state = other ? US_CONNECTED : US_CLOSE;
	usock_put(old);
	uwake(u, POLLOUT);
	return 0;
}

static int unix_connect(struct socket *s, const struct sockaddr_k *a, int len, int nonblock)
{
	if (s->type == SOCK_DGRAM)
		return dgram_connect(s, a, len);
	return stream_connect(s, a, len, nonblock);
}

static int unix_listen(struct socket *s, int backlog)
{
	struct usock *u = s->priv;

	if (u->type != SOCK_STREAM && u->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (!u->addrlen)
		return -EINVAL; /* no listening on an unbound socket */
	if (u->state != US_CLOSE && u->state != US_LISTEN)
		return -EINVAL;
	if (backlog > u->backlog)
		wake_up(&u->peer_wait, -1);
	u->backlog = backlog;
	u->state = US_LISTEN;
	u->peercred = cred_now();
	return 0;
}

static void name_of(struct usock *u, struct sockaddr_k *a, int *len)
{
	if (!u->addrlen) {
		a->family = AF_UNIX;
		a->data[0] = 0;
		*len = SUN_OFF;
		return;
	}
	memcpy(a, &u->addr, (size_t)u->addrlen);
	*len = u->addrlen;
}

static int unix_accept(struct socket *s, struct socket **newsock, struct sockaddr_k *a, int *len,
                       int nonblock)
{
	struct usock *u = s->priv, *e;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	struct socket *ns;
	int r;

	if (u->type != SOCK_STREAM && u->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (u->state != US_LISTEN)
		return -EINVAL;
	while (!(e = u->acc_head)) {
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s, deadline, "accept on an AF_UNIX socket")))
			return r;
		if (u->state != US_LISTEN)
			return -EINVAL;
	}
	if (!(ns = sock_alloc(&unix_ops, u->type, s->protocol)))
		return -ENOMEM;
	u->acc_head = e->acc_next;
	if (!u->acc_head)
		u->acc_tail = NULL;
	u->nacc--;
	e->acc_next = NULL;
	wake_up(&u->peer_wait, -1);
	ns->priv = e;
	e->sock = ns;
	if (a && e->peer) {
		name_of(e->peer, a, len);
	} else if (a) {
		a->family = AF_UNIX;
		*len = SUN_OFF;
	}
	*newsock = ns;
	return 0;
}

static int unix_getname(struct socket *s, struct sockaddr_k *a, int *len, int peer)
{
	struct usock *u = s->priv;

	if (peer) {
		if (!u->peer)
			return -ENOTCONN;
		u = u->peer;
	}
	name_of(u, a, len);
	return 0;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct usock *u = s->priv, *p = u->peer;
	unsigned mode, pmode = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = (unsigned)how + 1; /* SHUT_RD: RCV_SHUTDOWN, SHUT_WR: SEND_SHUTDOWN */
	u->shutdown |= mode;
	uwake(u, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	if (p && (u->type == SOCK_STREAM || u->type == SOCK_SEQPACKET)) {
		if (mode & RCV_SHUTDOWN)
			pmode |= SEND_SHUTDOWN;
		if (mode & SEND_SHUTDOWN)
			pmode |= RCV_SHUTDOWN;
		p->shutdown |= pmode;
		uwake(p, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	}
	return 0;
}

/* ---- ancillary data: SCM_RIGHTS ---- */

struct cmsghdr_k {
	uint64_t len;
	int32_t level, type;
};
#define CMSG_ALIGN(n) (((n) + 7) & ~7ull)

/* __scm_send: the files an SCM_RIGHTS message carries (referenced) into
 * *fpp and *nfp. 0, -EINVAL (a bad header, too many files, an unknown
 * SOL_SOCKET type), -EBADF, -EFAULT. */
static int scm_send(struct msghdr_k *m, struct file ***fpp, unsigned *nfp)
{
	uint64_t p = m->control, end = m->control + m->controllen;
	struct file **fp = NULL;
	unsigned n = 0;
	int r = 0;

	*fpp = NULL;
	*nfp = 0;
	if (!m->control || m->controllen < sizeof(struct cmsghdr_k))
		return 0;
	while (p + sizeof(struct cmsghdr_k) <= end) {
		struct cmsghdr_k h;
		if (copy_from_user(&h, p, sizeof(h))) {
			r = -EFAULT;
			break;
		}
		if (h.len < sizeof(h) || h.len > end - p) {
			r = -EINVAL;
			break;
		}
		if (h.level == SOL_SOCKET) {
			if (h.type == SCM_RIGHTS) {
				unsigned k = (unsigned)((h.len - sizeof(h)) / 4);
				if (n + k > SCM_MAX_FD) {
					r = -EINVAL;
					break;
				}
				if (!fp && k && !(fp = kmalloc(SCM_MAX_FD * sizeof(*fp)))) {
					r = -ENOMEM;
					break;
				}
				for (unsigned i = 0; i < k; i++) {
					int fd;
					if (copy_from_user(&fd, p + sizeof(h) + 4 * i, 4)) {
						r = -EFAULT;
						break;
					}
					if (!(fp[n] = fget(fd))) {
						r = -EBADF;
						break;
					}
					n++;
				}
				if (r)
					break;
			} else if (h.type != SCM_CREDS) {
				r = -EINVAL;
				break;
			}
		}
		p += CMSG_ALIGN(h.len);
	}
	if (r) {
		fp_put(fp, n);
		return r;
	}
	*fpp = fp;
	*nfp = n;
	return 0;
}

/* scm_detach_fds: install files fp[0..n) (references taken over) as new
 * descriptors and describe them in the program's control buffer; what
 * does not fit is closed and MSG_CTRUNC set. */
static void scm_recv(struct msghdr_k *m, struct file **fp, unsigned n, unsigned flags)
{
	size_t room = m->control ? m->controllen : 0;
	unsigned max = room > sizeof(struct cmsghdr_k) ? (unsigned)((room - 16) / 4) : 0, i;
	int fds[SCM_MAX_FD];

	for (i = 0; i < n && i < max; i++) {
		int fd = fd_install(fp[i], 0, (flags & MSG_CMSG_CLOEXEC) != 0);
		if (fd < 0) { /* EMFILE: fd_install dropped that reference */
			fp[i] = NULL;
			break;
		}
		fds[i] = fd;
	}
	for (unsigned j = i; j < n; j++)
		if (fp[j])
			fput(fp[j]);
	kfree(fp);
	if (i < n)
		m->flags |= MSG_CTRUNC;
	if (i) {
		struct cmsghdr_k h = {sizeof(h) + 4 * i, SOL_SOCKET, SCM_RIGHTS};
		if (copy_to_user(m->control, &h, sizeof(h)) ||
		    copy_to_user(m->control + sizeof(h), fds, 4 * i))
			m->flags |= MSG_CTRUNC;
		m->controllen = MIN(CMSG_ALIGN(h.len), room);
		m->flags |= MSG_K_CMSG;
	}
}

/* The files of a message for a receiver: taken from it, or, with
 * MSG_PEEK, referenced again (Linux installs them on a peek too). */
static void scm_take(struct msghdr_k *m, struct skb *b, unsigned flags)
{
	struct file **fp = b->fp;

	if (!fp)
		return;
	if (flags & MSG_PEEK) {
		if (!(fp = kmalloc(b->nfp * sizeof(*fp))))
			return;
		for (unsigned i = 0; i < b->nfp; i++)
			(fp[i] = b->fp[i])->refs++;
	} else {
		b->fp = NULL;
	}
	scm_recv(m, fp, b->nfp, flags);
}

/* ---- data ---- */

static long stream_sendmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct usock *u = s->priv, *other = u->peer;
	uint64_t deadline = deadline_of(s->sndtimeo);
	struct file **fp;
	unsigned nfp;
	size_t sent = 0;
	int r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen)
		return u->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (!other)
		return -ENOTCONN;
	if ((r = scm_send(m, &fp, &nfp)))
		return r;
	if (u->shutdown & SEND_SHUTDOWN) {
		r = -EPIPE;
		goto out;
	}
	while (sent < m->len) {
		size_t chunk = MIN(m->len - sent, (size_t)u->sndbuf / 2 - 64);
		struct skb *b;
		while (u->wmem >= (size_t)u->sndbuf) {
			if (u->shutdown & SEND_SHUTDOWN) {
				r = -EPIPE;
				goto out;
			}
			if (nonblock) {
				r = -EAGAIN;
				goto out;
			}
			if ((r = sock_wait(s, deadline, "a write to a full AF_UNIX socket")))
				goto out;
		}
		other = u->peer;
		if (!other || other->dead || (other->shutdown & RCV_SHUTDOWN)) {
			r = -EPIPE;
			goto out;
		}
		if (!(b = skb_make(u, m, sent, chunk, &r)))
			goto out;
		b->fp = fp;
		b->nfp = nfp;
		fp = NULL;
		nfp = 0;
		skb_queue(other, b);
		sent += chunk;
	}
	r = 0;
out:
	if (fp)
		fp_put(fp, nfp);
	return sent ? (long)sent : r;
}

/* unix_stream_read_generic: read across queued pieces; MSG_PEEK leaves
 * them; MSG_WAITALL waits for all; ends after a piece with files. */
static long stream_recvmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct usock *u = s->priv;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	size_t copied = 0, target = (flags & MSG_WAITALL) ? m->len : 1;
	int r = 0, named = 0;

	if (u->state != US_CONNECTED)
		return -EINVAL;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (!target)
		target = 1;
	while (copied < m->len) {
		struct skb *b = u->rq_head;
		size_t skip = 0, chunk;
		int files;
		if (flags & MSG_PEEK) { /* find the piece at offset `copied` */
			skip = copied;
			while (b && skip >= b->len - b->off) {
				skip -= b->len - b->off;
				b = b->next;
			}
		}
		if (!b) {
			if (copied >= target)
				break;
			if (u->err) {
				r = -u->err;
				u->err = 0;
				break;
			}
			if (u->shutdown & RCV_SHUTDOWN)
				break;
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			if ((r = sock_wait(s, deadline, "a read from an AF_UNIX stream socket")))
				break;
			continue;
		}
		if (!named) {
			name_of(b->sender, &m->name, &m->namelen);
			if (!b->sender->addrlen)
				m->namelen = 0;
			named = 1;
		}
		chunk = MIN(b->len - b->off - skip, m->len - copied);
		if (msg_copy_to(m, copied, b->data + b->off + skip, chunk)) {
			r = -EFAULT;
			break;
		}
		copied += chunk;
		files = b->fp != NULL;
		scm_take(m, b, flags);
		if (!(flags & MSG_PEEK)) {
			b->off += chunk;
			u->rq_bytes -= chunk;
			if (b->off == b->len) {
				skb_unlink_head(u);
				skb_free(b);
			}
		}
		if (files)
			break;
	}
	return copied ? (long)copied : r;
}

static long dgram_sendmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct usock *u = s->priv, *other = NULL;
	uint64_t deadline = deadline_of(s->sndtimeo);
	int seq = u->type == SOCK_SEQPACKET, named = m->namelen != 0, r;
	struct file **fp = NULL;
	struct skb *b;
	unsigned nfp = 0;

	if (seq) {
		if (u->err) {
			r = -u->err;
			u->err = 0;
			return r;
		}
		if (u->state != US_CONNECTED)
			return -ENOTCONN;
		named = 0;
	}
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (named) {
		if ((r = validate(&m->name, m->namelen)))
			return r;
	} else if (!(other = u->peer)) {
		return -ENOTCONN;
	}
	if (m->len > (size_t)u->sndbuf - 32)
		return -EMSGSIZE;
	if ((r = scm_send(m, &fp, &nfp)))
		return r;
	for (;;) {
		while (u->wmem >= (size_t)u->sndbuf) {
			if (nonblock) {
				r = -EAGAIN;
				goto out;
			}
			if ((r = sock_wait(s, deadline, "a send on a full AF_UNIX socket")))
				goto out;
		}
		if (u->shutdown & SEND_SHUTDOWN) {
			r = -EPIPE;
			goto out;
		}
		if (!other) {
			r = -ECONNRESET;
			if (!named)
				goto out;
			if ((r = find_other(&m->name, m->namelen, u->type, &other)))
				goto out;
		}
		if (!may_send(u, other)) {
			r = -EPERM;
			goto out;
		}
		if (other->dead) {
			if (seq) {
				r = -EPIPE;
				goto out;
			}
			if (u->peer == other) {
				u->peer = NULL;
				u->state = US_CLOSE;
				usock_put(other);
				r = -ECONNREFUSED;
				goto out;
			}
			other = NULL;
			continue;
		}
		if (other->shutdown & RCV_SHUTDOWN) {
			r = -EPIPE;
			goto out;
		}
		if (other != u && other->peer != u && other->rq_len > MAX_DGRAM_QLEN) {
			if (nonblock) {
				r = -EAGAIN;
				goto out;
			}
			other->refs++;
			r = uwait(&other->peer_wait, deadline, "a send to a full AF_UNIX socket");
			usock_put(other);
			if (r)
				goto out;
			if (named)
				other = NULL;
			else
				other = u->peer;
			continue;
		}
		break;
	}
	if (!(b = skb_make(u, m, 0, m->len, &r)))
		goto out;
	b->fp = fp;
	b->nfp = nfp;
	skb_queue(other, b);
	return (long)m->len;
out:
	fp_put(fp, nfp);
	return r;
}

static long dgram_recvmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct usock *u = s->priv;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	struct skb *b;
	size_t size = m->len;
	int r;

	if (u->type == SOCK_SEQPACKET && u->state != US_CONNECTED)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	while (!(b = u->rq_head)) {
		if (u->err) {
			r = -u->err;
			u->err = 0;
			return r;
		}
		if (u->shutdown & RCV_SHUTDOWN)
			return nonblock && u->type != SOCK_SEQPACKET ? -EAGAIN : 0;
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s, deadline, "a receive on an AF_UNIX socket")))
			return r;
	}
	wake_up(&u->peer_wait, -1);
	name_of(b->sender, &m->name, &m->namelen);
	if (!b->sender->addrlen)
		m->namelen = 0;
	if (size > b->len)
		size = b->len;
	else if (size < b->len)
		m->flags |= MSG_TRUNC;
	if (size && msg_copy_to(m, 0, b->data, size))
		return -EFAULT;
	scm_take(m, b, flags);
	r = (int)((flags & MSG_TRUNC) ? b->len : size);
	if (!(flags & MSG_PEEK)) {
		skb_unlink_head(u);
		skb_free(b);
	}
	return r;
}

static long unix_sendmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	if (s->type == SOCK_STREAM)
		return stream_sendmsg(s, m, flags, nonblock);
	return dgram_sendmsg(s, m, flags, nonblock);
}

static long unix_recvmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	long r;

	if (!m->control)
		m->controllen = 0;
	if (s->type == SOCK_STREAM)
		r = stream_recvmsg(s, m, flags, nonblock);
	else
		r = dgram_recvmsg(s, m, flags, nonblock);
	if (!(m->flags & MSG_K_CMSG))
		m->controllen = 0; /* no control message written */
	m->flags &= ~MSG_K_CMSG;
	return r;
}

/* ---- readiness, ioctl, options ---- */

static int writable(struct usock *u)
{
	return u->state != US_LISTEN && u->wmem * 4 <= (size_t)u->sndbuf;
}

static unsigned unix_poll(struct socket *s)
{
	struct usock *u = s->priv;
	unsigned mask = 0;

	if (u->err)
		mask |= POLLERR;
	if (u->shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->rq_head || u->acc_head)
		mask |= POLLIN | POLLRDNORM;
	if (u->type == SOCK_DGRAM) {
		struct usock *o = u->peer;
		if (writable(u) && !(o && o->peer != u && o != u && o->rq_len > MAX_DGRAM_QLEN))
			mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
		return mask;
	}
	if (u->state == US_CLOSE)
		mask |= POLLHUP;
	if (writable(u))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static long unix_ioctl(struct socket *s, unsigned cmd, uint64_t arg)
{
	struct usock *u = s->priv;
	int v;

	switch (cmd) {
	case SIOCINQ:
		if (u->state == US_LISTEN)
			return -EINVAL;
		if (u->type == SOCK_DGRAM)
			v = u->rq_head ? (int)u->rq_head->len : 0;
		else
			v = (int)MIN(u->rq_bytes, 0x7fffffffu);
		break;
	case SIOCOUTQ:
		v = (int)u->wmem;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user(arg, &v, sizeof(v));
}

static int unix_setsockopt(struct socket *s, int level, int name, uint64_t optval, unsigned optlen)
{
	struct usock *u = s->priv;
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_user(&v, optval, sizeof(v)))
		return -EFAULT;
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		v = (unsigned)v > WMEM_DEFAULT ? WMEM_DEFAULT : v;
		u->sndbuf = MAX(v * 2, SNDBUF_MIN);
		uwake(u, POLLOUT);
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		v = (unsigned)v > WMEM_DEFAULT ? WMEM_DEFAULT : v;
		u->rcvbuf = MAX(v * 2, RCVBUF_MIN);
		return 0;
	case SO_LINGER:
		if (optlen < sizeof(u->linger))
			return -EINVAL;
		if (copy_from_user(u->linger, optval, sizeof(u->linger)))
			return -EFAULT;
		u->linger[0] = u->linger[0] != 0;
		return 0;
	case SO_RCVLOWAT:
		u->opt[name] = v < 0 ? 0x7fffffff : v;
		return 0;
	case SO_PRIORITY:
		u->opt[name] = v;
		return 0;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_NO_CHECK:
	case SO_REUSEPORT:
	case SO_PASSCRED:
		u->opt[name] = v != 0;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int unix_getsockopt(struct socket *s, int level, int name, uint64_t optval, uint64_t uoptlen)
{
	struct usock *u = s->priv;
	int len, v, lv = sizeof(int);
	const void *p = &v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (copy_from_user(&len, uoptlen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	switch (name) {
	case SO_SNDBUF:
		v = u->sndbuf;
		break;
	case SO_RCVBUF:
		v = u->rcvbuf;
		break;
	case SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case SO_RCVLOWAT:
		v = u->opt[name] ? u->opt[name] : 1;
		break;
	case SO_SNDLOWAT:
		v = 1;
		break;
	case SO_LINGER:
		p = u->linger;
		lv = sizeof(u->linger);
		break;
	case SO_PEERCRED:
		p = &u->peercred;
		lv = sizeof(u->peercred);
		break;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_NO_CHECK:
	case SO_REUSEPORT:
	case SO_PASSCRED:
	case SO_PRIORITY:
		v = u->opt[name];
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (len > lv)
		len = lv;
	if (copy_to_user(optval, p, (size_t)len) || copy_to_user(uoptlen, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

static const struct proto_ops unix_ops = {
    .family = AF_UNIX,
    .release = unix_release,
    .bind = unix_bind,
    .connect = unix_connect,
    .listen = unix_listen,
    .accept = unix_accept,
    .getname = unix_getname,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .setsockopt = unix_setsockopt,
    .getsockopt = unix_getsockopt,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
};
