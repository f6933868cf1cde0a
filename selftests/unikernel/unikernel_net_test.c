// SPDX-License-Identifier: GPL-2.0
// unikernel_net_test.c - the net responder on a tap or on passt in a test netns: ping, UDP echo, both isolations.
// kiste-suite: host unikernel_net_test
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "uk_util.h"

/*
 * --network pasta: the responder at passt's guest address, published on the
 * test namespace's own address (a veth end, so that passt finds a default
 * route).  Not on 127.0.0.1: Debian 12's passt (2023-03) shows a datagram
 * from the host's loopback to the guest as coming from the gateway, and
 * kiste gives passt --no-map-gw (the host's loopback is not the sandbox's to
 * reach), so passt would send the echo to the real gateway address.
 */
#define PASTA_UK_IP   "10.0.2.15"
#define PASTA_NS_IP   "198.51.100.1"
#define PASTA_PORT    7007	/* published */
#define PASTA_ECHO    7777	/* the responder's port: above 1023, where passt as nobody binds */

/* Documentation addresses (RFC 5737) only, and only inside the test's own namespace. */
#define HOST_IP "192.0.2.1"
#define UK_IP	"192.0.2.2"
#define TAP	"kuk0"
#define TRIES	50 /* bounded retries, 200 ms each: ~10 s for ARP and start-up */

FIXTURE(uknet)
{
	const char *skip;
	char ns[32];
	char log[64];
	pid_t kiste;
	int ns_up;
};

FIXTURE_VARIANT(uknet)
{
	const char *iso;
	bool pasta;	/* --network pasta -p instead of --net net0=TAP */
	bool closed_std;	/* kiste started with 0 and 1 closed (its stderr the log) */
	bool cpus;	/* --cpus 1: a cgroup in process isolation too (vm isolation has one) */
};

FIXTURE_VARIANT_ADD(uknet, process){
	.iso = "process",
};

FIXTURE_VARIANT_ADD(uknet, vm){
	.iso = "vm",
};

FIXTURE_VARIANT_ADD(uknet, pasta_process){
	.iso = "process",
	.pasta = true,
	.cpus = true,
};

FIXTURE_VARIANT_ADD(uknet, pasta_vm){
	.iso = "vm",
	.pasta = true,
};

FIXTURE_VARIANT_ADD(uknet, pasta_process_closed_std){
	.iso = "process",
	.pasta = true,
	.closed_std = true,
};

static int sh(const char *fmt, const char *ns)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, ns, ns, ns, ns, ns, ns);
	return system(cmd);
}

static int enter_ns(const char *ns)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

/*
 * kiste with @argv inside the namespace @ns, its output to @log, in a process
 * group of its own (as a shell's job: a test signals the group); with
 * @closed_std its 0 and 1 closed, as `<&- >&-` leaves them.
 */
static pid_t start_in_ns(const char *ns, const char *const *argv, const char *log,
			 bool closed_std)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || enter_ns(ns) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(99);
	if (closed_std) {
		close(0);
		close(1);
	}
	execv(argv[0], (char *const *)argv);
	_exit(98);
}

static pid_t start_responder(const char *ns, const char *iso, const char *log)
{
	char isoarg[32];
	const char *argv[] = { kiste_bin(), "run",	 "--mode=unikernel",
			       isoarg,	    "--timeout", "60",
			       "--net",	    "net0=" TAP, uk_path("net"),
			       UK_IP,	    "7",	 NULL };

	snprintf(isoarg, sizeof(isoarg), "--isolation=%s", iso);
	return start_in_ns(ns, argv, log, false);
}

#define STR_(x) #x
#define STR(x) STR_(x)

static pid_t start_pasta_responder(const char *ns, const char *iso, const char *log,
				   bool closed_std, bool cpus)
{
	const char *argv[16] = { kiste_bin(), "run", "--mode=unikernel", NULL, "--timeout", "60",
				 "--network", "pasta", "-p",
				 PASTA_NS_IP ":" STR(PASTA_PORT) ":" STR(PASTA_ECHO) "/udp" };
	char isoarg[32];
	int n = 10;

	snprintf(isoarg, sizeof(isoarg), "--isolation=%s", iso);
	argv[3] = isoarg;
	if (cpus) {
		argv[n++] = "--cpus";
		argv[n++] = "1";
	}
	argv[n++] = uk_path("net");
	argv[n++] = PASTA_UK_IP;
	argv[n++] = STR(PASTA_ECHO);
	argv[n] = NULL;
	return start_in_ns(ns, argv, log, closed_std);
}

