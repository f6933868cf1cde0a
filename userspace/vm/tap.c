// SPDX-License-Identifier: GPL-2.0
// tap.c - vm mode's --network ns:PATH: a tap in that namespace, tc-redirected both ways to its one interface (the guest's way filtered).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "tap_nl.h"
#include "vmm/net.h"

/* A container's namespace has a handful of links; with more it is refused. */
#define SCAN_LINKS_MAX	64
/* Dumps the kernel marks interrupted (a table changed during them): redone this often. */
#define SCAN_TRIES	3
/* The filters' priority: ours are the only ones on these ingress qdiscs. */
#define FILTER_PRIO	1

/*
 * This run's mark on its filters' actions (TCA_ACT_COOKIE, random): the
 * helper removes the veth's qdisc only while a filter there still carries it.
 */
static uint8_t cookie[16];

struct scan_link {
	int index;
	unsigned int flags, mtu;
	uint8_t mac[6];
	char name[IFNAMSIZ];
};

/* What the namespace has (names printable: they are only for error lines): its links, the one with IPv4 (and how many such), its gateway. */
struct scan {
	struct scan_link link[SCAN_LINKS_MAX];
	unsigned int nlinks;
	const struct scan_link *iface, *other;
	struct in_addr addr, gw;
	unsigned int prefix;
	bool has_gw;
	bool full;		/* more links than SCAN_LINKS_MAX */
	bool unknown;		/* an IPv4 address on a link the link dump did not have */
};

static void link_each(const struct nlmsghdr *m, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(m);
	const struct rtattr *a = IFLA_RTA(ifi);
	int len = IFLA_PAYLOAD(m);
	struct scan *s = arg;
	struct scan_link *l;

	if (m->nlmsg_type != RTM_NEWLINK)
		return;
	if (s->nlinks == SCAN_LINKS_MAX) {
		s->full = true;
		return;
	}
	l = &s->link[s->nlinks++];
	*l = (struct scan_link){ .index = ifi->ifi_index, .flags = ifi->ifi_flags };
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6)
			memcpy(l->mac, RTA_DATA(a), 6);
		else if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) == 4)
			memcpy(&l->mtu, RTA_DATA(a), 4);
		else if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) <= IFNAMSIZ)
			kiste_printable(strncpy(l->name, RTA_DATA(a), sizeof(l->name) - 1));
	}
}

static void addr_each(const struct nlmsghdr *m, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(m);
	const struct rtattr *a = IFA_RTA(ifa);
	int len = IFA_PAYLOAD(m);
	const struct scan_link *l = NULL;
	struct scan *s = arg;
	unsigned int i;

	if (m->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return;
	for (i = 0; i < s->nlinks && !l; i++)
		if (s->link[i].index == (int)ifa->ifa_index)
			l = &s->link[i];
	if (!l)
		s->unknown = true;
	if (!l || (l->flags & IFF_LOOPBACK))
		return;
	if (s->iface && s->iface != l) {
		s->other = l;
		return;
	}
	if (s->iface)
		return;		/* a second address on the same interface: the first counts */
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == 4) {
			memcpy(&s->addr, RTA_DATA(a), 4);
			s->prefix = ifa->ifa_prefixlen;
			s->iface = l;
		}
}

static void route_each(const struct nlmsghdr *m, void *arg)
{
	const struct rtmsg *r = NLMSG_DATA(m);
	const struct rtattr *a = RTM_RTA(r);
	int len = RTM_PAYLOAD(m), oif = 0;
	struct in_addr gw = { 0 };
	struct scan *s = arg;
	bool has_gw = false;

	if (m->nlmsg_type != RTM_NEWROUTE || r->rtm_family != AF_INET || r->rtm_dst_len ||
	    r->rtm_table != RT_TABLE_MAIN || r->rtm_type != RTN_UNICAST || s->has_gw)
		return;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4) {
			memcpy(&gw, RTA_DATA(a), 4);
			has_gw = true;
		} else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4) {
			memcpy(&oif, RTA_DATA(a), 4);
		}
	}
	if (has_gw && s->iface && oif == s->iface->index) {
		s->gw = gw;
		s->has_gw = true;
	}
}

