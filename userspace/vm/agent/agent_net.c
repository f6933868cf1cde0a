// SPDX-License-Identifier: GPL-2.0
// agent_net.c - the guest's network before the workload: lo up; with net=, the virtio-net interface.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "net_record.h"

/* How long the interface may take to show up once virtio_net is loaded, and how often we look. */
#define NET_WAIT_MS	10000
#define NET_POLL_MS	10

/* The first interface in /sys/class/net other than lo, into @name; -1 while there is none. */
static int iface_find(char *name)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int ret = -1;

	while (d && ret < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo") ||
		    strlen(e->d_name) >= IFNAMSIZ)
			continue;
		strcpy(name, e->d_name);
		ret = 0;
	}
	if (d)
		closedir(d);
	return ret;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int iface_wait(struct agent_chan *ch, char *name)
{
	const struct timespec poll = { 0, NET_POLL_MS * 1000000L };
	long end = now_ms() + NET_WAIT_MS;

	while (iface_find(name) < 0) {
		if (now_ms() >= end) {
			agent_log(ch, "the network interface (virtio-net) did not appear within "
				  "%d s: /sys/class/net has lo only: refused", NET_WAIT_MS / 1000);
			return -1;
		}
		nanosleep(&poll, NULL);
	}
	return 0;
}

static int iface_up(int fd, const char *name)
{
	struct ifreq ifr = { 0 };

	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static void sin_set(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(sa, &sin, sizeof(sin));
}

/*
 * @mtu (0: left as it is) and ADDR/PREFIX on @name, @name up, the default
 * route via GATEWAY; the step that failed in *step.
 */
static int iface_config(int fd, const char *name, const struct vm_net_record *n,
			unsigned int mtu, const char **step)
{
	struct ifreq ifr = { 0 };
	struct rtentry rt = { 0 };
	static const struct in_addr any;

	strcpy(ifr.ifr_name, name);
	*step = "set the MTU";
	ifr.ifr_mtu = (int)mtu;
	if (mtu && ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		return -1;
	*step = "set the address";
	sin_set(&ifr.ifr_addr, n->addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		return -1;
	*step = "set the netmask";
	sin_set(&ifr.ifr_netmask, n->mask);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		return -1;
	*step = "bring it up";
	if (iface_up(fd, name) < 0)
		return -1;
	*step = "add the default route";
	sin_set(&rt.rt_dst, any);
	sin_set(&rt.rt_genmask, any);
	sin_set(&rt.rt_gateway, n->gw);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)name;
	return ioctl(fd, SIOCADDRT, &rt);
}

/*
 * "nameserver DNS" as the workload's /etc/resolv.conf (its root is in place
 * by now).  A link there (to systemd-resolved's file, say) is replaced, not
 * followed: the guest has no resolver daemon to write its target.
 */
static int resolv_write(const struct vm_net_record *n)
{
	char buf[64], addr[INET_ADDRSTRLEN];
	int fd, len;

	inet_ntop(AF_INET, &n->dns, addr, sizeof(addr));
	len = snprintf(buf, sizeof(buf), "nameserver %s\n", addr);
	if (mkdir("/etc", 0755) < 0 && errno != EEXIST)
		return -1;
	if (unlink("/etc/resolv.conf") < 0 && errno != ENOENT)
		return -1;
	fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* mtu=: KISTE_VM_MTU_MIN..KISTE_VM_MTU_MAX in decimal, no sign or leading zero; else 0. */
static unsigned int mtu_parse(const char *s)
{
	unsigned int v = 0;
	size_t i;

	if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 4)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v >= KISTE_VM_MTU_MIN && v <= KISTE_VM_MTU_MAX ? v : 0;
}

int agent_net_setup(struct agent_chan *ch, const char *net, const char *mtu_spec)
{
	unsigned int mtu = mtu_parse(mtu_spec);
	char name[IFNAMSIZ];
	struct vm_net_record n;
	const char *bad, *step;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* --network none still has loopback, as the other modes do. */
	if (fd < 0 || iface_up(fd, "lo") < 0) {
		agent_log(ch, "cannot bring the loopback interface lo up: %s: refused",
			  strerror(errno));
		goto fail;
	}
	if (!net) {
		close(fd);
		return 0;
	}
	bad = vm_net_record_parse(net, &n);
	if (!bad && mtu_spec && !mtu)
		bad = "its mtu= is not 68..1500";
	if (bad) {
		agent_log(ch, "bad network record '%.*s' in the spec: %s: refused",
			  KISTE_VM_NET_MAX, net, bad);
		goto fail;
	}
	if (iface_wait(ch, name) < 0)
		goto fail;
	if (iface_config(fd, name, &n, mtu, &step) < 0) {
		agent_log(ch, "cannot configure the network interface %s: cannot %s: %s: refused",
			  name, step, strerror(errno));
		goto fail;
	}
	close(fd);
	if (resolv_write(&n) < 0) {
		agent_log(ch, "cannot write /etc/resolv.conf for the workload: %s: refused",
			  strerror(errno));
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}
