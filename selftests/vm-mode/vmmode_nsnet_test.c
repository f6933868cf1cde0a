// SPDX-License-Identifier: GPL-2.0
// vmmode_nsnet_test.c - vm mode's --network ns:PATH on the host's /dev/kvm, a fake guest as the driver.
// kiste-suite: host vmmode_nsnet_test
#define _GNU_SOURCE
#include "vmmode_devices.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>

/*
 * --network ns:PATH: a tap in the namespace, joined to its veth by tc.  The
 * namespaces here: [0] with eth0 198.51.100.2/24 (MAC NS_MAC, default route
 * via .1), whose veth peer eth1 198.51.100.1/24 is in [1].
 */
#define NS_MAC		"02:4b:49:53:54:46"
#define NS_ADDR		0x026433c6	/* 198.51.100.2 as the wire has it */
#define NS_PEER		0x016433c6	/* 198.51.100.1 */

static int shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shf(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Lines the shell command @cmd prints on stdout. */
static int count_lines(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	pclose(f);
	return n;
}

static bool netns_usable(void)
{
	return geteuid() == 0 && !system("command -v ip >/dev/null 2>&1 && command -v tc "
					 ">/dev/null 2>&1");
}

/* Namespace [0] alone (only lo), or with @wired the veth pair to [1] as above. */
static int ns_make(FIXTURE_DATA(disk) *self, bool wired)
{
	snprintf(self->ns[0], sizeof(self->ns[0]), "kvt%d-a", (int)getpid());
	if (shf("ip netns add %s", self->ns[0]))
		return -1;
	if (!wired)
		return 0;
	snprintf(self->ns[1], sizeof(self->ns[1]), "kvt%d-b", (int)getpid());
	/* IPv6 off at the peer: its own router and MLD traffic would reach the guest first. */
	return shf("ip netns add %1$s && ip netns exec %1$s sh -c 'echo 1 > "
		   "/proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null; "
		   "ip -n %2$s link add eth0 type veth peer name eth1 netns "
		   "%1$s && ip -n %2$s link set eth0 address " NS_MAC " up && ip -n %2$s addr add "
		   "198.51.100.2/24 dev eth0 && ip -n %2$s route add default via 198.51.100.1 && "
		   "ip -n %1$s link set eth1 up && ip -n %1$s addr add 198.51.100.1/24 dev eth1",
		   self->ns[1], self->ns[0]);
}

/* Root, iproute2 and the wired namespaces made (@net: "ns:" and [0]'s path): NULL, else why not. */
static const char *ns_wired(FIXTURE_DATA(disk) *self, char *net, size_t len)
{
	if (!netns_usable())
		return "needs root and iproute2 (ip, tc) to make network namespaces";
	if (ns_make(self, true))
		return "cannot make namespaces with a veth pair (veth module?)";
	snprintf(net, len, "ns:/run/netns/%s", self->ns[0]);
	return NULL;
}

/* A test body's start: the fixture's skip, or ns_wired's, else @net names [0]. */
#define NS_WIRED_OR_SKIP(net) do {						\
	const char *why_;							\
										\
	if (_metadata->skip)							\
		return;								\
	why_ = ns_wired(self, net, sizeof(net));				\
	if (why_)								\
		SKIP(return, "%s", why_);					\
} while (0)

