/*
 * Network devices: what a driver (kernel/drivers/virtio_net.c) offers the
 * network stack (kernel/net/netif.c, lwIP), frames in and out without
 * copying them. Everything runs under the kernel lock; rx and tx_done are
 * called from the device's interrupt handler.
 */
#ifndef BOTHY_NETDEV_H
#define BOTHY_NETDEV_H
#include <kernel.h>

#define NETDEV_MAX 4

/* Device features (netdev.features). */
#define NETDEV_F_TX_CSUM 1u /* the device completes TCP/UDP checksums (xmit csum_start) */
#define NETDEV_F_RX_CSUM 2u /* the device checks received checksums (NETDEV_RX_CSUM_OK) */

/* Flags of a received frame. */
#define NETDEV_RX_CSUM_OK 1u /* the device checked the transport checksum: valid */

/* One piece of a frame to send: kernel virtual address and length. */
struct netdev_seg {
	const void *addr;
	uint32_t len;
};

/* A received frame: data[0..len) (the Ethernet header first) in a buffer
 * the driver owns until the stack gives it back with netdev_rx_done(). */
struct netdev_rxbuf {
	void *data;
	uint32_t len;
	uint32_t flags; /* NETDEV_RX_* */
	void *driver;   /* the driver's own */
};

struct netdev {
	char name[8];  /* "eth0" */
	uint8_t mac[6];
	uint16_t mtu;  /* bytes of IP packet, 1500 unless the device says */
	unsigned features;
	int link_up;
	/* xmit - queue one Ethernet frame of segs[0..nseg) (at most 64;
	 * lengths sum to at most mtu + 14). If csum_start != 0 the device
	 * must write the 16-bit checksum of frame bytes [csum_start, end) at
	 * csum_start + csum_offset (virtio 1.2 5.1.6.2, NEEDS_CSUM); only
	 * when NETDEV_F_TX_CSUM. The segments must stay untouched until the
	 * driver calls d->tx_done(d, cookie). 0, or -EAGAIN when the ring is
	 * full (the stack retries after a tx_done), -EINVAL for a bad frame. */
	int (*xmit)(struct netdev *d, const struct netdev_seg *segs, unsigned nseg,
	            uint16_t csum_start, uint16_t csum_offset, void *cookie);
	/* Set by the stack before netdev_register returns: */
	/* rx - a frame arrived; the stack owns buf until netdev_rx_done(). */
	void (*rx)(struct netdev *d, struct netdev_rxbuf *buf);
	/* tx_done - the device is finished with xmit's segments. */
	void (*tx_done)(struct netdev *d, void *cookie);
	/* rx_done_driver - the driver's: give a receive buffer back to the ring. */
	void (*rx_done_driver)(struct netdev *d, struct netdev_rxbuf *buf);
	void *stack; /* the stack's own (lwIP's struct netif) */
	void *priv;  /* the driver's own */
};

/* netdev_register - a driver found device d (all fields above the "set
 * by the stack" line filled in); the stack attaches it (kernel/net/netif.c)
 * and fills rx and tx_done before the driver enables interrupts. 0 or
 * -ENOMEM, -ENOSPC (more than NETDEV_MAX). */
int netdev_register(struct netdev *d);
/* netdev_rx_done - the stack is finished with a received buffer. */
static inline void netdev_rx_done(struct netdev *d, struct netdev_rxbuf *buf)
{
	d->rx_done_driver(d, buf);
}

#endif
