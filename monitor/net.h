/*
 * Networking in the monitor: the --net, -p, --ip, --gateway, --dns and
 * --mac options (net_options.c), the virtio-net device (virtio_net.c) and
 * its backends, libslirp (net_slirp.c) and a tap interface (net_tap.c).
 * docs/network-monitor.md describes them.
 */
#ifndef BOTHY_NET_H
#define BOTHY_NET_H

#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <bothy/abi.h>

enum net_mode { NET_SLIRP = 0, NET_TAP, NET_NONE };

/* -p [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp] */
struct net_forward {
	const char *spec; /* as given, for messages */
	int udp;
	struct in_addr host; /* 127.0.0.1 unless given */
	uint16_t host_port, guest_port;
};

/* What the command line asked for. Addresses in network byte order. */
struct net_options {
	enum net_mode mode;
	char tap[16]; /* --net tap:NAME */
	struct net_forward *fwd;
	unsigned nfwd;
	int ip_set;   /* --ip given: 1 static, 2 dhcp */
	uint32_t ip4; /* --ip A.B.C.D/N */
	uint8_t prefix4;
	int gateway_set, dns_set, mac_set;
	uint32_t gateway4, dns4;
	uint8_t mac[6];
};

/*
 * net_parse_mode / net_parse_forward / net_parse_ip / net_parse_addr /
 * net_parse_mac - parse the value of --net, -p, --ip, --gateway or --dns,
 * --mac into o. Return 0, or -EINVAL with a one-line reason (naming the
 * flag) in err[0..n).
 */
int net_parse_mode(struct net_options *o, const char *s, char *err, size_t n);
int net_parse_forward(struct net_options *o, const char *s, char *err, size_t n);
int net_parse_ip(struct net_options *o, const char *s, char *err, size_t n);
int net_parse_addr(const char *flag, const char *s, uint32_t *addr, char *err, size_t n);
int net_parse_mac(struct net_options *o, const char *s, char *err, size_t n);

/*
 * net_config - the guest's network configuration for options o: --ip
 * (static or DHCP) or the backend's default (slirp: static 10.0.2.15/24,
 * gateway 10.0.2.2, DNS 10.0.2.3; tap: DHCP), the MTU, and the MAC (--mac
 * or 52:54:00:12:34:56) into mac[6]. Returns 0, or -EINVAL with a reason in
 * err (e.g. --gateway outside the --ip network).
 */
int net_config(const struct net_options *o, struct bothy_net_config *c, uint8_t mac[6], char *err,
               size_t n);

/* A set of descriptors a backend wants polled (grows as needed). */
struct net_pollset {
	struct pollfd *fds;
	unsigned n, cap;
};
/* net_pollset_add - append fd with events; returns its index, or exits
 * bothy on out of memory. */
int net_pollset_add(struct net_pollset *ps, int fd, short events);

/*
 * A network backend: where the frames of a virtio-net device go. Frames
 * are whole Ethernet frames without the virtio header or FCS. All of it
 * runs in the device's I/O thread, except new() and free().
 */
struct net_backend {
	/* hand a frame from the guest to the network; 0 or -errno */
	int (*send)(struct net_backend *b, const uint8_t *frame, size_t len);
	/* add the backend's descriptors to ps; lower *timeout_ms (-1: none)
	 * for its timers. `can_receive`: the device has room for frames now. */
	void (*fill)(struct net_backend *b, struct net_pollset *ps, int *timeout_ms,
	             int can_receive);
	/* after poll(2) on ps (returned `r`): read what is ready and pass each
	 * frame to receive(); run expired timers */
	void (*poll)(struct net_backend *b, struct net_pollset *ps, int r);
	void (*free)(struct net_backend *b);
	/* set by the device: take a frame for the guest */
	void (*receive)(void *opaque, const uint8_t *frame, size_t len);
	void *opaque;
	int debug; /* BOTHY_NET_DEBUG=1: log every frame on stderr */
	/* the frames it delivers carry correct checksums by construction
	 * (slirp builds them): the device marks them DATA_VALID, so the guest
	 * does not check them again (virtio 1.2 5.1.6.4.1) */
	int csum_valid;
};

/*
 * net_slirp_new - a libslirp user-mode network for guest configuration c
 * (the guest's address, gateway and DNS become slirp's; IPv6 on, fec0::/64)
 * with the -p forwards of o bound now. net_tap_new - tap interface NAME
 * (opened with IFF_TAP | IFF_NO_PI, created if it does not exist and we
 * may). Both exit bothy with one line (status 125) on failure: a host port
 * in use, no /dev/net/tun, no permission.
 */
struct net_backend *net_slirp_new(const struct net_options *o, const struct bothy_net_config *c);
struct net_backend *net_tap_new(const char *name);

struct vm;
/*
 * net_devices_setup - make the network device of --net (none: no device)
 * as virtio-mmio device vm->nvirtio, fill boot_info's virtio[] and net,
 * with its backend (a -p port in use fails here). Exits 125 with one line
 * on failure. net_devices_start - start the devices' I/O threads (after
 * events_setup(), so that they inherit its signal mask).
 * net_devices_stop - end the I/O threads (after the vCPUs have stopped).
 * monitor/virtio_net.c.
 */
void net_devices_setup(struct vm *vm, const struct net_options *o, struct bothy_boot_info *bi);
void net_devices_start(struct vm *vm);
void net_devices_stop(struct vm *vm);

/*
 * net_csum_complete - VIRTIO_NET_HDR_F_NEEDS_CSUM: store the Internet
 * checksum (RFC 1071) of frame[start..len), seeded with the value already
 * at frame[start+offset] (the pseudo-header sum the guest put there), at
 * frame[start+offset]. Returns 0, or -EINVAL if the fields are out of the
 * frame.
 */
int net_csum_complete(uint8_t *frame, size_t len, size_t start, size_t offset);

#endif