/* True once [0] has neither a tap nor an ingress qdisc (the helper removes it after kiste). */
static bool ns_clean(FIXTURE_DATA(disk) *self)
{
	char tap[128], qdisc[128];
	int i;

	snprintf(tap, sizeof(tap), "ip -n %s -o link | grep kiste-tap", self->ns[0]);
	snprintf(qdisc, sizeof(qdisc), "tc -n %s qdisc show | grep ingress", self->ns[0]);
	for (i = 0; i < 50; i++) {
		if (count_lines(tap) == 0 && count_lines(qdisc) == 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* After a moment: [0]'s eth0 still has its (someone else's) ingress qdisc, and no tap is left. */
static bool foreign_qdisc_kept(FIXTURE_DATA(disk) *self)
{
	char cmd[128];
	bool kept;

	usleep(500 * 1000);	/* time for kiste's helper to act, had it to */
	snprintf(cmd, sizeof(cmd), "tc -n %s qdisc show dev eth0 | grep ingress", self->ns[0]);
	kept = count_lines(cmd) == 1;
	snprintf(cmd, sizeof(cmd), "ip -n %s -o link | grep kiste-tap", self->ns[0]);
	return kept && count_lines(cmd) == 0;
}

/* Runs the script with @extra: refused with one line holding @what, and 125. */
static void run_refused(struct __test_metadata *_metadata, FIXTURE_DATA(disk) *self,
			const char *const *extra, const char *what)
{
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, what)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/*
 * The fake guest finds the veth's MAC in the NIC's configuration and sends
 * an ARP request for the peer from it: the frame crosses tap and veth
 * (tap's ingress redirected to the veth), the peer's reply comes back (the
 * veth's ingress redirected to the tap) into the guest's receive buffer.
 * Afterwards the namespace has no tap and no qdisc of ours.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_tap_reaches_the_peer, 90)
{
	static const uint8_t mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x46 };
	char net[64];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	nic_up(&self->s);
	step(&self->s, FG_CHECK, 4, BAR + 0x2000, 0x53494b02);	/* the veth's MAC */
	step(&self->s, FG_CHECK, 2, BAR + 0x2004, 0x4654);
	nic_arp(&self->s, mac, NS_ADDR, NS_PEER);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * Frames a guest may try to pose with on the namespace's network: each
 * carries SPOOF_MARK and its id after its headers, so the peer's capture
 * tells them from anything else on the wire.
 */
#define SPOOF_MARK	"KSPF"
#define NS_OTHER	0x096433c6	/* 198.51.100.9: nobody's, for a guest to claim */
#define NS_NOBODY	0x4d6433c6	/* 198.51.100.77: what the ARP requests ask for */

static const uint8_t ns_mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x46 };	/* NS_MAC */
static const uint8_t other_mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x47 };

/* A zeroed virtio_net_hdr_v1 and a broadcast Ethernet header from @src (802.1Q-tagged @vlan, if any). */
static size_t spoof_eth(uint8_t *p, const uint8_t src[6], uint16_t type, uint16_t vlan)
{
	size_t n = 12;

	memset(p, 0, n);
	memset(p + n, 0xff, 6);
	memcpy(p + n + 6, src, 6);
	n += 12;
	if (vlan) {
		p[n++] = 0x81;
		p[n++] = 0x00;
		p[n++] = vlan >> 8;
		p[n++] = vlan & 0xff;
	}
	p[n++] = type >> 8;
	p[n++] = type & 0xff;
	return n;
}

/* An ARP request from @sha, @spa (as the wire has it) for NS_NOBODY. */
static size_t spoof_arp(uint8_t *p, const uint8_t sha[6], uint32_t spa)
{
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	uint32_t tpa = NS_NOBODY;

	memcpy(p, head, 8);
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, &spa, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

/* An IPv4 header for UDP from @src to the peer, then a UDP header (port 9, discard). */
static size_t spoof_udp(uint8_t *p, uint32_t src)
{
	uint32_t dst = NS_PEER;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = 28 + 5;			/* total length: headers, mark and id */
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	p[21] = 9;
	p[23] = 9;
	p[25] = 8 + 5;
	return 28;
}

/* An IPv6 header, no next header, from fe80::1 to all nodes (ff02::1). */
static size_t spoof_ipv6(uint8_t *p)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[5] = 5;
	p[6] = 59;
	p[7] = 255;
	p[8] = 0xfe;
	p[9] = 0x80;
	p[23] = 1;
	p[24] = 0xff;
	p[25] = 0x02;
	p[39] = 1;
	return 40;
}

/*
 * Frame @f of @len bytes (virtio header first) as the @k-th on the
 * transmit queue after nic_arp's: stored at a buffer of its own, posted,
 * notified and seen consumed.
 */
