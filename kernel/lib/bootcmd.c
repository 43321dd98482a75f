/* The PVH kernel command line (bootcmd.h). */
#include "bootcmd.h"

#include <string.h>

/* The word w[0..n) starts with prefix p: its length, else 0. */
static size_t prefix(const char *w, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !memcmp(w, p, k) ? k : 0;
}

/* An unsigned number at *s (before end): decimal, or hex after "0x"; at
 * least one digit, no overflow past 64 bits. Advances *s. 0 or -1. */
static int number(const char **s, const char *end, uint64_t *v)
{
	unsigned base = 10, digits = 0;
	const char *p = *s;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	for (*v = 0; p < end; p++, digits++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (*v > (UINT64_MAX - d) / base)
			return -1;
		*v = *v * base + d;
	}
	*s = p;
	return digits ? 0 : -1;
}

/* A dotted-quad IPv4 address at *s, into a[0..4) (network order). */
static int ipv4(const char **s, const char *end, uint32_t *out)
{
	uint8_t a[4];
	uint64_t v;

	for (int i = 0; i < 4; i++) {
		if (i) {
			if (*s >= end || **s != '.')
				return -1;
			++*s;
		}
		if (*s >= end || **s < '0' || **s > '9' || number(s, end, &v) || v > 255)
			return -1;
		a[i] = (uint8_t)v;
	}
	memcpy(out, a, 4);
	return 0;
}

/* virtio_mmio.device=SIZE@BASE:GSI[:ID] (the part after '='). */
static int virtio_dev(const char *s, const char *end, struct bootcmd *out)
{
	uint64_t size, base, gsi;

	if (number(&s, end, &size))
		return -1;
	if (s < end &&
	    (*s == 'K' || *s == 'k' || *s == 'M' || *s == 'm' || *s == 'G' || *s == 'g')) {
		unsigned shift = *s == 'K' || *s == 'k' ? 10 : *s == 'M' || *s == 'm' ? 20 : 30;
		if (size > UINT64_MAX >> shift)
			return -1;
		size <<= shift;
		s++;
	}
	if (s >= end || *s++ != '@' || number(&s, end, &base) || s >= end || *s++ != ':')
		return -1;
	if (s >= end || *s == 'x' || number(&s, end, &gsi) || gsi > UINT32_MAX)
		return -1;
	if (s < end && *s != ':') /* ":ID" may follow */
		return -1;
	if (!size || base + size < base || out->nvirtio == BOOTCMD_VIRTIO_MAX)
		return -1;
	out->virtio[out->nvirtio++] = (struct bootcmd_virtio){base, size, (uint32_t)gsi};
	return 0;
}

/* One word w[0..n): 0, or -1 if it is a known one and malformed. */
static int word(const char *w, size_t n, struct bootcmd *out)
{
	const char *end = w + n, *s;
	struct bothy_net_config *net = &out->net;
	uint64_t v;
	uint32_t a;
	size_t k;

	if ((k = prefix(w, n, "virtio_mmio.device=")))
		return virtio_dev(w + k, end, out);
	if ((k = prefix(w, n, "bothy.ip="))) {
		s = w + k;
		if (end - s == 4 && !memcmp(s, "dhcp", 4)) {
			net->flags = BOTHY_NET_DHCP;
			return 0;
		}
		if (ipv4(&s, end, &a) || s >= end || *s++ != '/' || s >= end ||
		    number(&s, end, &v) || s != end || v > 32)
			return -1;
		net->ip4 = a;
		net->prefix4 = (uint8_t)v;
		net->flags = BOTHY_NET_STATIC;
		return 0;
	}
	if ((k = prefix(w, n, "bothy.gateway="))) {
		s = w + k;
		if (ipv4(&s, end, &a) || s != end)
			return -1;
		net->gateway4 = a;
		return 0;
	}
	if ((k = prefix(w, n, "bothy.dns="))) {
		s = w + k;
		if (ipv4(&s, end, &a) || s != end)
			return -1;
		net->dns4 = a;
		return 0;
	}
	if ((k = prefix(w, n, "bothy.mtu="))) {
		s = w + k;
		if (number(&s, end, &v) || s != end || v < 68 || v > 65535)
			return -1;
		net->mtu = (uint32_t)v;
		return 0;
	}
	if ((k = prefix(w, n, "bothy.hostname="))) {
		if (n - k < 1 || n - k >= sizeof(net->hostname))
			return -1;
		memset(net->hostname, 0, sizeof(net->hostname));
		memcpy(net->hostname, w + k, n - k);
		return 0;
	}
	return 0;
}

unsigned bootcmd_parse(const char *s, size_t len, struct bootcmd *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len && s[i]) {
		size_t j;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++;
			continue;
		}
		for (j = i; j < len && s[j] && s[j] != ' ' && s[j] != '\t' && s[j] != '\n'; j++)
			;
		if (word(s + i, j - i, out) && !out->bad++)
			out->bad_off = i, out->bad_len = j - i;
		i = j;
	}
	return out->bad;
}
