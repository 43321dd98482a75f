/*
 * AF_INET and AF_INET6 sockets: TCP (SOCK_STREAM) and UDP (SOCK_DGRAM)
 * over lwIP's raw API, with Linux's semantics (socket(7), ip(7), ipv6(7),
 * tcp(7), udp(7)).
 *
 * Design. Each socket owns an inet_sock (socket->priv) and at most one
 * lwIP pcb (is->tcp or is->udp). Everything runs under the kernel lock,
 * which is lwIP's core lock, so system calls call lwIP directly and
 * lwIP's callbacks (from a driver's interrupt or tcpip_thread) change the
 * inet_sock directly; a callback that changes readiness calls
 * sock_wake(), and a waiting system call sleeps in sock_wait() and looks
 * at the state again.
 *
 * TCP:
 * - receiving: the recv callback appends lwIP's pbufs to rx_head..rx_tail
 *   (linked through pbuf->next, one pbuf at a time; only ->len counts, the
 *   chains' tot_len are not kept), and recvmsg copies out of them once,
 *   straight to the program, then calls tcp_recved() so the window
 *   reopens as the program reads. Data left unread at close makes lwIP
 *   send a RST, as Linux does.
 * - sending: tcp_write(TCP_WRITE_FLAG_COPY) copies straight from the
 *   program's buffers (faulted in first and read through the kernel's
 *   map of RAM, msg_span) into lwIP's segments: one copy. A writer that finds the send buffer
 *   full sets want_out; the sent callback wakes it (and pollers) once a
 *   quarter of the buffer is free again, not on every ACK.
 * - listening: tcp_listen_with_backlog replaces the pcb. The accept
 *   callback makes an inet_sock for the new connection (sock == NULL) and
 *   queues it on the listener (aq_head); it already receives data, which
 *   waits in its own queue. accept() wraps it in a socket. The accept
 *   queue is bounded by the backlog: a queued connection counts against
 *   it (tcp_backlog_delayed) until accept() takes it.
 * - the err callback runs after lwIP freed the pcb: it clears is->tcp
 *   and records the error (SO_ERROR). lwIP frees TIME_WAIT pcbs without a
 *   callback, so once both FINs have passed the socket lets go of its
 *   pcb (tcp_detach) and lwIP finishes the close alone.
 *
 * UDP: the recv callback queues each datagram with its source address
 * (dq_head..dq_tail), dropping it when the queue holds more than
 * SO_RCVBUF; recvmsg takes one datagram per call. sendmsg copies the
 * data once, into a pbuf that udp_sendto sends.
 *
 * Dual stack: an AF_INET6 socket's pcb is of lwIP's IPADDR_TYPE_ANY
 * unless IPV6_V6ONLY, so it talks IPv4 too; IPv4 addresses are shown to
 * it as v4-mapped IPv6 addresses (::ffff:a.b.c.d), and v4-mapped
 * addresses it is given are used as IPv4 addresses.
 */
#include <errno.h>
#include <kernel.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

/* Linux errno values the kernel's errno.h may not have yet. */
#ifndef EDESTADDRREQ
#define EDESTADDRREQ 89
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT 92
#endif
#ifndef EADDRINUSE
#define EADDRINUSE 98
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL 99
#endif
#ifndef ENETUNREACH
#define ENETUNREACH 101
#endif
#ifndef ECONNABORTED
#define ECONNABORTED 103
#endif
#ifndef ECONNRESET
#define ECONNRESET 104
#endif
#ifndef ENOBUFS
#define ENOBUFS 105
#endif
#ifndef EISCONN
#define EISCONN 106
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH 113
#endif
#ifndef EALREADY
#define EALREADY 114
#endif
#ifndef EINPROGRESS
#define EINPROGRESS 115
#endif

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif
#ifndef MSG_ERRQUEUE
#define MSG_ERRQUEUE 0x2000
#endif
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCATMARK
#define SIOCATMARK 0x8905
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ 0x5411
#endif

/* Option levels and names (Linux's asm-generic/socket.h, in.h, in6.h, tcp.h). */
#define SOL_SOCKET        1
#define IPPROTO_IP        0
#define IPPROTO_TCP       6
#define IPPROTO_UDP       17
#define IPPROTO_IPV6      41
#define SO_REUSEADDR      2
#define SO_ERROR          4
#define SO_DONTROUTE      5
#define SO_BROADCAST      6
#define SO_SNDBUF         7
#define SO_RCVBUF         8
#define SO_KEEPALIVE      9
#define SO_OOBINLINE      10
#define SO_PRIORITY       12
#define SO_LINGER         13
#define SO_REUSEPORT      15
#define SO_RCVLOWAT       18
#define SO_SNDBUFFORCE    32
#define SO_RCVBUFFORCE    33
#define IP_TOS            1
#define IP_TTL            2
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY       26
#define IPV6_TCLASS       67
#define TCP_NODELAY       1
#define TCP_MAXSEG        2
#define TCP_CORK          3
#define TCP_KEEPIDLE      4
#define TCP_KEEPINTVL     5
#define TCP_KEEPCNT       6
#define TCP_INFO          11
#define TCP_QUICKACK      12

/* Linux's defaults and limits (net.core.*mem_*, net.ipv4.tcp_*mem). */
#define UDP_MEM_DEFAULT  212992
#define TCP_RMEM_DEFAULT 131072
#define TCP_WMEM_DEFAULT 16384
#define SOCK_MEM_MAX     212992 /* rmem_max, wmem_max */
#define SOCK_MIN_RCVBUF  2304
#define SOCK_MIN_SNDBUF  4608
#define DGRAM_OVERHEAD   256 /* what a queued datagram costs beyond its data */
#define UDP4_MAX_PAYLOAD 65507
#define UDP6_MAX_PAYLOAD (0xffff - 40 - 8) /* lwIP's pbufs hold at most 64 KiB - 1 */

struct sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port; /* network order */
	uint32_t sin_addr; /* network order */
	uint8_t sin_zero[8];
};

struct sockaddr_in6 {
	uint16_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
};
#define SIN6_LEN_RFC2133 24 /* the size before sin6_scope_id, which Linux accepts */

struct linger_k {
	int l_onoff;
	int l_linger; /* seconds */
};

enum inet_state {
	INET_UNCONN,     /* new, or after a failed connect or a disconnect */
	INET_CONNECTING, /* TCP: SYN sent */
	INET_CONNECTED,  /* TCP: established; UDP: has a default peer */
	INET_LISTEN,
	INET_CLOSED, /* TCP: was connected (or connecting); the pcb is gone */
};

/* One received UDP datagram. */
struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
};

struct inet_sock {
	struct socket *sock; /* NULL while queued on a listener */
	int family;          /* AF_INET or AF_INET6 */
	int type;            /* SOCK_STREAM or SOCK_DGRAM */
	enum inet_state state;
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	int err;              /* pending error for SO_ERROR, a positive errno */
	int shut_rd, shut_wr; /* shutdown(2) was called for that direction */
	int fin_sent;         /* lwIP queued our FIN */
	int fin;              /* the peer's FIN arrived */
	int failed_connect;   /* INET_CLOSED came from a connect that failed */
	int connect_report;   /* connect(2) said EINPROGRESS: the next one reports */
	int want_out;         /* someone found the send buffer full */
	int bound;            /* the pcb has a port (bind(2) or an automatic bind) */
	int user_bound;       /* bind(2) chose bind_ip:bind_port: a new pcb takes it */
	ip_addr_t bind_ip;
	u16_t bind_port;
	/* addresses, kept for when the pcb is gone */
	ip_addr_t lip, rip;
	u16_t lport, rport;
	/* TCP receive queue */
	struct pbuf *rx_head, *rx_tail;
	u16_t rx_off; /* bytes of rx_head already read */
	size_t rx_len;
	/* listener: connections not accepted yet */
	struct inet_sock *aq_head, *aq_tail, *aq_next;
	unsigned aq_len;
	/* UDP receive queue */
	struct dgram *dq_head, *dq_tail;
	size_t dq_bytes;
	/* options */
	int rcvbuf, sndbuf;
	int reuseaddr, reuseport, keepalive, broadcast, v6only, nodelay, cork, oobinline;
	int priority, dontroute, rcvlowat;
	struct linger_k linger;
	int tos, ttl, hops, tclass, maxseg;
	int keepidle, keepintvl, keepcnt; /* seconds, seconds, probes */
};

