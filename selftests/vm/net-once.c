// SPDX-License-Identifier: GPL-2.0
/* net-once.c - test-VM helper: the first TCP and UDP traffic, so its once-only keys flip at boot. */
/*
 * The kernel seeds its connection-hash and sequence secrets on first use
 * (net_get_random_once) and then turns that check off by patching its text
 * from a worker (once_deferred).  Patched text is what can freeze the test VM
 * under TCG (kvm-hold.c); a kprobe on arch_jump_label_transform_apply saw
 * four such patches in the middle of vmmode_run.sh, at its first network case.
 * One TCP connection and one UDP datagram over 127.0.0.1 and over ::1, before
 * any suite runs, move them to boot.  Exit status 1 and one line on failure
 * (::1 missing is not one: the IPv6 keys then stay for later).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One exchange of TYPE over the loopback address of FAMILY; 0, or -1 with errno. */
static int exchange(int family, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int srv = -1, cli = -1, acc = -1, ret = -1;
	char c = 'x';

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	srv = socket(family, type | SOCK_CLOEXEC, 0);
	cli = socket(family, type | SOCK_CLOEXEC, 0);
	if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(srv, (struct sockaddr *)&ss, &len) < 0 ||
	    (type == SOCK_STREAM && listen(srv, 1) < 0) ||
	    connect(cli, (struct sockaddr *)&ss, len) < 0)
		goto out;
	if (type == SOCK_STREAM) {
		acc = accept(srv, NULL, NULL);
		if (acc < 0)
			goto out;
	}
	if (send(cli, &c, 1, 0) != 1 || recv(acc >= 0 ? acc : srv, &c, 1, 0) != 1)
		goto out;
	ret = 0;
out:
	if (acc >= 0)
		close(acc);
	if (cli >= 0)
		close(cli);
	if (srv >= 0)
		close(srv);
	return ret;
}

int main(void)
{
	static const struct {
		int family, type;
		const char *what;
	} runs[] = {
		{ AF_INET, SOCK_STREAM, "TCP over 127.0.0.1" },
		{ AF_INET, SOCK_DGRAM, "UDP over 127.0.0.1" },
		{ AF_INET6, SOCK_STREAM, "TCP over ::1" },
		{ AF_INET6, SOCK_DGRAM, "UDP over ::1" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		if (exchange(runs[i].family, runs[i].type) == 0)
			continue;
		if (runs[i].family == AF_INET6 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			continue;
		fprintf(stderr, "net-once: %s: %s: the first network case will patch kernel text\n",
			runs[i].what, strerror(errno));
		return 1;
	}
	return 0;
}
