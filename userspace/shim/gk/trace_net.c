// SPDX-License-Identifier: GPL-2.0
// trace_net.c - --trace's socket structures: addresses, messages, control data, epoll events.
#include "trace.h"

#define TR_CMSGS 8	/* control messages shown */
#define TR_SCM_RIGHTS 1	/* include/linux/socket.h, not uapi */
#define TR_SCM_CREDENTIALS 2

/* include/linux/socket.h (not uapi): the kernel's AF_* numbers */
#define TR_FAMILY(C, N) \
	N(0, AF_UNSPEC) N(1, AF_UNIX) N(2, AF_INET) N(10, AF_INET6) \
	N(15, AF_KEY) N(16, AF_NETLINK) N(17, AF_PACKET) N(29, AF_CAN) \
	N(31, AF_BLUETOOTH) N(38, AF_ALG) N(40, AF_VSOCK) N(44, AF_XDP)
TR_TABLE(tr_family, TR_FAMILY);

/* include/linux/socket.h: kernel-internal, no uapi header */
#define TR_MSG(C, N) \
	N(0x1, MSG_OOB) N(0x2, MSG_PEEK) N(0x4, MSG_DONTROUTE) \
	N(0x8, MSG_CTRUNC) N(0x20, MSG_TRUNC) N(0x40, MSG_DONTWAIT) \
	N(0x80, MSG_EOR) N(0x100, MSG_WAITALL) N(0x800, MSG_CONFIRM) \
	N(0x2000, MSG_ERRQUEUE) N(0x4000, MSG_NOSIGNAL) N(0x8000, MSG_MORE) \
	N(0x10000, MSG_WAITFORONE) N(0x4000000, MSG_ZEROCOPY) \
	N(0x20000000, MSG_FASTOPEN) N(0x40000000, MSG_CMSG_CLOEXEC)
TR_TABLE(tr_msg, TR_MSG);

#define TR_EPOLL(C, N) \
	C(EPOLLIN) C(EPOLLPRI) C(EPOLLOUT) C(EPOLLERR) C(EPOLLHUP) C(EPOLLNVAL) \
	C(EPOLLRDNORM) C(EPOLLRDBAND) C(EPOLLWRNORM) C(EPOLLWRBAND) C(EPOLLMSG) \
	C(EPOLLRDHUP) C(EPOLLEXCLUSIVE) C(EPOLLWAKEUP) C(EPOLLONESHOT) C(EPOLLET)
TR_TABLE(tr_epoll, TR_EPOLL);

void put_family(struct tr_out *o, unsigned long v)
{
	put_enum(o, v, &tr_family, 0);
}

void put_msg_flags(struct tr_out *o, unsigned long v)
{
	put_flags(o, v, &tr_msg, NULL);
}

