/*
 * sock_udp: UDP over loopback, IPv4 and IPv6: round trips with
 * sendto/recvfrom (the sender's port as recvfrom reports it is the one it
 * bound), datagram boundaries, MSG_PEEK, MSG_TRUNC (recv's flag and
 * recvmsg's msg_flags), EAGAIN, connect() (send without an address,
 * getpeername, datagrams from other senders filtered, AF_UNSPEC
 * disconnects: getpeername fails again), EDESTADDRREQ, SO_TYPE, and the largest datagram: 65507
 * bytes over IPv4 go through, 65508 fail with EMSGSIZE.
 */
// case: sock_udp variants=musl,glibc
#include <sys/ioctl.h>
#include "sock_common.h"

static char big[65536], back[65536];

static int round_trip(int family, const char *name)
{
	int bad = 0, pa, pb, a = sk_bound(family, SOCK_DGRAM, 0, &pa);
	int b = sk_bound(family, SOCK_DGRAM, 0, &pb), n = -1;
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen = sizeof(from);
	char buf[64] = {0}, what[128];

	if (a < 0 || b < 0)
		return 1;
	printf("%s\n", name);
	tolen = sk_addr(family, pb, &to);
	bad += sk_eq("  sendto of 4 bytes", sendto(a, "ping", 4, 0, (void *)&to, tolen), 4);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  FIONREAD is the datagram's size", (ioctl(b, FIONREAD, &n), n), 4);
	bad += sk_eq("  recvfrom",
	             recvfrom(b, buf, sizeof(buf), MSG_DONTWAIT, (void *)&from, &fromlen), 4);
	bad += check("  ... 'ping'", memcmp(buf, "ping", 4) == 0);
	snprintf(what, sizeof(what), "  ... from the sender's bound port, length of %s",
	         family == AF_INET ? "sockaddr_in" : "sockaddr_in6");
	bad += check(what, from.ss_family == family && sk_port(&from) == pa &&
	                       fromlen == (family == AF_INET ? sizeof(struct sockaddr_in)
	                                                     : sizeof(struct sockaddr_in6)));
	bad += sk_eq("  the reply with sendto to that address",
	             sendto(b, "pong!", 5, 0, (void *)&from, fromlen), 5);
	sk_wait(a, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT), 5);
	bad += check("  ... 'pong!'", memcmp(buf, "pong!", 5) == 0);

	/* Boundaries: two datagrams stay two. */
	sendto(a, "12345", 5, 0, (void *)&to, tolen);
	sendto(a, "abcdefg", 7, 0, (void *)&to, tolen);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  MSG_PEEK of the first of two datagrams",
	             recv(b, buf, 64, MSG_PEEK | MSG_DONTWAIT), 5);
	bad += sk_eq("  recv the first", recv(b, buf, 64, MSG_DONTWAIT), 5);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  recv the second", recv(b, buf, 64, MSG_DONTWAIT), 7);
	bad += check("  ... 'abcdefg'", memcmp(buf, "abcdefg", 7) == 0);
	bad += sk_fail("  recv MSG_DONTWAIT with nothing queued", recv(b, buf, 64, MSG_DONTWAIT),
	               EAGAIN);
	bad += sk_eq("  an empty datagram", sendto(a, "", 0, 0, (void *)&to, tolen), 0);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  is received as one of 0 bytes", recv(b, buf, 64, MSG_DONTWAIT), 0);
	bad += sk_fail("  and is gone", recv(b, buf, 64, MSG_DONTWAIT), EAGAIN);
	close(a);
	close(b);
	return bad;
}

static int truncation(void)
{
	int bad = 0, pb, a = sk_bound(AF_INET, SOCK_DGRAM, 0, NULL);
	int b = sk_bound(AF_INET, SOCK_DGRAM, 0, &pb);
	struct sockaddr_storage to;
	socklen_t tolen = sk_addr(AF_INET, pb, &to);
	char buf[16];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	memset(big, 'u', 100);
	for (int i = 0; i < 3; i++)
		sendto(a, big, 100, 0, (void *)&to, tolen);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("recv of 10 from a datagram of 100", recv(b, buf, 10, MSG_DONTWAIT), 10);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("recv of 10: the next datagram, not the rest", recv(b, buf, 10, MSG_DONTWAIT),
	             10);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("recv of 10: the third", recv(b, buf, 10, MSG_DONTWAIT), 10);
	bad += sk_fail("then nothing", recv(b, buf, 10, MSG_DONTWAIT), EAGAIN);
	/* Two more datagrams of 100. */
	sendto(a, big, 100, 0, (void *)&to, tolen);
	sendto(a, big, 100, 0, (void *)&to, tolen);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("recv of 10 with MSG_TRUNC returns the real size",
	             recv(b, buf, 10, MSG_TRUNC | MSG_DONTWAIT), 100);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("recvmsg into 16 bytes", recvmsg(b, &mh, MSG_DONTWAIT), 16);
	bad += check("... msg_flags has MSG_TRUNC", mh.msg_flags & MSG_TRUNC);
	close(a);
	close(b);
	return bad;
}

