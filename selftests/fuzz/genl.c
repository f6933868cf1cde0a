// SPDX-License-Identifier: GPL-2.0
// genl.c - generic-netlink messages for the kiste family: random commands, flags, attributes, lengths.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fz.h"

#define FZ_MSG_MAX   1024
#define FZ_REPLY_MAX 32768
/*
 * A request is handled inside send(), and a dump's next part inside the
 * recv() that asks for it: whatever answers a message is queued by the time
 * we look.  The short wait only covers a scheduler's hiccup.
 */
#define FZ_REPLY_MS  1

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct fz_msg {
	union {
		struct nlmsghdr nlh;
		char buf[FZ_MSG_MAX];
	};
	size_t len;
};

int fz_nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1, size = 256 * 1024;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void msg_put(struct fz_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > sizeof(m->buf))
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->len += total;
}

static void msg_init(struct fz_msg *m, uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd,
		     uint8_t version)
{
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = flags;
	m->nlh.nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Walks the attributes of one genl message; calls @fn for each top-level one. */
static void attrs_walk(const struct nlmsghdr *nlh, void (*fn)(const struct nlattr *, void *),
		       void *arg)
{
	const char *p = (const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return;
		fn(a, arg);
		p += NLA_ALIGN(a->nla_len);
	}
}

struct resolve {
	int family;
	uint32_t mcgrp;
};

static void resolve_grp(const struct nlattr *grps, struct resolve *r)
{
	const char *p = (const char *)grps + NLA_HDRLEN, *end = (const char *)grps + grps->nla_len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *g = (const struct nlattr *)p, *a;
		const char *q = p + NLA_HDRLEN, *gend = p + g->nla_len;
		uint32_t id = 0;
		bool events = false;

		if (g->nla_len < NLA_HDRLEN || gend > end)
			return;
		for (; q + NLA_HDRLEN <= gend; q += NLA_ALIGN(a->nla_len)) {
			a = (const struct nlattr *)q;
			if (a->nla_len < NLA_HDRLEN)
				break;
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				memcpy(&id, q + NLA_HDRLEN, 4);
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				events = !strcmp(q + NLA_HDRLEN, KISTE_GENL_MCGRP_EVENTS);
		}
		if (events)
			r->mcgrp = id;
		p += NLA_ALIGN(g->nla_len);
	}
}

static void resolve_attr(const struct nlattr *a, void *arg)
{
	struct resolve *r = arg;
	uint16_t id;

	if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
		memcpy(&id, (const char *)a + NLA_HDRLEN, 2);
		r->family = id;
	} else if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
		resolve_grp(a, r);
	}
}

/* The kiste family's id and events group through nlctrl. */
int fz_nl_resolve(int fd, int *family, uint32_t *mcgrp)
{
	struct resolve r = { .family = -1 };
	char reply[8192];
	struct fz_msg m;
	struct nlmsghdr *nlh;
	ssize_t n;

	msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST, 1, CTRL_CMD_GETFAMILY, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, KISTE_GENL_NAME, sizeof(KISTE_GENL_NAME));
	m.nlh.nlmsg_len = (uint32_t)m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return -errno;
	n = recv(fd, reply, sizeof(reply), 0);
	if (n < (ssize_t)NLMSG_HDRLEN)
		return -EIO;
	nlh = (struct nlmsghdr *)reply;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	attrs_walk(nlh, resolve_attr, &r);
	if (r.family < 0)
		return -ENOENT;
	*family = r.family;
	*mcgrp = r.mcgrp;
	return 0;
}

/* The payload of attribute @type: mostly what its policy wants, sometimes not. */
static size_t attr_payload(struct fz_ctx *c, int type, char *p, size_t size)
{
	static const uint64_t modes[] = { 0, 1, 2, 3, 4, 0xffffffff };
	static const uint64_t sigs[] = { 0, 1, 9, 10, 15, 17, 18, 19, 20, 28, 64, 65, 0xffffffff };
	static const uint64_t vcpus[] = { 0, 1, 2, 4, 1024, 1025, 0xffffffff };
	struct fz_rng *r = &c->rng;
	uint32_t v32;
	uint64_t v64;
	size_t n, i;

	switch (type) {
	case KISTE_A_ID:
		v32 = fz_id(c);
		break;
	case KISTE_A_NAME:
		return fz_name(c, p, size);
	case KISTE_A_MODE:
		v32 = (uint32_t)FZ_PICK(r, modes);
		break;
	case KISTE_A_VCPU_LIMIT:
		v32 = (uint32_t)FZ_PICK(r, vcpus);
		break;
	case KISTE_A_PIDS_LIMIT:
		v32 = fz_pids_limit(c);
		break;
	case KISTE_A_CPU_LIMIT:
		v32 = fz_cpu_limit(c);
		break;
	case KISTE_A_SIGNAL:
		v32 = (uint32_t)FZ_PICK(r, sigs);
		break;
	case KISTE_A_MEMORY_LIMIT:
	case KISTE_A_CREATED_NS:
		v64 = fz_u64(r);
		memcpy(p, &v64, 8);
		return 8;
	default:
		if (fz_chance(r, 50)) {
			v32 = fz_u32(r);
			break;
		}
		n = fz_below(r, 40);
		for (i = 0; i < n; i++)
			p[i] = (char)fz_next(r);
		return n;
	}
	memcpy(p, &v32, 4);
	return 4;
}

