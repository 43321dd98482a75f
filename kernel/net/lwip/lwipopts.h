/*
 * lwIP's configuration for the Bothy kernel (lwIP 2.1.3, src/include/lwip/opt.h
 * lists every option and its default).
 *
 * Code that uses lwIP (kernel/net/netif.c, sys_arch.c, inet.c) is compiled
 * with -Ikernel/net/lwip -I$(B)/lwip/src/src/include (the Makefile's
 * LWIP_INC, added for every kernel/net/ file); include "lwip/tcp.h", "lwip/udp.h",
 * "lwip/raw.h", "lwip/tcpip.h", ... after the kernel's own headers.
 *
 * Locking: lwIP runs with NO_SYS=0 and LWIP_TCPIP_CORE_LOCKING=1, and its
 * core lock is the kernel lock (include/sched.h), which every kernel path
 * already holds: LOCK_TCPIP_CORE is a no-op, and socket calls and
 * received frames call lwIP's raw API directly, with no hop to
 * tcpip_thread. tcpip_thread (a kernel thread, kernel/net/sys_arch.c)
 * runs lwIP's timers and the loopback interface's deferred input.
 */
#ifndef BOTHY_LWIPOPTS_H
#define BOTHY_LWIPOPTS_H
#include <stddef.h>

/* --- the operating system: threads, core lock --- */
#define NO_SYS                        0
#define LWIP_TCPIP_CORE_LOCKING       1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1
#define LOCK_TCPIP_CORE()             /* the kernel lock is held */
#define UNLOCK_TCPIP_CORE()
#define SYS_LIGHTWEIGHT_PROT      0 /* the kernel lock: SYS_ARCH_PROTECT is empty */
#define TCPIP_THREAD_NAME         "lwip"
#define TCPIP_THREAD_STACKSIZE    0 /* kernel threads have KSTACK_SIZE stacks */
#define TCPIP_THREAD_PRIO         0
#define TCPIP_MBOX_SIZE           256
#define DEFAULT_THREAD_STACKSIZE  0
#define DEFAULT_RAW_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 64
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_ACCEPTMBOX_SIZE   64
#define LWIP_TIMERS               1

/* --- APIs: the raw API only (kernel/net/inet.c) --- */
#define LWIP_SOCKET         0
#define LWIP_NETCONN        0
#define LWIP_NETIF_API      0
#define LWIP_RAW            1 /* ICMP sockets (ping) */
#define LWIP_PROVIDE_ERRNO  1 /* api/err.c's err_to_errno(): lwIP's E* are Linux's values */
#define LWIP_COMPAT_SOCKETS 0

/* --- memory: the kernel heap, no fixed pools --- */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT   8
/* lwIP initialises what it allocates (its own heap never zeroes): no
 * memset of every pbuf (a third of a microsecond per byte under PVM). */
#define mem_clib_malloc       kmalloc_nozero
#define mem_clib_free         kfree
#define mem_clib_calloc(n, s) kmalloc((size_t)(n) * (size_t)(s)) /* kmalloc zeroes */
void *kmalloc(size_t n);
void *kmalloc_nozero(size_t n);
void kfree(void *p);
/* With MEMP_MEM_MALLOC these only size lwIP's sanity checks. */
#define MEMP_NUM_PBUF            1024
#define MEMP_NUM_RAW_PCB         64
#define MEMP_NUM_UDP_PCB         256
#define MEMP_NUM_TCP_PCB         1024
#define MEMP_NUM_TCP_PCB_LISTEN  256
#define MEMP_NUM_TCP_SEG         4096
#define MEMP_NUM_REASSDATA       64
#define MEMP_NUM_FRAG_PBUF       64
#define MEMP_NUM_ARP_QUEUE       64
#define MEMP_NUM_SYS_TIMEOUT     (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define MEMP_NUM_TCPIP_MSG_API   64
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define MEMP_NUM_ND6_QUEUE       64
#define PBUF_POOL_SIZE           256
#define LWIP_SUPPORT_CUSTOM_PBUF 1 /* received frames stay in the driver's buffers */

/* --- interfaces --- */
#define LWIP_ARP                       1
#define ETHARP_SUPPORT_STATIC_ENTRIES  1
#define ARP_QUEUEING                   1
#define ETH_PAD_SIZE                   0
#define LWIP_ETHERNET                  1
#define LWIP_HAVE_LOOPIF               1 /* lo: 127.0.0.1 and ::1 */
#define LWIP_NETIF_LOOPBACK            1
#define LWIP_LOOPBACK_MAX_PBUFS        0
#define LWIP_NETIF_HOSTNAME            1
#define LWIP_NETIF_STATUS_CALLBACK     1
#define LWIP_NETIF_LINK_CALLBACK       1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_TX_SINGLE_PBUF      0 /* the driver takes a chain (netdev_seg[]) */
#define LWIP_SINGLE_NETIF              0
#define LWIP_CHECKSUM_CTRL_PER_NETIF   1 /* NETIF_SET_CHECKSUM_CTRL per device */
/* The checksum loop: 8 bytes a step (kernel/lib/csum.c). */
#include <csum.h>
#define LWIP_CHKSUM(data, len) csum_partial16((data), (size_t)(len))
#define CHECKSUM_GEN_IP        1
#define CHECKSUM_GEN_UDP       1
#define CHECKSUM_GEN_TCP       1
#define CHECKSUM_GEN_ICMP      1
#define CHECKSUM_GEN_ICMP6     1
#define CHECKSUM_CHECK_IP      1
#define CHECKSUM_CHECK_UDP     1
#define CHECKSUM_CHECK_TCP     1
#define CHECKSUM_CHECK_ICMP    1
#define CHECKSUM_CHECK_ICMP6   1