/* An IPv6 address as inet_ntop writes it: the longest run of zero groups as ::. */
static void put_in6(struct tr_out *o, const unsigned char *a)
{
	unsigned int g[8];
	int i, run = 0, best = -1, bestlen = 1;

	for (i = 0; i < 8; i++) {
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		run = g[i] ? 0 : run + 1;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	if (best == 0 && bestlen == 5 && g[5] == 0xffff) {
		put(o, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			put(o, "::");
			i += bestlen - 1;
			continue;
		}
		put(o, "%s%x", i && i != best + bestlen ? ":" : "", g[i]);
	}
}

/* A socket address of @len bytes: AF_UNIX's path, AF_INET's and AF_INET6's address and port. */
void put_sockaddr(struct tr_out *o, unsigned long p, unsigned long len)
{
	unsigned char sa[128];
	unsigned int fam;
	size_t n;

	if (len > sizeof(sa))
		len = sizeof(sa);
	if (len < 2 || uget(sa, p, len) < 0) {
		put_ptr(o, p);
		return;
	}
	fam = sa[0] | (unsigned int)sa[1] << 8;
	put(o, "{sa_family=");
	put_enum(o, fam, &tr_family, 0);
	if (fam == 1 && len > 2) {
		put(o, ", sun_path=%s", sa[2] ? "" : "@");
		for (n = 3; sa[2] && n < len && sa[n]; n++)
			;
		if (sa[2])
			put_quoted(o, sa + 2, n - 2, 0, 0);
		else
			put_quoted(o, sa + 3, len - 3, 0, 0);
	} else if (fam == 2 && len >= 8) {
		put(o, ", sin_port=htons(%u), sin_addr=inet_addr(\"%u.%u.%u.%u\")",
		    (unsigned int)sa[2] << 8 | sa[3], sa[4], sa[5], sa[6], sa[7]);
	} else if (fam == 10 && len >= 24) {
		put(o, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"",
		    (unsigned int)sa[2] << 8 | sa[3],
		    (unsigned int)sa[4] << 24 | (unsigned int)sa[5] << 16 | sa[6] << 8 | sa[7]);
		put_in6(o, sa + 8);
		put(o, "\", &sin6_addr)");
		if (len >= 28)
			put(o, ", sin6_scope_id=%u", sa[24] | sa[25] << 8 | sa[26] << 16 |
			    (unsigned int)sa[27] << 24);
	}
	putch(o, '}');
}

/* Control messages: SCM_RIGHTS' descriptors and SCM_CREDENTIALS' ids decoded. */
static void put_cmsgs(struct tr_out *o, unsigned long p, unsigned long len)
{
	unsigned char b[256];
	unsigned long off = 0, dlen, k;
	struct {
		unsigned long len;
		int level, type;
	} h;
	int i, v[3];

	if (len > sizeof(b))
		len = sizeof(b);
	if (uget(b, p, len) < 0) {
		put_ptr(o, p);
		return;
	}
	putch(o, '[');
	for (i = 0; off + sizeof(h) <= len; i++) {
		memcpy(&h, b + off, sizeof(h));
		if (h.len < sizeof(h) || i == TR_CMSGS) {
			put(o, "%s...", i ? ", " : "");
			break;
		}
		dlen = (off + h.len <= len ? h.len : len - off) - sizeof(h);
		put(o, "%s{cmsg_len=%lu, cmsg_level=", i ? ", " : "", h.len);
		put(o, h.level == SOL_SOCKET ? "SOL_SOCKET" : "%d", h.level);
		if (h.level == SOL_SOCKET && h.type == TR_SCM_RIGHTS) {
			put(o, ", cmsg_type=SCM_RIGHTS, cmsg_data=[");
			for (k = 0; k + sizeof(int) <= dlen; k += sizeof(int)) {
				memcpy(v, b + off + sizeof(h) + k, sizeof(int));
				put(o, "%s%d", k ? ", " : "", v[0]);
			}
			putch(o, ']');
		} else if (h.level == SOL_SOCKET && h.type == TR_SCM_CREDENTIALS &&
			   dlen >= sizeof(v)) {
			memcpy(v, b + off + sizeof(h), sizeof(v));
			put(o, ", cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=%d, uid=%u, gid=%u}",
			    v[0], (unsigned int)v[1], (unsigned int)v[2]);
		} else {
			put(o, ", cmsg_type=%d", h.type);
		}
		putch(o, '}');
		off += (h.len + sizeof(long) - 1) & ~(sizeof(long) - 1);
	}
	putch(o, ']');
}

/* struct msghdr; @left: the bytes received (data shown up to it), or -1 for a send. */
void put_msghdr(struct tr_out *o, unsigned long p, long left)
{
	struct {
		unsigned long name;
		unsigned int namelen, pad;
		unsigned long iov, iovlen, control, controllen;
		unsigned int flags;
	} m;

	if (uget(&m, p, sizeof(m)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{msg_name=");
	if (m.name && m.namelen)
		put_sockaddr(o, m.name, m.namelen);
	else
		put_ptr(o, m.name);
	put(o, ", msg_namelen=%u, msg_iov=", m.namelen);
	put_iov(o, m.iov, m.iovlen, left);
	put(o, ", msg_iovlen=%lu", m.iovlen);
	if (m.controllen) {
		put(o, ", msg_control=");
		put_cmsgs(o, m.control, m.controllen);
	}
	put(o, ", msg_controllen=%lu, msg_flags=", m.controllen);
	put_msg_flags(o, m.flags);
	putch(o, '}');
}

/* struct epoll_event (packed on x86_64): one, or @n of them in an array. */
void put_epoll_events(struct tr_out *o, unsigned long p, long n, int array)
{
	struct {
		unsigned int events;
		unsigned long data;
	} __attribute__((packed)) e;
	long i;

	if (uget(&e, p, sizeof(e)) < 0 && n) {
		put_ptr(o, p);
		return;
	}
	put(o, "%s", array ? "[" : "");
	for (i = 0; i < n && uget(&e, p + i * sizeof(e), sizeof(e)) == 0; i++) {
		if (i == TR_ELEMS) {
			put(o, ", ...");
			break;
		}
		put(o, "%s{events=", i ? ", " : "");
		put_flags(o, e.events, &tr_epoll, NULL);
		put(o, ", data={u32=%u, u64=%lu}}", (unsigned int)e.data, e.data);
	}
	put(o, "%s", array ? "]" : "");
}