/* Mostly attributes the command takes, sometimes any, with wrong lengths. */
static void put_attrs(struct fz_ctx *c, struct fz_msg *m)
{
	static const uint64_t useful[] = { KISTE_A_ID, KISTE_A_NAME, KISTE_A_MODE,
					   KISTE_A_MEMORY_LIMIT, KISTE_A_VCPU_LIMIT,
					   KISTE_A_PIDS_LIMIT, KISTE_A_CPU_LIMIT,
					   KISTE_A_FLAGS, KISTE_A_SIGNAL };
	struct fz_rng *r = &c->rng;
	uint32_t i, n = fz_below(r, 5);
	char p[KISTE_NAME_MAX + 16];
	size_t len;
	int type;

	if (fz_chance(r, 10))
		n += fz_below(r, 8);
	for (i = 0; i < n; i++) {
		if (fz_chance(r, 80))
			type = (int)FZ_PICK(r, useful);
		else
			type = (int)fz_below(r, KISTE_A_MAX + 12);
		len = attr_payload(c, type, p, sizeof(p));
		/* a wrong length: short, or with trailing junk */
		if (fz_chance(r, 6))
			len = fz_below(r, (uint32_t)len + 1);
		else if (fz_chance(r, 4) && len + 8 <= sizeof(p))
			len += fz_below(r, 8);
		if (fz_chance(r, 2))
			type |= fz_chance(r, 50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		msg_put(m, (uint16_t)type, p, len);
	}
}

static void reply_id(const struct nlattr *a, void *arg)
{
	struct fz_ctx *c = arg;
	uint32_t id;

	if (a->nla_type == KISTE_A_ID && a->nla_len == NLA_HDRLEN + 4) {
		memcpy(&id, (const char *)a + NLA_HDRLEN, 4);
		fz_id_seen(c->sh, id);
	}
}

/* Reads what came back, until the ACK or the end of a dump, briefly. */
static void drain(struct fz_ctx *c, bool answer_due)
{
	static __thread char reply[FZ_REPLY_MAX];
	int i, len, timeout = answer_due ? FZ_REPLY_MS : 0;
	struct nlmsghdr *nlh;
	bool done = false;
	ssize_t n;

	for (i = 0; i < 64 && !done; i++) {
		struct pollfd p = { .fd = c->nl, .events = POLLIN };

		if (poll(&p, 1, timeout) <= 0)
			return;
		n = recv(c->nl, reply, sizeof(reply), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n <= 0)
			return;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)reply; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
				done = true;
			else if (nlh->nlmsg_type == c->sh->family &&
				 nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN)
				attrs_walk(nlh, reply_id, c);
		}
	}
}

static void socket_games(struct fz_ctx *c)
{
	uint32_t grp = c->sh->mcgrp;

	switch (fz_below(&c->rng, 3)) {
	case 0:
		/* events need CAP_SYS_ADMIN: uid nobody is refused */
		setsockopt(c->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp));
		break;
	case 1:
		setsockopt(c->nl, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp, sizeof(grp));
		break;
	default:
		close(c->nl);
		c->nl = -1;
		break;
	}
}

/* One message to the kiste family (mostly), and whatever comes back. */
void fz_genl_one(struct fz_ctx *c)
{
	static const uint64_t cmds[] = { KISTE_CMD_SANDBOX_NEW, KISTE_CMD_SANDBOX_GET,
					 KISTE_CMD_SANDBOX_KILL, KISTE_CMD_SANDBOX_DEL,
					 KISTE_CMD_STATS };
	static const uint64_t odd_cmds[] = { 0, KISTE_CMD_EVENT, 7, 15, 16, 31, 32, 47, 48, 63,
					     64, 200, 255 };
	struct fz_rng *r = &c->rng;
	uint16_t type = (uint16_t)c->sh->family, flags = NLM_F_REQUEST;
	struct fz_msg m;
	bool ack;

	if (c->nl < 0)
		c->nl = fz_nl_open();
	if (c->nl < 0)
		return;
	if (fz_chance(r, 3))
		type = fz_chance(r, 50) ? GENL_ID_CTRL : (uint16_t)fz_u32(r);
	ack = fz_chance(r, 85);
	if (ack)
		flags |= NLM_F_ACK;
	/* a dump walks every sandbox: frequent ones would be most of the run */
	if (fz_chance(r, 4))
		flags |= NLM_F_DUMP;
	if (fz_chance(r, 3))
		flags ^= (uint16_t)fz_next(r);
	msg_init(&m, type, flags, ++c->seq,
		 (uint8_t)(fz_chance(r, 85) ? FZ_PICK(r, cmds) : FZ_PICK(r, odd_cmds)),
		 fz_chance(r, 95) ? KISTE_GENL_VERSION : (uint8_t)fz_next(r));
	if (fz_chance(r, 3))
		((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->reserved = (uint16_t)fz_next(r);
	put_attrs(c, &m);
	m.nlh.nlmsg_len = (uint32_t)m.len;
	/* a header that lies about the length */
	if (fz_chance(r, 2))
		m.nlh.nlmsg_len = fz_below(r, (uint32_t)m.len + 64);
	send(c->nl, m.buf, m.len, MSG_DONTWAIT);
	fz_count(c, FZ_C_GENL);
	drain(c, ack || (flags & NLM_F_DUMP));
	if (fz_chance(r, 2))
		socket_games(c);
}