static const struct proto_ops inet_ops, inet6_ops;

/* --- helpers --- */

static void inet_wake(struct inet_sock *is, unsigned events)
{
	if (is->sock)
		sock_wake(is->sock, events);
}

/* A positive Linux errno for an lwIP error. */
static int inet_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return ENOMEM;
	case ERR_BUF:
		return ENOBUFS;
	case ERR_TIMEOUT:
		return ETIMEDOUT;
	case ERR_RTE:
		return ENETUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
		return ENOTCONN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	case ERR_CLSD:
		return ENOTCONN;
	case ERR_IF:
		return EHOSTUNREACH;
	default:
		return EINVAL;
	}
}

/* The deadline for a wait that may start now: SO_RCVTIMEO / SO_SNDTIMEO. */
static uint64_t inet_deadline(uint64_t timeo)
{
	return timeo ? time_monotonic_ns() + timeo : 0;
}

/*
 * inet_wait - sock_wait() for an inet socket: while a network device
 * connects the guest to the outside (net_external), a wait without a
 * deadline may be ended from there, so it is no deadlock (as stdin).
 */
static int inet_wait(struct socket *s, uint64_t deadline, const char *what)
{
	unsigned external = net_external && !deadline;
	int r;

	sched_external_waits += external;
	r = sock_wait(s, deadline, what);
	sched_external_waits -= external;
	return r;
}

/* A TCP pcb may take more data without a tiny write: a quarter of the
 * send buffer free, and room in the segment queue. */
static int tcp_writable(struct tcp_pcb *pcb)
{
	return tcp_sndbuf(pcb) >= TCP_SND_BUF / 4 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN / 2;
}

/* --- addresses --- */

/* Is `ip` an address of this host (a netif's, or 127/8)? */
static int inet_addr_local(const ip_addr_t *ip)
{
	struct netif *n;

	if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip)))
		return 1;
	NETIF_FOREACH(n)
	{
		if (IP_IS_V6(ip) && netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return 1;
		if (IP_IS_V4(ip) && ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
			return 1;
	}
	return 0;
}

/*
 * inet_addr_in - the lwIP address and port (host order) of the sockaddr
 * `a` (len bytes) given to socket `is`. v4-mapped IPv6 addresses become
 * IPv4 ones, unless the socket is IPV6_V6ONLY (-EINVAL for bind,
 * -ENETUNREACH otherwise); in6addr_any becomes lwIP's IPADDR_TYPE_ANY
 * for a dual-stack socket. `v4ok`: an AF_INET6 socket takes AF_INET
 * addresses (UDP connect and sendto do). -EINVAL for a short address,
 * -EAFNOSUPPORT for a wrong family.
 */
static int inet_addr_in(struct inet_sock *is, const struct sockaddr_k *a, int len, int v4ok,
                        int bind, ip_addr_t *ip, u16_t *port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	/* Linux checks the length before the family. */
	if (len < (int)sizeof(a->family))
		return -EINVAL;
	if (is->family == AF_INET || (v4ok && a->family == AF_INET)) {
		if (len < (int)sizeof(sin))
			return -EINVAL;
		if (a->family != AF_INET)
			return -EAFNOSUPPORT;
		if (is->family == AF_INET6 && is->v6only)
			return -ENETUNREACH;
		memcpy(&sin, a, sizeof(sin));
		ip_addr_set_ip4_u32_val(*ip, sin.sin_addr);
		*port = lwip_ntohs(sin.sin_port);
		return 0;
	}
	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (a->family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&sin6, 0, sizeof(sin6));
	memcpy(&sin6, a, MIN((size_t)len, sizeof(sin6)));
	*port = lwip_ntohs(sin6.sin6_port);
	memset(ip, 0, sizeof(*ip));
	IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(ip)->addr, sin6.sin6_addr, 16);
	if (ip6_addr_isipv4mappedipv6(ip_2_ip6(ip))) {
		u32_t v4 = ip_2_ip6(ip)->addr[3];
		if (is->v6only)
			return bind ? -EINVAL : -ENETUNREACH;
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	if (ip6_addr_isany(ip_2_ip6(ip))) {
		if (!is->v6only)
			*ip = *IP_ANY_TYPE;
		return 0;
	}
	if (sin6.sin6_scope_id && ip6_addr_lacks_zone(ip_2_ip6(ip), IP6_UNICAST))
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)sin6.sin6_scope_id);
	return 0;
}

/* inet_addr_out - the sockaddr of family `family` for ip:port in *a and
 * its size in *len; IPv4 addresses are v4-mapped for AF_INET6. */
static void inet_addr_out(int family, const ip_addr_t *ip, u16_t port, struct sockaddr_k *a,
                          int *len)
{
	if (family == AF_INET) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = lwip_htons(port)};
		if (IP_IS_V4_VAL(*ip))
			sin.sin_addr = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(a, &sin, sizeof(sin));
		*len = sizeof(sin);
		return;
	}
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = lwip_htons(port)};
	if (IP_IS_V6_VAL(*ip)) {
		memcpy(sin6.sin6_addr, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_has_zone(ip_2_ip6(ip)))
			sin6.sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	} else if (IP_IS_V4_VAL(*ip)) {
		u32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		sin6.sin6_addr[10] = sin6.sin6_addr[11] = 0xff;
		memcpy(&sin6.sin6_addr[12], &v4, 4);
	} /* IPADDR_TYPE_ANY: :: */
	memcpy(a, &sin6, sizeof(sin6));
	*len = sizeof(sin6);
}

/* Copy the pcb's addresses to is (getsockname/getpeername read them). */
static void inet_names_sync(struct inet_sock *is)
{
	if (is->tcp) {
		ip_addr_copy(is->lip, is->tcp->local_ip);
		is->lport = is->tcp->local_port;
		if (is->state != INET_LISTEN) {
			ip_addr_copy(is->rip, is->tcp->remote_ip);
			is->rport = is->tcp->remote_port;
		}
	} else if (is->udp) {
		ip_addr_copy(is->lip, is->udp->local_ip);
		is->lport = is->udp->local_port;
		ip_addr_copy(is->rip, is->udp->remote_ip);
		is->rport = is->udp->remote_port;
	}
}

/* --- TCP: lwIP callbacks --- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);

static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	is->tcp = pcb;
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* tcp_detach - let go of the pcb: lwIP finishes with it alone (its data
 * and FIN callbacks fall back to lwIP's defaults). */
