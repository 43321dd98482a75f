/*
 * The kernel command line under PVH boot (QEMU `-append`, plus what QEMU
 * microvm adds itself): the virtio-mmio devices and the network
 * configuration. Pure code (kernel/lib/bootcmd.c), unit-tested on the host.
 *
 * Words are separated by spaces (or tabs, newlines); a word the parser
 * does not know is ignored. Known words:
 *   virtio_mmio.device=SIZE@BASE:GSI[:ID]  as Linux's virtio_mmio module
 *       takes it (Documentation/admin-guide/kernel-parameters.txt): SIZE
 *       with an optional K, M or G suffix, SIZE and BASE decimal or 0x hex,
 *       GSI decimal; ID is ignored. QEMU microvm adds one per device,
 *       e.g. "virtio_mmio.device=512@0xfeb00e00:12".
 *   bothy.ip=A.B.C.D/N   a static address (BOTHY_NET_STATIC), N 0..32
 *   bothy.ip=dhcp        ask DHCP (BOTHY_NET_DHCP)
 *   bothy.gateway=A.B.C.D  bothy.dns=A.B.C.D  bothy.mtu=N (68..65535)
 *   bothy.hostname=NAME  (1..31 bytes)
 * Addresses land in struct bothy_net_config (abi.h) in network byte order.
 */
#ifndef BOTHY_BOOTCMD_H
#define BOTHY_BOOTCMD_H
#include <bothy/abi.h>
#include <stddef.h>
#include <stdint.h>

#define BOOTCMD_VIRTIO_MAX 32 /* QEMU microvm has up to 24 virtio-mmio slots */

struct bootcmd {
	unsigned nvirtio;
	struct bootcmd_virtio {
		uint64_t base; /* physical address of the registers */
		uint64_t size; /* bytes */
		uint32_t gsi;  /* the interrupt line */
	} virtio[BOOTCMD_VIRTIO_MAX];
	struct bothy_net_config net; /* flags 0 if no bothy.ip= was given */
	unsigned bad;                /* malformed known words (skipped) */
	size_t bad_off, bad_len;     /* the first one: s[bad_off, bad_off+bad_len) */
};

/*
 * bootcmd_parse - parse the command line s[0..len) (it need not be
 * NUL-terminated; parsing stops at a NUL) into *out, which is cleared
 * first. A malformed known word is skipped and counted in out->bad (the
 * first one located by bad_off/bad_len); devices past BOOTCMD_VIRTIO_MAX
 * count as malformed. gateway/dns/mtu/hostname are kept whatever bothy.ip
 * says. Returns out->bad.
 */
unsigned bootcmd_parse(const char *s, size_t len, struct bootcmd *out);

#endif
