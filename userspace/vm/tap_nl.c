// SPDX-License-Identifier: GPL-2.0
// tap_nl.c - tap.c's raw rtnetlink: messages built in place, sent, answers read (no libnl).
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tap_nl.h"

/* One exchange with the kernel, however many messages it sends: at most this long. */
#define NL_TIMEOUT_S	5

/* @len bytes of @data as attribute @type at the end of @h (messages here are small and fixed). */
struct rtattr *vm_nl_put(struct nlmsghdr *h, unsigned short type, const void *data,
			 size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

/* Closes the nest @a opened with vm_nl_put(h, type, NULL, 0). */
void vm_nl_end(struct nlmsghdr *h, struct rtattr *a)
{
	a->rta_len = (char *)h + h->nlmsg_len - (char *)a;
}

static uint64_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec;
}

/*
 * Sends @h, then reads its answers, @fn (if any) on each, up to the
 * acknowledgement or the end of a dump: 0 or the kernel's -errno.  Only
 * messages whose length covers the @hlen-byte header @fn reads reach it
 * (NLMSG_OK keeps each within what was received, RTA_OK each attribute within
 * its message); a shorter one is -EBADMSG.  A dump the kernel marks
 * interrupted (the table changed under it) is -EAGAIN, for the caller to
 * redo.  A silent kernel or an endless stream ends after NL_TIMEOUT_S
 * (SO_RCVTIMEO on the socket, and this loop's own deadline).
 */
static int nl_exchange(int fd, struct nlmsghdr *h, size_t hlen, vm_nl_each fn, void *arg)
{
	static char buf[32768] __attribute__((aligned(4)));
	static unsigned int seq;
	uint64_t deadline = now_s() + NL_TIMEOUT_S;
	bool intr = false;
	struct nlmsghdr *m;
	ssize_t n;

	h->nlmsg_flags |= NLM_F_REQUEST;
	h->nlmsg_seq = ++seq;
	if (send(fd, h, h->nlmsg_len, 0) != (ssize_t)h->nlmsg_len)
		return -errno;
	for (;;) {
		if (now_s() > deadline)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -ETIMEDOUT;
		if (n <= 0)
			return n ? -errno : -EIO;
		for (m = (struct nlmsghdr *)buf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
			if (m->nlmsg_seq != h->nlmsg_seq)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_DONE)
				return intr ? -EAGAIN : 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				if (m->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
					return -EBADMSG;
				return ((struct nlmsgerr *)NLMSG_DATA(m))->error;
			}
			if (m->nlmsg_len < NLMSG_LENGTH(hlen))
				return -EBADMSG;
			if (fn)
				fn(m, arg);
		}
	}
}

/* @h with an acknowledgement asked for: 0 or the kernel's -errno. */
int vm_nl_talk(int fd, struct nlmsghdr *h)
{
	h->nlmsg_flags |= NLM_F_ACK;
	return nl_exchange(fd, h, 0, NULL, NULL);
}

/* Dumps @type (request header @hdr of @hlen bytes), @fn on each answer: 0 or -errno. */
int vm_nl_dump(int fd, unsigned short type, const void *hdr, size_t hlen, vm_nl_each fn,
	       void *arg)
{
	union vm_nl_msg req = { .h = { .nlmsg_len = NLMSG_LENGTH(hlen), .nlmsg_type = type,
				       .nlmsg_flags = NLM_F_DUMP } };

	memcpy(NLMSG_DATA(&req.h), hdr, hlen);
	return nl_exchange(fd, &req.h, hlen, fn, arg);
}

/* The attribute @type among @len bytes of attributes at @a, or NULL. */
const struct rtattr *vm_rta_find(const struct rtattr *a, int len, unsigned short type)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

/*
 * rtnetlink in this thread's namespace, connected to the kernel (port 0): a
 * message from any other sender is refused by the kernel, not read as an
 * answer; receives time out (nl_exchange's bound).  The socket or -errno.
 */
int vm_nl_open(void)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), e;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}