/* One line for a failed step; EPERM is always the same advice. */
static int tap_fail(struct kiste_err *err, const char *path, const char *step, int e)
{
	if (e == -EPERM || e == -EACCES)
		return kiste_err_set(err, -EPERM, "cannot set up --network ns:%s: %s: permission "
				     "denied: run as root or as the namespace's owner", path, step);
	return kiste_err_set(err, e, "cannot set up --network ns:%s: cannot %s: %s", path, step,
			     strerror(-e));
}

/*
 * Inet sockets that have an owner in the namespace this thread is in: the
 * redirect takes every frame arriving on its interface, so another process
 * there (a pod's sidecar or infra container, --network container:X) would
 * lose its traffic to the guest, which could answer as it.  /proc/thread-self
 * shows this thread's namespace; entries without an inode (TIME_WAIT) have
 * no owner.  The count or -errno.
 */
static int ns_sockets(void)
{
	static const char *const table[] = { "tcp", "tcp6", "udp", "udp6", "raw", "raw6" };
	char path[64], line[512];
	unsigned long inode;
	unsigned int i, n;
	int count = 0;
	FILE *f;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", table[i]);
		f = fopen(path, "re");
		if (!f && errno == ENOENT)
			continue;	/* no IPv6 in this kernel */
		if (!f)
			return -errno;
		for (n = 0; fgets(line, sizeof(line), f); n++)
			if (n && sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu", &inode) == 1 &&
			    inode && count < 1000000)
				count++;
		fclose(f);
	}
	return count;
}

/* Links, the one interface with IPv4 besides lo, its default gateway: checked (MTU: the caller). */
static int scan_ns(int nl, const char *path, struct scan *s, struct kiste_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct rtmsg rtm = { .rtm_family = AF_INET };
	unsigned int tries = 0;
	uint32_t mask;
	int ret;

	do {
		memset(s, 0, sizeof(*s));
		ret = vm_nl_dump(nl, RTM_GETLINK, &ifi, sizeof(ifi), link_each, s);
		if (ret == 0)
			ret = vm_nl_dump(nl, RTM_GETADDR, &ifa, sizeof(ifa), addr_each, s);
		if (ret == 0)
			ret = vm_nl_dump(nl, RTM_GETROUTE, &rtm, sizeof(rtm), route_each, s);
	} while (ret == -EAGAIN && ++tries < SCAN_TRIES);
	if (ret == -EAGAIN)
		return kiste_err_set(err, -EAGAIN, "cannot set up --network ns:%s: its interfaces "
				     "kept changing while kiste listed them: try again", path);
	if (ret < 0)
		return tap_fail(err, path, "list its interfaces", ret);
	if (s->full)
		return kiste_err_set(err, -E2BIG, "cannot set up --network ns:%s: the namespace "
				     "has more than %d interfaces: vm mode takes a container's "
				     "namespace, which has a few", path, SCAN_LINKS_MAX);
	if (s->unknown)
		return kiste_err_set(err, -EAGAIN, "cannot set up --network ns:%s: an IPv4 address "
				     "is on an interface kiste did not see listed (it changed during "
				     "set-up): try again", path);
	if (!s->iface)
		return kiste_err_set(err, -ENODEV, "cannot set up --network ns:%s: the namespace "
				     "has no interface with an IPv4 address besides lo: give one "
				     "with exactly one (a veth, as podman's bridge network makes)",
				     path);
	if (s->other)
		return kiste_err_set(err, -EINVAL, "cannot set up --network ns:%s: the namespace "
				     "has more than one interface with an IPv4 address (%s, %s): "
				     "vm mode attaches to exactly one", path, s->iface->name,
				     s->other->name);
	mask = s->prefix ? htonl(~0u << (32 - s->prefix)) : 0;
	if (!s->has_gw || s->prefix < 1 || s->prefix > 30 ||
	    ((s->gw.s_addr ^ s->addr.s_addr) & mask) || s->gw.s_addr == s->addr.s_addr)
		return kiste_err_set(err, -EINVAL, "cannot set up --network ns:%s: %s has no IPv4 "
				     "default route via a gateway inside its own /%u: add one "
				     "(ip route add default via GATEWAY)", path, s->iface->name,
				     s->prefix);
	if (!memcmp(s->iface->mac, (uint8_t[6]){ 0 }, 6))
		return kiste_err_set(err, -EINVAL, "cannot set up --network ns:%s: %s has no "
				     "Ethernet address for the guest to take: give a veth or "
				     "another Ethernet interface", path, s->iface->name);
	return 0;
}

