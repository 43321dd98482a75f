/* clang-format off */
/* unit-test-sources: monitor/virtio_net.c monitor/virtio_mmio.c monitor/net_options.c monitor/net_slirp.c monitor/net_tap.c monitor/gpa.c tests/unit/stubs_monitor.c */
/* unit-test-cflags: -Wl,--no-as-needed -lslirp -lpthread */
/* clang-format on */
/*
 * The monitor's virtio-net device with its libslirp backend, without a
 * VM: the test plays the guest's driver through the registers and rings
 * of a heap "RAM", sends an ARP request for the gateway and expects
 * slirp's ARP reply in a receive buffer; it also checks the partial
 * checksum completion and the network options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm.h"
#include "net.h"
#include "test.h"
#include "virtio_mmio.h"

#define RAM   (256 * 1024)
#define QSIZE 8

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* queue q's rings at 0x1000 + q * 0x3000; buffers from 0x10000 */
#define DESC(q)  (0x1000 + (q)*0x3000)
#define AVAIL(q) (DESC(q) + 0x1000)
#define USED(q)  (DESC(q) + 0x2000)
#define RXBUF(i) (0x10000 + (i)*0x800)
#define TXBUF    0x20000

static struct vm vm;
static struct bothy_boot_info bi;

static void wr(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	virtio_mmio_access(d, off, (uint8_t *)&v, 4, 1);
}

static uint32_t rd(struct virtio_dev *d, uint64_t off)
{
	uint32_t v;

	virtio_mmio_access(d, off, (uint8_t *)&v, 4, 0);
	return v;
}

static void offer(unsigned q, uint16_t head)
{
	uint16_t *avail = (uint16_t *)(vm.mem + AVAIL(q));

	avail[2 + avail[1] % QSIZE] = head;
	__atomic_store_n(&avail[1], (uint16_t)(avail[1] + 1), __ATOMIC_RELEASE);
}

static uint16_t used_idx(unsigned q)
{
	return __atomic_load_n((uint16_t *)(vm.mem + USED(q) + 2), __ATOMIC_ACQUIRE);
}

static void slirp_answers_arp(void)
{
	struct net_options o = {.mode = NET_SLIRP};
	struct virtio_dev *d;
	uint8_t *f;
	struct timespec pause = {.tv_nsec = 10000000};
	int got = 0;

	vm.mem = calloc(1, RAM);
	vm.mem_size = RAM;
	vm.fd = -1;
	net_devices_setup(&vm, &o, &bi);
	CHECK_EQ(vm.nvirtio, 1);
	CHECK_EQ(bi.nvirtio, 1);
	CHECK_EQ(bi.virtio[0].gpa, BOTHY_GPA_VIRTIO);
	CHECK_EQ(bi.virtio[0].vector, BOTHY_VECTOR_VIRTIO);
	CHECK_EQ(bi.net.flags, BOTHY_NET_STATIC);
	CHECK_EQ(bi.net.ip4, htonl(0x0a00020f));
	CHECK_EQ(bi.net.gateway4, htonl(0x0a000202));
	CHECK_EQ(bi.net.dns4, htonl(0x0a000203));
	CHECK_EQ(bi.net.prefix4, 24);
	d = vm.virtio[0];
	CHECK_EQ(rd(d, 0x08), 1); /* a network card */
	uint8_t mac[6];
	for (int i = 0; i < 6; i++)
		virtio_mmio_access(d, 0x100 + i, &mac[i], 1, 0);
	CHECK(!memcmp(mac, "\x52\x54\x00\x12\x34\x56", 6));
	/* the driver's side: features VERSION_1 only, two queues */
	wr(d, 0x70, 3);
	wr(d, 0x24, 1);
	wr(d, 0x20, 1);
	wr(d, 0x70, 3 | 8);
	CHECK(rd(d, 0x70) & 8);
	for (unsigned q = 0; q < 2; q++) {
		wr(d, 0x30, q);
		wr(d, 0x38, QSIZE);
		wr(d, 0x80, DESC(q));
		wr(d, 0x90, AVAIL(q));
		wr(d, 0xa0, USED(q));
		wr(d, 0x44, 1);
	}
	wr(d, 0x70, 3 | 8 | 4);
	net_devices_start(&vm);
	for (uint16_t i = 0; i < 4; i++) {
		((struct desc *)(vm.mem + DESC(0)))[i] = (struct desc){RXBUF(i), 0x800, 2, 0};
		offer(0, i);
	}
	wr(d, 0x50, 0);
	/* an ARP request: who has 10.0.2.2? tell 10.0.2.15 */
	f = vm.mem + TXBUF;
	memset(f, 0, 12); /* virtio_net_hdr */
	memcpy(f + 12, "\xff\xff\xff\xff\xff\xff\x52\x54\x00\x12\x34\x56\x08\x06", 14);
	memcpy(f + 26,
	       "\x00\x01\x08\x00\x06\x04\x00\x01\x52\x54\x00\x12\x34\x56\x0a\x00\x02\x0f"
	       "\x00\x00\x00\x00\x00\x00\x0a\x00\x02\x02",
	       28);
	((struct desc *)(vm.mem + DESC(1)))[0] = (struct desc){TXBUF, 12 + 42, 0, 0};
	offer(1, 0);
	wr(d, 0x50, 1);
	for (int i = 0; i < 300 && !got; i++) {
		if (used_idx(0) > 0) {
			uint32_t len = *(uint32_t *)(vm.mem + USED(0) + 8);
			uint8_t *r = vm.mem + RXBUF(*(uint32_t *)(vm.mem + USED(0) + 4));
			CHECK(len >= 12 + 42);
			CHECK_EQ(r[12 + 12], 0x08);
			CHECK_EQ(r[12 + 13], 0x06);                         /* ARP */
			CHECK_EQ(r[12 + 21], 2);                            /* a reply */
			CHECK(!memcmp(r + 12 + 28, "\x0a\x00\x02\x02", 4)); /* from the gateway */
			got = 1;
		}
		nanosleep(&pause, NULL);
	}
	CHECK(got);
	CHECK_EQ(used_idx(1), 1); /* the transmit buffer came back */
	CHECK(rd(d, 0x60) & 1);   /* and the interrupt status says so */
	CHECK(!(rd(d, 0x70) & VIRTIO_STATUS_NEEDS_RESET));
	net_devices_stop(&vm);
	free(vm.mem);
}

