// SPDX-License-Identifier: GPL-2.0
// netns.c - shim mode's network namespace: loopback up, joining ns:PATH, running pasta for it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

/* pasta has this long to configure the namespace; more means it is stuck. */
#define PASTA_READY_MS 10000

/*
 * Brings `lo` up in the caller's network namespace with one RTM_NEWLINK
 * (root of the sandbox's user namespace owns it, so CAP_NET_ADMIN holds).
 */
int shim_net_lo_up(struct kiste_err *err)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP },
	};
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	int fd, r;

	req.i.ifi_index = (int)if_nametoindex("lo");
	if (!req.i.ifi_index)
		return kiste_err_set(err, -ENODEV, "the sandbox's network namespace has no lo");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return kiste_err_set(err, -errno, "rtnetlink: %s", strerror(errno));
	r = sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k)) == sizeof(req) &&
	    recv(fd, &ack, sizeof(ack), 0) >= (ssize_t)sizeof(ack) ? 0 : -errno;
	if (r == 0 && ack.h.nlmsg_type == NLMSG_ERROR)
		r = ack.e.error;
	close(fd);
	if (r < 0)
		return kiste_err_set(err, r, "cannot bring up lo in the sandbox's network namespace: %s",
				     strerror(-r));
	return 0;
}

/*
 * ICMP echo ("ping") sockets for every group of the sandbox in its own
 * network namespace, whose ping_group_range starts as "1 0" (nobody): the
 * allowlist has no raw sockets, so this is how ping works inside, as root's
 * raw socket does natively (podman sets the same sysctl for its containers).
 * The range is the sandbox's (shim_net_gid_top: its highest group in its
 * gid_map, read as the writer sees it); called by the init before
 * its own procfs (read-only) replaces the caller's, whose /proc/sys/net is the
 * writer's namespace's all the same.  Best effort: where the caller's /proc/sys
 * is read-only (kiste inside a container), ping sockets stay refused.
 */
unsigned long shim_net_gid_top(void)
{
	char map[4096], *p;
	unsigned long in, out, count, hi = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/self/gid_map", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, map, sizeof(map) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	map[n] = 0;
	for (p = map; p && sscanf(p, "%lu %lu %lu", &in, &out, &count) == 3; p = strchr(p + 1, '\n'))
		if (count && in + count - 1 > hi)
			hi = in + count - 1;
	return hi;
}

int shim_proc_sys_write(const char *path, const char *value)
{
	size_t n = strlen(value);
	ssize_t w;
	int fd, e;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	w = write(fd, value, n);
	e = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	close(fd);
	return e;
}

void shim_net_ping_groups(void)
{
	char line[48];

	snprintf(line, sizeof(line), "0 %lu", shim_net_gid_top());
	/* Refused: as before, no ping sockets; nothing else changes. */
	(void)shim_proc_sys_write(SHIM_PING_GROUP_RANGE, line);
}

/*
 * Joins the namespace @fd (kiste_netns_open) before the sandbox's user
 * namespace exists, so that it is joined with the caller's rights: the
 * sandbox's root would have none over a namespace another user namespace
 * owns.  That needs CAP_SYS_ADMIN over the namespace's owner and in the
 * caller's own user namespace: root, or a caller inside the user namespace
 * that owns it (podman unshare).
 */
int shim_net_join(int fd, const char *path, struct kiste_err *err)
{
	if (setns(fd, CLONE_NEWNET) == 0)
		return 0;
	if (errno == EPERM)
		return kiste_err_set(err, -EPERM, "cannot join --network ns:%s: permission denied: "
				     "only root, or a caller inside the user namespace that owns it "
				     "(e.g. podman unshare), may join it",
				     path);
	return kiste_err_set(err, -errno, "cannot join --network ns:%s: %s", path,
			     strerror(errno));
}

/* True once pasta wrote its pid file (after its setup), false at the deadline or its death. */
static bool pasta_wait_ready(pid_t pid, const char *pidfile)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	struct stat st;
	int i;

	for (i = 0; i < PASTA_READY_MS / 10; i++) {
		if (stat(pidfile, &st) == 0 && st.st_size > 0)
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		nanosleep(&t, NULL);
	}
	return false;
}

/*
 * Starts pasta for the sandbox whose init is @target, in the foreground as
 * our child, in the sandbox's cgroup @cg (parent-death signal set too; with our
 * own ids, since pasta as root would turn nobody, who cannot join the
 * namespaces a root launcher made, and a change of ids clears that signal),
 * with exactly the -p forwards (-t/-u none otherwise, and none towards the
 * host's loopback: -T/-U none), and waits until it configured the namespace.
 * Returns its pid, or -1 with @err set.
 */
