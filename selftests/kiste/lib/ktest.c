// SPDX-License-Identifier: GPL-2.0
// Helpers shared by the kiste.ko selftests; they report through return values and never print.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "ktest.h"

#define KT_PARAM_DIR "/sys/module/kiste/parameters/"
/* Bounds on messages read while waiting for one ACK: replies are small and few. */
#define KT_XACT_MSGS 64
#define KT_XACT_MS   5000

const char *kt_missing(char *buf, size_t len)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;

	if (geteuid() != 0) {
		snprintf(buf, len, "needs root (runs inside the test VM)");
		return buf;
	}
	if (access("/dev/kiste", F_OK) != 0) {
		snprintf(buf, len, "/dev/kiste missing: kiste.ko is not loaded (insmod kiste.ko)");
		return buf;
	}
	if (kiste_nl_open(&nl, &err) < 0) {
		snprintf(buf, len, "genl family kiste missing: %s", err.msg);
		return buf;
	}
	kiste_nl_close(nl);
	return NULL;
}

uint64_t kt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool kt_stats_equal(const struct kiste_stats *a, const struct kiste_stats *b, bool files)
{
	return a->sandboxes == b->sandboxes && a->members == b->members &&
	       (!files || a->files == b->files);
}

int kt_stats_settle(struct kiste_nl *nl, const struct kiste_stats *base, bool files, int timeout_ms,
		    struct kiste_stats *now)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	int ret;

	for (;;) {
		ret = kiste_stats_get(nl, now, NULL);
		if (ret < 0)
			return ret;
		if (kt_stats_equal(base, now, files))
			return 0;
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
}

int kt_wait_members(struct kiste_nl *nl, uint32_t id, uint32_t want, int timeout_ms,
		    struct kiste_sandbox_info *info)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	int ret;

	for (;;) {
		ret = kiste_sandbox_get(nl, id, NULL, info, NULL);
		if (ret < 0)
			return ret;
		if (info->members == want)
			return 0;
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
}

int kt_wait_gone(struct kiste_nl *nl, uint32_t id, int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	struct kiste_sandbox_info info;
	int ret;

	for (;;) {
		ret = kiste_sandbox_get(nl, id, NULL, &info, NULL);
		if (ret == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
}

int kt_list_has(struct kiste_nl *nl, uint32_t id)
{
	struct kiste_sandbox_info *infos = NULL;
	size_t n = 0, i;
	int ret, found = 0;

	ret = kiste_sandbox_list(nl, &infos, &n, NULL);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++)
		if (infos[i].id == id)
			found = 1;
	free(infos);
	return found;
}

int kt_list_count_owner(struct kiste_nl *nl, uint32_t uid)
{
	struct kiste_sandbox_info *infos = NULL;
	size_t n = 0, i;
	int ret, count = 0;

	ret = kiste_sandbox_list(nl, &infos, &n, NULL);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++)
		if (infos[i].owner_uid == uid)
			count++;
	free(infos);
	return count;
}