/* The namespace's links: a tap for the responder, or a veth end with a default route for passt. */
static int ns_links(const char *ns, bool pasta)
{
	if (pasta)
		return sh("ip -n %s link set lo up && ip -n %s link add kup0 type veth peer name "
			  "kup1 && ip -n %s addr add " PASTA_NS_IP "/24 dev kup0 && "
			  "ip -n %s link set kup0 up && ip -n %s link set kup1 up && "
			  "ip -n %s route add default via 198.51.100.254 dev kup0", ns);
	return sh("ip -n %s link set lo up && ip -n %s tuntap add " TAP " mode tap && "
		  "ip -n %s addr add " HOST_IP "/24 dev " TAP " && ip -n %s link set " TAP " up",
		  ns);
}

FIXTURE_SETUP(uknet)
{
	snprintf(self->ns, sizeof(self->ns), "kuk%d", getpid());
	snprintf(self->log, sizeof(self->log), "/tmp/kiste-uknet-%d.log", getpid());
	if (!strcmp(variant->iso, "vm") && (self->skip = uk_vm_unavailable()))
		return;
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		self->skip = "/dev/net/tun is not available: cannot create a tap device";
		return;
	}
	if (variant->pasta && system("command -v passt >/dev/null 2>&1") != 0) {
		self->skip = "no passt on PATH: apt-get install passt";
		return;
	}
	if (system("ip -V >/dev/null 2>&1") != 0) {
		self->skip = "'ip' (iproute2) is missing: install iproute2";
		return;
	}
	if (sh("ip netns add %s 2>/dev/null", self->ns) != 0) {
		self->skip = "cannot create a network namespace here (needs root or a user ns)";
		return;
	}
	self->ns_up = 1;
	ASSERT_EQ(0, ns_links(self->ns, variant->pasta));
	self->kiste = variant->pasta ? start_pasta_responder(self->ns, variant->iso, self->log,
							     variant->closed_std, variant->cpus) :
				       start_responder(self->ns, variant->iso, self->log);
	ASSERT_LT(0, self->kiste);
}

FIXTURE_TEARDOWN(uknet)
{
	if (self->kiste > 0) {
		kill(self->kiste, SIGKILL);
		waitpid(self->kiste, NULL, 0);
	}
	if (self->ns_up)
		sh("ip netns del %s", self->ns);
	if (getenv("KUK_KEEP_LOG") == NULL)
		unlink(self->log);
}

static uint16_t icmp_csum(const void *data, size_t len)
{
	const uint16_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const uint8_t *)p;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One ICMP echo round trip to the unikernel, retried; 0 on a matching reply. */
static int ping_once(uint16_t id)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct icmphdr req = { .type = ICMP_ECHO };
	unsigned char buf[256];
	struct pollfd pfd;
	int s, i, ret = -1;
	ssize_t n;

	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		return -2;
	inet_pton(AF_INET, UK_IP, &to.sin_addr);
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	for (i = 0; i < TRIES && ret; i++) {
		req.un.echo.id = htons(id);
		req.un.echo.sequence = htons(i);
		req.checksum = 0;
		req.checksum = icmp_csum(&req, sizeof(req));
		sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to));
		while (ret && poll(&pfd, 1, 200) > 0) {
			struct iphdr *ip = (struct iphdr *)buf;
			struct icmphdr *rep;

			n = recv(s, buf, sizeof(buf), 0);
			if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + (ssize_t)sizeof(*rep))
				continue;
			rep = (struct icmphdr *)(buf + ip->ihl * 4);
			if (ip->saddr == to.sin_addr.s_addr && rep->type == ICMP_ECHOREPLY &&
			    ntohs(rep->un.echo.id) == id)
				ret = 0;
		}
	}
	close(s);
	return ret;
}

/* One datagram to @ip:@port answered with the same bytes, retried; 0 when it came back. */
static int udp_echo_to(const char *ip, uint16_t port, const char *msg, char *reply, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 0, 200000 };
	int s, i;
	ssize_t n = -1;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	inet_pton(AF_INET, ip, &to.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < TRIES && n < 0; i++) {
		sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to));
		n = recv(s, reply, len - 1, 0);
	}
	close(s);
	if (n < 0)
		return -1;
	reply[n] = 0;
	return 0;
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int wait_exit(pid_t pid, int *status)
{
	int i;

	for (i = 0; i < 100; i++) { /* 10 s */
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(100000);
	}
	return -1;
}

/*
 * On a tap: ping and UDP echo at the responder's address.  On passt: UDP
 * echo through the published port (passt answers pings itself), and none
 * through a port that was not published.
 */
