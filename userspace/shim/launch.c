// SPDX-License-Identifier: GPL-2.0
// launch.c - shim mode's launcher: namespaces, the reaper inside them, the workload, supervision.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "kiste_mode.h"
#include "image.h"
#include "relay.h"
#include "shim.h"

#define FD_ROOT GK_FD_ROOT
#define FD_TRACE GK_FD_TRACE
#define FD_KISTE GK_FD_KISTE
#define NOBODY 65534

struct launch {
	const struct kiste_run_opts *o;
	const struct shim_opts *so;
	struct shim_image img;
	struct gk_boot boot;
	int kfd;		/* /dev/kiste, -1 without the module */
	int procfd;		/* the sandbox's procfs (detached), -1 if none */
	int locksfd;		/* its private tmpfs of shadow lock files, -1 if none */
	bool ns;		/* namespaces in use */
	bool host_root;
	int sync[2], status[2];
	int wiped[2];		/* init closes its end once its command line is blank */
	uintptr_t arg_start, arg_end;	/* the launcher's argv strings (/proc/PID/cmdline) */
	sigset_t init_mask;	/* init's mask while its signals wait for the workload's pid */
	char *env[KISTE_RUN_ENV_MAX + 8];
	int nenv;
	bool tty_fg;		/* the caller's terminal was ours: take it back at the end */
	/*
	 * The workload's terminal, an OCI create's (--console-socket: struct
	 * kiste_oci_launch's console_*) or kiste run -t's: con_fd a pty's slave
	 * the workload makes its 0-2 and controlling terminal (console_attach),
	 * or -1; con_sock where the init sends the master of a pty it makes in
	 * the sandbox's own devpts, sized con_rows x con_cols, or -1.
	 */
	int con_fd, con_sock;
	unsigned int con_rows, con_cols;
	int tty_fd;		/* which of 0..2 is that terminal (tty_fg) */
	struct kiste_cgroup cg;	/* the sandbox's cgroup; version 0: none here */
	struct kiste_oci_launch *oci;	/* an OCI create (no launcher after it), or NULL */
	int netns_fd;		/* --network ns:PATH, checked; -1 otherwise */
	pid_t pasta;		/* --network pasta: its process; 0 otherwise */
	bool host_tree;		/* the rootfs is the host's "/": no AF_UNIX sockets by name */
	int tree_fd;		/* host root: a detached copy of the rootfs (open_tree); or -1 */
	int bind_fds[SHIM_MAX_BINDS];	/* host root: the --volume copies (binds.c); or -1 */
	struct shim_ids ids;	/* run as root with namespaces: the sandbox's own host ids */
	int trace_fd;		/* --trace-output FILE, opened by the launcher; -1 otherwise */
	int tracesw_ro;		/* `kiste trace`'s switch, read-only (the workload maps it); or -1 */
	int tracesw_lock;	/* kiste run --name: the switch, locked while the sandbox runs */
	char tracesw_path[PATH_MAX];	/* kiste run --name: removed at the end */
	struct shim_relay relay;	/* 0-2 through pipes where the sandbox could change them */
	struct shim_unixmed um;	/* the init's AF_UNIX mediator (unixmed.c); fd -1: none */
	struct shim_exec_srv exec;	/* an OCI container's init: `kiste exec` (execsrv.c) */
	const struct shim_exec_req *xreq;	/* in a process `kiste exec` started: its request */
};

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

