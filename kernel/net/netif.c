/*
 * The network interfaces: lwIP brought up (net_init), its loopback
 * interface, and one lwIP netif per network device (netdev_register,
 * kernel/include/netdev.h), with frames passed without copying both ways.
 *
 * Transmit: lwIP's pbuf chain becomes the driver's netdev_seg[] list; the
 * chain is kept (pbuf_ref) until the driver's tx_done. lwIP knows a pbuf
 * still referenced is busy and does not rewrite a TCP segment in flight
 * (tcp_output_segment_busy). A frame the ring has no room for waits in a
 * small queue, or is dropped and counted when that is full too (TCP
 * retransmits it).
 * Receive: the driver's buffer is wrapped in a custom pbuf
 * (pbuf_alloced_custom) whose free gives it back (netdev_rx_done).
 * Checksums: with a device that completes TCP checksums and checks
 * received ones (NETDEV_F_TX_CSUM and NETDEV_F_RX_CSUM), lwIP is told not
 * to compute TCP checksums nor check TCP/UDP ones on that netif
 * (LWIP_CHECKSUM_CTRL_PER_NETIF); linkoutput writes the pseudo-header sum
 * into the TCP header and asks the device for the rest (csum_start and
 * csum_offset, as Linux's CHECKSUM_PARTIAL), and a received frame the
 * device did not check is checked here. UDP, ICMP and IP header checksums
 * are computed by lwIP. The loopback interface computes and checks none
 * (its frames never leave memory), as Linux's loopback does.
 *
 * Configuration (boot_info->net) applies to the first device: static
 * (BOTHY_NET_STATIC) or DHCP (BOTHY_NET_DHCP, RFC 2131), and IPv6
 * link-local plus stateless autoconfiguration (RFC 4862) always. With
 * DHCP, net_wait_configured() holds the program back until an address is
 * bound, at most NET_DHCP_WAIT_NS, then warns once and goes on.
 */
#include <errno.h>
#include <kernel.h>
#include <ktime.h>
#include <mm.h>
#include <net.h>
#include <netdev.h>
#include <sched.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#define NET_DHCP_WAIT_NS (5ull * 1000 * 1000 * 1000)
#define TXQ_MAX          256 /* frames waiting for room in a device's ring */
#define SEGS_MAX         64  /* netdev.xmit's limit */
#define ETH_HLEN         14
/* Received frames lwIP may hold in the driver's buffers (TCP queues hold
 * them until the program reads): beyond this many, a frame is copied and
 * its buffer given back at once, so that a program that does not read
 * cannot empty the receive ring and stall every connection. */
#define RX_HELD_MAX 32

int net_external;
unsigned net_sockets;

/* One network device's netif. */
struct bnetif {
	struct netif nif;
	struct netdev *d;
	int csum_offload; /* TCP checksums by the device, received ones checked by it */
	struct txq {
		struct pbuf *p;
		uint16_t csum_start, csum_offset;
	} q[TXQ_MAX];
	unsigned qhead, qcount;
	int draining;     /* in txq_drain: not re-entered (see there) */
	unsigned rx_held; /* the driver's buffers lwIP holds */
	uint64_t tx_dropped, tx_errors, rx_dropped, rx_csum_bad;
};

static struct bnetif *devs[NETDEV_MAX];
static unsigned ndevs;
static char hostname[33];
static struct waitq config_wq; /* net_wait_configured() */
static struct netif *dhcp_netif;
static int dhcp_reported;

/* --- transmit --- */

/* Hand the frame p (a reference the device keeps until tx_done) to d. */
static int xmit(struct netdev *d, struct pbuf *p, uint16_t csum_start, uint16_t csum_offset)
{
	struct netdev_seg segs[SEGS_MAX];
	unsigned n = 0;

	for (struct pbuf *q = p; q; q = q->next) {
		if (!q->len)
			continue;
		segs[n].addr = q->payload;
		segs[n].len = q->len;
		n++;
	}
	return d->xmit(d, segs, n, csum_start, csum_offset, p);
}

