/*
 * Unit tests of bootcmd_parse() (kernel/lib/bootcmd.c): the PVH kernel
 * command line with QEMU microvm's virtio_mmio.device= words and Bothy's
 * bothy.* network words. IPv4 addresses are checked against inet_pton(3);
 * every parse gets a heap buffer of exactly the command line's bytes (no
 * NUL), so AddressSanitizer catches a read past its end.
 */
/* unit-test-sources: kernel/lib/bootcmd.c */
#include "bootcmd.h"
#include "test.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct bootcmd bc;

/* Parse s without its NUL; returns the number of malformed words. */
static unsigned parse(const char *s)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	unsigned r;

	memcpy(copy, s, n);
	r = bootcmd_parse(copy, n, &bc);
	free(copy);
	return r;
}

static uint32_t addr(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1) {
		fprintf(stderr, "bad test address %s\n", dotted);
		exit(2);
	}
	return a.s_addr;
}

static void qemu_microvm_line(void)
{
	CHECK_EQ(parse("console=ttyS0 bothy.ip=10.0.2.15/24 bothy.gateway=10.0.2.2 "
	               "bothy.dns=10.0.2.3 virtio_mmio.device=512@0xfeb00e00:12 "
	               "virtio_mmio.device=512@0xfeb00c00:11"),
	         0);
	CHECK_EQ(bc.nvirtio, 2);
	CHECK_EQ(bc.virtio[0].base, 0xfeb00e00);
	CHECK_EQ(bc.virtio[0].size, 512);
	CHECK_EQ(bc.virtio[0].gsi, 12);
	CHECK_EQ(bc.virtio[1].base, 0xfeb00c00);
	CHECK_EQ(bc.virtio[1].gsi, 11);
	CHECK_EQ(bc.net.flags, BOTHY_NET_STATIC);
	CHECK_EQ(bc.net.ip4, addr("10.0.2.15"));
	CHECK_EQ(bc.net.prefix4, 24);
	CHECK_EQ(bc.net.gateway4, addr("10.0.2.2"));
	CHECK_EQ(bc.net.dns4, addr("10.0.2.3"));
}

static void size_suffixes_and_id(void)
{
	CHECK_EQ(parse("virtio_mmio.device=4K@0xd0000000:24:3 virtio_mmio.device=1M@4096:5"), 0);
	CHECK_EQ(bc.nvirtio, 2);
	CHECK_EQ(bc.virtio[0].size, 4096);
	CHECK_EQ(bc.virtio[0].base, 0xd0000000);
	CHECK_EQ(bc.virtio[0].gsi, 24);
	CHECK_EQ(bc.virtio[1].size, 1 << 20);
	CHECK_EQ(bc.virtio[1].base, 4096);
}

static void dhcp_and_extras(void)
{
	CHECK_EQ(parse("\tbothy.ip=dhcp\nbothy.mtu=9000  bothy.hostname=box "), 0);
	CHECK_EQ(bc.net.flags, BOTHY_NET_DHCP);
	CHECK_EQ(bc.net.mtu, 9000);
	CHECK_STR((const char *)bc.net.hostname, "box");
	CHECK_EQ(bc.nvirtio, 0);
}

static void empty_and_unknown(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(bc.net.flags, 0);
	CHECK_EQ(parse("quiet bothy.other=1 virtio_mmio.devices=1@2:3 ip=1.2.3.4"), 0);
	CHECK_EQ(bc.nvirtio, 0);
	CHECK_EQ(bc.net.flags, 0);
	CHECK_EQ(bc.net.ip4, 0);
}

static void stops_at_nul(void)
{
	const char s[] = "bothy.ip=dhcp\0bothy.ip=1.2.3.4/8";

	CHECK_EQ(bootcmd_parse(s, sizeof(s) - 1, &bc), 0);
	CHECK_EQ(bc.net.flags, BOTHY_NET_DHCP);
}

/* Each is one malformed word: skipped, counted, nothing of it kept. */
static void malformed(void)
{
	static const char *const bad[] = {
	    "bothy.ip=10.0.2.15",
	    "bothy.ip=10.0.2.15/33",
	    "bothy.ip=10.0.2/24",
	    "bothy.ip=10.0.2.256/24",
	    "bothy.ip=10.0.2.15/24x",
	    "bothy.ip=",
	    "bothy.ip=DHCP",
	    "bothy.ip=1.2.3.4.5/8",
	    "bothy.gateway=1.2.3.4x",
	    "bothy.dns=",
	    "bothy.dns=1..2.3",
	    "bothy.mtu=0",
	    "bothy.mtu=65536",
	    "bothy.mtu=12a",
	    "bothy.hostname=",
	    "bothy.hostname=0123456789012345678901234567890123",
	    "virtio_mmio.device=",
	    "virtio_mmio.device=512",
	    "virtio_mmio.device=512@",
	    "virtio_mmio.device=512@0x1000",
	    "virtio_mmio.device=512@0x1000:",
	    "virtio_mmio.device=0@0x1000:5",
	    "virtio_mmio.device=512@0xfffffffffffffff0:5",
	    "virtio_mmio.device=512@0x1000:5x",
	    "virtio_mmio.device=512@0x1000:4294967296",
	    "virtio_mmio.device=99999999999999999999@0:1",
	    "virtio_mmio.device=17179869184G@0:1",
	    "virtio_mmio.device=512@0x:1",
	};
	char line[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "quiet %s bothy.dns=9.9.9.9", bad[i]);
		if (parse(line) != 1)
			fprintf(stderr, "not refused: %s\n", bad[i]);
		CHECK_EQ(bc.bad, 1);
		CHECK_EQ(bc.bad_off, 6);
		CHECK_EQ(bc.bad_len, strlen(bad[i]));
		CHECK_EQ(bc.nvirtio, 0);
		CHECK_EQ(bc.net.flags, 0);
		CHECK_EQ(bc.net.ip4, 0);
		CHECK_EQ(bc.net.gateway4, 0);
		CHECK_EQ(bc.net.mtu, 0);
		CHECK_EQ(bc.net.hostname[0], 0);
		CHECK_EQ(bc.net.dns4, addr("9.9.9.9"));
	}
}

static void too_many_devices(void)
{
	char line[64 * (BOOTCMD_VIRTIO_MAX + 2)];
	size_t n = 0;

	for (int i = 0; i < BOOTCMD_VIRTIO_MAX + 2; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "virtio_mmio.device=512@%d:%d ",
		                      0x1000 * (i + 1), i);
	CHECK_EQ(parse(line), 2);
	CHECK_EQ(bc.nvirtio, BOOTCMD_VIRTIO_MAX);
	CHECK_EQ(bc.virtio[BOOTCMD_VIRTIO_MAX - 1].gsi, BOOTCMD_VIRTIO_MAX - 1);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	TEST_RUN(qemu_microvm_line);
	TEST_RUN(size_suffixes_and_id);
	TEST_RUN(dhcp_and_extras);
	TEST_RUN(empty_and_unknown);
	TEST_RUN(stops_at_nul);
	TEST_RUN(malformed);
	TEST_RUN(too_many_devices);
	return test_summary("bootcmd");
}