static void build_env(struct launch *l)
{
	const char *term = kiste_setting(KISTE_SET_TERM);
	static char termbuf[256];
	int i;

	/* An OCI process's environment is the config's alone, as runc gives it. */
	if (l->oci && l->oci->env_exact)
		term = NULL;
	else
		l->env[l->nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if (!(l->oci && l->oci->env_exact))
		l->env[l->nenv++] = "HOME=/root";
	if (term) {
		snprintf(termbuf, sizeof(termbuf), "TERM=%s", term);
		l->env[l->nenv++] = termbuf;
	}
	for (i = 0; i < l->o->nenv; i++) {
		const char *eq = strchr(l->o->env[i], '=');
		int k;

		/* A later --env K=V replaces an earlier value of K. */
		for (k = 0; eq && k < l->nenv; k++)
			if (!strncmp(l->env[k], l->o->env[i], eq - l->o->env[i] + 1))
				break;
		l->env[k] = (char *)l->o->env[i];
		if (k == l->nenv)
			l->nenv++;
	}
	l->env[l->nenv] = NULL;
}

/*
 * Descriptors the workload must not inherit are closed; the guest kernel's go
 * to GK_FD_BASE and up, and every slot there up to GK_FD_LIMIT - 1 (the
 * RLIMIT_NOFILE, shim_setup_limits) is filled: where a slot has no use, with
 * an O_PATH placeholder no allowlist row admits.  The kernel can then never
 * hand the workload or the guest kernel a descriptor >= GK_FD_BASE, so the
 * allowlist need not let anything close one (boot.h).
 */
static void place_fds(struct launch *l, struct kiste_err *err)
{
	int root = open(l->ns ? "/" : l->so->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* One page the guest kernel reads and writes to test workload pointers (EFAULT). */
	int probe = memfd_create("kiste-probe", MFD_CLOEXEC);
	/* The trace file's pipe (relay.c), else stderr. */
	int trace = shim_relay_trace_fd(&l->relay);
	int fd, netq;

	/* First: the launcher's pipes may lie at or above GK_FD_LIMIT (relay.c). */
	if (shim_relay_place(&l->relay) < 0)
		goto fail;
	if (trace >= 0)
		trace = fcntl(trace, F_DUPFD_CLOEXEC, 3);
	else
		trace = l->trace_fd >= 0 ? l->trace_fd : 2;
	if (root < 0 || probe < 0 || trace < 0 || ftruncate(probe, 4096) < 0)
		goto fail;
	syscall(SYS_close_range, GK_FD_LIMIT, ~0U, 0);
	if (dup2(root, FD_ROOT) < 0 || dup2(trace, FD_TRACE) < 0 ||
	    (l->kfd >= 0 && dup2(l->kfd, FD_KISTE) < 0) || dup2(probe, GK_FD_PROBE) < 0 ||
	    (l->procfd >= 0 && dup2(l->procfd, GK_FD_PROC) < 0))
		goto fail;
	if (l->kfd < 0 && dup2(root, FD_KISTE) < 0)
		goto fail;
	if (l->procfd < 0 && dup2(root, GK_FD_PROC) < 0)
		goto fail;
	if (dup2(l->locksfd >= 0 ? l->locksfd : root, GK_FD_LOCKS) < 0)
		goto fail;
	if (dup2(l->um.wl_fd >= 0 ? l->um.wl_fd : root, GK_FD_UNIXMED) < 0)
		goto fail;
	netq = l->ns ? socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
	if ((l->ns && netq < 0) || dup2(netq >= 0 ? netq : root, GK_FD_NETQ) < 0)
		goto fail;
	if (netq >= 0)
		close(netq);
	for (fd = GK_FD_PROC + 1; fd < GK_FD_LIMIT; fd++)
		if (fd != GK_FD_UNIXMED && fd != GK_FD_NETQ && dup2(root, fd) < 0)
			goto fail;
	/* The caller's 0..2 and, for an OCI create with --preserve-fds, 3..3+N-1 stay. */
	syscall(SYS_close_range, 3 + (l->oci ? l->oci->preserve_fds : 0), GK_FD_BASE - 1, 0);
	return;
fail:
	kiste_err_set(err, -errno, "cannot set up the guest kernel's descriptors: %s",
		      strerror(errno));
	kiste_child_fail(err);
}

static void fill_boot(struct launch *l)
{
	struct gk_boot *b = &l->boot;
	const struct kiste_run_opts *o = l->o;
	const struct shim_opts *so = l->so;

	b->magic = GK_BOOT_MAGIC;
	b->version = GK_BOOT_VERSION;
	b->flags = (so->trace || so->trace_output ? GK_BOOT_F_TRACE : 0) |
		   (so->trace_summary ? GK_BOOT_F_TRACE_SUM : 0) | (l->kfd >= 0 ? GK_BOOT_F_MODULE : 0) |
		   (so->rw ? GK_BOOT_F_RW : 0) | (l->ns ? GK_BOOT_F_PIDNS : 0) |
		   (l->ns && !l->host_tree ? GK_BOOT_F_UNIX : 0) |
		   (l->um.wl_fd >= 0 ? GK_BOOT_F_UNIXMED : 0);
	b->kiste_fd = l->kfd >= 0 ? FD_KISTE : -1;
	b->root_fd = FD_ROOT;
	b->probe_fd = GK_FD_PROBE;
	b->proc_fd = l->procfd >= 0 ? GK_FD_PROC : -1;
	b->locks_fd = l->locksfd >= 0 ? GK_FD_LOCKS : -1;
	b->argc = o->argc;
	b->argv = o->argv;
	b->envc = l->nenv;
	b->envp = l->env;
	b->cwd = o->cwd ? o->cwd : "/";
	b->uid = o->user_set ? o->uid : 0;
	b->gid = o->user_set ? o->gid : 0;
	if (l->xreq) {
		b->argc = l->xreq->argc;
		b->argv = l->xreq->argv;
		b->envc = l->xreq->envc;
		b->envp = l->xreq->env;
		b->cwd = l->xreq->cwd;
		if (l->xreq->user) {
			b->uid = l->xreq->uid;
			b->gid = l->xreq->gid;
		}
	}
	b->hwcap = getauxval(AT_HWCAP);
	b->hwcap2 = getauxval(AT_HWCAP2);
	b->clktck = getauxval(AT_CLKTCK);
	b->minsigstksz = getauxval(51 /* AT_MINSIGSTKSZ */);
	b->sysinfo_ehdr = getauxval(AT_SYSINFO_EHDR);
	b->memory = o->memory;
	b->cpus = o->cpus_milli ? o->cpus : 0;
	b->cpus_milli = o->cpus_milli;
	b->pids = o->pids_limit;
	b->ninherit = 3 + (l->oci ? l->oci->preserve_fds : 0);
}

/*
 * Where this process's argv strings are (fields 48, 49 of /proc/self/stat):
 * init blanks them, since /proc/1/cmdline needs no permission to read and
 * would tell the workload kiste's host path and every option.
 */
static void find_args(struct launch *l)
{
	char buf[1024], *p;
	unsigned long long v[2];
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the command name may hold spaces and parentheses */
	for (i = 2; p && i < 48; i++)	/* to the space before field 48 */
		p = strchr(p + 1, ' ');
	if (p && sscanf(p, " %llu %llu", &v[0], &v[1]) == 2 && v[0] < v[1]) {
		l->arg_start = v[0];
		l->arg_end = v[1];
	}
}

/*
 * An OCI container's terminal (create's --console-socket; the init made it
 * fd 0): the workload leads a session of its own with it as the controlling
 * terminal, as runc's container process does, so job control and ^C work.
 */
static void console_attach(struct kiste_err *err)
{
	if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0 || dup2(0, 1) < 0 || dup2(0, 2) < 0) {
		kiste_err_set(err, -errno, "cannot make the terminal the container's: %s",
			      strerror(errno));
		kiste_child_fail(err);
	}
}

/*
 * `kiste trace ID on|off`: the switch file, mapped read-only and shared, so a
 * write from outside reaches every guest kernel of the sandbox at once (forks
 * share the page; exec keeps it, as it keeps the vDSO).  Without a free keep
 * slot there is no switch: tracing then stays as the flags say.
 */
static void map_trace_switch(struct launch *l)
{
	struct gk_boot *b = &l->boot;
	void *p;

	b->trace_switch = 0;
	if (l->tracesw_ro < 0 || b->nkeep >= GK_MAX_KEEP)
		return;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, l->tracesw_ro, 0);
	close(l->tracesw_ro);
	l->tracesw_ro = -1;
	if (p == MAP_FAILED)
		return;
	b->trace_switch = (unsigned long)p;
	b->keep[b->nkeep].start = b->trace_switch;
	b->keep[b->nkeep++].end = b->trace_switch + 4096;
}

