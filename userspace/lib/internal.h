/* SPDX-License-Identifier: GPL-2.0 */
/* internal.h - what libkiste's own files share: the netlink handle and request helpers. */
#ifndef KISTE_LIB_INTERNAL_H
#define KISTE_LIB_INTERNAL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "libkiste.h"

#define KISTE_MSG_NOT_LOADED "kiste.ko is not loaded: modprobe kiste"

struct kiste_nl {
	struct nl_sock *sk;    /* requests */
	struct nl_sock *ev_sk; /* events group, joined by kiste_events_subscribe() */
	int family_id;
	uint32_t version;
	uint32_t events_grp;   /* 0 when the family advertises no events group */
	unsigned char *ev_buf; /* the datagram being consumed by kiste_events_next() */
	size_t ev_len;
	size_t ev_off;
};

/* Called for each reply message with the kiste attributes parsed and checked. */
typedef int (*kiste_nl_reply_fn)(struct nlattr **tb, void *arg, struct kiste_err *err);

/* A new request for @cmd on the kiste family; NULL on allocation failure (err set). */
struct nl_msg *kiste_nl_msg(struct kiste_nl *nl, uint8_t cmd, int flags, struct kiste_err *err);
/*
 * Sends @msg (always freed) and reads until the ack, the end of a dump or an
 * error.  Kernel errors come back as their -errno with the extack message.
 */
int kiste_nl_transact(struct kiste_nl *nl, struct nl_msg *msg, kiste_nl_reply_fn fn, void *arg,
		      struct kiste_err *err);
/* Parses a kiste genl message into @tb (KISTE_A_MAX + 1 entries); -EPROTO if malformed. */
int kiste_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb);
/* Maps a libnl error (negative NLE_*) to a negative errno and fills @err. */
int kiste_nl_err(int nle, const char *what, struct kiste_err *err);
/* Connects a new generic-netlink socket with extended ACK enabled. */
int kiste_nl_socket(struct nl_sock **out, struct kiste_err *err);

void kiste_nl_copy_name(char dst[KISTE_NAME_MAX], const struct nlattr *a);

#endif /* KISTE_LIB_INTERNAL_H */
