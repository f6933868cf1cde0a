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

#define KN_IPPROTO_IP 0
#define KN_IPPROTO_ICMP 1
#define KN_IPPROTO_TCP 6
#define KN_IPPROTO_UDP 17
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
	1 /* TOS */, 2 /* TTL */, 8 /* PKTINFO */, 10 /* MTU_DISCOVER */,	\
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

/* send/recv flags: the MSG_* bits with a meaning for these families. */
#define KN_MSG_OK (0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80 | 0x100 | 0x800 | 0x2000 | \
		   0x4000 | 0x8000 | 0x10000 | 0x20000000 | 0x40000000)
#define KN_MSG_DONTWAIT 0x40
#define KN_MSG_NOSIGNAL 0x4000
#define KN_MSG_CTRUNC 0x8

#endif /* KISTE_SHIM_NET_POLICY_H */