static void nic_send(struct script *s, unsigned int k, const uint8_t *f, size_t len)
{
	uint64_t at = TX_FRAME + 0x100 * (k + 1), w;
	unsigned int idx = k + 1, d = idx % QSIZE;
	size_t i;

	for (i = 0; i < len; i += 8) {
		w = 0;
		memcpy(&w, f + i, len - i < 8 ? len - i : 8);
		step(s, FG_STORE, 8, at + i, w);
	}
	step(s, FG_STORE, 8, DESC + 16 * d, at);
	step(s, FG_STORE, 4, DESC + 16 * d + 8, (uint32_t)len);
	step(s, FG_STORE, 2, DESC + 16 * d + 12, 0);
	step(s, FG_STORE, 2, AVAIL + 4 + 2 * (idx % QSIZE), d);
	step(s, FG_STORE, 2, AVAIL + 2, idx + 1);
	step(s, FG_STORE, 2, BAR + 0x3000 + 4, 1);	/* notify queue 1 */
	step(s, FG_CHECK, 2, USED + 2, idx + 1);	/* sent */
}

/*
 * A child in namespace [@i]: 0 in the child, where *@pfd is the pipe end it
 * writes to (one byte first, once it is ready); in the parent its pid, once
 * that byte came, and *@pfd the end to read the rest from; or -1.
 */
static pid_t ns_child(FIXTURE_DATA(disk) *self, int i, int *pfd)
{
	char path[64], c = 0;
	int p[2], ns;
	pid_t pid;

	snprintf(path, sizeof(path), "/run/netns/%s", self->ns[i]);
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
			_exit(1);
		alarm(120);	/* never outlives a lost test */
		*pfd = p[1];
		return 0;
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	if (pid < 0)
		close(p[0]);
	*pfd = p[0];
	return pid;
}

/*
 * A child in namespace [1] capturing every frame on eth1 (AF_PACKET, a VLAN
 * tag or not): the id after each SPOOF_MARK it sees goes to *@rd, one byte
 * each.  Its pid, or -1.
 */
static pid_t ns_capture(FIXTURE_DATA(disk) *self, int *rd)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	uint8_t buf[2048];
	const uint8_t *m;
	ssize_t n;
	pid_t pid;
	int fd;

	pid = ns_child(self, 1, rd);
	if (pid != 0)
		return pid;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex("eth1");
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0 ||
	    write(*rd, "r", 1) != 1)
		_exit(1);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if ((m = memmem(buf, (size_t)n, SPOOF_MARK, 4)) && m + 4 < buf + n &&
		    write(*rd, m + 4, 1) != 1)
			_exit(1);
	_exit(0);
}

/*
 * The guest poses as someone else: ARP from another MAC, for another
 * address, with another sender MAC, VLAN-tagged; IPv4 from another address
 * or MAC; IPv6.  None reaches the peer; the guest's own IPv4 and ARP do
 * (the last two frames).  Without kiste's filters on the tap all nine do.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_guest_cannot_pose_as_another, 90)
{
	static const char want[] = "89";
	char net[64], seen[64] = "";
	const char *extra[] = { "--network", net, NULL };
	uint8_t f[128];
	size_t n, got = 0;
	ssize_t r;
	pid_t cap;
	int rd;

	NS_WIRED_OR_SKIP(net);
	cap = ns_capture(self, &rd);
	ASSERT_LT(0, cap);
	nic_up(&self->s);
	nic_arp(&self->s, ns_mac, NS_ADDR, NS_PEER);		/* the path works */
#define SEND(k, body) do {							\
	n = body;								\
	memcpy(f + n, SPOOF_MARK, 4);						\
	f[n + 4] = '0' + (k);							\
	nic_send(&self->s, (k) - 1, f, n + 5);					\
} while (0)
	SEND(1, spoof_eth(f, other_mac, 0x0806, 0) + spoof_arp(f + 26, other_mac, NS_ADDR));
	SEND(2, spoof_eth(f, ns_mac, 0x0806, 0) + spoof_arp(f + 26, ns_mac, NS_OTHER));
	SEND(3, spoof_eth(f, ns_mac, 0x0806, 0) + spoof_arp(f + 26, other_mac, NS_ADDR));
	SEND(4, spoof_eth(f, ns_mac, 0x0806, 5) + spoof_arp(f + 30, ns_mac, NS_ADDR));
	SEND(5, spoof_eth(f, ns_mac, 0x0800, 0) + spoof_udp(f + 26, NS_OTHER));
	SEND(6, spoof_eth(f, other_mac, 0x0800, 0) + spoof_udp(f + 26, NS_ADDR));
	SEND(7, spoof_eth(f, ns_mac, 0x86dd, 0) + spoof_ipv6(f + 26));
	SEND(8, spoof_eth(f, ns_mac, 0x0800, 0) + spoof_udp(f + 26, NS_ADDR));
	SEND(9, spoof_eth(f, ns_mac, 0x0806, 0) + spoof_arp(f + 26, ns_mac, NS_ADDR));