pid_t shim_pasta_start(const struct kiste_run_opts *o, pid_t target, const struct kiste_cgroup *cg,
			struct kiste_err *err)
{
	struct kiste_err cg_err = { 0 };
	char tcp[1024], udp[1024], ids[32], pidfile[] = "/tmp/kiste-pasta.XXXXXX";
	char userns[32], netns[32], path[64];
	const char *pasta = kiste_helper_path("pasta");
	char *argv[28];
	int n = 0, fd, r, ufd, nfd;
	pid_t pid, self = getpid();

	if (!pasta)
		return kiste_err_set(err, -ENOENT, "--network pasta: no pasta binary on PATH: "
				     "install Debian's passt package (apt-get install passt)");
	r = kiste_publish_check(o, err);
	if (r < 0)
		return r;
	fd = mkstemp(pidfile);
	if (fd < 0)
		return kiste_err_set(err, -errno, "--network pasta: cannot make a pid file: %s",
				     strerror(errno));
	close(fd);
	if (kiste_publish_spec(o, false, tcp, sizeof(tcp)) < 0 ||
	    kiste_publish_spec(o, true, udp, sizeof(udp)) < 0) {
		unlink(pidfile);
		return kiste_err_set(err, -E2BIG, "--network pasta: the -p list is too long for "
				     "pasta's command line: publish fewer ports (or ranges)");
	}

	/*
	 * The namespaces by descriptor, opened here: run as root, the sandbox's
	 * user namespace is another id's (launch.c's owner_clone, ids.c), and
	 * its init that id's for a while, which pasta, root with the capabilities
	 * it keeps, may not open by pid; joining by descriptor takes those alone.
	 */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)target);
	ufd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)target);
	nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (ufd < 0 || nfd < 0) {
		r = -errno;
		if (ufd >= 0)
			close(ufd);
		if (nfd >= 0)
			close(nfd);
		unlink(pidfile);
		return kiste_err_set(err, r, "--network pasta: cannot open the sandbox's "
				     "namespaces: %s", strerror(-r));
	}
	/* Our own ids: root's pasta would turn nobody, who may not join a root-owned namespace. */
	snprintf(ids, sizeof(ids), "%u:%u", (unsigned int)geteuid(), (unsigned int)getegid());
	argv[n++] = (char *)"pasta";
	argv[n++] = (char *)"--config-net";
	argv[n++] = (char *)"--foreground";
	argv[n++] = (char *)"--quiet";
	argv[n++] = (char *)"--runas";
	argv[n++] = ids;
	argv[n++] = (char *)"-P";
	argv[n++] = pidfile;
	argv[n++] = (char *)"-t";
	argv[n++] = tcp;
	argv[n++] = (char *)"-u";
	argv[n++] = udp;
	argv[n++] = (char *)"-T";
	argv[n++] = (char *)"none";
	argv[n++] = (char *)"-U";
	argv[n++] = (char *)"none";
	/* pasta would map its gateway address to the host's loopback: its local-only services */
	argv[n++] = (char *)"--no-map-gw";
	argv[n++] = (char *)"--userns";
	argv[n++] = userns;
	argv[n++] = (char *)"--netns";
	argv[n++] = netns;
	/* It ends when told (shim_pasta_stop), not by watching a path of its own descriptors. */
	argv[n++] = (char *)"--no-netns-quit";
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(ufd);
		close(nfd);
		unlink(pidfile);
		return kiste_err_set(err, r, "--network pasta: fork: %s", strerror(-r));
	}
	if (pid == 0) {
		kiste_helper_child(self);
		/*
		 * In the sandbox's cgroup, which goes with the sandbox whatever ends
		 * the launcher: joining a user namespace another id owns clears
		 * pasta's parent-death signal (the kernel takes it for a change of
		 * credentials), so that signal alone would leave it, and its
		 * published ports, behind a SIGKILLed launcher.
		 */
		if (cg && cg->version && kiste_cgroup_attach(cg, 0, &cg_err) < 0)
			_exit(127);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0);
		/* Copies without O_CLOEXEC, for pasta to open as /proc/self/fd/N. */
		ufd = fcntl(ufd, F_DUPFD, 3);
		nfd = fcntl(nfd, F_DUPFD, 3);
		if (ufd < 0 || nfd < 0)
			_exit(127);
		snprintf(userns, sizeof(userns), "/proc/self/fd/%d", ufd);
		snprintf(netns, sizeof(netns), "/proc/self/fd/%d", nfd);
		execv(pasta, argv);
		_exit(127);
	}
	close(ufd);
	close(nfd);
	if (!pasta_wait_ready(pid, pidfile)) {
		shim_pasta_stop(pid);
		unlink(pidfile);
		return kiste_err_set(err, -EIO, "--network pasta: pasta did not set up the sandbox's "
				     "network (its own line above says why; it needs a host "
				     "interface with a default route)");
	}
	unlink(pidfile);
	return pid;
}

/* Ends pasta (TERM, then KILL after a second) and reaps it: nothing is left behind. */
void shim_pasta_stop(pid_t pid)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