/*
 * The guest's nameserver: the first IPv4 one in the host's /etc/resolv.conf
 * that is not loopback (a local resolver is not reachable from inside the
 * namespace), as podman does for its containers; else the gateway.
 */
static struct in_addr dns_pick(struct in_addr gw)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[256], addr[64];
	struct in_addr a;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " nameserver %63s", addr) != 1 || inet_pton(AF_INET, addr, &a) != 1)
			continue;
		if ((ntohl(a.s_addr) >> 24) == 127 || !a.s_addr)
			continue;
		fclose(f);
		return a;
	}
	if (f)
		fclose(f);
	return gw;
}

/* In the namespace: a tap named kiste-tapN, non-persistent (it goes with @fd), up, @mtu. */
static int tap_create(int nl, unsigned int mtu, int *index)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	union vm_nl_msg b = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
				     .nlmsg_type = RTM_NEWLINK } };
	struct ifinfomsg *ifi = NLMSG_DATA(&b.h);
	uint8_t none = IN6_ADDR_GEN_MODE_NONE;
	struct rtattr *spec, *inet6;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "kiste-tap%d");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || !(*index = (int)if_nametoindex(ifr.ifr_name))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*ifi = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_index = *index };
	/*
	 * No IPv6 link-local address on the tap, so the namespace's own stack
	 * sends no router solicitations or DAD through it to the guest (a
	 * kernel without IPv6 refuses this: it has nothing to send either).
	 */
	spec = vm_nl_put(&b.h, IFLA_AF_SPEC, NULL, 0);
	inet6 = vm_nl_put(&b.h, AF_INET6, NULL, 0);
	vm_nl_put(&b.h, IFLA_INET6_ADDR_GEN_MODE, &none, sizeof(none));
	vm_nl_end(&b.h, inet6);
	vm_nl_end(&b.h, spec);
	vm_nl_talk(nl, &b.h);
	b.h = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(sizeof(*ifi)),
				 .nlmsg_type = RTM_NEWLINK };
	*ifi = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_index = *index,
				   .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	vm_nl_put(&b.h, IFLA_MTU, &mtu, sizeof(mtu));
	ret = vm_nl_talk(nl, &b.h);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* RTM_NEWQDISC (exclusive) or RTM_DELQDISC of the ingress qdisc of @index. */
static int ingress(int nl, unsigned short type, int index)
{
	union vm_nl_msg b = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
				     .nlmsg_type = type } };
	struct tcmsg *t = NLMSG_DATA(&b.h);

	if (type == RTM_NEWQDISC)
		b.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	*t = (struct tcmsg){ .tcm_family = AF_UNSPEC, .tcm_ifindex = index,
			     .tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0), .tcm_parent = TC_H_INGRESS };
	vm_nl_put(&b.h, TCA_KIND, "ingress", sizeof("ingress"));
	return vm_nl_talk(nl, &b.h);
}

/* Keys a u32 selector here holds at most: the ARP rule needs 7. */
#define U32_KEYS_MAX	8

/* A u32 selector: which bytes of a frame must hold which values. */
struct u32_sel {
	struct tc_u32_key key[U32_KEYS_MAX];
	unsigned int n;
	bool full;		/* a key did not fit: the selector is refused, never cut */
};

/* No keys: every frame. */
static const struct u32_sel match_all;

