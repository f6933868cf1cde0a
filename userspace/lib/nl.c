// SPDX-License-Identifier: GPL-2.0
// Generic-netlink client: socket setup, family resolution, request/reply with extended ACK.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Every attribute a reply or event may carry, with the size the contract gives it. */
static struct nla_policy kiste_reply_policy[KISTE_A_MAX + 1] = {
	[KISTE_A_ID] = { .type = NLA_U32 },
	[KISTE_A_NAME] = { .type = NLA_STRING, .maxlen = KISTE_NAME_MAX },
	[KISTE_A_MODE] = { .type = NLA_U32 },
	[KISTE_A_STATE] = { .type = NLA_U32 },
	[KISTE_A_OWNER_UID] = { .type = NLA_U32 },
	[KISTE_A_MEMORY_LIMIT] = { .type = NLA_U64 },
	[KISTE_A_VCPU_LIMIT] = { .type = NLA_U32 },
	[KISTE_A_MEMBERS] = { .type = NLA_U32 },
	[KISTE_A_MEMBERS_TOTAL] = { .type = NLA_U32 },
	[KISTE_A_FLAGS] = { .type = NLA_U32 },
	[KISTE_A_CREATED_NS] = { .type = NLA_U64 },
	[KISTE_A_SIGNAL] = { .type = NLA_U32 },
	[KISTE_A_EVENT] = { .type = NLA_U32 },
	[KISTE_A_PID] = { .type = NLA_U32 },
	[KISTE_A_PARENT_PID] = { .type = NLA_U32 },
	[KISTE_A_EXIT_STATUS] = { .type = NLA_U32 },
	[KISTE_A_IFACE_VERSION] = { .type = NLA_U32 },
	[KISTE_A_STATS_SANDBOXES] = { .type = NLA_U32 },
	[KISTE_A_STATS_MEMBERS] = { .type = NLA_U32 },
	[KISTE_A_STATS_FILES] = { .type = NLA_U32 },
	[KISTE_A_STATS_IDS_ISSUED] = { .type = NLA_U32 },
	[KISTE_A_CNT_FORKS] = { .type = NLA_U64 },
	[KISTE_A_CNT_KILLS] = { .type = NLA_U64 },
	[KISTE_A_CNT_REFUSED] = { .type = NLA_U64 },
	[KISTE_A_PIDS_LIMIT] = { .type = NLA_U32 },
	[KISTE_A_CPU_LIMIT] = { .type = NLA_U32 },
	[KISTE_A_SHIM_ARMED] = { .type = NLA_U32 },
	[KISTE_A_SHIM_ENOSYS] = { .type = NLA_U64 },
	[KISTE_A_VM_COUNT] = { .type = NLA_U32 },
	[KISTE_A_VM_MEMORY] = { .type = NLA_U64 },
	[KISTE_A_VM_VCPUS] = { .type = NLA_U32 },
	[KISTE_A_VM_EXITS] = { .type = NLA_U64 },
	[KISTE_A_VM_GUEST_NS] = { .type = NLA_U64 },
};

int kiste_nl_err(int nle, const char *what, struct kiste_err *err)
{
	static const int map[][2] = {
		{ NLE_INTR, EINTR },
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_MSG_TRUNC, EMSGSIZE },
		{ NLE_MSG_OVERFLOW, EMSGSIZE },
		{ NLE_BUSY, EBUSY },
		{ NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM },
		{ NLE_NODEV, ENODEV },
		{ NLE_DUMP_INTR, EINTR },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
	};
	int code = -EIO;
	size_t i;

	if (nle < 0)
		nle = -nle;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == nle)
			code = -map[i][1];
	return kiste_err_set(err, code, "%s: %s", what, nl_geterror(nle));
}

int kiste_nl_socket(struct nl_sock **out, struct kiste_err *err)
{
	struct nl_sock *sk;
	int one = 1, ret;

	sk = nl_socket_alloc();
	if (!sk)
		return kiste_err_set(err, -ENOMEM, "out of memory allocating a netlink socket");
	ret = genl_connect(sk);
	if (ret < 0) {
		nl_socket_free(sk);
		return kiste_nl_err(ret, "cannot open a generic netlink socket", err);
	}
	/*
	 * Extended ACK brings the kernel's extack message; capping the ack keeps
	 * the kernel from echoing our request back.  Neither is fatal if missing:
	 * errors then fall back to strerror().  libnl 3.7 has no setter for these.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*out = sk;
	return 0;
}

void kiste_nl_copy_name(char dst[KISTE_NAME_MAX], const struct nlattr *a)
{
	size_t len = 0;

	dst[0] = '\0';
	if (!a)
		return;
	len = (size_t)nla_len(a);
	if (len > KISTE_NAME_MAX - 1)
		len = KISTE_NAME_MAX - 1;
	memcpy(dst, nla_data(a), len);
	dst[len] = '\0';
}

int kiste_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, KISTE_A_MAX, kiste_reply_policy) < 0)
		return -EPROTO;
	return 0;
}

struct xact {
	nl_recvmsg_msg_cb_t raw; /* instead of fn, for non-kiste families */
	kiste_nl_reply_fn fn;
	void *arg;
	struct kiste_err *err;
	int code; /* first error seen, 0 if none */
	bool done;
};

static int xact_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct xact *x = arg;
	int ret;

	if (x->raw)
		return x->raw(msg, x->arg);
	if (x->code || !x->fn)
		return NL_SKIP;
	if (kiste_nl_parse(nlmsg_hdr(msg), tb) < 0) {
		x->code = kiste_err_set(x->err, -EPROTO,
					"malformed reply from kiste.ko: update the kiste tools");
		return NL_SKIP;
	}
	ret = x->fn(tb, x->arg, x->err);
	if (ret < 0)
		x->code = ret;
	return NL_SKIP;
}

