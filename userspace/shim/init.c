// SPDX-License-Identifier: GPL-2.0
// init.c - shim mode's init (pid 1 inside): namespace setup, the reaper, OCI start, kiste exec.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kiste_oci.h"
#include "launch_int.h"

static volatile pid_t forward_to;
/* An OCI init before start: a signal that would end a process ends it (as runc's init). */
static volatile sig_atomic_t oci_waiting;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
	else if (oci_waiting && sig != SIGCONT && sig != SIGURG && sig != SIGWINCH &&
		 sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		_exit(KISTE_EXIT_SIGNAL + sig);
}

static void drop_host_root(void)
{
	int r = kiste_become_nobody();

	if (r < 0) {
		fprintf(stderr, "kiste: cannot drop host root privileges: %s\n", strerror(-r));
		_exit(KISTE_EXIT_REFUSED);
	}
}

static bool launcher_gone(const struct launch *l, pid_t launcher)
{
	struct pollfd p = { .fd = l->status[1], .events = POLLOUT };

	if (!l->ns && getppid() != launcher)
		return true;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/*
 * An OCI create fails when the process's command is nowhere, as runc's does
 * (engines map its "no such file or directory" to 127): an absolute path
 * that does not exist, or a name on no folder of the config's PATH.  The
 * init is in the container's root by now.  Anything subtler (not
 * executable, a bad interpreter) is the guest kernel's to report at start.
 */
static bool command_missing(const char *cmd, char *const *env, char *why, size_t n)
{
	const char *path = NULL, *p, *e;
	char full[PATH_MAX];
	struct stat st;
	int i;

	if (!cmd || !*cmd)
		return false;
	if (cmd[0] == '/') {
		if (stat(cmd, &st) == 0 || errno != ENOENT)
			return false;
		snprintf(why, n, "exec: \"%s\": stat %s: no such file or directory", cmd, cmd);
		return true;
	}
	if (strchr(cmd, '/'))
		return false;
	for (i = 0; env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			path = env[i] + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		snprintf(full, sizeof(full), "%.*s/%s", (int)(e - p), p, cmd);
		if (e > p && (stat(full, &st) == 0 || errno != ENOENT))
			return false;
	}
	snprintf(why, n, "exec: \"%s\": executable file not found in $PATH: no such file or "
		 "directory", cmd);
	return true;
}

static void oci_check_command(const struct launch *l)
{
	char why[PATH_MAX + 128];

	if (l->ns && command_missing(l->o->argv[0], l->env, why, sizeof(why))) {
		fprintf(stderr, "kiste: %s\n", why);
		_exit(KISTE_EXIT_NOTFOUND);
	}
}

/*
 * An OCI container's init tells its create it is ready, then waits for
 * start's byte; every signal but KILL and STOP goes on to the workload, as
 * an engine's kill means it for the workload.
 */
static void oci_wait_start(struct launch *l)
{
	struct sigaction sa = { .sa_handler = forward };
	char c = 'r';
	sigset_t all;
	int sig;

	oci_waiting = 1;
	for (sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
	if (write(l->status[1], &c, 1) != 1)
		_exit(KISTE_EXIT_REFUSED);
	close(l->status[1]);
	if (kiste_oci_wait_start(l->oci) < 0)
		_exit(KISTE_EXIT_REFUSED);
	/* From here until the workload's pid is known, signals wait (launch_init_main). */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &l->init_mask);
	oci_waiting = 0;
}

/* An OCI init ends as its workload did: the status, or 128+N for signal N. */
static __attribute__((noreturn)) void oci_exit(struct launch *l, int wst)
{
	char what[PATH_MAX + 2];
	struct kiste_run_who who;

	launch_who(l, &who, what, sizeof(what));
	_exit(kiste_exit_from_wait(wst, &who));
}

/* A channel the init serves while it waits: @serve runs when poll finds *@fd ready. */
struct init_chan {
	int *fd;		/* -1: not served (any more) */
	void (*serve)(void *ctx, short revents);
	void *ctx;
};
/* The AF_UNIX mediator (unixmed.c), `kiste exec`'s listener and its sessions (execsrv.c). */
#define INIT_NCHAN (2 + KISTE_EXEC_SESSIONS)

/* The run ends with one line on sysctl @kv, its value shown safely (a config's text). */
static __attribute__((noreturn)) void sysctl_fail(const struct kiste_oci_kv *kv, int e)
{
	struct kiste_err err = { 0 };
	char value[64];

	snprintf(value, sizeof(value), "%s", kv->value);
	kiste_printable(value);
	kiste_err_set(&err, -e, "config.json: linux.sysctl.%s: cannot set '%s': %s", kv->key,
		      value, strerror(e));
	kiste_child_fail(&err);
}

/*
 * net.ipv4.ping_group_range holds group ids, taken in the writer's user
 * namespace, where the sandbox maps 0..shim_net_gid_top() alone: a range
 * beyond them (Docker's default "0 2147483647", every group) is cut to the
 * sandbox's groups, as many as the kernel would take; @value otherwise.
 */
static const char *ping_range(const char *path, const char *value, char *buf, size_t n)
{
	unsigned long lo, hi, top;

	if (strcmp(path, SHIM_PING_GROUP_RANGE) || sscanf(value, "%lu %lu", &lo, &hi) != 2)
		return value;
	top = shim_net_gid_top();
	if (hi <= top)
		return value;
	if (lo > top)
		return "1 0";	/* none of the sandbox's groups: the kernel's "nobody" */
	snprintf(buf, n, "%lu %lu", lo, top);
	return buf;
}

/*
 * An OCI container's linux.sysctl (oci/spec.c kept those of the container's own
 * namespaces), set as the sandbox's root; a value the kernel refuses fails the
 * create, as runc's.  @uts false: all but the UTS ones, through the caller's
 * /proc, whose /proc/sys shows the writer's namespaces, before the container's
 * own procfs (read-only); @uts true: kernel.hostname and kernel.domainname,
 * after the config's hostname, by sethostname and setdomainname (their files
 * take writes from host root alone, whatever the namespace).
 */
static void oci_sysctls(const struct launch *l, bool uts)
{
	char path[256] = "/proc/sys/", clamped[48];
	const char *key = path + 10;
	size_t i, n;
	int e;

	for (i = 0; l->oci && i < l->oci->nsysctl; i++) {
		const struct kiste_oci_kv *kv = l->oci->sysctl[i];

		if ((kiste_oci_sysctl_ns(kv->key) == KISTE_OCI_NS_UTS) != uts)
			continue;
		if (kiste_oci_sysctl_path(kv->key, path + 10, sizeof(path) - 10) < 0)
			sysctl_fail(kv, EINVAL);
		n = strlen(kv->value);
		if (uts) {
			if ((!strcmp(key, "kernel/hostname") ? sethostname(kv->value, n) :
			     setdomainname(kv->value, n)) < 0)
				sysctl_fail(kv, errno);
			continue;
		}
		e = shim_proc_sys_write(path, ping_range(path, kv->value, clamped, sizeof(clamped)));
		if (e < 0)
			sysctl_fail(kv, -e);
	}
}

static void init_sigchld(int sig)
{
	(void)sig;	/* only to end ppoll: the loop reaps */
}

static void init_serve_unixmed(void *ctx, short revents)
{
	shim_unixmed_serve(ctx, revents);
}

/*
 * A process `kiste exec` asked for, in the child the init forked for it: the
 * request's descriptors become its 0..n-1 (the init's own ones it still needs
 * moved out of their way first), then it becomes a workload as the first one
 * did, with the request's command, environment, cwd and identity.
 */
static __attribute__((noreturn)) void exec_child(struct launch *l, struct shim_exec_req *r)
{
	int *keep[] = { &l->procfd, &l->locksfd, &l->tracesw_ro, &l->trace_fd, &r->console_sock };
	int moved[KISTE_EXEC_FDS_MAX], i, slave;
	struct kiste_err err = { 0 };

	shim_exec_child(&l->exec);
	if (l->um.fd >= 0)
		close(l->um.fd);
	for (i = 0; i < (int)(sizeof(keep) / sizeof(keep[0])); i++)
		if (*keep[i] >= 0 && *keep[i] < 64 && (*keep[i] = fcntl(*keep[i], F_DUPFD, 64)) < 0)
			_exit(KISTE_EXIT_REFUSED);
	for (i = 0; i < r->nfds; i++)
		if ((moved[i] = fcntl(r->fds[i], F_DUPFD, 64)) < 0)
			_exit(KISTE_EXIT_REFUSED);
	for (i = 0; i < r->nfds; i++)
		if (dup2(moved[i], i) < 0)
			_exit(KISTE_EXIT_REFUSED);
	/* The rest (the request's own numbers, the moved copies) go in place_fds (xreq's nfds). */
	l->con_fd = -1;
	/*
	 * A session of its own, as the first process's (console_attach makes it
	 * with a terminal): never the init's, which a terminal it got could
	 * become the controlling one of.
	 */
	if (r->console_sock < 0 && setsid() < 0)
		_exit(KISTE_EXIT_REFUSED);
	/* A terminal of the container's own devpts, as create's (the master to the engine). */
	if (r->console_sock >= 0) {
		if (kiste_console_make("/dev/ptmx", r->rows, r->cols, false, r->console_sock,
				       &slave, &err) < 0)
			kiste_child_fail(&err);
		if (dup2(slave, 0) < 0)
			_exit(KISTE_EXIT_REFUSED);
		close(slave);
		l->con_fd = 0;
	}
	memset(&l->relay, 0, sizeof(l->relay));
	l->xreq = r;
	launch_workload_main(l);
	_exit(KISTE_EXIT_REFUSED);
}

/* `kiste exec`: a new connection, its request read when it comes. */
static void init_serve_exec(void *ctx, short revents)
{
	(void)revents;
	shim_exec_accept(ctx);
}

/* One request: its process forked, or one line back saying why not. */
static void exec_start(struct launch *l, int slot)
{
	char why[PATH_MAX + 128];
	struct shim_exec_req r;
	struct stat st;
	pid_t pid;
	int e;

	if (shim_exec_read(&l->exec, slot, &r) < 0)
		return;
	e = stat(r.cwd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (r.console_sock >= 0 && (fstat(r.console_sock, &st) < 0 || !S_ISSOCK(st.st_mode))) {
		shim_exec_fail(&l->exec, r.slot, -ENOTSOCK, "--console-socket: not a socket: give "
			       "the engine's console socket");
	} else if (e) {
		shim_exec_fail(&l->exec, r.slot, -e, "chdir to cwd (\"%s\") failed: %s", r.cwd,
			       strerror(e));
	} else if (command_missing(r.argv[0], r.env, why, sizeof(why))) {
		shim_exec_fail(&l->exec, r.slot, -ENOENT, "%s", why);
	} else {
		sigset_t all, was;

		/*
		 * The child must not run the init's handlers (forward: the first
		 * process's signals) before launch_workload_main resets them: blocked
		 * across the fork, unblocked there after the reset.
		 */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &was);
		pid = fork();
		if (pid == 0) {
			forward_to = 0;
			exec_child(l, &r);
		}
		sigprocmask(SIG_SETMASK, &was, NULL);
		if (pid < 0)
			shim_exec_fail(&l->exec, r.slot, -errno, "cannot start the process: %s",
				       strerror(errno));
		else
			shim_exec_started(&l->exec, r.slot, pid);
	}
	shim_exec_req_free(&r);
}

/* One `kiste exec` session's channel: its request, then its caller's signals or hangup. */
struct exec_chan {
	struct launch *l;
	int slot;
};

static void init_serve_session(void *ctx, short revents)
{
	struct exec_chan *x = ctx;

	if (x->l->exec.pid[x->slot] == SHIM_EXEC_WAITING)
		exec_start(x->l, x->slot);
	else
		shim_exec_serve(&x->l->exec, x->slot, revents);
}

/*
 * Reaps until the workload ends (its wait status; 0 when there is no child
 * left), serving @ch meanwhile.  SIGCHLD is open only inside ppoll, so no
 * wake-up is lost, and each turn reaps before it serves: a flood of requests
 * cannot hold off the workload's exit.
 */
static int init_wait(pid_t child, struct shim_exec_srv *exec, struct init_chan *ch, int n)
{
	struct sigaction sa = { .sa_handler = init_sigchld, .sa_flags = SA_NOCLDSTOP };
	struct pollfd p[INIT_NCHAN];
	sigset_t during, chld;
	int wst, i;
	pid_t w;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &during);
	sigdelset(&during, SIGCHLD);
	sigaction(SIGCHLD, &sa, NULL);
	for (;;) {
		while ((w = waitpid(-1, &wst, WNOHANG)) > 0) {
			if (w == child)
				return wst;
			shim_exec_reaped(exec, w, wst);
		}
		if (w < 0 && errno != EINTR)
			return 0;
		for (i = 0; i < n; i++) {
			p[i].fd = *ch[i].fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (ppoll(p, n, NULL, &during) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (p[i].fd >= 0 && p[i].revents)
				ch[i].serve(ch[i].ctx, p[i].revents);
	}
}

/* First process inside the namespaces (pid 1 there): sets them up, reaps, reports. */
void launch_init_main(struct launch *l, pid_t launcher)
{
	struct kiste_err err = { 0 };
	struct sigaction sa = { .sa_handler = forward };
	struct init_chan ch[INIT_NCHAN] = {
		{ &l->um.fd, init_serve_unixmed, &l->um },
		{ &l->exec.listen_fd, init_serve_exec, &l->exec },
	};
	static struct exec_chan xch[KISTE_EXEC_SESSIONS];
	sigset_t all;
	int st, i, xfd;
	const char *hostname;
	pid_t child;
	char c;

	l->um.fd = -1;
	l->um.wl_fd = -1;
	/*
	 * `kiste exec`'s listener (an OCI container's, a named run's), above the caller's
	 * descriptors the workload keeps (--preserve-fds): place_fds closes it there.
	 */
	shim_exec_srv_init(&l->exec, -1);
	xfd = l->oci ? l->oci->exec_fd : l->rexec_fd;
	if (xfd >= 0) {
		l->exec.listen_fd = fcntl(xfd, F_DUPFD_CLOEXEC, 64);
		close(xfd);
		if (l->exec.listen_fd < 0)
			_exit(KISTE_EXIT_REFUSED);
	}
	for (i = 0; i < KISTE_EXEC_SESSIONS; i++) {
		xch[i].l = l;
		xch[i].slot = i;
		ch[2 + i].fd = &l->exec.fd[i];
		ch[2 + i].serve = init_serve_session;
		ch[2 + i].ctx = &xch[i];
	}
	close(l->status[0]);
	/* The terminal is stdin from here on: the rootfs's /dev gets its node (bind_tty). */
	if (l->con_fd >= 0) {
		if (dup2(l->con_fd, 0) < 0)
			_exit(KISTE_EXIT_REFUSED);
		close(l->con_fd);
	}
	/*
	 * The caller's session (its controlling terminal) only when that terminal
	 * is in the foreground with us, as a program typed at a shell is: started
	 * in the background or by a tool, the sandbox is a session of its own, so
	 * /dev/tty opens nothing and no terminal can be taken over (TIOCSPGRP,
	 * TIOCSTI), as bubblewrap's --new-session.  The init leads it and the
	 * workload's group is another in it, so that group is not orphaned and
	 * job-control stops work in it as natively.
	 */
	if ((l->oci || !l->tty_fg) && setsid() < 0)
		_exit(KISTE_EXIT_REFUSED);
	/* The terminal comes later (made inside): the caller's stdin must not be bound as one. */
	if (l->con_sock >= 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0)
			_exit(KISTE_EXIT_REFUSED);
		close(null);
	}
	/* ns:PATH is joined already (start_sandbox): its file is nobody's business here. */
	if (l->netns_fd >= 0)
		close(l->netns_fd);
	/*
	 * Membership first, while this task still has the launcher's credentials
	 * (the module checks the owner's kuid); the workload inherits it by fork.
	 */
	if (l->kfd >= 0 && !l->attached && kiste_dev_attach(l->kfd, 0, &err) < 0)
		kiste_child_fail(&err);
	/* The launcher maps our ids and moves us into the cgroup first. */
	close(l->sync[1]);
	if (read(l->sync[0], &c, 1) != 1)
		_exit(KISTE_EXIT_REFUSED);
	close(l->sync[0]);
	shim_stats_mark("init: launcher's go");
	if (l->ns) {
		if ((l->host_root && setgroups(0, NULL) < 0) || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0) {
			kiste_err_set(&err, -errno, "cannot become root of the user namespace: %s",
				      strerror(errno));
			kiste_child_fail(&err);
		}
		/* Before the sandbox's own procfs, which is read-only: through the caller's. */
		if (l->o->network != KISTE_NET_NS)
			shim_net_ping_groups();
		oci_sysctls(l, false);
		if (shim_setup_mounts(l->o, l->so, l->tree_fd, l->bind_fds, &l->procfd, &l->locksfd,
				      &err) < 0)
			kiste_child_fail(&err);
		shim_stats_mark("mounts, pivot");
		if (l->tree_fd >= 0)
			close(l->tree_fd);
		/* Our own network namespace (none, pasta): loopback works, as natively. */
		if (l->o->network != KISTE_NET_NS && shim_net_lo_up(&err) < 0)
			kiste_child_fail(&err);
		/* The host's "/": AF_UNIX sockets only through the init (unixmed.c). */
		if (l->host_tree && shim_unixmed_open(&l->um, l->so, l->procfd,
						      l->o->network != KISTE_NET_NS, &err) < 0)
			kiste_child_fail(&err);
		hostname = l->oci && l->oci->hostname ? l->oci->hostname :
			   l->o->hostname ? l->o->hostname : "kiste";
		shim_stats_mark("loopback up");
		if (sethostname(hostname, strlen(hostname)) < 0) {
			kiste_err_set(&err, -errno, "cannot set the hostname '%s': %s", hostname,
				      strerror(errno));
			kiste_child_fail(&err);
		}
		oci_sysctls(l, true);
	} else {
		if (l->oci && l->oci->nsysctl) {
			fprintf(stderr, "kiste: linux.sysctl needs the container's own namespaces, "
				"which this host refuses: allow user namespaces\n");
			_exit(KISTE_EXIT_REFUSED);
		}
		if (l->so->ntmpfs) {
			fprintf(stderr, "kiste: --tmpfs needs mount namespaces, which this host "
				"refuses: allow user namespaces\n");
			_exit(KISTE_EXIT_REFUSED);
		}
		if (l->host_root)
			drop_host_root();
		/* No pid namespace: the guest kernel serves /proc from the host's. */
		l->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	/*
	 * The engine's terminal (kiste run -t's: the launcher is the engine), made
	 * in the sandbox's own devpts (/dev/pts/0, as runc's).
	 */
	if (l->con_sock >= 0) {
		int slave;

		if (kiste_console_make("/dev/ptmx", l->con_rows, l->con_cols, false, l->con_sock,
				       &slave, &err) < 0)
			kiste_child_fail(&err);
		close(l->con_sock);
		l->con_sock = -1;
		if (dup2(slave, 0) < 0)
			_exit(KISTE_EXIT_REFUSED);
		close(slave);
		/* From here on as create's own terminal: fd 0 (console_attach). */
		l->con_fd = 0;
	}
	if (l->oci) {
		oci_check_command(l);
		/* No launcher stays behind an OCI create: the init outlives it. */
		oci_wait_start(l);
	} else {
		/*
		 * A credential change clears the parent-death signal: set it now,
		 * then make sure the launcher did not die before (its end of the
		 * status pipe).
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (launcher_gone(l, launcher))
			_exit(KISTE_EXIT_REFUSED);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		/* A signal before the workload's pid is known waits, then is forwarded. */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &l->init_mask);
	}
	shim_stats_mark("init ready to fork");
	child = fork();
	if (child < 0)
		_exit(KISTE_EXIT_REFUSED);
	if (child == 0)
		launch_workload_main(l);
	close(l->wiped[0]);
	if (l->um.wl_fd >= 0)
		close(l->um.wl_fd);
	l->um.wl_fd = -1;
	if (l->arg_end)
		memset((void *)l->arg_start, 0, l->arg_end - l->arg_start);
	/*
	 * Non-dumpable before any workload code runs (it waits for wiped): the
	 * workload may hold a pidfd of the init through a gate jump, and the host's
	 * ptrace check is what keeps pidfd_getfd (and /proc/1/mem, ptrace) off the
	 * init's descriptors and memory; the workload, forked already, keeps its own flag.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(KISTE_EXIT_REFUSED);
	close(l->wiped[1]);
	forward_to = child;
	sigprocmask(SIG_SETMASK, &l->init_mask, NULL);
	/* An interactive terminal: the workload's group gets it, as a shell would give it. */
	if (l->con_fd < 0)
		setpgid(child, child);	/* a session leader (console_attach) is one already */
	if (l->tty_fg)
		tcsetpgrp(l->tty_fd, child);
	if (l->kfd >= 0)
		close(l->kfd);
	l->kfd = -1;
	if (l->arm_fd >= 0)
		close(l->arm_fd);
	l->arm_fd = -1;
	st = init_wait(child, &l->exec, ch, INIT_NCHAN);
	shim_stats_mark("init: workload reaped");
	if (l->oci)
		oci_exit(l, st);
	if (write(l->status[1], &st, sizeof(st)) != sizeof(st))
		_exit(KISTE_EXIT_REFUSED);
	/* Leftover processes: the pid namespace dies with us; without one, the group. */
	kill(-child, SIGKILL);
	_exit(0);
}