/*
 * @sel also requires the @len bytes at @off to be @bytes.  Offsets count
 * from the network header, where the frame's data starts at a tap's ingress:
 * the Ethernet header lies before it, its source MAC at -8 and its type at
 * -2 (tc's `u32 match ... at -8`).  Keys are 32-bit words at offsets that are
 * multiples of 4, each byte masked in or out; bytes of one word share a key.
 */
static void u32_match(struct u32_sel *sel, int off, const void *bytes, unsigned int len)
{
	const uint8_t *b = bytes;
	struct tc_u32_key *k;
	unsigned int i, j;
	int at, word;

	for (i = 0; i < len; i++) {
		at = off + (int)i;
		word = at - ((at % 4) + 4) % 4;		/* rounded down, negatives too */
		for (j = 0, k = NULL; j < sel->n && !k; j++)
			if (sel->key[j].off == word)
				k = &sel->key[j];
		if (!k && sel->n == U32_KEYS_MAX) {
			sel->full = true;
			return;
		}
		if (!k) {
			k = &sel->key[sel->n++];
			*k = (struct tc_u32_key){ .off = word };
		}
		((uint8_t *)&k->val)[at - word] = b[i];
		((uint8_t *)&k->mask)[at - word] = 0xff;
	}
}

/*
 * A filter on @from's ingress qdisc at @prio for frames of @proto (network
 * order; ETH_P_ALL: any): those that match @sel (no keys: every one) leave by
 * @to's egress, taken from @from's stack (u32, action mirred egress
 * redirect, marked with this run's cookie).  A frame whose VLAN tag the
 * kernel moved out of its data has the tag's protocol (802.1Q), not @proto,
 * so only an ETH_P_ALL filter sees it.
 */
static int redirect(int nl, int from, unsigned int prio, uint16_t proto,
		    const struct u32_sel *sel, int to)
{
	union vm_nl_msg b = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
				     .nlmsg_type = RTM_NEWTFILTER,
				     .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
	struct tcmsg *t = NLMSG_DATA(&b.h);
	char buf[sizeof(struct tc_u32_sel) + U32_KEYS_MAX * sizeof(struct tc_u32_key)]
		__attribute__((aligned(8))) = { 0 };
	struct tc_u32_sel *s = (struct tc_u32_sel *)buf;
	struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR,
			       .ifindex = (uint32_t)to };
	struct rtattr *opts, *acts, *act, *aopts;

	if (sel->full)
		return -E2BIG;
	*t = (struct tcmsg){ .tcm_family = AF_UNSPEC, .tcm_ifindex = from,
			     .tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0),
			     .tcm_info = TC_H_MAKE(prio << 16, proto) };
	s->flags = TC_U32_TERMINAL;
	/*
	 * No keys: one that masks every bit out (matches all, as `u32 match u8 0
	 * 0`), in the Ethernet header, which every frame has: at offset 0 a frame
	 * with less than 4 bytes after that header would match nothing and go to
	 * the namespace's stack.
	 */
	s->nkeys = sel->n ? sel->n : 1;
	if (!sel->n)
		s->keys[0].off = -4;
	memcpy(s->keys, sel->key, sel->n * sizeof(sel->key[0]));
	vm_nl_put(&b.h, TCA_KIND, "u32", sizeof("u32"));
	opts = vm_nl_put(&b.h, TCA_OPTIONS, NULL, 0);
	vm_nl_put(&b.h, TCA_U32_SEL, buf, sizeof(*s) + s->nkeys * sizeof(s->keys[0]));
	acts = vm_nl_put(&b.h, TCA_U32_ACT, NULL, 0);
	act = vm_nl_put(&b.h, 1, NULL, 0);		/* the first (only) action */
	vm_nl_put(&b.h, TCA_ACT_KIND, "mirred", sizeof("mirred"));
	vm_nl_put(&b.h, TCA_ACT_COOKIE, cookie, sizeof(cookie));
	aopts = vm_nl_put(&b.h, TCA_ACT_OPTIONS, NULL, 0);
	vm_nl_put(&b.h, TCA_MIRRED_PARMS, &m, sizeof(m));
	vm_nl_end(&b.h, aopts);
	vm_nl_end(&b.h, act);
	vm_nl_end(&b.h, acts);
	vm_nl_end(&b.h, opts);
	return vm_nl_talk(nl, &b.h);
}