/* The one's complement sum of buf[0..len), RFC 1071, not complemented. */
static uint32_t sum16(const uint8_t *buf, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void partial_checksums_are_completed(void)
{
	/* Ethernet + IPv4 + UDP from 10.0.2.15:1234 to 10.0.2.2:53, 5 bytes */
	uint8_t f[14 + 20 + 8 + 5] = {0};
	uint8_t pseudo[12] = {10, 0, 2, 15, 10, 0, 2, 2, 0, 17, 0, 13};
	uint32_t seed = sum16(pseudo, sizeof(pseudo), 0);
	uint8_t *udp = f + 34;

	udp[0] = 0x04, udp[1] = 0xd2, udp[3] = 53, udp[5] = 13;
	memcpy(udp + 8, "hello", 5);
	udp[6] = (uint8_t)(seed >> 8), udp[7] = (uint8_t)seed; /* as Linux/lwIP seed it */
	CHECK_EQ(net_csum_complete(f, sizeof(f), 34, 6), 0);
	/* the receiver's check: pseudo header + segment sums to 0xffff */
	CHECK_EQ(sum16(udp, 13, sum16(pseudo, sizeof(pseudo), 0)), 0xffff);
	/* fields out of the frame */
	CHECK_EQ(net_csum_complete(f, sizeof(f), 46, 0), -EINVAL);
	CHECK_EQ(net_csum_complete(f, sizeof(f), 34, 12), -EINVAL);
	CHECK_EQ(net_csum_complete(f, sizeof(f), 100, 6), -EINVAL);
	CHECK_EQ(net_csum_complete(f, sizeof(f), 34, ~(size_t)0), -EINVAL);
}

static void options_parse_like_docker(void)
{
	struct net_options o = {0};
	struct bothy_net_config c;
	uint8_t mac[6];
	char err[200];

	CHECK_EQ(net_parse_forward(&o, "8080:80", err, sizeof(err)), 0);
	CHECK_EQ(o.fwd[0].host.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ(o.fwd[0].host_port, 8080);
	CHECK_EQ(o.fwd[0].guest_port, 80);
	CHECK_EQ(o.fwd[0].udp, 0);
	CHECK_EQ(net_parse_forward(&o, "0.0.0.0:5353:53/udp", err, sizeof(err)), 0);
	CHECK_EQ(o.fwd[1].host.s_addr, 0);
	CHECK_EQ(o.fwd[1].udp, 1);
	CHECK_EQ(net_parse_forward(&o, "8080:81", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_forward(&o, "8080:81/udp", err, sizeof(err)), 0);
	CHECK_EQ(net_parse_forward(&o, ":80", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_forward(&o, "80:", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_forward(&o, "80:80/", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_forward(&o, "a:b:80:80", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_forward(&o, "65536:80", err, sizeof(err)), -EINVAL);
	CHECK_EQ(o.nfwd, 3);
	CHECK_EQ(net_parse_ip(&o, "192.168.1.7/16", err, sizeof(err)), 0);
	CHECK_EQ(o.prefix4, 16);
	CHECK_EQ(net_parse_ip(&o, "192.168.1.7/", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_ip(&o, "192.168.1.7/-1", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_mac(&o, "52:54:00:ab:cd:ef", err, sizeof(err)), 0);
	CHECK_EQ(o.mac[5], 0xef);
	CHECK_EQ(net_parse_mac(&o, "52:54:00:ab:cd:ef:00", err, sizeof(err)), -EINVAL);
	CHECK_EQ(net_parse_mode(&o, "tap:tap0", err, sizeof(err)), 0);
	CHECK_STR(o.tap, "tap0");
	CHECK_EQ(net_parse_mode(&o, "tap:0123456789abcdef", err, sizeof(err)), -EINVAL);
	/* tap with a static --ip and no gateway: no gateway, no DNS */
	CHECK_EQ(net_config(&o, &c, mac, err, sizeof(err)), 0);
	CHECK_EQ(c.flags, BOTHY_NET_STATIC);
	CHECK_EQ(c.gateway4, 0);
	/* tap without --ip: DHCP */
	o.ip_set = 0;
	CHECK_EQ(net_config(&o, &c, mac, err, sizeof(err)), 0);
	CHECK_EQ(c.flags, BOTHY_NET_DHCP);
	CHECK_EQ(mac[5], 0xef);
	/* slirp follows --ip: gateway .2 and DNS .3 of its network */
	CHECK_EQ(net_parse_mode(&o, "slirp", err, sizeof(err)), 0);
	CHECK_EQ(net_parse_ip(&o, "192.168.7.9/24", err, sizeof(err)), 0);
	CHECK_EQ(net_config(&o, &c, mac, err, sizeof(err)), 0);
	CHECK_EQ(c.gateway4, htonl(0xc0a80702));
	CHECK_EQ(c.dns4, htonl(0xc0a80703));
	free(o.fwd);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(slirp_answers_arp);
	TEST_RUN(partial_checksums_are_completed);
	TEST_RUN(options_parse_like_docker);
	return test_summary("virtio_net");
}
