// SPDX-License-Identifier: GPL-2.0
// caps.c - conformance: capget, capset, the bounding set, the prctl capability and parent-death queries, uid_map.
#include "conf.h"

#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Only relations and refusals are printed: the sets themselves differ between a
 * process of the host's root and the sandbox's root (its own user namespace).
 */
static long capget(uint32_t version, int pid, struct __user_cap_data_struct *d,
		   uint32_t *version_after)
{
	struct __user_cap_header_struct h = { version, pid };
	long r = syscall(SYS_capget, &h, d);

	if (version_after)
		*version_after = h.version;
	return r;
}

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = 40;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n;
}

/* What a child saw of its bounding set: each call's result and errno. */
struct bset {
	long r[7];
	int e[7];
};

#define BSET(i, call) do { errno = 0; b->r[i] = (call); b->e[i] = errno; } while (0)

/*
 * Bounding-set drops in a child (they cannot be taken back): a drop, then the
 * set read back, a capability past the last, the permitted set after the drop,
 * and a drop once CAP_SETPCAP has left the effective set.
 */
static void bset_drops(struct bset *b, int last)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2], after[2];
	pid_t c = fork();

	if (c == 0) {
		syscall(SYS_capget, &h, d);
		BSET(0, prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
		BSET(1, prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
		BSET(2, prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
		BSET(3, prctl(PR_CAPBSET_DROP, last + 1, 0, 0, 0));
		syscall(SYS_capget, &h, after);
		b->r[4] = after[0].permitted == d[0].permitted;
		d[0].effective &= ~(1U << CAP_SETPCAP);
		BSET(5, syscall(SYS_capset, &h, d));
		BSET(6, prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
		_exit(0);
	}
	waitpid(c, NULL, 0);
}

/* After an exec: whether CAP_NET_RAW is permitted and CAP_CHOWN effective, on fd. */
static int exec_probe(int fd)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	char out[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 1;
	out[0] = d[0].permitted & (1U << CAP_NET_RAW) ? 'P' : '-';
	out[1] = d[0].effective & (1U << CAP_CHOWN) ? 'E' : '-';
	return write(fd, out, 2) == 2 ? 0 : 1;
}

/*
 * A child of root drops CAP_NET_RAW from its bounding set and CAP_CHOWN from
 * its effective set, then execs: root's exec takes the permitted set to the
 * bounding set and raises the effective set to it.  What the new image holds.
 */
static const char *exec_caps(const char *self)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	static char seen[3];
	char fd[16];
	int p[2];
	pid_t c;

	if (pipe(p) < 0)
		return "no pipe";
	c = fork();
	if (c == 0) {
		close(p[0]);
		prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0);
		syscall(SYS_capget, &h, d);
		d[0].effective &= ~(1U << CAP_CHOWN);
		syscall(SYS_capset, &h, d);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(self, self, "exec-probe", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	memset(seen, 0, sizeof(seen));
	if (read(p[0], seen, 2) != 2)
		strcpy(seen, "?");
	close(p[0]);
	waitpid(c, NULL, 0);
	return seen;
}

static void bset_say(const char *what, const struct bset *b, int i)
{
	errno = b->e[i];
	chk(what, b->r[i]);
}

static int pdeath_pipe = -1;

static void on_usr1(int sig)
{
	(void)sig;
	if (write(pdeath_pipe, "S", 1) != 1)
		_exit(2);
	_exit(0);
}

/*
 * A child forks a grandchild that asks for SIGUSR1 when its parent goes, says so
 * and waits; the child then exits.  What the pipe tells: R (ready), S (the signal
 * came), then end of file once the grandchild is gone.
 */
static const char *pdeath(void)
{
	static char seen[8];
	struct pollfd pf;
	size_t n = 0;
	int p[2], q[2];
	char x;
	pid_t c;

	if (pipe(p) < 0 || pipe(q) < 0)
		return "no pipe";
	c = fork();
	if (c == 0) {
		close(p[0]);
		if (fork() == 0) {
			close(q[0]);
			pdeath_pipe = p[1];
			signal(SIGUSR1, on_usr1);
			prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
			if (write(p[1], "R", 1) != 1)
				_exit(2);
			close(q[1]);	/* the parent goes once it has asked */
			for (;;)
				pause();
		}
		close(q[1]);
		if (read(q[0], &x, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(q[0]);
	close(q[1]);
	close(p[1]);
	waitpid(c, NULL, 0);
	pf.fd = p[0];
	pf.events = POLLIN;
	while (n < sizeof(seen) - 1 && poll(&pf, 1, 5000) == 1 && read(p[0], seen + n, 1) == 1)
		n++;
	seen[n] = 0;
	close(p[0]);
	return seen;
}

int main(int argc, char **argv)
{
	struct __user_cap_data_struct d[2], d1[2];
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	int last = cap_last(), sig = -1, first = -1;
	uint32_t v = 0;
	struct bset *bs;
	pid_t child;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "exec-probe"))
		return exec_probe(atoi(argv[2]));
	conf_init();
	chk("capget(v3, self)", capget(_LINUX_CAPABILITY_VERSION_3, 0, d, NULL));
	say("effective within permitted", "%d",
	    !(d[0].effective & ~d[0].permitted) && !(d[1].effective & ~d[1].permitted));
	chk("capget(v1, self)", capget(_LINUX_CAPABILITY_VERSION_1, 0, d1, NULL));
	say("v1's words are v3's first ones", "%d",
	    d1[0].effective == d[0].effective && d1[0].permitted == d[0].permitted);
	chk("capget(own pid)", capget(_LINUX_CAPABILITY_VERSION_3, getpid(), d1, NULL));
	say("the same sets", "%d", d1[0].effective == d[0].effective &&
	    d1[1].effective == d[1].effective);
	chk("capget with an unknown version", capget(0x1234, 0, d1, &v));
	say("the version it wrote back", "%#x", v);
	v = 0;
	chk("capget with an unknown version and no data", capget(0x1234, 0, NULL, &v));
	say("the version it wrote back", "%#x", v);
	chk("capget(pid -1)", capget(_LINUX_CAPABILITY_VERSION_3, -1, d1, NULL));
	chk("capget of no such process", capget(_LINUX_CAPABILITY_VERSION_3, 4000000, d1, NULL));
	chk("capset of the same sets", syscall(SYS_capset, &h, d));
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	h.pid = child;
	chk("capset of another process (a child)", syscall(SYS_capset, &h, d));
	h.pid = 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	chk("PR_CAPBSET_READ(CAP_CHOWN)", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
	chk("PR_CAPBSET_READ(the last capability + 1)", prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0));
	chk("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	chk("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	chk("PR_SET_KEEPCAPS(2)", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	/* libcap's own call (ping's): arguments 3-5 are not read */
	chk("PR_SET_KEEPCAPS(1) with arguments 3-5 set", prctl(PR_SET_KEEPCAPS, 1, 1, 1, 1));
	chk("PR_GET_KEEPCAPS after it", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	chk("PR_GET_SECUREBITS with keep-caps", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	chk("PR_SET_KEEPCAPS(0)", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	chk("PR_GET_KEEPCAPS after that", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	bs = mmap(NULL, sizeof(*bs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bs != MAP_FAILED) {
		memset(bs, 0, sizeof(*bs));
		bset_drops(bs, last);
		bset_say("PR_CAPBSET_DROP(CAP_NET_RAW)", bs, 0);
		bset_say("PR_CAPBSET_READ(CAP_NET_RAW) after it", bs, 1);
		bset_say("PR_CAPBSET_READ(CAP_CHOWN) after it", bs, 2);
		bset_say("PR_CAPBSET_DROP(the last capability + 1)", bs, 3);
		say("the permitted set stays as it was", "%ld", bs->r[4]);
		bset_say("capset dropping CAP_SETPCAP from the effective set", bs, 5);
		bset_say("PR_CAPBSET_DROP(CAP_CHOWN) without CAP_SETPCAP", bs, 6);
		munmap(bs, sizeof(*bs));
	}
	say("after root's exec (bounding set without CAP_NET_RAW, CAP_CHOWN not effective): "
	    "P if CAP_NET_RAW is permitted, E if CAP_CHOWN is effective", "%s",
	    exec_caps("/proc/self/exe"));
	chk("PR_CAPBSET_READ(CAP_NET_RAW) in the parent", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
	chk("PR_CAP_AMBIENT_IS_SET(CAP_CHOWN)",
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
	chk("PR_CAP_AMBIENT_IS_SET(the last + 1)",
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, last + 1, 0, 0));
	chk("PR_CAP_AMBIENT with sub-operation 9", prctl(PR_CAP_AMBIENT, 9, 0, 0, 0));
	chk("PR_CAP_AMBIENT_CLEAR_ALL of an empty set", prctl(PR_CAP_AMBIENT,
							      PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	chk("PR_SET_PDEATHSIG(SIGUSR1)", prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
	chk("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
	say("it", "%d", sig);
	chk("PR_SET_PDEATHSIG(65)", prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0));
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	say("a grandchild's parent-death signal, when its parent exits", "%s", pdeath());
	chk("PR_GET_NO_NEW_PRIVS with an argument", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
	f = fopen("/proc/self/uid_map", "r");
	if (!f || fscanf(f, "%d", &first) != 1)
		first = -1;
	if (f)
		fclose(f);
	say("/proc/self/uid_map: its first id", "%d", first);
	/* Last: no_new_privs cannot be taken back. */
	chk("PR_SET_NO_NEW_PRIVS(1)", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	chk("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	/* Dropping a capability the process holds (the sandbox cannot yet: README). */
	if (d[0].permitted & (1U << CAP_CHOWN)) {
		d[0].effective &= ~(1U << CAP_CHOWN);
		chk("capset dropping CAP_CHOWN from the effective set", syscall(SYS_capset, &h, d));
	} else {
		say("capset dropping CAP_CHOWN from the effective set", "0");
	}
	return conf_done();
}