TEST_F(uknet, ping_and_udp_echo)
{
	const char *ip = variant->pasta ? PASTA_NS_IP : UK_IP;
	uint16_t port = variant->pasta ? PASTA_PORT : 7;
	char reply[256], logbuf[512] = "", want[64];
	int status = -1, fd;
	long t0;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, enter_ns(self->ns));
	if (!variant->pasta)
		EXPECT_EQ(0, ping_once((uint16_t)getpid()));
	ASSERT_EQ(0, udp_echo_to(ip, port, "kiste-udp-round-trip", reply, sizeof(reply)));
	EXPECT_STREQ("kiste-udp-round-trip", reply);
	if (variant->pasta)
		EXPECT_NE(0, udp_echo_to(ip, PASTA_PORT + 1, "unpublished", reply, sizeof(reply)));
	/* "quit" is echoed, then the responder exits 0 */
	ASSERT_EQ(0, udp_echo_to(ip, port, "quit", reply, sizeof(reply)));
	t0 = ms_now();
	ASSERT_EQ(0, wait_exit(self->kiste, &status));
	self->kiste = 0;
	/*
	 * The relay ends at the unikernel's hang-up, passt with it: not
	 * kiste's two seconds and SIGKILL (a relay holding the unikernel's
	 * own end as a descriptor 0-2 that was closed at start never sees it).
	 */
	EXPECT_GT(1800, ms_now() - t0);
	fd = open(self->log, O_RDONLY);
	if (fd >= 0) {
		if (read(fd, logbuf, sizeof(logbuf) - 1) < 0)
			logbuf[0] = 0;
		close(fd);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("log: %s", logbuf);
	snprintf(want, sizeof(want), "udp echo on port %d", variant->pasta ? PASTA_ECHO : 7);
	if (!variant->closed_std)	/* the unikernel's console is its stdout */
		EXPECT_NE(NULL, strstr(logbuf, want));
	/* the relay (and passt) ended by themselves, not by their filters */
	EXPECT_EQ(NULL, strstr(logbuf, "kiste:")) TH_LOG("log: %s", logbuf);
}

/* @pid's children, in the order they were forked: their number (at most @max). */
static int children(pid_t pid, pid_t *out, int max)
{
	char path[96], buf[512], *p, *end;
	int n = 0;
	pid_t c;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	if (f)
		fclose(f);
	for (p = buf; n < max && (c = (pid_t)strtol(p, &end, 10)) > 0; p = end)
		out[n++] = c;
	return n;
}

/* @pid's last child (its relay: forked after passt and the unikernel), or passt's pid. */
static pid_t child_of(pid_t pid, bool passt)
{
	char path[96], comm[32];
	pid_t kids[16], found = 0;
	int i, n = children(pid, kids, 16);
	FILE *f;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", kids[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (!strncmp(comm, "passt", 5) == passt)
			found = kids[i];
	}
	return found;
}

/* In @ns: the --network pasta responder echoes through its published port. */
static int pasta_answers(const char *ns)
{
	char reply[64];

	if (enter_ns(ns) < 0)
		return -1;
	return udp_echo_to(PASTA_NS_IP, PASTA_PORT, "up", reply, sizeof(reply));
}