/*
 * The guest's frames (the tap's ingress) reach @iface only as @iface itself
 * would send them: IPv4 from its MAC @mac and address @addr, and ARP from
 * both (Ethernet source, sender MAC and sender address).  Anything else
 * (another MAC or address, a VLAN tag, IPv6, other protocols) goes back to
 * the guest that sent it, never to the namespace's stack or its network: a
 * guest cannot pose as another host on the engine's network.  u32 and
 * mirred alone, which the redirect needs anyway (no gact module for a drop).
 */
static int guard(int nl, int tap, int iface, const uint8_t mac[6], struct in_addr addr)
{
	static const uint8_t ipv4[2] = { 0x08, 0x00 }, arp[2] = { 0x08, 0x06 };
	/* ARP for IPv4 over Ethernet: hardware type 1, protocol 0x0800, lengths 6 and 4. */
	static const uint8_t arp_eth_ip[6] = { 0x00, 0x01, 0x08, 0x00, 6, 4 };
	struct u32_sel ip = { .n = 0 }, ar = { .n = 0 };
	int ret;

	u32_match(&ip, -8, mac, 6);
	u32_match(&ip, -2, ipv4, 2);
	u32_match(&ip, 12, &addr, 4);			/* IPv4 source address */
	u32_match(&ar, -8, mac, 6);
	u32_match(&ar, -2, arp, 2);
	u32_match(&ar, 0, arp_eth_ip, sizeof(arp_eth_ip));
	u32_match(&ar, 8, mac, 6);			/* sender MAC */
	u32_match(&ar, 14, &addr, 4);			/* sender address */
	ret = redirect(nl, tap, FILTER_PRIO, htons(ETH_P_IP), &ip, iface);
	if (ret == 0)
		ret = redirect(nl, tap, FILTER_PRIO + 1, htons(ETH_P_ARP), &ar, iface);
	if (ret == 0)
		ret = redirect(nl, tap, FILTER_PRIO + 2, htons(ETH_P_ALL), &match_all, tap);
	return ret;
}

/* A filter whose (u32) first action carries this run's cookie: sets *(bool *)@arg. */
static void cookie_each(const struct nlmsghdr *m, void *arg)
{
	const struct tcmsg *t = NLMSG_DATA(m);
	const struct rtattr *a = (const struct rtattr *)((const char *)t + NLMSG_ALIGN(sizeof(*t)));
	int len = (int)m->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*t)));

	if (m->nlmsg_type != RTM_NEWTFILTER || !(a = vm_rta_find(a, len, TCA_OPTIONS)) ||
	    !(a = vm_rta_find(RTA_DATA(a), (int)RTA_PAYLOAD(a), TCA_U32_ACT)) ||
	    !(a = vm_rta_find(RTA_DATA(a), (int)RTA_PAYLOAD(a), 1)) ||
	    !(a = vm_rta_find(RTA_DATA(a), (int)RTA_PAYLOAD(a), TCA_ACT_COOKIE)))
		return;
	if (RTA_PAYLOAD(a) == sizeof(cookie) && !memcmp(RTA_DATA(a), cookie, sizeof(cookie)))
		*(bool *)arg = true;
}

/* Whether @index's ingress qdisc still holds this run's filter (not one put there since). */
static bool ours(int nl, int index)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = index,
			   .tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0) };
	bool found = false;

	return vm_nl_dump(nl, RTM_GETTFILTER, &t, sizeof(t), cookie_each, &found) == 0 && found;
}

/*
 * The helper keeps CAP_NET_ADMIN (for the one RTM_DELQDISC; its socket is
 * already in the namespace, so no setns) and nothing else: every other
 * capability out of its bounding, permitted, effective, inheritable and
 * ambient sets, and no new privileges by exec.  Best effort: what it could
 * not drop it did not have (an unprivileged owner of the namespace).
 */