#undef SEND
	ASSERT_FALSE(self->s.overflow);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	usleep(500 * 1000);	/* the last frames' way to the capture */
	kill(cap, SIGTERM);
	waitpid(cap, NULL, 0);
	while (got < sizeof(seen) - 1 && (r = read(rd, seen + got, sizeof(seen) - 1 - got)) > 0)
		got += (size_t)r;
	close(rd);
	EXPECT_STREQ(want, seen);
	EXPECT_TRUE(ns_clean(self));
}

/* Not a namespace; a namespace without an interface; a veth whose ingress qdisc is taken. */
TEST_F(disk, nic_on_ns_refusals_are_one_line)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	SKIP_IF_SETUP_SKIPPED();
	step(&self->s, FG_END, 0, 0, 0);
	snprintf(net, sizeof(net), "ns:%s", self->file);
	run_refused(_metadata, self, extra, "not a network namespace");
	/* A FIFO or a device node: never opened for reading (that blocks), refused at once. */
	snprintf(net, sizeof(net), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(net, 0600));
	snprintf(net, sizeof(net), "ns:%s/fifo", self->dir);
	run_refused(_metadata, self, extra, "not a network namespace");
	EXPECT_GT(10.0, self->r.secs);
	snprintf(net, sizeof(net), "ns:/dev/null");
	run_refused(_metadata, self, extra, "not a network namespace");
	/* The caller's own (the host's): its interface would be taken over. */
	snprintf(net, sizeof(net), "ns:/proc/%d/ns/net", (int)getpid());
	run_refused(_metadata, self, extra, "it is kiste's own network namespace");
	if (!netns_usable())
		SKIP(return, "needs root and iproute2 (ip, tc) to make network namespaces");
	ASSERT_EQ(0, ns_make(self, false));
	snprintf(net, sizeof(net), "ns:/run/netns/%s", self->ns[0]);
	run_refused(_metadata, self, extra, "has no interface with an IPv4 address besides lo");
	ASSERT_EQ(0, shf("ip netns del %s", self->ns[0]));
	if (ns_make(self, true))
		SKIP(return, "cannot make namespaces with a veth pair (veth module?)");
	ASSERT_EQ(0, shf("tc -n %s qdisc add dev eth0 ingress", self->ns[0]));
	run_refused(_metadata, self, extra, "eth0 already has an ingress qdisc");
	/* Not ours: left as it was; and no tap left behind. */
	EXPECT_TRUE(foreign_qdisc_kept(self));
}

/*
 * More links than kiste lists (64): refused, not attached to eth0 while a
 * 72nd link it never saw has an IPv4 address of its own.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_with_too_many_links_is_refused, 90)
{
	char net[160], batch[200];
	const char *extra[] = { "--network", net, NULL };
	FILE *f;
	int i;

	NS_WIRED_OR_SKIP(net);
	snprintf(batch, sizeof(batch), "%s/links", self->dir);
	f = fopen(batch, "w");
	ASSERT_NE(NULL, f);
	for (i = 0; i < 35; i++)	/* 70 links: veth pairs (no dummy module needed) */
		fprintf(f, "link add kd%d type veth peer name kp%d\n", i, i);
	fprintf(f, "link set kp34 up\naddr add 203.0.113.5/24 dev kp34\n");
	ASSERT_EQ(0, fclose(f));
	if (shf("ip -n %s -batch %s", self->ns[0], batch))
		SKIP(return, "cannot make 35 more veth pairs");
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "the namespace has more than 64 interfaces");
	EXPECT_TRUE(ns_clean(self));
}

/*
 * An interface name holding ESC (names may): the refusal that names it has
 * '?' in its place, no byte a terminal would act on.
 */
