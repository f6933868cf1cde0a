// SPDX-License-Identifier: GPL-2.0
// Events: join the kiste "events" multicast group and read notifications with a timeout.
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* One datagram holds one notification; 64 KiB is netlink's largest practical message. */
#define KISTE_EV_BUF 65536
/* Bursts of fork/exit events are cheap to buffer; a larger queue makes overruns rarer. */
#define KISTE_EV_RCVBUF (1 << 20)

int kiste_events_subscribe(struct kiste_nl *nl, struct kiste_err *err)
{
	int grp, ret;

	if (nl->ev_sk)
		return 0;
	if (!nl->events_grp)
		return kiste_err_set(err, -ENOENT,
				     "kiste.ko offers no events group: load a matching kiste.ko");
	ret = kiste_nl_socket(&nl->ev_sk, err);
	if (ret < 0)
		return ret;
	/* Notifications carry sequence number 0; libnl must not reject them. */
	nl_socket_disable_seq_check(nl->ev_sk);
	nl_socket_set_buffer_size(nl->ev_sk, KISTE_EV_RCVBUF, 0);
	grp = (int)nl->events_grp;
	if (setsockopt(nl_socket_get_fd(nl->ev_sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)) < 0) {
		ret = -errno;
		nl_socket_free(nl->ev_sk);
		nl->ev_sk = NULL;
		if (ret == -EPERM || ret == -EACCES)
			return kiste_err_set(
				err, -EPERM,
				"joining kiste events needs CAP_SYS_ADMIN: run as root");
		return kiste_err_set(err, ret, "cannot join the kiste events group: %s",
				     strerror(-ret));
	}
	return 0;
}

static void event_from_attrs(struct nlattr **tb, struct kiste_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = tb[KISTE_A_EVENT] ? nla_get_u32(tb[KISTE_A_EVENT]) : 0;
	ev->id = tb[KISTE_A_ID] ? nla_get_u32(tb[KISTE_A_ID]) : 0;
	kiste_nl_copy_name(ev->name, tb[KISTE_A_NAME]);
	ev->mode = tb[KISTE_A_MODE] ? nla_get_u32(tb[KISTE_A_MODE]) : 0;
	ev->has_owner_uid = tb[KISTE_A_OWNER_UID] != NULL;
	ev->owner_uid = ev->has_owner_uid ? nla_get_u32(tb[KISTE_A_OWNER_UID]) : 0;
	ev->pid = tb[KISTE_A_PID] ? nla_get_u32(tb[KISTE_A_PID]) : 0;
	ev->parent_pid = tb[KISTE_A_PARENT_PID] ? nla_get_u32(tb[KISTE_A_PARENT_PID]) : 0;
	ev->has_exit_status = tb[KISTE_A_EXIT_STATUS] != NULL;
	ev->exit_status = ev->has_exit_status ? nla_get_u32(tb[KISTE_A_EXIT_STATUS]) : 0;
}

/* Takes the next kiste event out of the buffered datagram; false when none is left. */
static bool buffered_event(struct kiste_nl *nl, struct kiste_event *ev)
{
	while (nl->ev_off < nl->ev_len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(nl->ev_buf + nl->ev_off);
		int rem = (int)(nl->ev_len - nl->ev_off);
		struct nlattr *tb[KISTE_A_MAX + 1];
		struct genlmsghdr *gh;

		if (!nlmsg_ok(nlh, rem)) {
			nl->ev_off = nl->ev_len;
			return false;
		}
		nl->ev_off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type != nl->family_id || !genlmsg_valid_hdr(nlh, 0))
			continue;
		gh = nlmsg_data(nlh);
		if (gh->cmd != KISTE_CMD_EVENT || kiste_nl_parse(nlh, tb) < 0)
			continue;
		event_from_attrs(tb, ev);
		return true;
	}
	return false;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_readable(int fd, int64_t deadline, int timeout_ms, struct kiste_err *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int left = -1, n;

	if (timeout_ms >= 0) {
		int64_t d = deadline - now_ms();

		left = d > 0 ? (int)d : 0;
	}
	n = poll(&pfd, 1, left);
	if (n < 0)
		return kiste_err_set(err, -errno, "waiting for kiste events: %s", strerror(errno));
	if (n == 0)
		return kiste_err_set(err, -ETIMEDOUT, "no kiste event within %d ms", timeout_ms);
	return 0;
}

int kiste_events_next(struct kiste_nl *nl, struct kiste_event *ev, int timeout_ms,
		      struct kiste_err *err)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	ssize_t n;
	int ret;

	if (!nl->ev_sk)
		return kiste_err_set(
			err, -EINVAL,
			"not subscribed to kiste events: call kiste_events_subscribe()");
	if (!nl->ev_buf) {
		nl->ev_buf = malloc(KISTE_EV_BUF);
		if (!nl->ev_buf)
			return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	for (;;) {
		if (buffered_event(nl, ev))
			return 0;
		ret = wait_readable(nl_socket_get_fd(nl->ev_sk), deadline, timeout_ms, err);
		if (ret < 0)
			return ret;
		n = recv(nl_socket_get_fd(nl->ev_sk), nl->ev_buf, KISTE_EV_BUF, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && errno == ENOBUFS)
			return kiste_err_set(err, -ENOBUFS,
					     "kiste events were lost: the socket buffer overran");
		if (n < 0)
			return kiste_err_set(err, -errno, "reading kiste events: %s",
					     strerror(errno));
		nl->ev_len = (size_t)n;
		nl->ev_off = 0;
	}
}
