// SPDX-License-Identifier: GPL-2.0
// admin.c - the coordinator's requests (as root): baseline, cleanup of what the run left, the closing checks.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fz_admin.h"

/* How long the registry may take to settle after the run (TCG, debug kernel). */
#define FZ_SETTLE_MS 30000
#define FZ_ANSWER_MS 5000

struct req {
	union {
		struct nlmsghdr nlh;
		char buf[256];
	};
	size_t len;
};

static void req_init(struct req *r, int family, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g = (struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);

	memset(r->buf, 0, sizeof(r->buf));
	r->nlh.nlmsg_type = (uint16_t)family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g->cmd = cmd;
	g->version = KISTE_GENL_VERSION;
	r->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static void req_u32(struct req *r, uint16_t type, uint32_t v)
{
	struct nlattr *a = (struct nlattr *)(r->buf + r->len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + 4;
	memcpy((char *)a + NLA_HDRLEN, &v, 4);
	r->len += NLA_ALIGN(a->nla_len);
}

/* Sends @r and calls @fn on every reply message until the ACK or DONE. */
static int xact(int fd, struct req *r, void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	static char buf[65536];
	struct nlmsghdr *nlh;
	int len, err = 0;
	ssize_t n;

	r->nlh.nlmsg_len = (uint32_t)r->len;
	if (send(fd, r->buf, r->len, 0) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, FZ_ANSWER_MS) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return -EIO;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				return err;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				return err;
			}
			if (fn)
				fn(nlh, arg);
		}
		if (!(r->nlh.nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP)))
			return 0;
	}
}

static uint32_t attr_u32(const struct nlmsghdr *nlh, uint16_t type, bool *found)
{
	const char *p = (const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	uint32_t v = 0;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == type && a->nla_len == NLA_HDRLEN + 4) {
			memcpy(&v, p + NLA_HDRLEN, 4);
			*found = true;
		}
		p += NLA_ALIGN(a->nla_len);
	}
	return v;
}

static void stats_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct fz_admin *a = arg;
	bool f = false;

	a->sandboxes = attr_u32(nlh, KISTE_A_STATS_SANDBOXES, &f);
	a->members = attr_u32(nlh, KISTE_A_STATS_MEMBERS, &f);
	a->files = attr_u32(nlh, KISTE_A_STATS_FILES, &f);
}

static void dump_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct fz_admin *a = arg;
	bool f = false;
	uint32_t id = attr_u32(nlh, KISTE_A_ID, &f);

	if (f && a->n_ids < FZ_ADMIN_IDS)
		a->ids[a->n_ids++] = id;
}

static int stats(int fd, int family, struct fz_admin *a)
{
	struct req r;

	req_init(&r, family, NLM_F_ACK, KISTE_CMD_STATS);
	return xact(fd, &r, stats_reply, a);
}

static int list(int fd, int family, struct fz_admin *a)
{
	struct req r;

	a->n_ids = 0;
	req_init(&r, family, NLM_F_DUMP, KISTE_CMD_SANDBOX_GET);
	return xact(fd, &r, dump_reply, a);
}

static unsigned long taint(void)
{
	unsigned long t = ~0UL;
	FILE *f = fopen("/proc/sys/kernel/tainted", "re");

	if (f) {
		if (fscanf(f, "%lu", &t) != 1)
			t = ~0UL;
		fclose(f);
	}
	return t;
}