TEST_F(disk, nic_on_ns_names_are_printable)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	if (shf("ip -n %1$s link add \"$(printf 'x\\033[2J')\" type veth peer name kq0 && "
		"ip -n %1$s addr add 203.0.113.5/24 dev \"$(printf 'x\\033[2J')\"", self->ns[0]))
		SKIP(return, "cannot name a link with ESC");
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "x?[2J");
	EXPECT_EQ(NULL, strchr(self->r.err, '\033')) TH_LOG("%s", self->r.err);
}

/* A child in namespace [0] with a UDP socket bound to 198.51.100.2:@port: its pid, or -1. */
static pid_t ns_listener(FIXTURE_DATA(disk) *self, unsigned short port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { .s_addr = NS_ADDR } };
	pid_t pid;
	int p, fd;

	pid = ns_child(self, 0, &p);
	if (pid > 0)
		close(p);
	if (pid != 0)
		return pid;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(p, "r", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/*
 * Another process's socket in the namespace (a sidecar, the pod's infra
 * container): refused, the guest would take its traffic; nothing left behind.
 */
TEST_F(disk, nic_on_ns_with_other_sockets_is_refused)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };
	pid_t pid;

	NS_WIRED_OR_SKIP(net);
	pid = ns_listener(self, 5353);
	ASSERT_LT(0, pid);
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "the namespace has sockets of other processes (1)");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * The process in namespace [0] that is not a child of @test (kiste is; its
 * helper, forked there, is kiste's): its /proc status lines CapEff, CapBnd
 * and NoNewPrivs into @out, looked for up to 10 s.  0 or -1.
 */
static int helper_status(FIXTURE_DATA(disk) *self, pid_t test, char *out, size_t len,
			 pid_t *pid)
{
	char path[300], line[256];
	struct stat ns, st;
	struct dirent *d;
	int i, ppid;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/run/netns/%s", self->ns[0]);
	if (stat(path, &ns) < 0)
		return -1;
	for (i = 0; i < 100; i++, usleep(100 * 1000)) {
		dir = opendir("/proc");
		while (dir && (d = readdir(dir))) {
			snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
			if (d->d_name[0] < '1' || d->d_name[0] > '9' || stat(path, &st) < 0 ||
			    st.st_ino != ns.st_ino || st.st_dev != ns.st_dev)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/status", d->d_name);
			f = fopen(path, "re");
			ppid = 0;
			out[0] = 0;
			while (f && fgets(line, sizeof(line), f)) {
				sscanf(line, "PPid: %d", &ppid);
				if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapBnd:", 7) ||
				    !strncmp(line, "NoNewPrivs:", 11))
					strncat(out, line, len - strlen(out) - 1);
			}
			if (f)
				fclose(f);
			if (ppid && ppid != test) {
				*pid = atoi(d->d_name);
				closedir(dir);
				return 0;
			}
		}
		if (dir)
			closedir(dir);
	}
	return -1;
}

