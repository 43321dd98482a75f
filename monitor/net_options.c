/*
 * The network options of `bothy run` (net.h): parsing --net, -p, --ip,
 * --gateway, --dns and --mac, and the guest configuration they make.
 * -p follows `docker run -p`: [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp],
 * bound to 127.0.0.1 unless HOSTADDR is given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define SLIRP_NET     0x0a000200u /* 10.0.2.0/24, host byte order */
#define SLIRP_GUEST   15
#define SLIRP_GATEWAY 2
#define SLIRP_DNS     3
#define NET_MTU       1500
#define NET_MTU_SLIRP 8000 /* slirp has no wire: fewer, bigger frames (virtio F_MTU) */

static const uint8_t default_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int net_parse_mode(struct net_options *o, const char *s, char *err, size_t n)
{
	if (!strcmp(s, "slirp") || !strcmp(s, "user")) {
		o->mode = NET_SLIRP;
	} else if (!strcmp(s, "none")) {
		o->mode = NET_NONE;
	} else if (!strncmp(s, "tap:", 4)) {
		if (!s[4] || strlen(s + 4) >= sizeof(o->tap) || strchr(s + 4, '/'))
			return fail(err, n,
			            "--net %s: the tap interface name must be 1 to %zu "
			            "characters without '/'",
			            s, sizeof(o->tap) - 1);
		o->mode = NET_TAP;
		strcpy(o->tap, s + 4);
	} else {
		return fail(err, n, "--net: '%s' is not slirp, tap:NAME or none", s);
	}
	return 0;
}

/* A decimal port 1..65535 in s[0..len); 0 if malformed. */
static uint16_t port_of(const char *s, size_t len)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (uint16_t)v : 0;
}

int net_parse_forward(struct net_options *o, const char *s, char *err, size_t n)
{
	struct net_forward f = {.spec = s, .host.s_addr = htonl(INADDR_LOOPBACK)};
	const char *proto = strchr(s, '/'), *end = proto ? proto : s + strlen(s);
	const char *c1, *c2, *hp;
	char addr[INET_ADDRSTRLEN];
	struct net_forward *grown;

	if (proto && strcmp(proto, "/tcp") && strcmp(proto, "/udp"))
		return fail(err, n, "-p %s: the protocol must be /tcp or /udp", s);
	f.udp = proto && !strcmp(proto, "/udp");
	c2 = memrchr(s, ':', (size_t)(end - s));
	if (!c2)
		return fail(err, n, "-p %s: expected [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]", s);
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	hp = c1 ? c1 + 1 : s;
	if (c1) {
		if ((size_t)(c1 - s) >= sizeof(addr) || c1 == s)
			return fail(err, n, "-p %s: '%.*s' is not an IPv4 address", s,
			            (int)(c1 - s), s);
		memcpy(addr, s, (size_t)(c1 - s));
		addr[c1 - s] = 0;
		if (inet_pton(AF_INET, addr, &f.host) != 1)
			return fail(err, n, "-p %s: '%s' is not an IPv4 address", s, addr);
	}
	if (!(f.host_port = port_of(hp, (size_t)(c2 - hp))))
		return fail(err, n, "-p %s: '%.*s' is not a host port (1-65535)", s, (int)(c2 - hp),
		            hp);
	if (!(f.guest_port = port_of(c2 + 1, (size_t)(end - c2 - 1))))
		return fail(err, n, "-p %s: '%.*s' is not a guest port (1-65535)", s,
		            (int)(end - c2 - 1), c2 + 1);
	for (unsigned i = 0; i < o->nfwd; i++)
		if (o->fwd[i].udp == f.udp && o->fwd[i].host_port == f.host_port &&
		    (o->fwd[i].host.s_addr == f.host.s_addr || !o->fwd[i].host.s_addr ||
		     !f.host.s_addr))
			return fail(err, n, "-p %s: host port %u/%s is already forwarded by -p %s",
			            s, f.host_port, f.udp ? "udp" : "tcp", o->fwd[i].spec);
	grown = realloc(o->fwd, (o->nfwd + 1) * sizeof(*o->fwd));
	if (!grown)
		return fail(err, n, "out of memory");
	o->fwd = grown;
	o->fwd[o->nfwd++] = f;
	return 0;
}

int net_parse_addr(const char *flag, const char *s, uint32_t *addr, char *err, size_t n)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return fail(err, n, "%s: '%s' is not an IPv4 address (A.B.C.D)", flag, s);
	*addr = a.s_addr;
	return 0;
}

