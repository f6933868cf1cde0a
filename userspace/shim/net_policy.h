/* SPDX-License-Identifier: GPL-2.0 */
/* net_policy.h - the socket families, types and options shim mode serves: one list for both sides. */
#ifndef KISTE_SHIM_NET_POLICY_H
#define KISTE_SHIM_NET_POLICY_H

/*
 * Shared by the guest kernel (gk/net.c: what it serves, freestanding) and the
 * launcher's allowlist (allowlist.c: what the host admits), so the two cannot
 * drift apart.  Plain numbers (x86_64 Linux), since the guest kernel has no
 * libc headers.
 */
#define KN_AF_UNIX 1
#define KN_AF_INET 2
#define KN_AF_INET6 10
#define KN_AF_NETLINK 16
#define KN_AF_PACKET 17

#define KN_SOCK_STREAM 1
#define KN_SOCK_DGRAM 2
#define KN_SOCK_RAW 3
#define KN_SOCK_SEQPACKET 5
#define KN_SOCK_NONBLOCK 04000
#define KN_SOCK_CLOEXEC 02000000
/* A type with each combination of the two flags: the filter compares whole values. */
#define KN_TYPES(t) (t), (t) | KN_SOCK_NONBLOCK, (t) | KN_SOCK_CLOEXEC, \
	(t) | KN_SOCK_NONBLOCK | KN_SOCK_CLOEXEC

/*
 * AF_NETLINK: NETLINK_ROUTE only, for its dumps (ip addr, if_nameindex): a
 * request that changes anything needs CAP_NET_ADMIN, which the workload's
 * process does not hold (workload.c drops it), so the host refuses it whatever
 * the guest kernel was made to send.
 */
#define KN_NETLINK_ROUTE 0

#define KN_IPPROTO_IP 0
#define KN_IPPROTO_ICMP 1
#define KN_IPPROTO_TCP 6
#define KN_IPPROTO_UDP 17
/* UDP-Lite (RFC 3828): UDP with a partial checksum, served as UDP is. */
#define KN_IPPROTO_UDPLITE 136
#define KN_IPPROTO_IPV6 41
#define KN_IPPROTO_ICMPV6 58

#define KN_SOL_SOCKET 1
#define KN_SO_PEERCRED 17
#define KN_SCM_RIGHTS 1
#define KN_SCM_CREDENTIALS 2

/*
 * Options per level.  SOL_SOCKET: no SO_ATTACH_FILTER/BPF (a classic BPF
 * program in the host kernel), SO_BINDTODEVICE, SO_MARK, SO_*BUFFORCE.
 */
#define KN_SOL_SOCKET_OPTS							\
	2 /* REUSEADDR */, 3 /* TYPE */, 4 /* ERROR */, 6 /* BROADCAST */,	\
	7 /* SNDBUF */, 8 /* RCVBUF */, 9 /* KEEPALIVE */, 10 /* OOBINLINE */,	\
	12 /* PRIORITY */, 13 /* LINGER */, 15 /* REUSEPORT */,		\
	16 /* PASSCRED */, 17 /* PEERCRED */, 18 /* RCVLOWAT */,		\
	19 /* SNDLOWAT */, 20 /* RCVTIMEO_OLD */, 21 /* SNDTIMEO_OLD */,	\
	28 /* PEERNAME */, 29 /* TIMESTAMP_OLD */, 30 /* ACCEPTCONN */,	\
	35 /* TIMESTAMPNS_OLD */, 38 /* PROTOCOL */, 39 /* DOMAIN */,		\
	40 /* RXQ_OVFL */, 57 /* COOKIE */, 63 /* TIMESTAMP_NEW */,		\
	66 /* RCVTIMEO_NEW */, 67 /* SNDTIMEO_NEW */
#define KN_SOL_TCP_OPTS								\
	1 /* NODELAY */, 2 /* MAXSEG */, 3 /* CORK */, 4 /* KEEPIDLE */,	\
	5 /* KEEPINTVL */, 6 /* KEEPCNT */, 7 /* SYNCNT */, 8 /* LINGER2 */,	\
	9 /* DEFER_ACCEPT */, 10 /* WINDOW_CLAMP */, 11 /* INFO */,		\
	12 /* QUICKACK */, 13 /* CONGESTION */, 18 /* USER_TIMEOUT */,	\
	23 /* FASTOPEN */, 25 /* NOTSENT_LOWAT */
#define KN_SOL_IP_OPTS								\
	1 /* TOS */, 2 /* TTL */, 7 /* RETOPTS (ping's) */, 8 /* PKTINFO */,	\
	10 /* MTU_DISCOVER */,							\
	11 /* RECVERR */, 12 /* RECVTTL */, 13 /* RECVTOS */, 14 /* MTU */,	\
	15 /* FREEBIND */, 24 /* BIND_ADDRESS_NO_PORT */,			\
	32 /* MULTICAST_IF */, 33 /* MULTICAST_TTL */, 34 /* MULTICAST_LOOP */,	\
	35 /* ADD_MEMBERSHIP */, 36 /* DROP_MEMBERSHIP */