static void cleaner_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	unsigned int i;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (i = 0; i <= CAP_LAST_CAP; i++)
		if (i != CAP_NET_ADMIN)
			prctl(PR_CAPBSET_DROP, i, 0, 0, 0);
	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	data[0].permitted &= 1u << CAP_NET_ADMIN;
	data[0].effective = data[0].permitted;
	data[0].inheritable = 0;
	data[1] = (struct __user_cap_data_struct){ 0 };
	syscall(SYS_capset, &hdr, data);
}

/*
 * The helper: adds @index's ingress qdisc and its redirect to @tap itself
 * and writes the result (0 or -errno) to @rep; then waits until @pidfd's
 * process (kiste) is gone and removes the qdisc.  Forked before the qdisc
 * exists, so a SIGKILL of kiste at any point leaves nothing behind.
 */
static void __attribute__((noreturn)) cleaner(int nl, int pidfd, int rep, int index, int tap)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int hi = nl > pidfd ? nl : pidfd, fd, ret;
	sigset_t none;

	/* Not the terminal's ^C nor a kill of kiste's process group: only kiste's end. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	/* Nothing else of kiste's: no tap (it must go with kiste), no pipe a caller waits on. */
	hi = rep > hi ? rep : hi;
	for (fd = 0; fd < hi; fd++)
		if (fd != nl && fd != pidfd && fd != rep)
			close(fd);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
	cleaner_drop_privileges();
	kiste_test_phase("vm-ns-helper");
	ret = ingress(nl, RTM_NEWQDISC, index);
	if (ret == 0) {
		ret = redirect(nl, index, FILTER_PRIO, htons(ETH_P_ALL), &match_all, tap);
		if (ret < 0)
			ingress(nl, RTM_DELQDISC, index);
	}
	/* kiste may be gone already (EPIPE, SIGPIPE ignored): the qdisc is removed all the same. */
	(void)!write(rep, &ret, sizeof(ret));
	if (ret < 0)
		_exit(0);
	close(rep);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	if (ours(nl, index))
		ingress(nl, RTM_DELQDISC, index);
	_exit(0);
}

/*
 * The helper started, and its result: 0, its -errno (-EEXIST: @index has an
 * ingress qdisc already), -ECHILD when it could not start or answer.
 */
static int cleaner_start(int nl, int index, int tap)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0), p[2], ret = -ECHILD;
	pid_t pid;

	if (pidfd < 0)
		return -ECHILD;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(pidfd);
		return -ECHILD;
	}
	pid = fork();
	if (pid == 0)
		cleaner(nl, pidfd, p[1], index, tap);
	close(pidfd);
	close(p[1]);
	kiste_test_phase("vm-ns-veth-redirect");
	while (pid > 0 && read(p[0], &ret, sizeof(ret)) < 0 && errno == EINTR)
		;
	close(p[0]);
	return ret;
}