static struct tcp_pcb *tcp_detach(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->tcp;

	if (!pcb)
		return NULL;
	inet_names_sync(is);
	tcp_arg(pcb, NULL);
	if (is->state == INET_LISTEN) {
		tcp_accept(pcb, NULL);
	} else {
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	is->tcp = NULL;
	return pcb;
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;
	struct pbuf *last;

	(void)pcb, (void)err;
	if (!p) {
		is->fin = 1;
		if (is->fin_sent) {
			/* Both FINs have passed: TIME_WAIT or CLOSING, which lwIP
			 * ends without telling us. Linux's socket is closed too. */
			tcp_detach(is);
			is->state = INET_CLOSED;
		}
		inet_wake(is, POLLIN | POLLRDNORM | POLLRDHUP | (is->fin_sent ? POLLHUP : 0));
		return ERR_OK;
	}
	for (last = p; last->next; last = last->next)
		;
	if (is->rx_tail)
		is->rx_tail->next = p;
	else
		is->rx_head = p;
	is->rx_tail = last;
	is->rx_len += p->tot_len;
	inet_wake(is, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *is = arg;
	/* Wake once the buffer crosses back to writable: for whoever found
	 * it full (want_out), and for edge-triggered epoll, which may not
	 * have asked. */
	int crossed = pcb->snd_buf - len < TCP_SND_BUF / 4;

	if ((is->want_out || crossed) && tcp_writable(pcb)) {
		is->want_out = 0;
		inet_wake(is, POLLOUT | POLLWRNORM);
	}
	return ERR_OK;
}

/* The pcb is already freed when this runs (tcp_abandon, tcp_input). */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;

	is->tcp = NULL;
	switch (err) {
	case ERR_RST:
		is->err = is->state == INET_CONNECTING ? ECONNREFUSED : ECONNRESET;
		break;
	case ERR_ABRT: /* lwIP's timers gave up: retransmissions, keepalive, SYN */
		is->err = ETIMEDOUT;
		break;
	case ERR_CLSD: /* an orderly close completed */
		break;
	default:
		is->err = ECONNABORTED;
		break;
	}
	is->failed_connect = is->state == INET_CONNECTING;
	is->state = INET_CLOSED;
	is->bound = 0;
	inet_wake(is, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	(void)pcb, (void)err;
	is->state = INET_CONNECTED;
	inet_names_sync(is);
	inet_wake(is, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

/* Apply the socket's options to a TCP pcb. */
static void tcp_apply_opts(struct inet_sock *is, struct tcp_pcb *pcb)
{
	if (is->reuseaddr || is->reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	if (is->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	if (is->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
	pcb->keep_idle = (u32_t)is->keepidle * 1000;
	pcb->keep_intvl = (u32_t)is->keepintvl * 1000;
	pcb->keep_cnt = (u32_t)is->keepcnt;
	pcb->tos = (u8_t)is->tos;
	if (is->ttl > 0)
		pcb->ttl = (u8_t)is->ttl;
}

static struct inet_sock *inet_sock_new(int family, int type)
{
	struct inet_sock *is = kmalloc(sizeof(*is));

	if (!is)
		return NULL;
	is->family = family;
	is->type = type;
	is->state = INET_UNCONN;
	if (type == SOCK_STREAM) {
		is->rcvbuf = TCP_RMEM_DEFAULT;
		is->sndbuf = TCP_WMEM_DEFAULT;
	} else {
		is->rcvbuf = UDP_MEM_DEFAULT;
		is->sndbuf = UDP_MEM_DEFAULT;
	}
	is->ttl = -1;
	is->hops = -1;
	is->maxseg = 0;
	is->keepidle = 7200;
	is->keepintvl = 75;
	is->keepcnt = 9;
	return is;
}

/* The socket's TCP pcb, made if it has none (a new socket, or one whose
 * connection failed): NULL if out of memory. */
static struct tcp_pcb *tcp_pcb_get(struct inet_sock *is)
{
	struct tcp_pcb *pcb;

	if (is->tcp)
		return is->tcp;
	pcb = tcp_new_ip_type(is->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
	if (!pcb)
		return NULL;
	tcp_apply_opts(is, pcb);
	tcp_attach(is, pcb);
	/* A connection that failed or was dissolved keeps its bind(2). */
	is->bound = is->user_bound && tcp_bind(pcb, &is->bind_ip, is->bind_port) == ERR_OK;
	return pcb;
}

/* Free the TCP receive queue (without tcp_recved: a close then resets,
 * as Linux does with unread data). */
static void tcp_rx_free(struct inet_sock *is)
{
	while (is->rx_head) {
		struct pbuf *p = is->rx_head;
		is->rx_head = p->next;
		p->next = NULL;
		pbuf_free(p);
	}
	is->rx_tail = NULL;
	is->rx_len = 0;
	is->rx_off = 0;
}

/* Abort a connection (RST) and free its inet_sock's queues. */
static void tcp_abort_sock(struct inet_sock *is)
{
	struct tcp_pcb *pcb = tcp_detach(is);

	if (pcb)
		tcp_abort(pcb);
	tcp_rx_free(is);
}

/* --- TCP: accepting --- */

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *ls = arg, *is;

	if (!newpcb || err != ERR_OK)
		return ERR_VAL;
	is = inet_sock_new(ls->family, SOCK_STREAM);
	if (!is)
		return ERR_MEM; /* lwIP aborts the connection */
	/* Options a connection inherits from its listener (Linux copies the
	 * socket). */
	is->rcvbuf = ls->rcvbuf, is->sndbuf = ls->sndbuf;
	is->keepalive = ls->keepalive, is->nodelay = ls->nodelay, is->linger = ls->linger;
	is->keepidle = ls->keepidle, is->keepintvl = ls->keepintvl, is->keepcnt = ls->keepcnt;
	is->tos = ls->tos, is->ttl = ls->ttl, is->v6only = ls->v6only, is->bound = 1;
	is->state = INET_CONNECTED;
	tcp_apply_opts(is, newpcb);
	tcp_attach(is, newpcb);
	inet_names_sync(is);
	tcp_backlog_delayed(newpcb);
	if (ls->aq_tail)
		ls->aq_tail->aq_next = is;
	else
		ls->aq_head = is;
	ls->aq_tail = is;
	ls->aq_len++;
	inet_wake(ls, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static int inet_accept(struct socket *s, struct socket **newsock, struct sockaddr_k *a, int *len,
                       int nonblock)
{
	struct inet_sock *ls = s->priv, *is;
	uint64_t deadline = 0;
	struct socket *ns;
	int r;

	if (ls->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	while (!ls->aq_head) {
		if (ls->state != INET_LISTEN)
			return -EINVAL;
		if (nonblock)
			return -EAGAIN;
		if (!deadline)
			deadline = inet_deadline(s->rcvtimeo);
		r = inet_wait(s, deadline, "accept");
		if (r)
			return r;
	}
	ns = sock_alloc(s->ops, SOCK_STREAM, IPPROTO_TCP);
	if (!ns)
		return -ENOMEM;
	is = ls->aq_head;
	ls->aq_head = is->aq_next;
	if (!ls->aq_head)
		ls->aq_tail = NULL;
	ls->aq_len--;
	is->aq_next = NULL;
	if (is->tcp)
		tcp_backlog_accepted(is->tcp);
	is->sock = ns;
	ns->priv = is;
	net_sockets++;
	if (a)
		inet_addr_out(is->family, &is->rip, is->rport, a, len);
	*newsock = ns;
	return 0;
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet_sock *is = s->priv;
	struct tcp_pcb *pcb, *lpcb;
	err_t e = ERR_OK;
	u8_t bl;

	if (is->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	/* Linux's accept queue holds backlog + 1 (sk_acceptq_is_full). */
	if (backlog < 0 || backlog > 4096)
		backlog = 4096;
	bl = (u8_t)MIN(backlog + 1, 255);
	if (is->state == INET_LISTEN) {
		tcp_backlog_set(is->tcp, bl);
		return 0;
	}
	if (is->state != INET_UNCONN)
		return -EINVAL;
	pcb = tcp_pcb_get(is);
	if (!pcb)
		return -ENOMEM;
	if (!is->bound) {
		e = tcp_bind(pcb,
		             is->family == AF_INET6 && is->v6only
		                 ? IP6_ADDR_ANY
		                 : (is->family == AF_INET ? IP4_ADDR_ANY : IP_ANY_TYPE),
		             0);
		if (e != ERR_OK)
			return e == ERR_BUF ? -EADDRINUSE : -inet_errno(e);
		is->bound = 1;
	}
	lpcb = tcp_listen_with_backlog_and_err(pcb, bl, &e);
	if (!lpcb)
		return -inet_errno(e);
	/* lwIP freed pcb; the listening pcb has its arg. */
	is->tcp = lpcb;
	is->state = INET_LISTEN;
	s->listening = 1;
	tcp_accept(lpcb, tcp_accept_cb);
	inet_names_sync(is);
	return 0;
}

/* --- binding --- */

/* Does a listening TCP pcb hold port on an overlapping address? (Linux
 * refuses such a bind even with SO_REUSEADDR; lwIP would let it pass and
 * fail listen() instead.) */
static int tcp_port_listened(const ip_addr_t *ip, u16_t port)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		if (l->local_port != port)
			continue;
		if ((IP_IS_V4_VAL(l->local_ip) && IP_IS_V6(ip)) ||
		    (IP_IS_V6_VAL(l->local_ip) && IP_IS_V4(ip) && !IP_IS_ANY_TYPE_VAL(*ip)))
			continue; /* IPv4 and IPv6-only: disjoint */
		if (ip_addr_isany(&l->local_ip) || ip_addr_isany(ip) ||
		    ip_addr_cmp(&l->local_ip, ip))
			return 1;
	}
	return 0;
}

static int inet_bind(struct socket *s, const struct sockaddr_k *a, int len)
{
	struct inet_sock *is = s->priv;
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (is->family == AF_INET && len >= 2 && a->family == AF_UNSPEC) {
		/* Linux takes AF_UNSPEC as AF_INET when the address is INADDR_ANY. */
		struct sockaddr_in sin;
		if (len < (int)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, a, sizeof(sin));
		if (sin.sin_addr != 0)
			return -EAFNOSUPPORT;
		ip = *IP4_ADDR_ANY;
		port = lwip_ntohs(sin.sin_port);
	} else {
		r = inet_addr_in(is, a, len, 0, 1, &ip, &port);
		if (r)
			return r;
	}
	if (is->bound || is->state != INET_UNCONN)
		return -EINVAL;
	if (!ip_addr_isany(&ip) && !inet_addr_local(&ip) &&
	    !(is->type == SOCK_DGRAM &&
	      (ip_addr_ismulticast(&ip) ||
	       (IP_IS_V4_VAL(ip) && ip4_addr_get_u32(ip_2_ip4(&ip)) == IPADDR_BROADCAST))))
		return -EADDRNOTAVAIL;
	if (is->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_pcb_get(is);
		if (!pcb)
			return -ENOMEM;
		if (port && tcp_port_listened(&ip, port))
			return -EADDRINUSE;
		e = tcp_bind(pcb, &ip, port);
	} else {
		e = udp_bind(is->udp, &ip, port);
	}
	if (e != ERR_OK)
		return e == ERR_BUF ? -EADDRINUSE : -inet_errno(e);
	is->bound = 1;
	inet_names_sync(is);
	if (is->type == SOCK_STREAM) {
		is->user_bound = 1;
		ip_addr_copy(is->bind_ip, ip);
		is->bind_port = is->lport;
	}
	return 0;
}

/* --- connecting --- */

/* Linux sends to the loopback address when told to reach INADDR_ANY or
 * in6addr_any. */
static void inet_any_to_loopback(ip_addr_t *ip)
{
	if (ip_addr_isany(ip))
		ip_addr_set_loopback_val(IP_GET_TYPE(ip) != IPADDR_TYPE_V4, *ip);
}

/* A remote address the pcb's bound address family cannot reach. */
static int inet_family_mismatch(struct inet_sock *is, const ip_addr_t *remote)
{
	u8_t lt = IP_GET_TYPE(&is->lip);

	if (!is->bound || lt == IPADDR_TYPE_ANY)
		return 0;
	return lt != IP_GET_TYPE(remote);
}

static void tcp_stop_listening(struct socket *s, struct inet_sock *is);

/* connect(2) with AF_UNSPEC: Linux's tcp_disconnect (a RST for a
 * connection, the end of listening for a listener). */
static int tcp_disconnect(struct socket *s, struct inet_sock *is)
{
	if (is->state == INET_LISTEN) {
		tcp_stop_listening(s, is);
		return 0;
	}
	tcp_abort_sock(is);
	is->state = INET_UNCONN;
	is->err = is->fin = is->fin_sent = is->failed_connect = 0;
	is->shut_rd = is->shut_wr = 0;
	is->bound = 0;
	sock_wake(s, POLLIN | POLLOUT | POLLHUP);
	return 0;
}

static int tcp_connect_wait(struct socket *s, struct inet_sock *is, int nonblock)
{
	uint64_t deadline = 0;
	int r;

	while (is->state == INET_CONNECTING) {
		if (nonblock) {
			is->connect_report = 1;
			return -EINPROGRESS;
		}
		if (!deadline)
			deadline = inet_deadline(s->sndtimeo);
		r = inet_wait(s, deadline, "connect");
		if (r == -EAGAIN) {
			is->connect_report = 1;
			return -EINPROGRESS;
		}
		if (r)
			return r;
	}
	is->connect_report = 0;
	if (is->state == INET_CONNECTED)
		return 0;
	/* The connection failed: report it once, then the socket may
	 * connect again. */
	r = is->err ? -is->err : -ECONNABORTED;
	is->err = 0;
	is->state = INET_UNCONN;
	is->failed_connect = 0;
	return r;
}

static int tcp_do_connect(struct socket *s, struct inet_sock *is, const struct sockaddr_k *a,
                          int len, int nonblock)
{
	struct tcp_pcb *pcb;
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (len >= 2 && a->family == AF_UNSPEC)
		return tcp_disconnect(s, is);
	switch (is->state) {
	case INET_CONNECTED:
		if (is->connect_report) { /* Linux: the first call after EINPROGRESS says 0 */
			is->connect_report = 0;
			return 0;
		}
		return -EISCONN;
	case INET_LISTEN:
		return -EINVAL;
	case INET_CONNECTING:
		return nonblock ? -EALREADY : tcp_connect_wait(s, is, 0);
	case INET_CLOSED:
		if (is->failed_connect)
			return tcp_connect_wait(s, is, nonblock);
		return -EISCONN; /* Linux: a socket that was connected stays so */
	case INET_UNCONN:
		break;
	}
	r = inet_addr_in(is, a, len, 0, 0, &ip, &port);
	if (r)
		return r;
	if (inet_family_mismatch(is, &ip))
		return -ENETUNREACH;
	inet_any_to_loopback(&ip);
	pcb = tcp_pcb_get(is);
	if (!pcb)
		return -ENOMEM;
	is->err = 0;
	is->fin = is->fin_sent = 0;
	is->shut_rd = is->shut_wr = 0;
	is->state = INET_CONNECTING;
	e = tcp_connect(pcb, &ip, port, tcp_connected_cb);
	if (e != ERR_OK) {
		is->state = INET_UNCONN;
		return e == ERR_BUF ? -EADDRNOTAVAIL : -inet_errno(e);
	}
	is->bound = 1;
	inet_names_sync(is);
	return tcp_connect_wait(s, is, nonblock);
}

static int udp_do_connect(struct inet_sock *is, const struct sockaddr_k *a, int len)
{
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (len >= 2 && a->family == AF_UNSPEC) {
		udp_disconnect(is->udp);
		is->state = INET_UNCONN;
		inet_names_sync(is);
		return 0;
	}
	r = inet_addr_in(is, a, len, 1, 0, &ip, &port);
	if (r)
		return r == -ENETUNREACH && a->family == AF_INET ? -EAFNOSUPPORT : r;
	if (inet_family_mismatch(is, &ip))
		return -ENETUNREACH;
	inet_any_to_loopback(&ip);
	if (!is->bound && is->family == AF_INET6 && is->v6only) {
		e = udp_bind(is->udp, IP6_ADDR_ANY, 0);
		if (e != ERR_OK)
			return -inet_errno(e);
	}
	e = udp_connect(is->udp, &ip, port);
	if (e != ERR_OK)
		return e == ERR_BUF ? -EAGAIN : -inet_errno(e);
	is->bound = 1;
	is->state = INET_CONNECTED;
	inet_names_sync(is);
	return 0;
}

static int inet_connect(struct socket *s, const struct sockaddr_k *a, int len, int nonblock)
{
	struct inet_sock *is = s->priv;

	if (is->type == SOCK_STREAM)
		return tcp_do_connect(s, is, a, len, nonblock);
	return udp_do_connect(is, a, len);
}

/* --- TCP: sending and receiving --- */

/*
 * msg_span - a kernel pointer to the message's data at byte offset off,
 * and in *n how many bytes (at most max) follow it contiguously. A
 * program buffer is faulted in and reached through the kernel's map of
 * RAM (io_segments), so lwIP copies from it directly and never faults
 * halfway through tcp_write. NULL for -EFAULT.
 */
static const void *msg_span(struct msghdr_k *m, size_t off, size_t max, size_t *n)
{
	for (unsigned i = 0; i < m->iovlen; i++) {
		struct iobuf *b = &m->iov[i];
		struct bothy_fs_seg seg;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		max = MIN(b->len - off, max);
		if (b->kernel) {
			*n = max;
			return (const void *)(uintptr_t)(b->addr + off);
		}
		if (io_segments(b, off, max, PROT_READ, &seg, 1, n) != 1)
			return NULL;
		return PHYS_TO_VIRT(seg.gpa);
	}
	return NULL;
}

/* Queue up to `want` bytes of m from offset off with tcp_write; returns
 * the bytes queued (0 when lwIP has no room), or -errno. */
static long tcp_queue(struct tcp_pcb *pcb, struct msghdr_k *m, size_t off, size_t want, int more)
{
	size_t done = 0, n;

	while (done < want) {
		const void *p = msg_span(m, off + done, MIN(want - done, 0xffffu), &n);
		u8_t flags = TCP_WRITE_FLAG_COPY;
		err_t e;
		if (!p)
			return done ? (long)done : -EFAULT;
		if (more || done + n < want)
			flags |= TCP_WRITE_FLAG_MORE;
		e = tcp_write(pcb, p, (u16_t)n, flags);
		if (e == ERR_MEM)
			break;
		if (e != ERR_OK)
			return done ? (long)done : -inet_errno(e);
		done += n;
	}
	return (long)done;
}

/* Why a TCP socket cannot send now: -errno, or 0 if it can. */
static int tcp_send_error(struct inet_sock *is)
{
	int r;

	if (is->err) {
		r = -is->err;
		is->err = 0;
		return r;
	}
	if (is->shut_wr || !is->tcp ||
	    (is->state != INET_CONNECTED && is->state != INET_CONNECTING))
		return -EPIPE;
	return 0;
}

static long tcp_sendmsg(struct socket *s, struct inet_sock *is, struct msghdr_k *m, unsigned flags,
                        int nonblock)
{
	uint64_t deadline = 0;
	size_t sent = 0;
	int r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->len == 0 && (r = tcp_send_error(is)))
		return r;
	while (sent < m->len || (sent == 0 && is->state == INET_CONNECTING)) {
		long n;
		r = tcp_send_error(is);
		if (r)
			return sent ? (long)sent : r;
		if (is->state == INET_CONNECTED && tcp_sndbuf(is->tcp) > 0 &&
		    tcp_sndqueuelen(is->tcp) < TCP_SND_QUEUELEN) {
			size_t room = MIN((size_t)tcp_sndbuf(is->tcp), m->len - sent);
			n = tcp_queue(is->tcp, m, sent, room, (flags & MSG_MORE) || is->cork);
			if (n < 0)
				return sent ? (long)sent : n;
			sent += (size_t)n;
			if (sent == m->len)
				break;
			if (n > 0)
				continue;
		}
		/* Full (or still connecting): push what is queued, then wait. */
		if (is->tcp && is->state == INET_CONNECTED)
			tcp_output(is->tcp);
		if (nonblock)
			return sent ? (long)sent : -EAGAIN;
		is->want_out = 1;
		if (!deadline)
			deadline = inet_deadline(s->sndtimeo);
		r = inet_wait(s, deadline, "send");
		if (r)
			return sent ? (long)sent : r;
	}
	if (is->tcp && !(flags & MSG_MORE) && !is->cork)
		tcp_output(is->tcp);
	return (long)sent;
}

/* Copy up to n bytes of the receive queue, from `skip` bytes in, to m at
 * offset off. Returns the bytes copied or -EFAULT. */
static long tcp_rx_copy(struct inet_sock *is, struct msghdr_k *m, size_t off, size_t skip, size_t n)
{
	size_t done = 0, pos = is->rx_off + skip;

	for (struct pbuf *p = is->rx_head; p && done < n; p = p->next) {
		size_t k;
		if (pos >= p->len) {
			pos -= p->len;
			continue;
		}
		k = MIN(p->len - pos, n - done);
		if (msg_copy_to(m, off + done, (const char *)p->payload + pos, k))
			return done ? (long)done : -EFAULT;
		done += k;
		pos = 0;
	}
	return (long)done;
}

/* Drop n bytes from the head of the receive queue and open the window. */
static void tcp_rx_consume(struct inet_sock *is, size_t n)
{
	size_t left = n;

	while (left && is->rx_head) {
		struct pbuf *p = is->rx_head;
		size_t k = MIN((size_t)(p->len - is->rx_off), left);
		left -= k;
		is->rx_off = (u16_t)(is->rx_off + k);
		if (is->rx_off == p->len) {
			is->rx_head = p->next;
			if (!is->rx_head)
				is->rx_tail = NULL;
			p->next = NULL;
			pbuf_free(p);
			is->rx_off = 0;
		}
	}
	is->rx_len -= n;
	for (left = n; is->tcp && left;) {
		u16_t k = (u16_t)MIN(left, 0xffffu);
		tcp_recved(is->tcp, k);
		left -= k;
	}
}

static long tcp_recvmsg(struct socket *s, struct inet_sock *is, struct msghdr_k *m, unsigned flags,
                        int nonblock)
{
	size_t copied = 0, target;
	uint64_t deadline = 0;
	long n;
	int r;

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (is->state == INET_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EINVAL;
	if (is->state == INET_UNCONN)
		return -ENOTCONN;
	target =
	    (flags & MSG_WAITALL) && !(flags & MSG_PEEK) ? m->len : (size_t)MAX(is->rcvlowat, 1);
	target = MIN(target, m->len);
	for (;;) {
		size_t want = MIN(m->len - copied, is->rx_len - ((flags & MSG_PEEK) ? copied : 0));
		if (want) {
			n = tcp_rx_copy(is, m, copied, (flags & MSG_PEEK) ? copied : 0, want);
			if (n < 0)
				return copied ? (long)copied : n;
			if (!(flags & MSG_PEEK))
				tcp_rx_consume(is, (size_t)n);
			copied += (size_t)n;
		}
		if (copied >= target || m->len == 0)
			break;
		if (is->err) {
			if (copied)
				break;
			r = -is->err;
			is->err = 0;
			return r;
		}
		if (is->fin || is->shut_rd || is->state == INET_CLOSED || !is->tcp)
			break;
		if (nonblock)
			return copied ? (long)copied : -EAGAIN;
		if (!deadline)
			deadline = inet_deadline(s->rcvtimeo);
		r = inet_wait(s, deadline, "recv");
		if (r)
			return copied ? (long)copied : r;
	}
	m->namelen = 0;
	return (long)copied;
}

/* --- UDP --- */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
	struct inet_sock *is = arg;
	struct dgram *d;

	(void)pcb;
	if (is->shut_rd || is->dq_bytes > (size_t)is->rcvbuf || !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p);
		return;
	}
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	if (is->dq_tail)
		is->dq_tail->next = d;
	else
		is->dq_head = d;
	is->dq_tail = d;
	is->dq_bytes += p->tot_len + DGRAM_OVERHEAD;
	inet_wake(is, POLLIN | POLLRDNORM);
}

static void udp_dq_pop(struct inet_sock *is)
{
	struct dgram *d = is->dq_head;

	is->dq_head = d->next;
	if (!is->dq_head)
		is->dq_tail = NULL;
	is->dq_bytes -= d->p->tot_len + DGRAM_OVERHEAD;
	pbuf_free(d->p);
	kfree(d);
}

static long udp_sendmsg(struct inet_sock *is, struct msghdr_k *m, unsigned flags)
{
	ip_addr_t ip;
	u16_t port;
	struct pbuf *p;
	size_t max;
	err_t e;
	int r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (is->shut_wr)
		return -EPIPE;
	if (m->namelen > 0 &&
	    !(m->namelen >= 2 && m->name.family == AF_UNSPEC && is->state == INET_CONNECTED)) {
		r = inet_addr_in(is, &m->name, m->namelen, 1, 0, &ip, &port);
		if (r)
			return r;
		if (port == 0)
			return -EINVAL;
		if (inet_family_mismatch(is, &ip))
			return -ENETUNREACH;
		inet_any_to_loopback(&ip);
	} else if (is->state == INET_CONNECTED) {
		ip_addr_copy(ip, is->udp->remote_ip);
		port = is->udp->remote_port;
	} else {
		return -EDESTADDRREQ;
	}
	max = IP_IS_V6_VAL(ip) ? UDP6_MAX_PAYLOAD : UDP4_MAX_PAYLOAD;
	if (m->len > max)
		return -EMSGSIZE;
	if (IP_IS_V4_VAL(ip) && ip4_addr_get_u32(ip_2_ip4(&ip)) == IPADDR_BROADCAST &&
	    !is->broadcast)
		return -EACCES;
	if (!is->bound) {
		e = udp_bind(is->udp,
		             is->family == AF_INET ? IP4_ADDR_ANY
		                                   : (is->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE),
		             0);
		if (e != ERR_OK)
			return e == ERR_BUF ? -EAGAIN : -inet_errno(e);
		is->bound = 1;
	}
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (m->len && msg_copy_from(m, 0, p->payload, m->len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	e = udp_sendto(is->udp, p, &ip, port);
	pbuf_free(p);
	inet_names_sync(is);
	if (e != ERR_OK)
		return -inet_errno(e);
	return (long)m->len;
}

static long udp_recvmsg(struct socket *s, struct inet_sock *is, struct msghdr_k *m, unsigned flags,
                        int nonblock)
{
	uint64_t deadline = 0;
	struct dgram *d;
	size_t n, off = 0;
	int r;

	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return flags & MSG_OOB ? -EOPNOTSUPP : -EAGAIN;
	while (!is->dq_head) {
		if (is->err) {
			r = -is->err;
			is->err = 0;
			return r;
		}
		if (is->shut_rd)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (!deadline)
			deadline = inet_deadline(s->rcvtimeo);
		r = inet_wait(s, deadline, "recvfrom");
		if (r)
			return r;
	}
	d = is->dq_head;
	n = MIN(m->len, (size_t)d->p->tot_len);
	for (struct pbuf *q = d->p; q && off < n; q = q->next) {
		size_t k = MIN((size_t)q->len, n - off);
		if (msg_copy_to(m, off, q->payload, k))
			return -EFAULT;
		off += k;
	}
	inet_addr_out(is->family, &d->addr, d->port, &m->name, &m->namelen);
	if (d->p->tot_len > m->len)
		m->flags |= MSG_TRUNC;
	if (flags & MSG_TRUNC)
		n = d->p->tot_len;
	if (!(flags & MSG_PEEK))
		udp_dq_pop(is);
	return (long)n;
}

/* --- the proto_ops --- */

static long inet_sendmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct inet_sock *is = s->priv;

	if (is->type == SOCK_STREAM)
		return tcp_sendmsg(s, is, m, flags, nonblock);
	return udp_sendmsg(is, m, flags);
}

static long inet_recvmsg(struct socket *s, struct msghdr_k *m, unsigned flags, int nonblock)
{
	struct inet_sock *is = s->priv;

	m->namelen = 0;
	m->controllen = 0; /* no ancillary data (IP_PKTINFO, timestamps...) yet */
	if (is->type == SOCK_STREAM)
		return tcp_recvmsg(s, is, m, flags, nonblock);
	return udp_recvmsg(s, is, m, flags, nonblock);
}

static int inet_getname(struct socket *s, struct sockaddr_k *a, int *len, int peer)
{
	struct inet_sock *is = s->priv;

	inet_names_sync(is);
	if (peer) {
		if (is->state != INET_CONNECTED)
			return -ENOTCONN;
		inet_addr_out(is->family, &is->rip, is->rport, a, len);
		return 0;
	}
	inet_addr_out(is->family, &is->lip, is->lport, a, len);
	return 0;
}

/* Reset the connections nobody accepted. */
static void tcp_aq_flush(struct inet_sock *ls)
{
	while (ls->aq_head) {
		struct inet_sock *c = ls->aq_head;
		ls->aq_head = c->aq_next;
		tcp_abort_sock(c);
		kfree(c);
	}
	ls->aq_tail = NULL;
	ls->aq_len = 0;
}

/* A listener stops listening (shutdown(SHUT_RD), connect(AF_UNSPEC)):
 * accept() then fails with EINVAL, and listen() may start again. */
static void tcp_stop_listening(struct socket *s, struct inet_sock *is)
{
	struct tcp_pcb *pcb;

	tcp_aq_flush(is);
	pcb = tcp_detach(is);
	if (pcb)
		tcp_close(pcb);
	is->state = INET_UNCONN;
	is->bound = 0;
	s->listening = 0;
	sock_wake(s, POLLIN | POLLHUP);
}

/*
 * shutdown(2) as Linux's inet_shutdown: SHUT_RD only stops reads (data
 * still arriving is kept, and lwIP is not told: it would reset the
 * connection), SHUT_WR sends our FIN after the queued data. ENOTCONN for
 * a socket that is not connected, although the flags are set, as Linux
 * does (it wakes pollers with POLLHUP).
 */
static int inet_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = s->priv;
	int r = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (is->state == INET_LISTEN) {
		if (how != SHUT_WR)
			tcp_stop_listening(s, is);
		return 0;
	}
	if (is->state != INET_CONNECTED && is->state != INET_CONNECTING)
		r = -ENOTCONN;
	if (is->type == SOCK_STREAM && is->state == INET_CONNECTING)
		return tcp_disconnect(s, is); /* as Linux does in SYN_SENT */
	if (how != SHUT_WR)
		is->shut_rd = 1;
	if (how != SHUT_RD && !is->shut_wr) {
		is->shut_wr = 1;
		/* With the peer's FIN in, the pcb goes to LAST_ACK and the err
		 * callback (ERR_CLSD) ends it. */
		if (is->type == SOCK_STREAM && is->tcp && is->state == INET_CONNECTED &&
		    tcp_shutdown(is->tcp, 0, 1) == ERR_OK) {
			is->fin_sent = 1;
			tcp_output(is->tcp);
		}
	}
	sock_wake(s, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLRDHUP);
	return r;
}

static unsigned tcp_poll_mask(struct inet_sock *is)
{
	unsigned mask = 0;

	if (is->state == INET_LISTEN)
		return is->aq_head ? POLLIN | POLLRDNORM : 0;
	if (is->state == INET_CONNECTING)
		return is->err ? POLLERR : 0;
	if (is->err)
		mask |= POLLERR;
	if (is->state == INET_UNCONN || is->state == INET_CLOSED ||
	    (is->shut_wr && (is->fin || is->shut_rd)))
		mask |= POLLHUP;
	if (is->state == INET_UNCONN) /* Linux: TCP_CLOSE, not shut down */
		return mask | POLLOUT | POLLWRNORM;
	if (is->state != INET_CONNECTED) /* Linux: a closed socket is shut both ways */
		return mask | POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM;
	if (is->rx_len)
		mask |= POLLIN | POLLRDNORM;
	if (is->fin || is->shut_rd)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->shut_wr)
		mask |= POLLOUT | POLLWRNORM;
	else if (is->tcp && tcp_writable(is->tcp))
		mask |= POLLOUT | POLLWRNORM;
	else
		is->want_out = 1;
	return mask;
}

static unsigned udp_poll_mask(struct inet_sock *is)
{
	unsigned mask = POLLOUT | POLLWRNORM;

	if (is->err)
		mask |= POLLERR;
	if (is->dq_head)
		mask |= POLLIN | POLLRDNORM;
	if (is->shut_rd)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->shut_rd && is->shut_wr)
		mask |= POLLHUP;
	return mask;
}

static unsigned inet_poll(struct socket *s)
{
	struct inet_sock *is = s->priv;

	return is->type == SOCK_STREAM ? tcp_poll_mask(is) : udp_poll_mask(is);
}

static long inet_ioctl(struct socket *s, unsigned cmd, uint64_t arg)
{
	struct inet_sock *is = s->priv;
	int v;

	switch (cmd) {
	case SIOCINQ:
		if (is->type == SOCK_STREAM) {
			if (is->state == INET_LISTEN)
				return -EINVAL;
			v = (int)is->rx_len;
		} else {
			v = is->dq_head ? is->dq_head->p->tot_len : 0;
		}
		break;
	case SIOCATMARK: /* no urgent data is ever kept */
		if (is->type != SOCK_STREAM)
			return -ENOTTY;
		v = 0;
		break;
	case SIOCOUTQ:
		if (is->type == SOCK_STREAM && is->state == INET_LISTEN)
			return -EINVAL;
		v = is->type == SOCK_STREAM && is->tcp ? (int)(TCP_SND_BUF - is->tcp->snd_buf) : 0;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* --- options --- */

static int opt_int(uint64_t optval, unsigned optlen, int *v)
{
	if (optlen < sizeof(int))
		return -EINVAL;
	return copy_from_user(v, optval, sizeof(*v)) ? -EFAULT : 0;
}

/* Copy min(*optlen, size) bytes of v out and store that length, as
 * Linux's getsockopt does. */
static int opt_put(uint64_t optval, uint64_t optlen, const void *v, unsigned size)
{
	int len;

	if (copy_from_user(&len, optlen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	len = (int)MIN((unsigned)len, size);
	if (copy_to_user(optval, v, (size_t)len) || copy_to_user(optlen, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

static void inet_set_reuse(struct inet_sock *is)
{
	int on = is->reuseaddr || is->reuseport;

	if (is->tcp && on)
		ip_set_option(is->tcp, SOF_REUSEADDR);
	else if (is->tcp)
		ip_reset_option(is->tcp, SOF_REUSEADDR);
	if (is->udp && on)
		ip_set_option(is->udp, SOF_REUSEADDR);
	else if (is->udp)
		ip_reset_option(is->udp, SOF_REUSEADDR);
}

static int sol_socket_set(struct inet_sock *is, int name, uint64_t optval, unsigned optlen)
{
	int v, r;

	if (name == SO_LINGER) {
		if (optlen < sizeof(struct linger_k))
			return -EINVAL;
		return copy_from_user(&is->linger, optval, sizeof(is->linger)) ? -EFAULT : 0;
	}
	r = opt_int(optval, optlen, &v);
	if (r)
		return r;
	switch (name) {
	case SO_REUSEADDR:
		is->reuseaddr = v != 0;
		inet_set_reuse(is);
		return 0;
	case SO_REUSEPORT:
		is->reuseport = v != 0;
		inet_set_reuse(is);
		return 0;
	case SO_KEEPALIVE:
		is->keepalive = v != 0;
		if (is->tcp && is->state != INET_LISTEN) {
			if (v)
				ip_set_option(is->tcp, SOF_KEEPALIVE);
			else
				ip_reset_option(is->tcp, SOF_KEEPALIVE);
		}
		return 0;
	case SO_BROADCAST:
		is->broadcast = v != 0;
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		v = v < 0 ? 0 : v;
		if (name == SO_RCVBUF)
			v = MIN(v, SOCK_MEM_MAX);
		is->rcvbuf = MAX(v * 2, SOCK_MIN_RCVBUF);
		return 0;
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		v = v < 0 ? 0 : v;
		if (name == SO_SNDBUF)
			v = MIN(v, SOCK_MEM_MAX);
		is->sndbuf = MAX(v * 2, SOCK_MIN_SNDBUF);
		return 0;
	case SO_OOBINLINE:
		is->oobinline = v != 0;
		return 0;
	case SO_PRIORITY:
		if (v < 0 || v > 6)
			return -EPERM;
		is->priority = v;
		return 0;
	case SO_DONTROUTE:
		is->dontroute = v != 0;
		return 0;
	case SO_RCVLOWAT:
		is->rcvlowat = v < 0 ? 0x7fffffff : (v ? v : 1);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int sol_socket_get(struct inet_sock *is, int name, uint64_t optval, uint64_t optlen)
{
	int v;

	switch (name) {
	case SO_LINGER:
		return opt_put(optval, optlen, &is->linger, sizeof(is->linger));
	case SO_REUSEADDR:
		v = is->reuseaddr;
		break;
	case SO_REUSEPORT:
		v = is->reuseport;
		break;
	case SO_KEEPALIVE:
		v = is->keepalive;
		break;
	case SO_BROADCAST:
		v = is->broadcast;
		break;
	case SO_RCVBUF:
		v = is->rcvbuf;
		break;
	case SO_SNDBUF:
		v = is->sndbuf;
		break;
	case SO_ERROR:
		v = is->err;
		is->err = 0;
		break;
	case SO_OOBINLINE:
		v = is->oobinline;
		break;
	case SO_PRIORITY:
		v = is->priority;
		break;
	case SO_DONTROUTE:
		v = is->dontroute;
		break;
	case SO_RCVLOWAT:
		v = is->rcvlowat ? is->rcvlowat : 1;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return opt_put(optval, optlen, &v, sizeof(v));
}

static int sol_tcp_set(struct inet_sock *is, int name, uint64_t optval, unsigned optlen)
{
	struct tcp_pcb *pcb = is->state == INET_LISTEN ? NULL : is->tcp;
	int v, r;

	r = opt_int(optval, optlen, &v);
	if (r)
		return r;
	switch (name) {
	case TCP_NODELAY:
		is->nodelay = v != 0;
		if (pcb && v)
			tcp_nagle_disable(pcb);
		else if (pcb)
			tcp_nagle_enable(pcb);
		if (pcb && v && is->state == INET_CONNECTED)
			tcp_output(pcb);
		return 0;
	case TCP_CORK:
		is->cork = v != 0;
		if (pcb && !v && is->state == INET_CONNECTED) {
			/* Uncorking pushes the partial segment at once, Nagle or
			 * not (tcp(7); Linux's tcp_push with TCP_NAGLE_PUSH):
			 * nginx's tcp_nopush corks headers and body, and a tail
			 * held for the peer's delayed ACK costs each response
			 * tens of milliseconds. */
			tcp_nagle_disable(pcb);
			tcp_output(pcb);
			if (!is->nodelay)
				tcp_nagle_enable(pcb);
		}
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			is->keepidle = v;
		else
			is->keepintvl = v;
		break;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		is->keepcnt = v;
		break;
	case TCP_MAXSEG:
		if (v && (v < 88 || v > 32767))
			return -EINVAL;
		is->maxseg = v;
		return 0;
	case TCP_QUICKACK:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	if (pcb) {
		pcb->keep_idle = (u32_t)is->keepidle * 1000;
		pcb->keep_intvl = (u32_t)is->keepintvl * 1000;
		pcb->keep_cnt = (u32_t)is->keepcnt;
	}
	return 0;
}

/* Linux's TCP states (include/net/tcp_states.h) for TCP_INFO. */
static uint8_t tcp_linux_state(struct inet_sock *is)
{
	if (is->state == INET_LISTEN)
		return 10;
	if (!is->tcp)
		return 7; /* TCP_CLOSE */
	switch (is->tcp->state) {
	case ESTABLISHED:
		return 1;
	case SYN_SENT:
		return 2;
	case SYN_RCVD:
		return 3;
	case FIN_WAIT_1:
		return 4;
	case FIN_WAIT_2:
		return 5;
	case TIME_WAIT:
		return 6;
	case CLOSE_WAIT:
		return 8;
	case LAST_ACK:
		return 9;
	case CLOSING:
		return 11;
	default:
		return 7;
	}
}

static int sol_tcp_get(struct inet_sock *is, int name, uint64_t optval, uint64_t optlen)
{
	struct tcp_pcb *pcb = is->state == INET_LISTEN ? NULL : is->tcp;
	int v;

	switch (name) {
	case TCP_NODELAY:
		v = is->nodelay;
		break;
	case TCP_CORK:
		v = is->cork;
		break;
	case TCP_KEEPIDLE:
		v = is->keepidle;
		break;
	case TCP_KEEPINTVL:
		v = is->keepintvl;
		break;
	case TCP_KEEPCNT:
		v = is->keepcnt;
		break;
	case TCP_MAXSEG:
		v = pcb && is->state == INET_CONNECTED ? tcp_mss(pcb)
		                                       : (is->maxseg ? is->maxseg : 536);
		break;
	case TCP_QUICKACK:
		v = 1;
		break;
	case TCP_INFO: {
		/* struct tcp_info (linux/tcp.h), as far as it is cheap: the
		 * state, and the MSS at tcpi_snd_mss (offset 16). */
		uint8_t info[104] = {0};
		uint32_t mss = pcb ? tcp_mss(pcb) : 536;
		info[0] = tcp_linux_state(is);
		memcpy(&info[16], &mss, 4);
		memcpy(&info[20], &mss, 4); /* tcpi_rcv_mss */
		return opt_put(optval, optlen, info, sizeof(info));
	}
	default:
		return -ENOPROTOOPT;
	}
	return opt_put(optval, optlen, &v, sizeof(v));
}

/* The pcb's IP fields (ttl, tos), wherever the pcb is. */
static void inet_apply_ip(struct inet_sock *is)
{
	u8_t ttl = is->ttl > 0 ? (u8_t)is->ttl : IP_DEFAULT_TTL;

	if (is->family == AF_INET6 && is->hops > 0)
		ttl = (u8_t)is->hops;
	if (is->tcp) {
		is->tcp->ttl = ttl;
		is->tcp->tos = (u8_t)is->tos;
	}
	if (is->udp) {
		is->udp->ttl = ttl;
		is->udp->tos = (u8_t)is->tos;
	}
}

static int sol_ip_set(struct inet_sock *is, int level, int name, uint64_t optval, unsigned optlen)
{
	int v = 0;

	if (level == IPPROTO_IPV6 && is->family != AF_INET6)
		return -ENOPROTOOPT;
	if (optlen >= sizeof(int)) {
		if (copy_from_user(&v, optval, sizeof(v)))
			return -EFAULT;
	} else if (level == IPPROTO_IP && optlen >= 1) {
		unsigned char c;
		if (copy_from_user(&c, optval, 1))
			return -EFAULT;
		v = c;
	} else {
		return -EINVAL;
	}
	if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS:
			is->tos = v & 0xff;
			if (is->type == SOCK_STREAM)
				is->tos &= ~3; /* the ECN bits are TCP's */
			break;
		case IP_TTL:
			if (v != -1 && (v < 1 || v > 255))
				return -EINVAL;
			is->ttl = v;
			break;
		default:
			return -ENOPROTOOPT;
		}
		inet_apply_ip(is);
		return 0;
	}
	switch (name) {
	case IPV6_V6ONLY:
		if (is->bound)
			return -EINVAL;
		is->v6only = v != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		is->hops = v;
		inet_apply_ip(is);
		return 0;
	case IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		is->tclass = v < 0 ? 0 : v;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int sol_ip_get(struct inet_sock *is, int level, int name, uint64_t optval, uint64_t optlen)
{
	int v;

	if (level == IPPROTO_IPV6 && is->family != AF_INET6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IP && name == IP_TOS)
		v = is->tos;
	else if (level == IPPROTO_IP && name == IP_TTL)
		v = is->ttl > 0 ? is->ttl : IP_DEFAULT_TTL;
	else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		v = is->v6only;
	else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)
		v = is->hops > 0 ? is->hops : IP_DEFAULT_TTL;
	else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS)
		v = is->tclass;
	else
		return -ENOPROTOOPT;
	return opt_put(optval, optlen, &v, sizeof(v));
}

static int inet_setsockopt(struct socket *s, int level, int name, uint64_t optval, unsigned optlen)
{
	struct inet_sock *is = s->priv;

	if (level == SOL_SOCKET)
		return sol_socket_set(is, name, optval, optlen);
	if (level == IPPROTO_TCP && is->type == SOCK_STREAM)
		return sol_tcp_set(is, name, optval, optlen);
	if (level == IPPROTO_IP || level == IPPROTO_IPV6)
		return sol_ip_set(is, level, name, optval, optlen);
	return -ENOPROTOOPT;
}

static int inet_getsockopt(struct socket *s, int level, int name, uint64_t optval, uint64_t optlen)
{
	struct inet_sock *is = s->priv;

	if (level == SOL_SOCKET)
		return sol_socket_get(is, name, optval, optlen);
	if (level == IPPROTO_TCP && is->type == SOCK_STREAM)
		return sol_tcp_get(is, name, optval, optlen);
	if (level == IPPROTO_IP || level == IPPROTO_IPV6)
		return sol_ip_get(is, level, name, optval, optlen);
	return -ENOPROTOOPT;
}

/* --- closing --- */

static void tcp_release(struct inet_sock *is)
{
	struct tcp_pcb *pcb;

	tcp_aq_flush(is);
	pcb = tcp_detach(is);
	if (pcb && is->state != INET_LISTEN && is->linger.l_onoff && is->linger.l_linger == 0) {
		tcp_abort(pcb); /* SO_LINGER 0: RST */
		pcb = NULL;
	}
	if (pcb && tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	tcp_rx_free(is);
}

/*
 * release - the socket's last file reference is gone: TCP closes
 * gracefully (tcp_close: FIN, or RST when unread data is left, as Linux;
 * SO_LINGER with l_linger 0: RST), resets connections that were never
 * accepted; UDP removes its pcb. The inet_sock and its queues are freed.
 */
static void inet_release(struct socket *s)
{
	struct inet_sock *is = s->priv;

	if (!is)
		return;
	if (is->type == SOCK_STREAM) {
		tcp_release(is);
	} else {
		if (is->udp)
			udp_remove(is->udp);
		while (is->dq_head)
			udp_dq_pop(is);
	}
	s->priv = NULL;
	kfree(is);
	net_sockets--;
}

static const struct proto_ops inet_ops = {
    .family = AF_INET,
    .release = inet_release,
    .bind = inet_bind,
    .connect = inet_connect,
    .listen = inet_listen,
    .accept = inet_accept,
    .getname = inet_getname,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
    .shutdown = inet_shutdown,
    .setsockopt = inet_setsockopt,
    .getsockopt = inet_getsockopt,
    .poll = inet_poll,
    .ioctl = inet_ioctl,
};

static const struct proto_ops inet6_ops = {
    .family = AF_INET6,
    .release = inet_release,
    .bind = inet_bind,
    .connect = inet_connect,
    .listen = inet_listen,
    .accept = inet_accept,
    .getname = inet_getname,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
    .shutdown = inet_shutdown,
    .setsockopt = inet_setsockopt,
    .getsockopt = inet_getsockopt,
    .poll = inet_poll,
    .ioctl = inet_ioctl,
};

/*
 * inet_create - socket(2) for AF_INET / AF_INET6 (ip(7), ipv6(7)):
 * SOCK_STREAM with protocol 0 or IPPROTO_TCP, SOCK_DGRAM with 0 or
 * IPPROTO_UDP. `type` may carry SOCK_NONBLOCK (sock_alloc applies it).
 * An AF_INET6 socket is dual-stack until IPV6_V6ONLY. Returns 0 and the
 * socket in *out, or -EAFNOSUPPORT (another family), -ESOCKTNOSUPPORT
 * (another type), -EPROTONOSUPPORT (another protocol, SOCK_RAW), -ENOMEM.
 */
int inet_create(int family, int type, int protocol, struct socket **out)
{
	int kind = type & SOCK_TYPE_MASK;
	struct inet_sock *is;
	struct socket *s;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (kind == SOCK_STREAM) {
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
	} else if (kind == SOCK_DGRAM) {
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_UDP;
	} else if (kind == SOCK_RAW) {
		return -EPROTONOSUPPORT;
	} else {
		return -ESOCKTNOSUPPORT;
	}
	is = inet_sock_new(family, kind);
	if (!is)
		return -ENOMEM;
	if (kind == SOCK_STREAM) {
		if (!tcp_pcb_get(is)) {
			kfree(is);
			return -ENOMEM;
		}
	} else {
		is->udp = udp_new_ip_type(family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
		if (!is->udp) {
			kfree(is);
			return -ENOMEM;
		}
		udp_recv(is->udp, udp_recv_cb, is);
	}
	s = sock_alloc(family == AF_INET ? &inet_ops : &inet6_ops, type, protocol);
	if (!s) {
		if (is->tcp)
			tcp_abort_sock(is);
		if (is->udp)
			udp_remove(is->udp);
		kfree(is);
		return -ENOMEM;
	}
	is->sock = s;
	s->priv = is;
	net_sockets++;
	*out = s;
	return 0;
}