/* The helper that removes the veth's qdisc keeps CAP_NET_ADMIN alone, and no new privileges. */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_is_confined, 90)
{
	char net[160], st[512] = "";
	const char *extra[] = { "--timeout", "4", "--network", net, NULL };
	int p[2];
	pid_t pid;

	NS_WIRED_OR_SKIP(net);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		if (helper_status(self, getppid(), st, sizeof(st), &pid) == 0 &&
		    write(p[1], st, strlen(st)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	ASSERT_LE(0, read(p[0], st, sizeof(st) - 1));
	close(p[0]);
	waitpid(pid, NULL, 0);
	/* CAP_NET_ADMIN is 12: bit 0x1000. */
	EXPECT_NE(NULL, strstr(st, "CapEff:\t0000000000001000")) TH_LOG("%s", st);
	EXPECT_NE(NULL, strstr(st, "CapBnd:\t0000000000001000")) TH_LOG("%s", st);
	EXPECT_NE(NULL, strstr(st, "NoNewPrivs:\t1")) TH_LOG("%s", st);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * While the VM runs, someone replaces eth0's ingress qdisc with one of their
 * own: kiste's helper leaves that one alone when kiste ends (it holds no
 * filter with kiste's cookie); the tap is gone all the same.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_spares_a_foreign_qdisc, 90)
{
	char net[160], cmd[300];
	const char *extra[] = { "--timeout", "4", "--network", net, NULL };
	pid_t pid;
	int i;

	NS_WIRED_OR_SKIP(net);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(cmd, sizeof(cmd), "tc -n %s filter show dev eth0 ingress | grep -q mirred",
			 self->ns[0]);
		for (i = 0; i < 100 && system(cmd); i++)
			usleep(50 * 1000);
		_exit(shf("tc -n %1$s qdisc del dev eth0 ingress && "
			  "tc -n %1$s qdisc add dev eth0 ingress", self->ns[0]) ? 1 : 0);
	}
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	ASSERT_EQ(pid, waitpid(pid, &i, 0));
	ASSERT_EQ(0, i) TH_LOG("the qdisc could not be replaced");
	EXPECT_TRUE(foreign_qdisc_kept(self));
}

/*
 * kiste SIGKILLed while the veth's qdisc and redirect are being set up (its
 * test phase "vm-ns-veth-redirect" stops it there): nothing is left, since
 * the helper, forked first, makes them and removes them.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_killed_during_set_up_leaves_nothing, 90)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	step(&self->s, FG_END, 0, 0, 0);
	ASSERT_FALSE(self->s.overflow);
	fg_ops = self->s.op;
	fg_nops = self->s.n + 1;
	ASSERT_EQ(0, fake_write(self->img, FG_SCRIPT, 0));
	setenv("KISTE_TESTONLY_STOP_AT", "vm-ns-veth-redirect", 1);
	run_kiste(self->dir, self->img, extra, SIGKILL, 2000, &self->r);
	unsetenv("KISTE_TESTONLY_STOP_AT");
	EXPECT_EQ(128 + SIGKILL, self->r.status);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * kiste SIGKILLed before its helper (stopped at its test phase) has added
 * the veth's qdisc: the helper, let go afterwards, adds it, finds kiste gone
 * (its report to kiste fails) and removes it all the same.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_outlives_kiste_during_set_up, 90)
{
	char net[160], st[512];
	const char *extra[] = { "--network", net, NULL };
	pid_t pid, helper = 0;

	NS_WIRED_OR_SKIP(net);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (helper_status(self, getppid(), st, sizeof(st), &helper) < 0)
			_exit(1);
		usleep(2500 * 1000);	/* kiste is SIGKILLed at 2 s */
		_exit(kill(helper, SIGCONT) ? 1 : 0);
	}
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	setenv("KISTE_TESTONLY_STOP_AT", "vm-ns-helper", 1);
	run_kiste(self->dir, self->img, extra, SIGKILL, 2000, &self->r);
	unsetenv("KISTE_TESTONLY_STOP_AT");
	ASSERT_EQ(pid, waitpid(pid, &pid, 0));
	ASSERT_EQ(0, pid) TH_LOG("the helper was not found");
	EXPECT_EQ(128 + SIGKILL, self->r.status);
	EXPECT_TRUE(ns_clean(self));
}

/* Without CAP_NET_ADMIN over the namespace (nobody): one line naming the fix, 125. */
TEST_F(disk, nic_on_ns_denied_is_one_line)
{
	char net[64], wrap[200], text[400];
	const char *extra[] = { "--network", net, NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (!netns_usable() || system("command -v setpriv >/dev/null 2>&1"))
		SKIP(return, "needs root, iproute2 and setpriv");
	if (ns_make(self, true))
		SKIP(return, "cannot make namespaces with a veth pair (veth module?)");
	snprintf(net, sizeof(net), "ns:/run/netns/%s", self->ns[0]);
	snprintf(wrap, sizeof(wrap), "%s/as-nobody", self->dir);
	snprintf(text, sizeof(text), "#!/bin/sh\nexec setpriv --reuid 65534 --regid 65534 "
		 "--clear-groups '%s' \"$@\"\n", kiste_bin());
	ASSERT_EQ(0, write_file(wrap, text));
	ASSERT_EQ(0, chmod(wrap, 0755));
	step(&self->s, FG_END, 0, 0, 0);
	setenv("KISTE_BIN", wrap, 1);
	run_refused(_metadata, self, extra, "permission denied: run as root or as the namespace's "
		    "owner");
	unsetenv("KISTE_BIN");
	EXPECT_TRUE(ns_clean(self));
}

TEST_HARNESS_MAIN