int fz_admin_setup(struct fz_shared *sh, char *why, size_t len)
{
	struct stat st;
	int fd, ret;

	if (geteuid() != 0) {
		snprintf(why, len, "needs root (runs inside the test VM)");
		return -1;
	}
	if (stat("/dev/" KISTE_DEVICE_NAME, &st) < 0) {
		snprintf(why, len, "/dev/kiste missing: kiste.ko is not loaded");
		return -1;
	}
	fd = fz_nl_open();
	ret = fd < 0 ? fd : fz_nl_resolve(fd, &sh->family, &sh->mcgrp);
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		snprintf(why, len, "genl family kiste missing (%d)", ret);
		return -1;
	}
	/* uid nobody may not open /dev/kiste (0660): a node of our own lets it try */
	snprintf(sh->node, sizeof(sh->node), "/tmp/kiste-fuzz-%d", (int)getpid());
	unlink(sh->node);
	if (mknod(sh->node, S_IFCHR | 0666, st.st_rdev) < 0 || chmod(sh->node, 0666) < 0)
		snprintf(sh->node, sizeof(sh->node), "/dev/" KISTE_DEVICE_NAME);
	sh->kvm = access("/dev/kvm", F_OK) == 0;
	/* orphans of killed workers come to us, to be reaped and killed at the end */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* no core files from the children SIGSYS or SIGSEGV ends */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	return 0;
}

void fz_admin_snapshot(struct fz_shared *sh, struct fz_admin *a)
{
	int fd = fz_nl_open();

	memset(a, 0, sizeof(*a));
	if (fd >= 0) {
		stats(fd, sh->family, a);
		list(fd, sh->family, a);
		close(fd);
	}
	a->taint = taint();
}

static bool had(const struct fz_admin *a, uint32_t id)
{
	size_t i;

	for (i = 0; i < a->n_ids; i++)
		if (a->ids[i] == id)
			return true;
	return false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Deletes what the run made, then waits for the counts to come back. */
static int settle(int fd, int family, const struct fz_admin *before, struct fz_admin *now)
{
	uint64_t end = now_ms() + FZ_SETTLE_MS;
	struct req r;
	size_t i;

	do {
		if (list(fd, family, now) == 0) {
			for (i = 0; i < now->n_ids; i++) {
				if (had(before, now->ids[i]))
					continue;
				req_init(&r, family, NLM_F_ACK, KISTE_CMD_SANDBOX_DEL);
				req_u32(&r, KISTE_A_ID, now->ids[i]);
				xact(fd, &r, NULL, NULL);
			}
		}
		if (stats(fd, family, now) == 0 && now->sandboxes == before->sandboxes &&
		    now->members == before->members && now->files == before->files)
			return 0;
		usleep(100 * 1000);
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

int fz_admin_checks(struct fz_shared *sh, const struct fz_admin *before, struct fz_admin *after)
{
	int fd, family = -1, ret, fails = 0;
	uint64_t t0 = now_ms();
	uint32_t grp;

	memset(after, 0, sizeof(*after));
	fd = fz_nl_open();
	ret = fd < 0 ? fd : fz_nl_resolve(fd, &family, &grp);
	if (!ret)
		ret = stats(fd, family, after);
	printf("%s 2 - the module answers after the run (nlctrl lookup and STATS: %d, %llu ms)\n",
	       ret ? "not ok" : "ok", ret, (unsigned long long)(now_ms() - t0));
	fails += ret != 0;

	ret = ret ? ret : settle(fd, family, before, after);
	printf("%s 3 - the registry settles back: sandboxes %u -> %u, members %u -> %u, /dev/kiste descriptors %u -> %u\n",
	       ret ? "not ok" : "ok", before->sandboxes, after->sandboxes, before->members,
	       after->members, before->files, after->files);
	fails += ret != 0;
	if (fd >= 0)
		close(fd);

	after->taint = taint();
	printf("%s 4 - kernel taint unchanged by the run (%lu -> %lu)\n",
	       after->taint == before->taint ? "ok" : "not ok", before->taint, after->taint);
	fails += after->taint != before->taint;
	if (strncmp(sh->node, "/dev/", 5))
		unlink(sh->node);
	return fails;
}

int fz_kill_children(pid_t parent)
{
	char path[300], buf[512], *p;
	struct dirent *d;
	int n = 0, fd;
	ssize_t len;
	long ppid;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		/* "pid (comm) state ppid ...": comm may hold anything but the last ')' */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%*c %ld", &ppid) != 1 || ppid != parent)
			continue;
		if (kill((pid_t)atol(d->d_name), SIGKILL) == 0)
			n++;
	}
	closedir(dir);
	return n;
}