/*
 * kiste run --name NAME: a switch at RUNDIR/NAME.trace (kiste_trace_run_dir)
 * for `kiste trace NAME on|off`.  A caller without such a folder (no
 * XDG_RUNTIME_DIR) runs without one.
 */
static int run_trace_switch(struct launch *l, struct kiste_err *err)
{
	char dir[PATH_MAX - 80];
	struct stat st;

	if (kiste_trace_run_dir(dir, sizeof(dir)) < 0)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kiste_err_set(err, -errno, "cannot make %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return kiste_err_set(err, -EPERM, "%s is not a folder of yours that only you can "
				     "write: remove it (kiste makes it again)", dir);
	snprintf(l->tracesw_path, sizeof(l->tracesw_path), "%s/%s.trace", dir, l->o->name);
	if (kiste_trace_switch_create(l->tracesw_path, false, &l->tracesw_lock, &l->tracesw_ro,
				      err) < 0) {
		l->tracesw_path[0] = 0;
		return err->code;
	}
	return 0;
}

/* The launcher's end: the switch goes (the init and workloads lost it with the sandbox). */
static void trace_switch_done(struct launch *l)
{
	if (l->tracesw_ro >= 0)
		close(l->tracesw_ro);
	l->tracesw_ro = -1;
	if (l->tracesw_path[0])
		unlink(l->tracesw_path);
	l->tracesw_path[0] = 0;
	if (l->tracesw_lock >= 0)
		close(l->tracesw_lock);
	l->tracesw_lock = -1;
}

/*
 * CAP_NET_ADMIN out of every set of the workload's process (bounding first,
 * while CAP_SETPCAP is still there), as podman's default capabilities leave
 * it out: the sandbox's rtnetlink socket then answers dumps only, refused by
 * the host whatever the guest kernel was made to send (net_policy.h).
 * Without namespaces (@all) every capability goes: root is nobody already
 * (drop_host_root), and an ordinary caller's ambient ones would otherwise
 * reach the host's processes and files.
 */