/* Extracts NLMSGERR_ATTR_MSG from the TLVs that follow struct nlmsgerr. */
static const char *extack_msg(const struct nlmsgerr *e)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const char *s;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (nlh->nlmsg_len <= off)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return NULL;
	if (!tb[NLMSGERR_ATTR_MSG] || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return NULL;
	s = nla_data(tb[NLMSGERR_ATTR_MSG]);
	if (s[nla_len(tb[NLMSGERR_ATTR_MSG]) - 1] != '\0')
		return NULL;
	return s;
}

static int xact_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xact *x = arg;
	const char *msg;
	int code;

	(void)nla;
	x->done = true;
	if (x->code)
		return NL_STOP;
	code = e->error < 0 ? e->error : -EPROTO;
	msg = extack_msg(e);
	x->code = kiste_err_set(x->err, code, "%s", msg && *msg ? msg : strerror(-code));
	return NL_STOP;
}

static int xact_ack(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

/* NLMSG_DONE of a dump carries the dumpit's return value. */
static int xact_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct xact *x = arg;
	int rc;

	x->done = true;
	if (!x->code && nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&rc, nlmsg_data(nlh), sizeof(rc));
		if (rc < 0)
			x->code = kiste_err_set(x->err, rc, "%s", strerror(-rc));
	}
	return NL_STOP;
}

static int transact(struct kiste_nl *nl, struct nl_msg *msg, struct xact *xp)
{
	struct kiste_err *err = xp->err;
	struct xact x = *xp;
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, xact_valid, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, xact_ack, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, xact_finish, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, xact_error, &x);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return kiste_nl_err(ret, "cannot send to kiste.ko", err);
	}
	while (!x.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		/* Our error callback already recorded kernel errors; libnl echoes them. */
		if (ret < 0 && !x.code)
			x.code = kiste_nl_err(ret, "cannot receive from kiste.ko", err);
		if (ret < 0)
			break;
	}
	nl_cb_put(cb);
	return x.code;
}

int kiste_nl_transact(struct kiste_nl *nl, struct nl_msg *msg, kiste_nl_reply_fn fn, void *arg,
		      struct kiste_err *err)
{
	struct xact x = { .fn = fn, .arg = arg, .err = err };

	return transact(nl, msg, &x);
}

struct nl_msg *kiste_nl_msg(struct kiste_nl *nl, uint8_t cmd, int flags, struct kiste_err *err)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg) {
		kiste_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family_id, 0, flags, cmd,
			 KISTE_GENL_VERSION)) {
		nlmsg_free(msg);
		kiste_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	return msg;
}

static void family_groups(struct kiste_nl *nl, struct nlattr *groups)
{
	struct nlattr *g, *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	int rem;

	nla_for_each_nested (g, groups, rem) {
		if (nla_parse_nested(tb, CTRL_ATTR_MCAST_GRP_MAX, g, NULL) < 0)
			continue;
		if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (nla_len(tb[CTRL_ATTR_MCAST_GRP_NAME]) < 1 ||
		    strncmp(nla_data(tb[CTRL_ATTR_MCAST_GRP_NAME]), KISTE_GENL_MCGRP_EVENTS,
			    (size_t)nla_len(tb[CTRL_ATTR_MCAST_GRP_NAME])))
			continue;
		nl->events_grp = nla_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct kiste_nl *nl = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[CTRL_ATTR_FAMILY_ID])
		nl->family_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		nl->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		family_groups(nl, tb[CTRL_ATTR_MCAST_GROUPS]);
	return NL_SKIP;
}

/* CTRL_CMD_GETFAMILY by name: the id, the version and the events group in one reply. */
static int family_resolve(struct kiste_nl *nl, struct kiste_err *err)
{
	struct xact x = { .raw = family_reply, .arg = nl, .err = err };
	struct nl_msg *msg;
	int ret;

	nl->family_id = GENL_ID_CTRL;
	msg = kiste_nl_msg(nl, CTRL_CMD_GETFAMILY, 0, err);
	if (!msg)
		return -ENOMEM;
	nl->family_id = 0;
	if (nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, KISTE_GENL_NAME) < 0) {
		nlmsg_free(msg);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	ret = transact(nl, msg, &x);
	if (ret == -ENOENT || (ret == 0 && nl->family_id == 0))
		return kiste_err_set(err, -ENOENT, KISTE_MSG_NOT_LOADED);
	if (ret < 0)
		return kiste_err_prefix(err, "cannot look up the kiste netlink family");
	return 0;
}

int kiste_nl_open(struct kiste_nl **out, struct kiste_err *err)
{
	struct kiste_nl *nl;
	int ret;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	ret = kiste_nl_socket(&nl->sk, err);
	if (ret < 0) {
		free(nl);
		return ret;
	}
	ret = family_resolve(nl, err);
	if (ret < 0) {
		kiste_nl_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

void kiste_nl_close(struct kiste_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	if (nl->ev_sk)
		nl_socket_free(nl->ev_sk);
	free(nl->ev_buf);
	free(nl);
}

uint32_t kiste_nl_family_version(const struct kiste_nl *nl)
{
	return nl->version;
}

void *kiste_nl_sock(struct kiste_nl *nl)
{
	return nl->sk;
}

int kiste_nl_family_id(const struct kiste_nl *nl)
{
	return nl->family_id;
}