int net_parse_ip(struct net_options *o, const char *s, char *err, size_t n)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned long prefix = 24;
	char *end;

	if (!strcmp(s, "dhcp")) {
		o->ip_set = 2;
		return 0;
	}
	if (slash) {
		if (!slash[1] || slash[1] < '0' || slash[1] > '9' ||
		    (prefix = strtoul(slash + 1, &end, 10), *end) || prefix > 32)
			return fail(err, n, "--ip %s: the prefix length must be 0 to 32", s);
	}
	if ((size_t)((slash ? slash : s + strlen(s)) - s) >= sizeof(addr))
		return fail(err, n, "--ip: '%s' is not A.B.C.D/N or dhcp", s);
	memcpy(addr, s, (size_t)((slash ? slash : s + strlen(s)) - s));
	addr[(slash ? slash : s + strlen(s)) - s] = 0;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return fail(err, n, "--ip: '%s' is not A.B.C.D/N or dhcp", s);
	o->ip_set = 1;
	o->ip4 = a.s_addr;
	o->prefix4 = (uint8_t)prefix;
	return 0;
}

int net_parse_mac(struct net_options *o, const char *s, char *err, size_t n)
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
	           &tail) != 6 ||
	    strlen(s) != 17)
		return fail(err, n, "--mac: '%s' is not a MAC address XX:XX:XX:XX:XX:XX", s);
	if (b[0] & 1)
		return fail(err, n, "--mac %s: a multicast address cannot be a card's", s);
	for (int i = 0; i < 6; i++)
		o->mac[i] = (uint8_t)b[i];
	o->mac_set = 1;
	return 0;
}

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? htonl(~0u << (32 - prefix)) : 0;
}

int net_config(const struct net_options *o, struct bothy_net_config *c, uint8_t mac[6], char *err,
               size_t n)
{
	char where[INET_ADDRSTRLEN];
	uint32_t net;

	memset(c, 0, sizeof(*c));
	memcpy(mac, o->mac_set ? o->mac : default_mac, 6);
	if (o->mode == NET_NONE)
		return 0;
	c->mtu = o->mode == NET_SLIRP ? NET_MTU_SLIRP : NET_MTU;
	if (o->ip_set == 2 || (!o->ip_set && o->mode == NET_TAP)) {
		if (o->gateway_set || o->dns_set)
			return fail(err, n,
			            "--gateway and --dns need a static --ip A.B.C.D/N "
			            "(DHCP gives them)");
		c->flags = BOTHY_NET_DHCP;
		return 0;
	}
	c->flags = BOTHY_NET_STATIC;
	if (o->ip_set) {
		c->ip4 = o->ip4;
		c->prefix4 = o->prefix4;
	} else {
		c->ip4 = htonl(SLIRP_NET + SLIRP_GUEST);
		c->prefix4 = 24;
	}
	net = c->ip4 & mask_of(c->prefix4);
	if (o->mode == NET_SLIRP && (c->prefix4 > 30 || c->prefix4 < 8))
		return fail(err, n, "--ip: with --net slirp the prefix length must be 8 to 30");
	if (o->gateway_set)
		c->gateway4 = o->gateway4;
	else if (o->mode == NET_SLIRP)
		c->gateway4 = htonl(ntohl(net) + SLIRP_GATEWAY);
	if (o->dns_set)
		c->dns4 = o->dns4;
	else if (o->mode == NET_SLIRP)
		c->dns4 = htonl(ntohl(net) + SLIRP_DNS);
	inet_ntop(AF_INET, &net, where, sizeof(where));
	if (c->gateway4 && (c->gateway4 & mask_of(c->prefix4)) != net)
		return fail(err, n, "--gateway: not in the guest's network %s/%u", where,
		            c->prefix4);
	if (c->gateway4 == c->ip4)
		return fail(err, n, "--gateway: the guest's own address (--ip)");
	if (o->mode == NET_SLIRP && c->dns4 && (c->dns4 & mask_of(c->prefix4)) != net)
		return fail(err, n,
		            "--dns: with --net slirp it must be in the guest's network %s/%u",
		            where, c->prefix4);
	if (o->mode == NET_SLIRP && c->dns4 == c->ip4)
		return fail(err, n, "--dns: the guest's own address (--ip)");
	return 0;
}