static unsigned nsegs(struct pbuf *p)
{
	unsigned n = 0;

	for (; p; p = p->next)
		n += p->len != 0;
	return n;
}

/* The 16-bit ones'-complement sum (RFC 1071) of n bytes, added to acc. */
static uint32_t sum16(const uint8_t *b, unsigned n, uint32_t acc)
{
	for (unsigned i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		acc += (uint32_t)b[n - 1] << 8;
	return acc;
}

/*
 * For a device that completes checksums: if frame p is TCP, write the
 * pseudo-header sum into its checksum field and set where the device
 * starts summing and where it writes (RFC 793 3.1, RFC 8200 8.1).
 * 0, or -1 if the headers are not all in p's first pbuf.
 */
static int tx_csum(struct pbuf *p, uint16_t *start, uint16_t *offset)
{
	uint8_t *f = p->payload, *ip = f + ETH_HLEN, *tcp;
	unsigned hl, tlen;
	uint32_t acc;

	*start = *offset = 0;
	if (p->len < ETH_HLEN + IP_HLEN)
		return p->tot_len > p->len ? -1 : 0;
	if (f[12] == 0x08 && f[13] == 0x00) { /* IPv4 */
		hl = (ip[0] & 15u) * 4;
		if (ip[9] != IP_PROTO_TCP || ((ip[6] & 0x3f) | ip[7]))
			return 0; /* not TCP, or a fragment (TCP never is) */
		tlen = ((unsigned)ip[2] << 8 | ip[3]) - hl;
		acc = sum16(ip + 12, 8, IP_PROTO_TCP + tlen);
	} else if (f[12] == 0x86 && f[13] == 0xdd) { /* IPv6 */
		if (p->len < ETH_HLEN + IP6_HLEN)
			return -1;
		hl = IP6_HLEN;
		if (ip[6] != IP6_NEXTH_TCP)
			return 0;
		tlen = (unsigned)ip[4] << 8 | ip[5];
		acc = sum16(ip + 8, 32, IP_PROTO_TCP + tlen);
	} else {
		return 0;
	}
	if (p->len < ETH_HLEN + hl + 18)
		return -1;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	tcp = ip + hl;
	tcp[16] = (uint8_t)(acc >> 8);
	tcp[17] = (uint8_t)acc;
	*start = (uint16_t)(ETH_HLEN + hl);
	*offset = 16;
	return 0;
}

/* Send the queued frames, oldest first, while the device takes them. The
 * driver may reclaim finished frames inside xmit when its ring is full,
 * calling tx_done and so this function again: the nested call returns at
 * once (it would send the head entry a second time) and this loop goes on. */
static void txq_drain(struct bnetif *b)
{
	if (b->draining)
		return;
	b->draining = 1;
	while (b->qcount) {
		struct txq *e = &b->q[b->qhead];
		int r = xmit(b->d, e->p, e->csum_start, e->csum_offset);
		if (r == -EAGAIN)
			break;
		if (r) {
			pbuf_free(e->p);
			b->tx_errors++;
		}
		b->qhead = (b->qhead + 1) % TXQ_MAX;
		b->qcount--;
	}
	b->draining = 0;
}

/* lwIP's linkoutput: send the Ethernet frame p. */
static err_t linkoutput(struct netif *nif, struct pbuf *p)
{
	struct bnetif *b = nif->state;
	uint16_t cs = 0, co = 0;
	struct pbuf *q = p;
	int r;

	if (nsegs(p) > SEGS_MAX) /* rare: one copy into one buffer */
		q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	else
		pbuf_ref(p);
	if (!q)
		goto drop;
	if (b->csum_offload && tx_csum(q, &cs, &co)) {
		struct pbuf *c = pbuf_clone(PBUF_RAW, PBUF_RAM, q);
		pbuf_free(q);
		if (!(q = c) || tx_csum(q, &cs, &co))
			goto drop;
	}
	if (!b->qcount) {
		r = xmit(b->d, q, cs, co);
		if (r == -EINVAL && q == p) {
			/* memory the device cannot reach (the kernel image)? A copy. */
			struct pbuf *c = pbuf_clone(PBUF_RAW, PBUF_RAM, q);
			pbuf_free(q);
			if (!(q = c))
				goto drop;
			r = xmit(b->d, q, cs, co);
		}
		if (!r)
			return ERR_OK;
		if (r != -EAGAIN) {
			pbuf_free(q);
			b->tx_errors++;
			return ERR_IF;
		}
	}
	if (b->qcount == TXQ_MAX)
		goto drop;
	b->q[(b->qhead + b->qcount) % TXQ_MAX] = (struct txq){q, cs, co};
	b->qcount++;
	return ERR_OK;
drop:
	if (q)
		pbuf_free(q);
	b->tx_dropped++;
	return ERR_OK; /* as a wire that lost it: TCP retransmits */
}

static void tx_done(struct netdev *d, void *cookie)
{
	struct bnetif *b = d->stack;

	pbuf_free(cookie);
	txq_drain(b);
}

/* --- receive --- */

/* A received frame as a pbuf: lwIP's custom pbuf, with what gives the
 * buffer back. Kept on a free list once used. */
struct rx_pbuf {
	struct pbuf_custom pc; /* first: lwIP frees &pc.pbuf */
	struct netdev *d;
	struct netdev_rxbuf *buf;
	struct rx_pbuf *next_free;
};
static struct rx_pbuf *rx_free_list;

static void rx_pbuf_free(struct pbuf *p)
{
	struct rx_pbuf *r = (struct rx_pbuf *)p;
	struct bnetif *b = r->d->stack;

	b->rx_held--;
	netdev_rx_done(r->d, r->buf);
	r->next_free = rx_free_list;
	rx_free_list = r;
}

/* Is the TCP or UDP checksum of the frame p right (or not ours to check:
 * other protocols, fragments, malformed frames lwIP drops itself)? For
 * frames of a checksum-offloading device that it did not check. */
static int rx_csum_ok(struct pbuf *p)
{
	uint8_t *f = p->payload, *ip = f + ETH_HLEN;
	unsigned hl, tlen, proto;
	int ok;

	if (p->len < ETH_HLEN + IP_HLEN)
		return 1;
	if (f[12] == 0x08 && f[13] == 0x00) {
		ip4_addr_t src, dst;
		hl = (ip[0] & 15u) * 4;
		proto = ip[9];
		if ((ip[6] & 0x3f) | ip[7])
			return 1; /* a fragment */
		tlen = ((unsigned)ip[2] << 8 | ip[3]) - hl;
		if ((proto != IP_PROTO_TCP && proto != IP_PROTO_UDP) ||
		    ETH_HLEN + hl + tlen > p->len || hl < IP_HLEN || tlen > 0xffff)
			return 1;
		if (proto == IP_PROTO_UDP && tlen >= 8 && !ip[hl + 6] && !ip[hl + 7])
			return 1; /* UDP without a checksum */
		memcpy(&src, ip + 12, 4);
		memcpy(&dst, ip + 16, 4);
		pbuf_remove_header(p, ETH_HLEN + hl);
		ok = !inet_chksum_pseudo_partial(p, (u8_t)proto, (u16_t)tlen, (u16_t)tlen, &src,
		                                 &dst);
	} else if (f[12] == 0x86 && f[13] == 0xdd && p->len >= ETH_HLEN + IP6_HLEN) {
		ip6_addr_t src, dst;
		hl = IP6_HLEN;
		proto = ip[6];
		tlen = (unsigned)ip[4] << 8 | ip[5];
		if ((proto != IP_PROTO_TCP && proto != IP_PROTO_UDP) ||
		    ETH_HLEN + hl + tlen > p->len)
			return 1;
		memset(&src, 0, sizeof(src));
		memset(&dst, 0, sizeof(dst));
		memcpy(src.addr, ip + 8, 16);
		memcpy(dst.addr, ip + 24, 16);
		pbuf_remove_header(p, ETH_HLEN + hl);
		ok = !ip6_chksum_pseudo_partial(p, (u8_t)proto, (u16_t)tlen, (u16_t)tlen, &src,
		                                &dst);
	} else {
		return 1;
	}
	pbuf_header_force(p, (s16_t)(ETH_HLEN + hl));
	return ok;
}

static void rx(struct netdev *d, struct netdev_rxbuf *buf)
{
	struct bnetif *b = d->stack;
	struct rx_pbuf *r = rx_free_list;
	unsigned flags = buf->flags; /* buf may be the driver's again below */
	struct pbuf *p;

	if (b->rx_held >= RX_HELD_MAX && buf->len >= ETH_HLEN && buf->len <= 0xffff) {
		/* Too many held: a copy, and the buffer straight back. */
		p = pbuf_alloc(PBUF_RAW, (u16_t)buf->len, PBUF_RAM);
		if (!p)
			goto drop;
		pbuf_take(p, buf->data, (u16_t)buf->len);
		netdev_rx_done(d, buf);
		goto input;
	}
	if (r)
		rx_free_list = r->next_free;
	else if (!(r = kmalloc(sizeof(*r))))
		goto drop;
	if (buf->len < ETH_HLEN || buf->len > 0xffff) {
		r->next_free = rx_free_list;
		rx_free_list = r;
		goto drop;
	}
	r->d = d;
	r->buf = buf;
	r->pc.custom_free_function = rx_pbuf_free;
	p = pbuf_alloced_custom(PBUF_RAW, (u16_t)buf->len, PBUF_REF, &r->pc, buf->data,
	                        (u16_t)buf->len);
	b->rx_held++;
input:
	if (b->csum_offload && !(flags & NETDEV_RX_CSUM_OK) && !rx_csum_ok(p)) {
		b->rx_csum_bad++;
		pbuf_free(p);
		return;
	}
	if (b->nif.input(p, &b->nif) != ERR_OK)
		pbuf_free(p);
	return;
drop:
	b->rx_dropped++;
	netdev_rx_done(d, buf);
}

/* --- configuration --- */

static void log_netif(struct netif *nif, const char *why)
{
	char a[IP4ADDR_STRLEN_MAX], m[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];

	if (log_level < BOTHY_LOG_DEBUG)
		return;
	printk("bothy: net: %c%c%u: %s %s netmask %s gateway %s\n", nif->name[0], nif->name[1],
	       nif->num, why, ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof(a)),
	       ip4addr_ntoa_r(netif_ip4_netmask(nif), m, sizeof(m)),
	       ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof(g)));
}