static int connected(int family, const char *name)
{
	int bad = 0, pa, pb, a = sk_bound(family, SOCK_DGRAM, 0, &pa);
	int b = sk_bound(family, SOCK_DGRAM, 0, &pb), c = sk_bound(family, SOCK_DGRAM, 0, NULL);
	struct sockaddr_storage to, peer;
	socklen_t tolen = sk_addr(family, pb, &to), plen = sizeof(peer);
	char buf[64];

	if (a < 0 || b < 0 || c < 0)
		return 1;
	printf("%s, connect()\n", name);
	bad += sk_fail("  send without an address, unconnected", send(a, "x", 1, 0), EDESTADDRREQ);
	bad +=
	    sk_fail("  getpeername, unconnected", getpeername(a, (void *)&peer, &plen), ENOTCONN);
	bad += sk_ok("  connect to the peer", connect(a, (void *)&to, tolen));
	plen = sizeof(peer);
	bad += sk_ok("  getpeername", getpeername(a, (void *)&peer, &plen));
	bad += check("  ... is the peer's port", sk_port(&peer) == pb);
	bad += sk_eq("  send without an address", send(a, "via connect", 11, 0), 11);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  the peer gets it", recv(b, buf, 64, MSG_DONTWAIT), 11);
	bad += sk_eq("  write() works too", write(a, "w", 1), 1);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  the peer gets it", recv(b, buf, 64, MSG_DONTWAIT), 1);
	/* A third socket's datagram to a is dropped: a only hears from b. */
	tolen = sk_addr(family, pa, &to);
	sendto(c, "intruder", 8, 0, (void *)&to, tolen);
	sendto(b, "friend", 6, 0, (void *)&to, tolen);
	sk_wait(a, POLLIN, SK_WAIT_MS);
	bad += sk_eq("  a datagram from elsewhere is filtered: the next one",
	             recv(a, buf, 64, MSG_DONTWAIT), 6);
	bad += check("  ... is the peer's", memcmp(buf, "friend", 6) == 0);
	bad += sk_fail("  and nothing else", recv(a, buf, 64, MSG_DONTWAIT), EAGAIN);
	to.ss_family = AF_UNSPEC;
	bad += sk_ok("  connect AF_UNSPEC", connect(a, (void *)&to, sizeof(sa_family_t)));
	plen = sizeof(peer);
	bad += sk_fail("  then getpeername", getpeername(a, (void *)&peer, &plen), ENOTCONN);
	close(a);
	close(b);
	close(c);
	return bad;
}

static int sizes(void)
{
	int bad = 0, pb, a = sk_bound(AF_INET, SOCK_DGRAM, 0, NULL);
	int b = sk_bound(AF_INET, SOCK_DGRAM, 0, &pb), t = -1;
	struct sockaddr_storage to;
	socklen_t tolen = sk_addr(AF_INET, pb, &to), len = sizeof(t);

	getsockopt(a, SOL_SOCKET, SO_TYPE, &t, &len);
	bad += sk_eq("SO_TYPE", t, SOCK_DGRAM);
	for (int i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	bad += sk_eq("sendto of 65507 bytes (the IPv4 maximum)",
	             sendto(a, big, 65507, 0, (void *)&to, tolen), 65507);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("received whole", recv(b, back, sizeof(back), MSG_DONTWAIT), 65507);
	bad += check("... intact", memcmp(big, back, 65507) == 0);
	bad += sk_fail("sendto of 65508 bytes", sendto(a, big, 65508, 0, (void *)&to, tolen),
	               EMSGSIZE);
	bad += sk_eq("sendto of 8000 bytes", sendto(a, big, 8000, 0, (void *)&to, tolen), 8000);
	sk_wait(b, POLLIN, SK_WAIT_MS);
	bad += sk_eq("received whole", recv(b, back, sizeof(back), MSG_DONTWAIT), 8000);
	bad += check("... intact", memcmp(big, back, 8000) == 0);
	close(a);
	close(b);
	return bad;
}

int main(void)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bad += round_trip(AF_INET, "IPv4");
	bad += round_trip(AF_INET6, "IPv6");
	bad += truncation();
	bad += connected(AF_INET, "IPv4");
	bad += connected(AF_INET6, "IPv6");
	bad += sizes();
	printf("%d failed\n", bad);
	return bad;
}