int kt_param_get(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KT_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int kt_param_set(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KT_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

int kt_param_set_long(const char *name, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return kt_param_set(name, buf);
}

static const char *const kt_param_names[] = {
	"create_gid",
	"max_sandboxes_per_uid",
	"max_members",
};
static char kt_param_saved[3][32];
static bool kt_param_valid[3];

void kt_params_snapshot(void)
{
	size_t i;

	for (i = 0; i < 3; i++)
		kt_param_valid[i] = kt_param_get(kt_param_names[i], kt_param_saved[i],
						 sizeof(kt_param_saved[i])) == 0;
}

void kt_params_restore(void)
{
	char now[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!kt_param_valid[i])
			continue;
		if (kt_param_get(kt_param_names[i], now, sizeof(now)) == 0 &&
		    strcmp(now, kt_param_saved[i]) == 0)
			continue;
		kt_param_set(kt_param_names[i], kt_param_saved[i]);
	}
}

int kt_subreaper(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int kt_wait_pid(pid_t pid, int *status, int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, WNOHANG);
		if (ret == pid)
			return 0;
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
}

int kt_reap_all(int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	int status, reaped = 0;
	pid_t ret;

	for (;;) {
		ret = waitpid(-1, &status, WNOHANG);
		if (ret > 0) {
			reaped++;
			continue;
		}
		if (ret < 0 && errno == ECHILD)
			return reaped;
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
}

bool kt_pid_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int kt_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int left;

	while (got < len) {
		left = (int)(end - kt_now_ms());
		if ((int64_t)(end - kt_now_ms()) <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int kt_write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

void kt_put32(int fd, int32_t v)
{
	if (kt_write_full(fd, &v, sizeof(v)) < 0)
		_exit(100);
}

int kt_get32(int fd, int32_t *v)
{
	return kt_read_full(fd, v, sizeof(*v), KT_CHILD_MS);
}

void *kt_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void kt_exec_sleep(const char *secs)
{
	static const char *const paths[] = { "/bin/sleep", "/usr/bin/sleep" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		execl(paths[i], "sleep", secs, (char *)NULL);
	execl("/bin/busybox", "sleep", secs, (char *)NULL);
}

int kt_attach(int fd, uint32_t id, uint32_t flags)
{
	struct kiste_ioc_attach a = { .id = id, .flags = flags };

	return ioctl(fd, KISTE_IOC_ATTACH, &a) < 0 ? -errno : 0;
}

struct nl_msg *kt_msg_new(struct kiste_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	/*
	 * An explicit sequence number outside libnl's counter: NL_AUTO_SEQ would
	 * advance the counter without libnl seeing the ACK, and the next libkiste
	 * request on the same socket would fail with a sequence mismatch.
	 */
	static uint32_t seq = 0x6b740000;

	if (!genlmsg_put(msg, NL_AUTO_PORT, ++seq, kiste_nl_family_id(nl), 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, KISTE_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The extack TLVs follow struct nlmsgerr and, unless capped, the echoed request. */
static void kt_extack(const struct nlmsghdr *nlh, char *out, size_t len)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e), total = nlh->nlmsg_len - NLMSG_HDRLEN;
	const struct nlattr *a;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || total < off)
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	while (off + NLA_HDRLEN <= total) {
		a = (const struct nlattr *)((const char *)e + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > total)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(out, len, "%.*s", (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

static void kt_keep_reply(const struct nlmsghdr *nlh, struct kt_reply *r)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t len;

	if (r->has_data || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	if (len > sizeof(r->data))
		len = sizeof(r->data);
	r->has_data = true;
	r->cmd = g->cmd;
	r->data_len = len;
	memcpy(r->data, (const char *)g + GENL_HDRLEN, len);
}

/* Handles one datagram; returns 1 once our ACK was seen. */
static int kt_xact_datagram(const char *buf, size_t n, uint32_t seq, struct kt_reply *r)
{
	const struct nlmsghdr *nlh;
	size_t left = n;

	for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
		if (nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			r->error = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			kt_extack(nlh, r->extack, sizeof(r->extack));
			return 1;
		}
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			kt_keep_reply(nlh, r);
	}
	return 0;
}

int kt_msg_xact(struct kiste_nl *nl, struct nl_msg *msg, struct kt_reply *r)
{
	struct nl_sock *sk = kiste_nl_sock(nl);
	int fd = nl_socket_get_fd(sk), one = 1, i, ret;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = kt_now_ms() + KT_XACT_MS;
	static char buf[65536];
	uint32_t seq;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	ret = nl_send_auto(sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0)
		return r->error = -EIO;
	for (i = 0; i < KT_XACT_MSGS; i++) {
		ret = poll(&pfd, 1, (int)(end - kt_now_ms()));
		if (ret <= 0 || (int64_t)(end - kt_now_ms()) < 0)
			return r->error = -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
				continue;
			return r->error = -errno;
		}
		if (kt_xact_datagram(buf, (size_t)n, seq, r))
			return r->error;
	}
	return r->error = -EIO;
}

int kt_reply_parse(struct kt_reply *r, struct nlattr **tb)
{
	if (!r->has_data)
		return -ENODATA;
	return nla_parse(tb, KISTE_A_MAX, (struct nlattr *)r->data, (int)r->data_len, NULL) < 0
		       ? -EPROTO
		       : 0;
}

int kt_raw_new(struct kiste_nl *nl, const char *name, uint32_t mode, uint32_t *id,
	       struct kt_reply *r)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct nl_msg *msg = kt_msg_new(nl, KISTE_CMD_SANDBOX_NEW);
	int ret;

	if (!msg)
		return -ENOMEM;
	if ((name && nla_put_string(msg, KISTE_A_NAME, name) < 0) ||
	    nla_put_u32(msg, KISTE_A_MODE, mode) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = kt_msg_xact(nl, msg, r);
	if (ret < 0 || !id)
		return ret;
	if (kt_reply_parse(r, tb) < 0 || !tb[KISTE_A_ID])
		return -EPROTO;
	*id = nla_get_u32(tb[KISTE_A_ID]);
	return 0;
}

int kt_raw_ref(struct kiste_nl *nl, uint8_t cmd, uint32_t id, const char *name, struct kt_reply *r)
{
	struct nl_msg *msg = kt_msg_new(nl, cmd);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = name ? nla_put_string(msg, KISTE_A_NAME, name) : nla_put_u32(msg, KISTE_A_ID, id);
	if (ret < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kt_msg_xact(nl, msg, r);
}

int kt_events_collect(struct kiste_nl *nl, uint32_t id, uint32_t stop, struct kiste_event *evs,
		      size_t max, size_t *n, bool *lost, int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;
	struct kiste_event ev;
	int64_t left;
	int ret;

	*n = 0;
	while (*n < max) {
		left = (int64_t)(end - kt_now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		ret = kiste_events_next(nl, &ev, (int)left, NULL);
		if (ret == -ENOBUFS) {
			*lost = true;
			continue;
		}
		if (ret < 0)
			return ret;
		if (ev.id != id)
			continue;
		evs[(*n)++] = ev;
		if (ev.type == stop)
			return 0;
	}
	return -ENOSPC;
}