#define KN_SOL_IPV6_OPTS							\
	16 /* UNICAST_HOPS */, 17 /* MULTICAST_IF */, 18 /* MULTICAST_HOPS */,	\
	19 /* MULTICAST_LOOP */, 20 /* ADD_MEMBERSHIP */,			\
	21 /* DROP_MEMBERSHIP */, 23 /* MTU_DISCOVER */, 24 /* MTU */,		\
	25 /* RECVERR */, 26 /* V6ONLY */, 49 /* RECVPKTINFO */,		\
	50 /* PKTINFO */, 51 /* RECVHOPLIMIT */, 66 /* RECVTCLASS */,		\
	67 /* TCLASS */

/* SOL_UDPLITE: the checksum coverage, sent and required on receipt. */
#define KN_SOL_UDPLITE 136
#define KN_SOL_UDPLITE_OPTS 10 /* SEND_CSCOV */, 11 /* RECV_CSCOV */

/*
 * SOL_NETLINK: membership of rtnetlink's groups, strict checking, extended acks.
 * Not LISTEN_ALL_NSID (other namespaces' notifications) or the removed rings.
 */
#define KN_SOL_NETLINK 270
#define KN_SOL_NETLINK_OPTS							\
	1 /* ADD_MEMBERSHIP */, 2 /* DROP_MEMBERSHIP */, 3 /* PKTINFO */,	\
	4 /* BROADCAST_ERROR */, 5 /* NO_ENOBUFS */, 9 /* LIST_MEMBERSHIPS */,	\
	10 /* CAP_ACK */, 11 /* EXT_ACK */, 12 /* GET_STRICT_CHK */

/*
 * The interface queries (SIOCGIF*: if_nametoindex, if_indextoname, ifconfig),
 * on any workload descriptor: the host answers ENOTTY where it is no socket.
 * Reads only; the SIOCSIF* ones would need CAP_NET_ADMIN, which the workload
 * does not hold (workload.c drops it), and are not listed either.
 */
#define KN_SIOCGIFNAME 0x8910
#define KN_SIOCGIFCONF 0x8912
/* ADDR, DSTADDR, BRDADDR, NETMASK: IPv4's, answered on an AF_INET socket only (else ENOTTY). */
#define KN_SIOCGIF_INET(r) ((r) == 0x8915 || (r) == 0x8917 || (r) == 0x8919 || (r) == 0x891b)
#define KN_SO_DOMAIN 39
#define KN_SIOCGIF_IOCTLS							\
	KN_SIOCGIFNAME, 0x8913 /* FLAGS */, 0x8915 /* ADDR */,			\
	0x8917 /* DSTADDR */, 0x8919 /* BRDADDR */, 0x891b /* NETMASK */,	\
	0x891d /* METRIC */, 0x8921 /* MTU */, 0x8927 /* HWADDR */,		\
	0x8933 /* INDEX */, 0x8942 /* TXQLEN */
#define KN_IFREQ_SIZE 40

/*
 * Socket ioctls that read the socket's own state, asked on the workload's
 * socket itself (the answer is the socket's, not its namespace's): bytes not
 * yet sent, not yet acknowledged (TCP), the urgent mark, the last packet's
 * time stamp in both layouts glibc may use (_OLD and _NEW: 16 bytes on
 * x86_64 either way).  SIOCINQ is FIONREAD, served with the terminal ones;
 * SIOCOUTQ is TIOCOUTQ, which a terminal answers too.
 */
#define KN_SIOCOUTQ 0x5411
#define KN_SIOCGSTAMP(r) ((r) == 0x8906 || (r) == 0x8907 || (r) == 0x80108906 || \
			  (r) == 0x80108907)
#define KN_SOCK_IOCTLS								\
	KN_SIOCOUTQ, 0x894b /* SIOCOUTQNSD */, 0x8905 /* SIOCATMARK */,	\
	0x8906 /* SIOCGSTAMP_OLD */, 0x8907 /* SIOCGSTAMPNS_OLD */,		\
	0x80108906 /* SIOCGSTAMP_NEW */, 0x80108907 /* SIOCGSTAMPNS_NEW */

/*
 * A socket's owner (who gets SIGIO and SIGURG), as fcntl's F_SETOWN and
 * F_GETOWN: FIOSETOWN, SIOCSPGRP, FIOGETOWN, SIOCGPGRP, each an int in memory.
 * Pids of the sandbox's pid namespace only: the guest kernel translates them,
 * and the filter's row needs that namespace, where no host process outside
 * can be named (one outside reads as 0).
 */
#define KN_SOCK_OWNER_IOCTLS 0x8901, 0x8902, 0x8903, 0x8904
#define KN_SIOC_SETOWN(r) ((r) == 0x8901 || (r) == 0x8902)

/* send/recv flags: the MSG_* bits with a meaning for these families. */
#define KN_MSG_OK (0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80 | 0x100 | 0x800 | 0x2000 | \
		   0x4000 | 0x8000 | 0x10000 | 0x20000000 | 0x40000000)
#define KN_MSG_DONTWAIT 0x40
#define KN_MSG_NOSIGNAL 0x4000
#define KN_MSG_CTRUNC 0x8

#endif /* KISTE_SHIM_NET_POLICY_H */