static void read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;

	buf[r > 0 ? r : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * The cgroup.procs of the sandbox's cgroup that @cgroups (a /proc/PID/cgroup)
 * names first: v1's hierarchy mounted at /sys/fs/cgroup/CONTROLLER, or v2 at
 * /sys/fs/cgroup or /sys/fs/cgroup/unified.  0, or -1 when there is none.
 */
static int sandbox_procs(const char *cgroups, char *procs, size_t n)
{
	static const char *const v2[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	const char *l = strstr(cgroups, "/kiste/unikernel-"), *start, *c1, *c2;
	char line[256], path[512];
	unsigned int i;

	if (!l)
		return -1;
	for (start = l; start > cgroups && start[-1] != '\n'; start--)
		;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(start, "\n"), start);
	c1 = strchr(line, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return -1;
	for (i = 0; i < 2; i++) {
		if (c2 > c1 + 1)	/* v1: "ID:CONTROLLER[,...]:PATH" */
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%.*s%s/cgroup.procs",
				 (int)strcspn(c1 + 1, ":,"), c1 + 1, c2 + 1);
		else
			snprintf(path, sizeof(path), "%s%s/cgroup.procs", v2[i], c2 + 1);
		if (access(path, R_OK) == 0) {
			read_file(path, procs, n);
			return 0;
		}
	}
	return -1;
}

/* @pid as a line of @procs. */
static bool lists(const char *procs, pid_t pid)
{
	char want[32];
	size_t k;
	const char *p;

	k = (size_t)snprintf(want, sizeof(want), "%d", (int)pid);
	for (p = procs; (p = strstr(p, want)); p += k)
		if ((p == procs || p[-1] == '\n') && (p[k] == '\n' || !p[k]))
			return true;
	return false;
}

/*
 * passt and the relay are the sandbox's: in every hierarchy they are in the
 * unikernel's cgroup (kiste/unikernel-PID), and its cgroup.procs lists them,
 * so its limits count them and its kill ends them.  Process isolation has a
 * cgroup only with --cpus (the pasta_process variant).
 */
TEST_F(uknet, pasta_passt_and_relay_are_in_the_sandbox_cgroup)
{
	char want[512], got[512], procs[1024], path[64];
	pid_t kids[4], uk = 0, passt = 0, relay = 0;
	int i, n;

	const char *why = self->skip ? self->skip : !variant->pasta ? "--network pasta only" :
			  strcmp(variant->iso, "vm") && !variant->cpus ?
			  "process isolation without --cpus has no cgroup" : NULL;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pasta_answers(self->ns));
	/* passt (forked while binding the devices), the unikernel, then the relay */
	n = children(self->kiste, kids, 4);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", kids[i]);
		read_file(path, got, sizeof(got));
		if (!strncmp(got, "passt", 5))
			passt = kids[i];
		else if (!uk)
			uk = kids[i];
		else
			relay = kids[i];
	}
	ASSERT_LT(0, passt);
	ASSERT_LT(0, uk);
	ASSERT_LT(0, relay);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", uk);
	read_file(path, want, sizeof(want));
	ASSERT_NE(NULL, strstr(want, "/kiste/unikernel-")) TH_LOG("unikernel: %s", want);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", passt);
	read_file(path, got, sizeof(got));
	EXPECT_STREQ(want, got);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", relay);
	read_file(path, got, sizeof(got));
	EXPECT_STREQ(want, got);
	ASSERT_EQ(0, sandbox_procs(want, procs, sizeof(procs))) TH_LOG("cgroups: %s", want);
	EXPECT_TRUE(lists(procs, passt)) TH_LOG("passt %d, cgroup.procs: %s", passt, procs);
	EXPECT_TRUE(lists(procs, relay)) TH_LOG("relay %d, cgroup.procs: %s", relay, procs);
	EXPECT_TRUE(lists(procs, uk)) TH_LOG("unikernel %d, cgroup.procs: %s", uk, procs);
}

static unsigned int kiste_lines(const char *log)
{
	unsigned int n = 0;

	for (; (log = strstr(log, "kiste:")); log++)
		n++;
	return n;
}

/*
 * A relay killed mid-run (or passt): kiste run ends at once, the unikernel
 * killed, with one line saying which ended; a dead relay is 125.
 */
TEST_F(uknet, pasta_relay_or_passt_killed_ends_the_run)
{
	char logbuf[1024];
	int status = -1, which;
	pid_t victim;

	const char *why = self->skip ? self->skip : !variant->pasta ? "--network pasta only" : NULL;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pasta_answers(self->ns));
	/* the relay in process isolation, passt in vm isolation */
	which = !strcmp(variant->iso, "vm");
	victim = child_of(self->kiste, which);
	ASSERT_LT(0, victim);
	kill(victim, SIGKILL);
	ASSERT_EQ(0, wait_exit(self->kiste, &status)) TH_LOG("kiste run did not end");
	self->kiste = 0;
	read_file(self->log, logbuf, sizeof(logbuf));
	EXPECT_EQ(1u, kiste_lines(logbuf)) TH_LOG("log: %s", logbuf);
	if (which) {
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 137) TH_LOG("%#x", status);
		EXPECT_NE(NULL, strstr(logbuf, "the network backend (passt) stopped"));
	} else {
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 125) TH_LOG("%#x", status);
		EXPECT_NE(NULL, strstr(logbuf, "the network relay died of signal 9 (KILL)"))
		TH_LOG("log: %s", logbuf);
	}
}

/*
 * Ctrl-C (timeout(1)'s TERM, a hang-up) signals the whole process group:
 * kiste forwards it to the unikernel, which it ends; the relay ignores it,
 * passt (its own group) does not get it, and both end with the unikernel,
 * with no line of their own.  INT in process isolation, TERM in vm.
 */
