// SPDX-License-Identifier: GPL-2.0
// passt.c - --network pasta's passt for vm and unikernel modes: a NIC's backend on qemu's stream protocol.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiste_passt.h"

/*
 * The child: passt on descriptor 3, stderr @errw, the rest /dev/null, in
 * @cg when it has one; up @report, exec's errno, or its negative when the
 * move into @cg failed.
 */
static void __attribute__((noreturn)) passt_exec(const char *passt, char **argv, int sock,
						 int errw, int report, pid_t parent,
						 const struct kiste_cgroup *cg)
{
	struct kiste_err err = { 0 };
	int fd, e;

	kiste_helper_child(parent);
	/* Before exec: what passt allocates is the sandbox's from its first page. */
	if (cg && cg->version && kiste_cgroup_attach(cg, 0, &err) < 0) {
		e = err.code;
		if (write(report, &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	/*
	 * A Ctrl-C or timeout(1) is for the guest: passt ends with its one
	 * client.  Its own process group, since passt installs handlers of its
	 * own for TERM and QUIT (which undo an ignore); INT and HUP ignored too.
	 */
	setpgid(0, 0);
	kiste_helper_ignore_stops();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(errw, 2) < 0 ||
	    dup2(sock, 3) < 0)
		_exit(127);
	/* Not closed: the report pipe must stay open until the exec succeeds. */
	syscall(SYS_close_range, 4, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(passt, argv);
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

pid_t kiste_passt_start(const struct kiste_run_opts *o, const struct kiste_passt_cfg *cfg,
			const struct kiste_cgroup *cg, int *fd, int *err_fd, struct kiste_err *err)
{
	char tcp[1024], udp[1024], ids[32], mtu[16];
	const char *passt = kiste_helper_path("passt");
	int sv[2], rep[2], ep[2], e = 0;
	char *argv[32];
	pid_t pid, self = getpid();
	int n = 0;

	if (!passt)
		return kiste_err_set(err, -ENOENT, "--network pasta in %s mode: no passt binary "
				     "on PATH: install Debian's passt package (apt-get install "
				     "passt)", cfg->mode);
	if (kiste_publish_spec(o, false, tcp, sizeof(tcp)) < 0 ||
	    kiste_publish_spec(o, true, udp, sizeof(udp)) < 0)
		return kiste_err_set(err, -E2BIG, "--network pasta: the -p list is too long for "
				     "passt's command line: publish fewer ports (or ranges)");
	e = kiste_publish_check(o, err);
	if (e < 0)
		return e;
	argv[n++] = (char *)"passt";
	argv[n++] = (char *)"--foreground";
	argv[n++] = (char *)"--quiet";
	argv[n++] = (char *)"--one-off";
	argv[n++] = (char *)"--fd";
	argv[n++] = (char *)"3";
	argv[n++] = (char *)"-a";
	argv[n++] = (char *)KISTE_PASST_GUEST;
	argv[n++] = (char *)"-n";
	argv[n++] = (char *)KISTE_PASST_PREFIX;
	argv[n++] = (char *)"-g";
	argv[n++] = (char *)KISTE_PASST_GATEWAY;
	argv[n++] = (char *)"--dns-forward";
	argv[n++] = (char *)KISTE_PASST_DNS;
	argv[n++] = (char *)"-t";
	argv[n++] = tcp;
	argv[n++] = (char *)"-u";
	argv[n++] = udp;
	/* The host's loopback services are not the guest's to reach (as shim mode's pasta). */
	argv[n++] = (char *)"--no-map-gw";
	argv[n++] = (char *)"-4";	/* the guest is configured for IPv4 only */
	if (cfg->mtu) {
		snprintf(mtu, sizeof(mtu), "%u", cfg->mtu);
		argv[n++] = (char *)"--mtu";
		argv[n++] = mtu;
	}
	/* As root passt turns nobody anyway; said so, it does not complain about it. */
	if (geteuid() == 0) {
		snprintf(ids, sizeof(ids), "%u:%u", 65534u, 65534u);
		argv[n++] = (char *)"--runas";
		argv[n++] = ids;
	}
	argv[n] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return kiste_err_set(err, -errno, "--network pasta: socketpair: %s",
				     strerror(errno));
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return kiste_err_set(err, -errno, "--network pasta: pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		passt_exec(passt, argv, sv[1], ep[1], rep[1], self, cg);
	close(sv[1]);
	close(rep[1]);
	close(ep[1]);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	if (pid > 0 && read(rep[0], &e, sizeof(e)) == sizeof(e)) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(rep[0]);
	if (pid < 0) {
		close(sv[0]);
		close(ep[0]);
		if (e < 0)
			return kiste_err_set(err, e, "--network pasta: cannot move passt into the "
					     "sandbox's cgroup: %s", strerror(-e));
		return kiste_err_set(err, -(e ? e : errno), "--network pasta: cannot start %s: %s",
				     passt, strerror(e ? e : errno));
	}
	*fd = sv[0];
	*err_fd = ep[0];
	return pid;
}