/* --- IPv4 --- */
#define LWIP_IPV4           1
#define IP_FORWARD          0
#define IP_REASSEMBLY       1
#define IP_FRAG             1
#define IP_DEFAULT_TTL      64
#define LWIP_ICMP           1
#define LWIP_BROADCAST_PING 0
/* No IGMP nor MLD: their 100 ms timers would wake tcpip_thread 20 times
 * a second (a thread switch each, expensive under PVM). Multicast frames
 * still arrive (virtio-net devices deliver them all); programs cannot
 * join groups (IP_ADD_MEMBERSHIP). */
#define LWIP_IGMP           0
#define LWIP_DHCP           1
#define DHCP_DOES_ARP_CHECK 0 /* one second less before the program starts */
#define LWIP_AUTOIP         0
#define LWIP_DNS            0 /* programs resolve with their own libc (resolv.conf) */

/* --- IPv6 --- */
#define LWIP_IPV6                     1
#define LWIP_IPV6_NUM_ADDRESSES       3
#define LWIP_IPV6_AUTOCONFIG          1
#define LWIP_IPV6_MLD                 0 /* see LWIP_IGMP; ND works without */
#define LWIP_IPV6_FRAG                1
#define LWIP_IPV6_REASS               1
#define IPV6_FRAG_COPYHEADER          1 /* 64-bit pointers do not fit in the header */
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_DHCP6               0
#define LWIP_ICMP6                    1
#define LWIP_ND6_ALLOW_RA_UPDATES     1
#define LWIP_IPV6_SCOPES              1

/* --- UDP and TCP --- */
#define LWIP_UDP     1
#define LWIP_UDPLITE 0
#define LWIP_TCP     1
/* The most a segment carries: the MTU of --net slirp (8000, the monitor's
 * virtio-net offers it, kernel/drivers/virtio_net.c) less 40 bytes of
 * headers; lwIP sends min(this, the netif's MTU - 40), so 1460 on a
 * 1500-byte card. Loopback (MTU 0 in lwIP: no limit) gets this too. It
 * stays below 8191: lwIP's check that TCP_SNDLOWAT + 4 MSS fit in 16 bits. */
#define TCP_MSS                    7960
#define LWIP_WND_SCALE             1
#define TCP_RCV_SCALE              2 /* windows up to 256 KiB */
#define TCP_WND                    (128 * 1024)
#define TCP_SND_BUF                (128 * 1024)
#define TCP_SND_QUEUELEN           ((4 * TCP_SND_BUF + 1459) / 1460) /* pbufs, not MSS */
#define TCP_SNDLOWAT               (TCP_SND_BUF / 4)
#define TCP_SNDQUEUELOWAT          (TCP_SND_QUEUELEN / 4)
#define TCP_QUEUE_OOSEQ            1
#define TCP_OOSEQ_MAX_BYTES        (256 * 1024)
#define TCP_OOSEQ_MAX_PBUFS        0
#define TCP_LISTEN_BACKLOG         1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_TCP_KEEPALIVE         1
#define LWIP_TCP_TIMESTAMPS        0
#define LWIP_TCP_SACK_OUT          0
#define TCP_OVERSIZE               1460 /* not TCP_MSS: a small write would take 8 KiB */
#define LWIP_TCP_PCB_NUM_EXT_ARGS  1    /* a slot for inet.c, if it wants one */
#define SO_REUSE                   1
#define SO_REUSE_RXTOALL           1
#define LWIP_ALTCP                 0

/* --- randomness (TCP initial sequence numbers, DHCP xid, ports) --- */
unsigned int bothy_lwip_rand(void); /* kernel/net/sys_arch.c */
#define LWIP_RAND() ((u32_t)bothy_lwip_rand())

/* --- out-of-window ACKs (scripts/fetch-lwip.sh, fix_lwip) --- */
struct tcp_pcb;
int bothy_tcp_oow_ack_ok(const struct tcp_pcb *pcb); /* kernel/net/sys_arch.c */

/* --- statistics and debugging: off (LWIP_DEBUG undefined) --- */
#define LWIP_STATS         0
#define LWIP_STATS_DISPLAY 0
#define LWIP_PERF          0

#endif