static int drop_caps(bool all, struct kiste_err *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const unsigned int i = CAP_NET_ADMIN / 32, bit = 1U << (CAP_NET_ADMIN % 32);
	int cap;

	for (cap = all ? 0 : CAP_NET_ADMIN; cap <= (all ? CAP_LAST_CAP : CAP_NET_ADMIN); cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM &&
		    errno != EINVAL)
			return kiste_err_set(err, -errno, "cannot drop capabilities: %s",
					     strerror(errno));
	if (all)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	else
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_ADMIN, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return kiste_err_set(err, -errno, "cannot read capabilities: %s", strerror(errno));
	if (all) {
		memset(d, 0, sizeof(d));
	} else {
		d[i].effective &= ~bit;
		d[i].permitted &= ~bit;
		d[i].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return kiste_err_set(err, -errno, "cannot drop capabilities: %s", strerror(errno));
	return 0;
}

/* The workload process: last host layers, then into the guest kernel for good. */
static void workload_main(struct launch *l)
{
	const char *cwd = l->xreq ? l->xreq->cwd : l->o->cwd;
	struct shim_filter_params fp = { 0 };
	struct kiste_err err = { 0 };
	struct shim_bpf bpf[2];
	sigset_t all;
	char c;
	int sig;

	shim_stats_mark("workload forked");
	/* No workload code runs before init's command line is blank (an exec's: it is). */
	if (!l->xreq) {
		close(l->wiped[1]);
		if (read(l->wiped[0], &c, 1) != 0)
			_exit(KISTE_EXIT_REFUSED);
		close(l->wiped[0]);
	}

	for (sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Its own process group: kill(0, ...) inside never reaches the caller's group. */
	if (l->con_fd >= 0)
		console_attach(&err);
	else
		setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * Not dumpable yet (the init's flag, inherited): this process holds the
	 * init's descriptors and memory until the guest kernel has taken over,
	 * and other workload processes may exist already (kiste exec).  The guest
	 * kernel makes it dumpable at boot, once the launcher's memory is gone
	 * (gk/main.c).
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		kiste_err_set(&err, -errno, "cannot set no_new_privs: %s", strerror(errno));
		kiste_child_fail(&err);
	}
	if (l->o->cwd && !l->ns) {
		/* Not pivoted: the sandbox's paths are still below the rootfs. */
		char host[PATH_MAX * 2];

		snprintf(host, sizeof(host), "%s/%s", l->so->rootfs, l->o->cwd);
		if (chdir(host) < 0) {
			kiste_err_set(&err, -errno, "--cwd %s: %s in the sandbox", l->o->cwd,
				      strerror(errno));
			kiste_child_fail(&err);
		}
	} else if (cwd && chdir(cwd) < 0) {
		kiste_err_set(&err, -errno, "--cwd %s: %s in the sandbox", cwd, strerror(errno));
		kiste_child_fail(&err);
	}
	shim_stats_mark("workload: init's go");
	if (shim_setup_landlock(l->so, l->ns, l->procfd, l->locksfd, &err) < 0)
		kiste_child_fail(&err);
	shim_stats_mark("landlock");
	if (shim_setup_limits(l->o, l->cg.version != 0, &err) < 0)
		kiste_child_fail(&err);
	if (drop_caps(!l->ns, &err) < 0)
		kiste_child_fail(&err);
	map_trace_switch(l);
	place_fds(l, &err);
	fill_boot(l);
	fp.gate_start = l->img.gate_start;
	fp.gate_len = l->img.gate_len;
	fp.root_fd = FD_ROOT;
	fp.proc_fd = l->procfd >= 0 ? GK_FD_PROC : -1;
	fp.locks_fd = l->locksfd >= 0 ? GK_FD_LOCKS : -1;
	fp.image_end = l->img.end;
	fp.kiste_fd = l->kfd >= 0 ? FD_KISTE : -1;
	fp.module = l->kfd >= 0;
	fp.netns = l->ns;
	fp.unix_sockets = !l->host_tree;
	fp.unixmed = l->um.wl_fd >= 0;
	fp.ipcns = l->ns;
	fp.pidns = l->ns;
	fp.rw = l->so->rw;
	/* The ip filter first: once the allowlist's is in, seccomp() itself is killed. */
	if (shim_ipfilter_build(shim_image_fork_ip(&l->img), shim_image_thread_ip(&l->img),
				&bpf[0], &err) < 0 ||
	    shim_filter_build(&fp, &bpf[1], &err) < 0)
		kiste_child_fail(&err);
	shim_stats_detach("seccomp filters built");
	shim_image_enter(&l->img, &l->boot, bpf, 2, &err);
	kiste_child_fail(&err);
}

static void drop_host_root(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
		fprintf(stderr, "kiste: cannot drop host root privileges: %s\n", strerror(errno));
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
	while (read(l->oci->start_fd, &c, 1) != 1)
		if (errno != EINTR)
			_exit(KISTE_EXIT_REFUSED);
	/* From here until the workload's pid is known, signals wait (init_main). */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &l->init_mask);
	oci_waiting = 0;
	close(l->oci->start_fd);
}

/* An OCI init ends as its workload did: the status, or 128+N for signal N. */
static __attribute__((noreturn)) void oci_exit(struct launch *l, int wst)
{
	char what[PATH_MAX + 2];
	struct kiste_run_who who = {
		.what = what,
		.sigsys = "a host syscall outside the allowlist; see 'kiste policy shim'",
		.cg = &l->cg,
	};

	snprintf(what, sizeof(what), "'%s'", l->o->argv[0]);
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
	/* The rest (the request's own numbers, the moved copies) go in place_fds. */
	l->oci->preserve_fds = r->nfds - 3;
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
		if (kiste_console_make("/dev/ptmx", r->rows, r->cols, r->console_sock, &slave,
				       &err) < 0)
			kiste_child_fail(&err);
		if (dup2(slave, 0) < 0)
			_exit(KISTE_EXIT_REFUSED);
		close(slave);
		l->con_fd = 0;
	}
	memset(&l->relay, 0, sizeof(l->relay));
	l->xreq = r;
	workload_main(l);
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
		 * process's signals) before workload_main resets them: blocked
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
static void init_main(struct launch *l, pid_t launcher)
{
	struct kiste_err err = { 0 };
	struct sigaction sa = { .sa_handler = forward };
	struct init_chan ch[INIT_NCHAN] = {
		{ &l->um.fd, init_serve_unixmed, &l->um },
		{ &l->exec.listen_fd, init_serve_exec, &l->exec },
	};
	static struct exec_chan xch[KISTE_EXEC_SESSIONS];
	sigset_t all;
	int st, i;
	const char *hostname;
	pid_t child;
	char c;

	l->um.fd = -1;
	l->um.wl_fd = -1;
	/*
	 * `kiste exec`'s listener (an OCI container's), above the caller's
	 * descriptors the workload keeps (--preserve-fds): place_fds closes it there.
	 */
	shim_exec_srv_init(&l->exec, -1);
	if (l->oci && l->oci->exec_fd >= 0) {
		l->exec.listen_fd = fcntl(l->oci->exec_fd, F_DUPFD_CLOEXEC, 64);
		close(l->oci->exec_fd);
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
	if (l->kfd >= 0 && kiste_dev_attach(l->kfd, 0, &err) < 0)
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
	} else {
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

		if (kiste_console_make("/dev/ptmx", l->con_rows, l->con_cols, l->con_sock, &slave,
				       &err) < 0)
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
		workload_main(l);
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
	st = init_wait(child, &l->exec, ch, INIT_NCHAN);
	if (l->oci)
		oci_exit(l, st);
	if (write(l->status[1], &st, sizeof(st)) != sizeof(st))
		_exit(KISTE_EXIT_REFUSED);
	/* Leftover processes: the pid namespace dies with us; without one, the group. */
	kill(-child, SIGKILL);
	_exit(0);
}

static int write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -errno;
	close(fd);
	return r;
}

/*
 * One id map: the sandbox's 0..SHIM_IDS_SIZE-1 onto the range @base (host
 * root), with 0 onto @owner instead when a user owns the --rootfs (so --rw can
 * write there); a caller without root maps its own id alone.
 */
static void id_map(char *map, size_t n, const struct launch *l, unsigned int self,
		   unsigned int base, unsigned int owner)
{
	if (!l->host_root)
		snprintf(map, n, "0 %u 1\n", self);
	else if (owner)
		snprintf(map, n, "0 %u 1\n1 %u %lu\n", owner, base + 1, SHIM_IDS_SIZE - 1);
	else
		snprintf(map, n, "0 %u %lu\n", base, SHIM_IDS_SIZE);
}

/*
 * Inside, the workload is root of its own user namespace.  Outside it is the
 * caller, or, run as root, the first id of a range no other running sandbox
 * holds (ids.c): never host root, and ordinary ids inside (chown, tar x) are
 * ordinary ids of that range outside; an ordinary caller with a subordinate
 * range gets them from a slice of it (subids.c).
 */
static int map_ids(const struct launch *l, pid_t pid, struct kiste_err *err)
{
	unsigned int uowner = 0, gowner = 0;
	struct stat st;
	char map[128];
	int r = 0;

	/* An ordinary caller's slice of /etc/subuid: only the setuid helpers may map it. */
	if (l->ids.sub)
		return shim_subids_map(&l->ids, pid, err);

	/*
	 * Not an owner inside the pool: that id is some sandbox's (another's, or
	 * one a range this sandbox maps again), so the plain range instead.
	 */
	if (l->host_root && strcmp(l->so->rootfs, "/") && stat(l->so->rootfs, &st) == 0 &&
	    st.st_uid && st.st_gid &&
	    (st.st_uid < l->ids.uid_pool || st.st_uid >= l->ids.uid_pool_end) &&
	    (st.st_gid < l->ids.gid_pool || st.st_gid >= l->ids.gid_pool_end)) {
		uowner = st.st_uid;
		gowner = st.st_gid;
	}
	if (!l->host_root)
		r = write_file(pid, "setgroups", "deny");
	id_map(map, sizeof(map), l, geteuid(), l->ids.uid_base, uowner);
	if (r == 0)
		r = write_file(pid, "uid_map", map);
	id_map(map, sizeof(map), l, getegid(), l->ids.gid_base, gowner);
	if (r == 0)
		r = write_file(pid, "gid_map", map);
	if (r < 0)
		kiste_err_set(err, r, "cannot map the sandbox's user namespace: %s", strerror(-r));
	return r;
}

static int report(const struct launch *l, int cst, int st, bool got, bool timed_out)
{
	char what[PATH_MAX + 2];
	struct kiste_run_who who = {
		.what = what,
		.sigsys = "a host syscall outside the allowlist; see 'kiste policy shim'",
		.cg = &l->cg,
	};

	snprintf(what, sizeof(what), "'%s'", l->o->argv[0]);
	if (timed_out)
		return kiste_exit_timed_out(&who, l->o->timeout_s);
	if (!got) {
		/* The launcher's own child failed before the workload ran (it said why). */
		if (WIFEXITED(cst) && WEXITSTATUS(cst))
			return WEXITSTATUS(cst);
		if (WIFSIGNALED(cst))
			return KISTE_EXIT_SIGNAL + WTERMSIG(cst);
		fprintf(stderr, "kiste: the sandbox ended without a workload status\n");
		return KISTE_EXIT_REFUSED;
	}
	return kiste_exit_from_wait(st, &who);
}

static int supervise(struct launch *l, pid_t child, const sigset_t *set)
{
	bool timed_out, got;
	int cst = 0, st = 0;

	if (shim_relay_active(&l->relay))
		timed_out = shim_relay_supervise(&l->relay, child, set, l->o->timeout_s, &cst);
	else
		timed_out = kiste_run_supervise(child, set, l->o->timeout_s, &cst, NULL);
	got = read(l->status[0], &st, sizeof(st)) == sizeof(st);
	if (l->tty_fg) {
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(l->tty_fd, getpgrp());
	}
	return report(l, cst, st, got, timed_out);
}

/*
 * The sandbox's limits as its cgroup enforces them (none that no cgroup
 * holds): the module shows them and refuses a pids limit its member cap
 * would meet first.
 */
static int open_module(struct launch *l, struct kiste_err *err)
{
	bool cg = l->cg.version != 0;
	struct kiste_sandbox_spec spec = {
		.name = l->o->name, .mode = KISTE_MODE_SHIM, .memory_limit = l->o->memory,
		.pids_limit = cg ? l->o->pids_limit : 0, .cpu_limit = cg ? l->o->cpus_milli : 0,
	};

	return kiste_run_sandbox(&spec, &l->kfd, err);
}

/*
 * The sandbox's first process: in new namespaces, or with
 * --unsafe-no-namespaces a plain child.  A host that refuses namespaces gets
 * no silent fallback (DESIGN.md): the caller must ask for the weaker run.
 */
static pid_t start_sandbox(struct launch *l, struct kiste_err *err)
{
	long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
		     CLONE_NEWNET;
	pid_t child;

	l->ns = !l->so->no_namespaces;
	/* ns:PATH is joined with the caller's rights, then inherited (shim_net_join). */
	if (l->netns_fd >= 0) {
		if (shim_net_join(l->netns_fd, l->o->netns_path, err) < 0)
			return -1;
		flags &= ~CLONE_NEWNET;
	}
	child = l->ns ? (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0) : fork();
	if (child < 0 && l->ns &&
	    (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS))
		kiste_err_set(err, -errno, "this host refuses user namespaces (%s): allow them "
			      "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces), "
			      "or accept a weaker sandbox with --unsafe-no-namespaces",
			      strerror(errno));
	else if (child < 0)
		kiste_err_set(err, -errno, "cannot start the sandbox: %s", strerror(errno));
	return child;
}

/* Everything before the sandbox's first process: checks, environment, module, image, cgroup. */
static int launch_prepare(struct launch *l, const char *cgname, struct kiste_err *err)
{
	const struct kiste_run_opts *o = l->o;
	/*
	 * Every process of the sandbox counts against its --pids-limit, and its
	 * init on top (it is a member for kiste.ko too: see open_module()).
	 */
	struct kiste_cgroup_limits lim = { .memory = o->memory,
					   .pids = o->pids_limit ? o->pids_limit + 1 : 0,
					   .cpus_milli = o->cpus_milli };
	struct stat rst, hst;
	int ret;

	/* Early and clear; shim_setup_mounts checks again what it really mounted. */
	ret = kiste_rootfs_check(l->so->rootfs, l->so->rw, err);
	if (ret < 0)
		return ret;
	/*
	 * The host's own tree holds the host's live sockets (/run, /tmp, homes):
	 * a gate jump with an AF_UNIX socket could connect to them, which seccomp
	 * cannot see, so there are none (README.md, Networking).
	 */
	l->host_tree = stat(l->so->rootfs, &rst) < 0 || stat("/", &hst) < 0 ||
		       (rst.st_dev == hst.st_dev && rst.st_ino == hst.st_ino);
	l->procfd = -1;
	l->locksfd = -1;
	l->netns_fd = -1;
	/*
	 * Host root's rootfs may lie below folders the sandbox's root (no host root)
	 * cannot enter, as podman's storage does: a copy of its mounts made now
	 * is attached inside when its path is out of reach (shim_setup_mounts).
	 * The init closes it after; the launcher once the init has it.
	 */
	l->tree_fd = -1;
	/* Root of this mount namespace's user namespace (host root, or rootless podman's). */
	if (geteuid() == 0 && strcmp(l->so->rootfs, "/"))
		l->tree_fd = (int)syscall(SYS_open_tree, AT_FDCWD, l->so->rootfs,
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	ret = shim_binds_prepare(l->so, geteuid() == 0, l->bind_fds, err);
	if (ret < 0)
		return ret;
	if (o->network == KISTE_NET_NS) {
		l->netns_fd = kiste_netns_open(o->netns_path, err);
		if (l->netns_fd < 0)
			return l->netns_fd;
	}
	signal(SIGPIPE, SIG_IGN);
	l->host_root = kiste_host_root();
	l->ids.lock_fd = -1;
	l->ids.lock2_fd = -1;
	l->trace_fd = -1;
	l->tracesw_lock = -1;
	l->tracesw_path[0] = 0;
	l->tracesw_ro = l->oci && l->oci->trace_switch_fd >= 0 ?
			fcntl(l->oci->trace_switch_fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (!l->oci && l->o->name) {
		ret = run_trace_switch(l, err);
		if (ret < 0)
			return ret;
	}
	/* With the caller's rights, outside the sandbox: the caller's file. */
	if (l->so->trace_output) {
		l->trace_fd = open(l->so->trace_output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				   O_NOCTTY | O_CLOEXEC, 0644);
		if (l->trace_fd < 0)
			return kiste_err_set(err, -errno, "--trace-output %s: %s: give a file you "
					     "may write", l->so->trace_output, strerror(errno));
	}
	if (!l->so->no_namespaces) {
		ret = shim_ids_take(&l->ids, err);
		if (ret < 0)
			return ret;
		shim_stats_mark("subordinate ids taken");
	}
	for (l->tty_fd = 0; l->tty_fd < 3 && !l->oci; l->tty_fd++)
		if (isatty(l->tty_fd) && tcgetpgrp(l->tty_fd) == getpgrp())
			break;
	/* -t: the caller's terminal is not the sandbox's, nor its session. */
	l->tty_fg = !l->oci && !o->tty && l->tty_fd < 3;
	build_env(l);
	shim_stats_mark("checks, binds, env");
	ret = shim_image_map(&l->img, err);
	if (ret == 0)
		ret = shim_image_keep_ranges(&l->boot, err);
	if (ret < 0)
		return ret;
	shim_stats_mark("guest kernel image mapped");
	find_args(l);
	if (pipe2(l->sync, O_CLOEXEC) < 0 || pipe2(l->status, O_CLOEXEC) < 0 ||
	    pipe2(l->wiped, O_CLOEXEC) < 0)
		return kiste_err_set(err, -errno, "pipe: %s", strerror(errno));
	if (cgname)
		ret = kiste_cgroup_create_container(cgname, &lim, &l->cg, err);
	else
		ret = kiste_run_cgroup("shim", o, lim.memory, lim.pids, &l->cg, err);
	shim_stats_mark("cgroup made");
	/* After the cgroup: the module records the limits it enforces (callers remove it). */
	if (ret == 0)
		ret = open_module(l, err);
	shim_stats_mark("module sandbox (if loaded)");
	return ret;
}

/*
 * Starts the sandbox's init, maps its ids and puts it into the cgroup; the
 * init goes on with its setup once this returns.  On failure nothing is left.
 */
static pid_t launch_spawn(struct launch *l, sigset_t *set, struct kiste_err *err)
{
	pid_t self = getpid(), child;
	sigset_t old;
	bool in_cg;
	int ret;

	kiste_test_phase("shim-cgroup");
	kiste_run_block_signals(set, &old);
	/*
	 * v1: the launcher steps into the cgroup for its clone and out again, so
	 * the init is born there.  A task moving itself through "tasks" is the
	 * one move that skips the threadgroup lock, whose write side waits for
	 * an RCU grace period (7-21 ms per start here, serialising concurrent
	 * starts); moving the init by its pid took it.  v2's cgroup.procs takes
	 * it either way: the init is moved after the clone.
	 */
	in_cg = l->cg.version == 1;
	if (in_cg && kiste_cgroup_attach(&l->cg, 0, err) < 0) {
		kiste_cgroup_leave(&l->cg);
		child = -1;
	} else {
		child = start_sandbox(l, err);
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		shim_relay_child(&l->relay);
		init_main(l, self);
	}
	if (in_cg && child > 0 && kiste_cgroup_leave(&l->cg) < 0) {
		kiste_err_set(err, -EIO, "cannot move kiste out of the sandbox's cgroup again "
			      "(%s): is the caller's cgroup still writable?", l->cg.home[0]);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	} else if (in_cg && child < 0) {
		kiste_cgroup_leave(&l->cg);
	}
	close(l->wiped[0]);
	close(l->wiped[1]);
	if (l->netns_fd >= 0)
		close(l->netns_fd);
	l->netns_fd = -1;
	if (l->tree_fd >= 0)
		close(l->tree_fd);
	l->tree_fd = -1;
	shim_binds_close(l->so, l->bind_fds);
	/* -t: the init's end of the terminal's socket (an OCI create's is its caller's). */
	if (!l->oci && l->con_sock >= 0)
		close(l->con_sock);
	if (!l->oci)
		l->con_sock = -1;
	/* The init has its own copy of the trace file (the workload's FD_TRACE), and switch. */
	if (l->trace_fd >= 0)
		close(l->trace_fd);
	l->trace_fd = -1;
	if (l->tracesw_ro >= 0)
		close(l->tracesw_ro);
	l->tracesw_ro = -1;
	if (child < 0)
		return -1;
	kiste_test_phase("shim-init-started");
	shim_stats_mark("clone (namespaces)");
	close(l->status[1]);
	close(l->sync[0]);
	ret = l->ns ? map_ids(l, child, err) : 0;
	shim_stats_mark("ids mapped");
	/* Before the init goes on (sync): its workload reads the plan. */
	if (ret == 0)
		ret = shim_relay_plan(&l->relay, l->ns ? child : 0, l->host_root, err);
	if (ret == 0 && l->cg.version == 2)
		ret = kiste_cgroup_attach(&l->cg, child, err);
	shim_stats_mark("cgroup joined (v2)");
	/* The namespaces exist and the ids are mapped: pasta can join them now. */
	if (ret == 0 && l->o->network == KISTE_NET_PASTA) {
		l->pasta = shim_pasta_start(l->o, child, err);
		if (l->pasta < 0) {
			l->pasta = 0;
			ret = -EIO;
		}
	}
	if (ret == 0 && write(l->sync[1], "g", 1) != 1)
		ret = kiste_err_set(err, -EPIPE, "the sandbox's init died before its setup");
	close(l->sync[1]);
	if (ret < 0) {
		shim_pasta_stop(l->pasta);
		l->pasta = 0;
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return -1;
	}
	return child;
}

int shim_launch(const struct kiste_run_opts *o, const struct shim_opts *so)
{
	static struct launch l;
	struct kiste_err err = { 0 };
	sigset_t set;
	pid_t child;
	int ret;

	memset(&l, 0, sizeof(l));
	l.o = o;
	l.so = so;
	l.con_fd = l.con_sock = -1;
	shim_stats_start();
	if (launch_prepare(&l, NULL, &err) < 0 || shim_relay_prepare(&l.relay, o->tty, &err) < 0 ||
	    (l.trace_fd >= 0 && shim_relay_trace(&l.relay, l.trace_fd, &err) < 0) ||
	    (o->tty && shim_relay_tty(&l.relay, o->interactive, &l.con_sock, &l.con_rows,
				      &l.con_cols, &err) < 0)) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		if (l.con_sock >= 0)
			close(l.con_sock);
		kiste_cgroup_destroy(&l.cg);
		shim_ids_release(&l.ids);
		trace_switch_done(&l);
		return KISTE_EXIT_REFUSED;
	}
	child = launch_spawn(&l, &set, &err);
	if (child < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		kiste_cgroup_destroy(&l.cg);
		shim_ids_release(&l.ids);
		trace_switch_done(&l);
		return KISTE_EXIT_REFUSED;
	}
	/* shim_tty.sh: a workload that ends before the launcher's relay begins. */
	kiste_test_phase("shim-supervise");
	ret = supervise(&l, child, &set);
	shim_stats_mark("workload ran and exited");
	shim_pasta_stop(l.pasta);
	kiste_cgroup_destroy(&l.cg);
	shim_ids_release(&l.ids);
	trace_switch_done(&l);
	shim_stats_mark("cgroup removed");
	shim_stats_print();
	return ret;
}

int shim_oci_create(const struct kiste_run_opts *o, const struct shim_opts *so,
		    struct kiste_oci_launch *ol, struct kiste_err *err)
{
	static struct launch l;
	sigset_t set;
	pid_t child;
	int wst = 0;
	char c;

	memset(&l, 0, sizeof(l));
	l.o = o;
	l.so = so;
	l.oci = ol;
	l.con_fd = ol->console_fd;
	l.con_sock = ol->console_sock;
	l.con_rows = ol->console_rows;
	l.con_cols = ol->console_cols;
	/* pasta would need a process that outlives create: not yet. */
	if (o->network == KISTE_NET_PASTA)
		return kiste_err_set(err, -EINVAL, "--network pasta is not supported for OCI "
				     "containers yet: hand over a namespace (ns:PATH)");
	if (launch_prepare(&l, ol->cgroup_name, err) < 0)
		goto out_cgroup;
	child = launch_spawn(&l, &set, err);
	if (child < 0)
		goto out_cgroup;
	/* The init says it is ready (and waits for start), or dies having said why. */
	if (read(l.status[0], &c, 1) != 1) {
		waitpid(child, &wst, 0);
		/* As runc's create says it, which engines turn into 127 (oci_check_command). */
		if (WIFEXITED(wst) && WEXITSTATUS(wst) == KISTE_EXIT_NOTFOUND)
			kiste_err_set(err, -ENOENT, "exec: \"%s\": no such file or directory",
				      o->argv[0]);
		else
			kiste_err_set(err, -ECHILD, "the container's init failed before it was ready "
				      "(exit %d; its own line above says why)",
				      WIFEXITED(wst) ? WEXITSTATUS(wst) :
				      KISTE_EXIT_SIGNAL + WTERMSIG(wst));
		goto out_cgroup;
	}
	close(l.status[0]);
	if (l.kfd >= 0)
		close(l.kfd);
	/* The init holds the id range from here on. */
	shim_ids_release(&l.ids);
	ol->pid = child;
	ol->cg = l.cg;
	return 0;
out_cgroup:
	kiste_cgroup_destroy(&l.cg);
	shim_ids_release(&l.ids);
	trace_switch_done(&l);
	return err->code ? err->code : -EINVAL;
}