/* Address changes: wake net_wait_configured(), and say so at debug level. */
static void netif_changed(struct netif *nif, netif_nsc_reason_t reason,
                          const netif_ext_callback_args_t *args)
{
	if (reason & (LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV4_SETTINGS_CHANGED)) {
		if (nif == dhcp_netif && !ip4_addr_isany_val(*netif_ip4_addr(nif)))
			log_netif(nif, "DHCP bound");
		wake_up(&config_wq, -1);
	}
	if ((reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) && log_level >= BOTHY_LOG_DEBUG) {
		int i = args->ipv6_addr_state_changed.addr_index;
		char s[IP6ADDR_STRLEN_MAX];
		if (ip6_addr_isvalid(netif_ip6_addr_state(nif, i)))
			printk("bothy: net: %c%c%u: IPv6 %s\n", nif->name[0], nif->name[1],
			       nif->num, ip6addr_ntoa_r(netif_ip6_addr(nif, i), s, sizeof(s)));
	}
}
NETIF_DECLARE_EXT_CALLBACK(netif_cb)

static err_t bnetif_init(struct netif *nif)
{
	struct bnetif *b = nif->state;
	struct netdev *d = b->d;

	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, d->mac, ETH_HWADDR_LEN);
	nif->mtu = d->mtu ? d->mtu : 1500;
	nif->mtu6 = nif->mtu;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = linkoutput;
	nif->hostname = hostname;
	if (b->csum_offload)
		NETIF_SET_CHECKSUM_CTRL(nif,
		                        NETIF_CHECKSUM_ENABLE_ALL &
		                            ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_CHECK_TCP |
		                              NETIF_CHECKSUM_CHECK_UDP));
	return ERR_OK;
}