TEST_F(uknet, pasta_group_signal_is_the_unikernels)
{
	int sig = strcmp(variant->iso, "vm") ? SIGINT : SIGTERM;
	char logbuf[1024];
	int status = -1;

	const char *why = self->skip ? self->skip : !variant->pasta ? "--network pasta only" : NULL;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pasta_answers(self->ns));
	ASSERT_EQ(0, kill(-self->kiste, sig));
	ASSERT_EQ(0, wait_exit(self->kiste, &status));
	self->kiste = 0;
	read_file(self->log, logbuf, sizeof(logbuf));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig)
	TH_LOG("status %#x log: %s", status, logbuf);
	EXPECT_EQ(NULL, strstr(logbuf, "kiste bug")) TH_LOG("log: %s", logbuf);
	EXPECT_EQ(NULL, strstr(logbuf, "relay")) TH_LOG("log: %s", logbuf);
	EXPECT_EQ(NULL, strstr(logbuf, "passt")) TH_LOG("log: %s", logbuf);
}

/* kiste's refusals of --network pasta: one line each, 125, before anything starts. */
static void refused(struct __test_metadata *_metadata, const char *const *args,
		    const char *want)
{
	struct run_result r;

	ASSERT_EQ(0, run_kiste(args, &r));
	EXPECT_EQ(125, r.status);
	EXPECT_EQ(1u, count_lines(r.err)) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);
}

TEST(pasta_without_passt_is_one_line)
{
	const char *args[] = { "run", "--mode=unikernel", "--network", "pasta", uk_path("net"),
			       PASTA_UK_IP, NULL };

	/* a PATH without passt (kiste itself is run by its full path) */
	setenv("PATH", "/nonexistent", 1);
	refused(_metadata, args, "no passt binary on PATH");
}

TEST(pasta_with_net_for_the_same_device_is_one_line)
{
	const char *args[] = { "run", "--mode=unikernel", "--network", "pasta", "--net",
			       "net0=" TAP, uk_path("net"), PASTA_UK_IP, NULL };
	const char *vm[] = { "run", "--mode=unikernel", "--isolation=vm", "--network", "pasta",
			     "--net", "net0=" TAP, uk_path("net"), PASTA_UK_IP, NULL };

	refused(_metadata, args, "both bind net device 'net0'");
	refused(_metadata, vm, "both bind net device 'net0'");
}

/* The unikernel's filter on passt is a tap's (same calls, same count); the relay's rows follow. */
TEST(policy_with_pasta)
{
	const char *pasta[] = { "policy", "unikernel", "--network", "pasta", uk_path("net"),
				NULL };
	const char *tap[] = { "policy", "unikernel", "--supervised", uk_path("net"), "--net",
			      "net0=kuk0", NULL };
	static struct run_result a, b;
	char *la, *lb;

	ASSERT_EQ(0, run_kiste(pasta, &a));
	ASSERT_EQ(0, a.status) TH_LOG("stderr: %s", a.err);
	ASSERT_EQ(0, run_kiste(tap, &b));
	ASSERT_EQ(0, b.status) TH_LOG("stderr: %s", b.err);
	la = strstr(a.out, "# syscalls: ");
	lb = strstr(b.out, "# syscalls: ");
	ASSERT_NE(NULL, la);
	ASSERT_NE(NULL, lb);
	EXPECT_EQ(0, strncmp(la, lb, strcspn(lb, "\n") + 1)) TH_LOG("%.80s vs %.80s", la, lb);
	EXPECT_LE(atoi(la + strlen("# syscalls: ")), 7);
	EXPECT_NE(NULL, strstr(a.out, "net on 'passt'"));
	EXPECT_NE(NULL, strstr(a.out, "the relay process's filter"));
	EXPECT_NE(NULL, strstr(a.out, "relay: pidfd_send_signal(lo32(arg0) == 0x6, "
			       "lo32(arg1) == 0x9, arg2 == 0, lo32(arg3) == 0)"));
	EXPECT_EQ(NULL, strstr(a.out, "relay: kill("));
	EXPECT_EQ(NULL, strstr(b.out, "relay"));
}

/* A -p port passt could not bind (it would go on without it): kiste refuses first. */
TEST(pasta_port_in_use_is_one_line)
{
	const char *args[] = { "run", "--mode=unikernel", "--network", "pasta", "-p",
			       "127.0.0.1:47392:7777/udp", uk_path("net"), PASTA_UK_IP, NULL };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(47392),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	refused(_metadata, args, "port 127.0.0.1:47392/udp is in use on the host");
	close(fd);
}

TEST(pasta_without_a_net_device_is_one_line)
{
	const char *args[] = { "run", "--mode=unikernel", "--network", "pasta", uk_path("hello"),
			       NULL };

	refused(_metadata, args, "declares no net device");
}

TEST_HARNESS_MAIN