/* Inside the namespace: scan, tap, the interface's qdisc (and its cleaner), the tap's, filters. */
static int tap_in_ns(int nl, const char *path, struct vm_tap *t, struct kiste_err *err)
{
	static struct scan s;
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct in_addr dns;
	unsigned int mtu;
	int tap_index, ret;

	memset(&s, 0, sizeof(s));
	ret = ns_sockets();
	if (ret < 0)
		return tap_fail(err, path, "list the namespace's sockets", ret);
	if (ret > 0)
		return kiste_err_set(err, -EBUSY, "cannot set up --network ns:%s: the namespace "
				     "has sockets of other processes (%d): vm mode takes all of its "
				     "traffic: give it a namespace of its own", path, ret);
	if (scan_ns(nl, path, &s, err) < 0)
		return err->code;
	mtu = s.iface->mtu ? s.iface->mtu : 1500;	/* none reported: Ethernet's */
	if (mtu > 1500 || mtu < 68)
		return kiste_err_set(err, -EINVAL, "cannot set up --network ns:%s: %s's MTU %u is "
				     "outside what vm mode's network card takes (68..1500): set "
				     "one in that range", path, s.iface->name, mtu);
	ret = tap_create(nl, mtu, &tap_index);
	if (ret < 0)
		return tap_fail(err, path, "create a tap device", ret);
	t->fd = ret;
	if (getrandom(cookie, sizeof(cookie), 0) != (ssize_t)sizeof(cookie))
		return tap_fail(err, path, "draw a random cookie for the filters", -errno);
	/* The tap's side first: it goes with the tap's descriptor, whatever happens. */
	ret = ingress(nl, RTM_NEWQDISC, tap_index);
	if (ret == 0)
		ret = guard(nl, tap_index, s.iface->index, s.iface->mac, s.addr);
	if (ret < 0)
		return tap_fail(err, path, "redirect frames between the tap and the interface "
				"(sch_ingress, cls_u32, act_mirred)", ret);
	ret = cleaner_start(nl, s.iface->index, tap_index);
	if (ret == -EEXIST)
		return kiste_err_set(err, -EBUSY, "cannot set up --network ns:%s: %s already has "
				     "an ingress qdisc (another VM, or tc rules of its own): kiste "
				     "does not share it", path, s.iface->name);
	if (ret == -ECHILD)
		return tap_fail(err, path, "start the helper that owns the interface's qdisc",
				-ECHILD);
	if (ret < 0)
		return tap_fail(err, path, "redirect frames between the tap and the interface "
				"(sch_ingress, cls_u32, act_mirred)", ret);
	memcpy(t->mac, s.iface->mac, sizeof(t->mac));
	t->mtu = mtu;
	snprintf(t->ifname, sizeof(t->ifname), "%s", s.iface->name);
	dns = dns_pick(s.gw);
	inet_ntop(AF_INET, &s.addr, a, sizeof(a));
	inet_ntop(AF_INET, &s.gw, g, sizeof(g));
	inet_ntop(AF_INET, &dns, d, sizeof(d));
	snprintf(t->spec, sizeof(t->spec), "%s/%u,%s,%s", a, s.prefix, g, d);
	return 0;
}

/* Whether descriptor @fd is the namespace file @path (opened here; an unreadable one is not). */
static bool ns_is(int fd, const char *path)
{
	int other = open(path, O_RDONLY | O_CLOEXEC);
	struct stat a, b;
	bool same;

	if (other < 0)
		return false;
	same = fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
	close(other);
	return same;
}

int vm_tap_setup(const char *path, struct vm_tap *t, struct kiste_err *err)
{
	int ns, self, nl, ret;

	t->fd = -1;
	ns = kiste_netns_open(path, err);
	if (ns < 0)
		return ns;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		ret = tap_fail(err, path, "open our own network namespace", -errno);
		close(ns);
		return ret;
	}
	/*
	 * Our own namespace (the host's, most likely) is refused: its interface's
	 * every frame would go to the guest while the VM runs.  So is PID 1's,
	 * the host's when kiste runs in a namespace of its own but sees the
	 * host's processes (a privileged container's engine, say).
	 */
	if (ns_is(ns, "/proc/thread-self/ns/net") || ns_is(ns, "/proc/1/ns/net")) {
		ret = kiste_err_set(err, -EINVAL, "cannot set up --network ns:%s: it is kiste's "
				    "own network namespace or PID 1's: the guest would take its "
				    "interface over; give the container's namespace", path);
		goto out;
	}
	/* This thread only, and back before anything else runs: the VMM needs no namespace. */
	if (setns(ns, CLONE_NEWNET) < 0) {
		ret = tap_fail(err, path, "join the namespace", -errno);
		goto out;
	}
	nl = vm_nl_open();
	if (nl < 0)
		ret = tap_fail(err, path, "open rtnetlink", nl);
	else
		ret = tap_in_ns(nl, path, t, err);
	if (nl >= 0)
		close(nl);
	if (setns(self, CLONE_NEWNET) < 0)
		ret = tap_fail(err, path, "return to our own network namespace", -errno);
	if (ret < 0 && t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
out:
	close(self);
	close(ns);
	return ret;
}
