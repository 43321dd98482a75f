/*
 * insn_probe: a fixed amount of work for bench/net/insns.sh, which counts
 * the guest kernel instructions PVM emulates for it (bothy run --log
 * debug prints the vCPU's insn_emulation at exit).
 * Usage: insn_probe null N        N getppid(2) calls
 *        insn_probe udp N BYTES   N loopback UDP datagrams of BYTES bytes,
 *                                 each sendto(2) then recv(2)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	static char buf[65536];
	int n, len, a, b;

	if (argc < 3)
		return 2;
	n = atoi(argv[2]);
	if (!strcmp(argv[1], "null")) {
		for (int i = 0; i < n; i++)
			syscall(SYS_getppid);
		return 0;
	}
	len = argc > 3 ? atoi(argv[3]) : 1;
	if (len < 0 || len > (int)sizeof(buf))
		return 2;
	a = socket(AF_INET, SOCK_DGRAM, 0);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	if (a < 0 || b < 0 || bind(b, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(b, (struct sockaddr *)&sa, &sl)) {
		perror("insn_probe: socket");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (sendto(a, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != len ||
		    recv(b, buf, sizeof(buf), 0) != len) {
			perror("insn_probe: udp");
			return 1;
		}
	}
	return 0;
}