int netdev_register(struct netdev *d)
{
	const struct bothy_net_config *cfg = &boot_info->net;
	ip4_addr_t ip, mask, gw;
	struct bnetif *b;

	if (ndevs == NETDEV_MAX)
		return -ENOSPC;
	if (!(b = kmalloc(sizeof(*b))))
		return -ENOMEM;
	b->d = d;
	b->csum_offload = (d->features & (NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM)) ==
	                  (NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM);
	d->stack = b;
	d->rx = rx;
	d->tx_done = tx_done;
	ip4_addr_set_zero(&ip);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (!ndevs && (cfg->flags & BOTHY_NET_STATIC) && !(cfg->flags & BOTHY_NET_DHCP)) {
		ip.addr = cfg->ip4;
		mask.addr = lwip_htonl(cfg->prefix4 ? ~0u << (32 - MIN(cfg->prefix4, 32)) : 0);
		gw.addr = cfg->gateway4;
	}
	if (!netif_add(&b->nif, &ip, &mask, &gw, b, bnetif_init, ethernet_input)) {
		d->stack = NULL;
		kfree(b);
		return -ENOMEM;
	}
	if (!ndevs && cfg->mtu && cfg->mtu < b->nif.mtu)
		b->nif.mtu = b->nif.mtu6 = (u16_t)cfg->mtu;
	netif_create_ip6_linklocal_address(&b->nif, 1);
	netif_set_ip6_autoconfig_enabled(&b->nif, 1);
	if (!ndevs)
		netif_set_default(&b->nif);
	netif_set_up(&b->nif);
	netif_set_link_up(&b->nif); /* netdev.h has no link changes: up from the start */
	if (!ndevs && (cfg->flags & BOTHY_NET_DHCP)) {
		dhcp_netif = &b->nif;
		dhcp_start(&b->nif);
	} else if (!ndevs && (cfg->flags & BOTHY_NET_STATIC)) {
		log_netif(&b->nif, "static");
	}
	devs[ndevs++] = b;
	net_external = 1;
	return 0;
}

void net_wait_configured(void)
{
	uint64_t deadline = time_monotonic_ns() + NET_DHCP_WAIT_NS;

	if (!dhcp_netif || dhcp_reported)
		return;
	dhcp_reported = 1;
	while (!dhcp_supplied_address(dhcp_netif))
		if (wait_event(&config_wq, deadline, 0, "DHCP") == -ETIMEDOUT &&
		    !dhcp_supplied_address(dhcp_netif)) {
			if (log_level >= BOTHY_LOG_WARN)
				printk("bothy: net: no DHCP lease in 5 s; the program starts "
				       "without an IPv4 address (DHCP goes on)\n");
			return;
		}
}

void net_init(void)
{
	const char *h = (const char *)boot_info->net.hostname;
	size_t n = strnlen(h, sizeof(boot_info->net.hostname));

	memcpy(hostname, n ? h : "bothy", n ? n : 5);
	tcpip_init(NULL, NULL);
	/* Loopback frames never leave memory: no checksums (as Linux's lo). */
	for (struct netif *nif = netif_list; nif; nif = nif->next)
		if (nif->name[0] == 'l' && nif->name[1] == 'o')
			NETIF_SET_CHECKSUM_CTRL(nif, NETIF_CHECKSUM_DISABLE_ALL);
	netif_add_ext_callback(&netif_cb, netif_changed);
}
