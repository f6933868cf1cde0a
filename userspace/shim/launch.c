// SPDX-License-Identifier: GPL-2.0
// launch.c - shim mode's launcher: checks, namespaces, id maps, supervision.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "launch_int.h"

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
 * kiste run --name NAME, with the name's lock held (NAME.trace): `kiste exec
 * NAME`'s socket and the exec'd processes' defaults (run_exec.c), the
 * workload's environment, --cwd and --user; the init serves the socket as
 * an OCI container's.  Without namespaces there is no init to serve it.
 */
static int run_exec_publish(struct launch *l, struct kiste_err *err)
{
	struct kiste_run_exec_defaults d = {
		.cwd = l->o->cwd ? l->o->cwd : "/", .env = l->env, .nenv = (size_t)l->nenv,
		.user_set = l->o->user_set, .uid = l->o->uid, .gid = l->o->gid,
	};

	if (l->so->no_namespaces)
		return 0;
	l->rexec_fd = kiste_run_exec_publish(l->o->name, &d, err);
	if (l->rexec_fd < 0) {
		l->rexec_fd = -1;
		return err->code;
	}
	l->rexec = true;
	return 0;
}

/*
 * kiste run --name NAME: a switch at RUNDIR/NAME.trace (kiste_trace_run_dir)
 * for `kiste trace NAME on|off`.  A caller without such a folder (no
 * XDG_RUNTIME_DIR) runs without one.
 */
static int run_trace_switch(struct launch *l, struct kiste_err *err)
{
	if (kiste_run_name_claim(l->o->name, l->tracesw_path, sizeof(l->tracesw_path),
				 &l->tracesw_lock, &l->tracesw_ro, err) < 0)
		return err->code;
	return l->tracesw_lock < 0 ? 0 : run_exec_publish(l, err);
}

/* The launcher's end: the switch goes (the init and workloads lost it with the sandbox). */
static void trace_switch_done(struct launch *l)
{
	if (l->rexec_fd >= 0)
		close(l->rexec_fd);
	l->rexec_fd = -1;
	/* Before the lock goes: a next run of the name makes its own. */
	if (l->rexec)
		kiste_run_exec_unpublish(l->o->name);
	l->rexec = false;
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
 * root); a caller without root maps its own id alone.
 */
static void id_map(char *map, size_t n, const struct launch *l, unsigned int self,
		   unsigned int base)
{
	if (!l->host_root)
		snprintf(map, n, "0 %u 1\n", self);
	else
		snprintf(map, n, "0 %u %lu\n", base, SHIM_IDS_SIZE);
}

/*
 * Inside, the workload is root of its own user namespace.  Outside it is the
 * caller, or, run as root, the first id of a range no other running sandbox
 * holds (ids.c): never host root, and ordinary ids inside (chown, tar x) are
 * ordinary ids of that range outside; an ordinary caller with a subordinate
 * range gets them from a slice of it (subids.c).  Run as root, whoever owns
 * the --rootfs changes nothing: mapping its owner would make the sandbox a
 * real host user (an OCI image's "./" picks it), shared by every sandbox of
 * that rootfs; an OCI engine's own maps are taken (shim_ids_engine_maps).
 */
static int map_ids(const struct launch *l, pid_t pid, struct kiste_err *err)
{
	char umap[SHIM_MAP_TEXT], gmap[SHIM_MAP_TEXT];
	int r = 0;

	/* An ordinary caller's slice of /etc/subuid: only the setuid helpers may map it. */
	if (l->ids.sub)
		return shim_subids_map(&l->ids, pid, err);
	r = shim_ids_engine_maps(&l->ids, l->oci, l->host_root, umap, gmap, err);
	if (r < 0)
		return r;
	if (r == 0) {
		id_map(umap, sizeof(umap), l, geteuid(), l->ids.uid_base);
		id_map(gmap, sizeof(gmap), l, getegid(), l->ids.gid_base);
	}
	r = l->host_root ? 0 : write_file(pid, "setgroups", "deny");
	if (r == 0)
		r = write_file(pid, "uid_map", umap);
	if (r == 0)
		r = write_file(pid, "gid_map", gmap);
	if (r < 0)
		kiste_err_set(err, r, "cannot map the sandbox's user namespace: %s", strerror(-r));
	return r;
}

void launch_who(const struct launch *l, struct kiste_run_who *who, char *what, size_t n)
{
	*who = (struct kiste_run_who){
		.what = what,
		.sigsys = "a host syscall outside the allowlist; see 'kiste policy shim'",
		.cg = &l->cg,
	};
	snprintf(what, n, "'%s'", l->o->argv[0]);
}

static int report(const struct launch *l, int cst, int st, bool got, bool timed_out)
{
	char what[PATH_MAX + 2];
	struct kiste_run_who who;

	launch_who(l, &who, what, sizeof(what));
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
		.name = l->oci ? l->oci->sandbox_name : l->o->name, .name_optional = l->oci != NULL,
		.mode = KISTE_MODE_SHIM, .memory_limit = l->o->memory,
		.pids_limit = cg ? l->o->pids_limit : 0, .cpu_limit = cg ? l->o->cpus_milli : 0,
	};
	int ret = kiste_run_sandbox(&spec, &l->kfd, err);

	/*
	 * The sandbox ends with the last close of the descriptor that created
	 * it: in kiste run that is the launcher's alone, so the workload arms
	 * through one that created nothing (a copy of it in every workload
	 * process kept the sandbox alive past the launcher's death, to the
	 * fallbacks).  An OCI container lives as long as its processes, as
	 * runc's: its workload keeps the creating one, create having exited.
	 */
	l->arm_fd = -1;
	if (ret == 0 && l->kfd >= 0 && !l->oci) {
		l->arm_fd = kiste_dev_open(err);
		if (l->arm_fd < 0)
			return l->arm_fd;
	}
	return ret;
}

/*
 * The sandbox's first process: in new namespaces, or with
 * --unsafe-no-namespaces a plain child.  A host that refuses namespaces gets
 * no silent fallback (DESIGN.md): the caller must ask for the weaker run.
 */
/*
 * clone with @flags (fork without namespaces); on cgroup v2 straight into the
 * sandbox's cgroup (CLONE_INTO_CGROUP, Linux 5.7): a move by pid afterwards
 * writes cgroup.procs, which waits for an RCU grace period.  *@born_in says
 * whether it did; when the kernel refuses that form (an older kernel, a
 * cgroup it will not clone into), a plain clone follows, and its own error,
 * or the move after it, is what the caller reports.
 */
static pid_t clone_sandbox(unsigned long flags, const struct kiste_cgroup *cg, bool *born_in)
{
	struct clone_args ca = { .flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	long child = -1;
	int fd;

	*born_in = false;
	if (cg->version == 2) {
		fd = open(cg->dir[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			ca.cgroup = (__u64)fd;
			child = syscall(SYS_clone3, &ca, sizeof(ca));
			close(fd);
			if (child >= 0) {
				*born_in = true;
				return (pid_t)child;
			}
		}
	}
	return flags ? (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0) : fork();
}

/* Run as root with namespaces: owner_clone makes the init (its user namespace's owner). */
static bool owner_path(const struct launch *l)
{
	return l->ns && l->host_root && !l->ids.sub;
}

/* What owner_clone's helper tells the launcher: the init's pid, or why there is none. */
struct owner_report {
	pid_t pid;
	bool born_in;
	int clone_errno;	/* clone's failure, told by start_sandbox as its own */
	struct kiste_err err;	/* any other failure, in its own words */
};

/* The helper's effective ids become the namespace's owner's (ids.c), its capabilities kept. */
static int owner_ids(const struct launch *l, struct kiste_err *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	unsigned int i;

	if (setresgid(-1, l->ids.owner_gid, -1) < 0 || setresuid(-1, l->ids.owner_uid, -1) < 0)
		return kiste_err_set(err, -errno, "cannot take the sandbox's host ids: %s",
				     strerror(errno));
	/* An effective id other than 0 cleared the effective set; the permitted one stays. */
	if (syscall(SYS_capget, &h, d) < 0)
		return kiste_err_set(err, -errno, "capget: %s", strerror(errno));
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].effective = d[i].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return kiste_err_set(err, -errno, "capset: %s", strerror(errno));
	return 0;
}

/*
 * Run as root, the sandbox's user namespace is made by an id of the pool's
 * first slot, which no sandbox maps (ids.c), not by host root.  The kernel
 * charges the per-user budgets (inotify instances, POSIX message-queue bytes,
 * pending signals, user namespaces) that the sandbox's users hold to the
 * namespace's owner at the host's level too: owned by host root, every
 * root-launched sandbox drew on root's own (fs.inotify.max_user_instances,
 * 128: a sandbox holding them left host root's services none) and on each
 * other's.  A helper forked for it joins the module's sandbox (the module
 * checks the launcher's credentials, which it still has), steps into a v1
 * cgroup, takes the owner's ids as its effective ones with its capabilities
 * kept (the cgroup a v2 clone goes into is root's), and clones the init as
 * the launcher's child (CLONE_PARENT), whose ids the launcher maps as before;
 * it reports the init's pid, or why there is none, and ends.  Returns as
 * clone_sandbox: 0 in the init; -1 with errno, or with @worded set when @err
 * holds the helper's own line.
 */
static pid_t owner_clone(struct launch *l, unsigned long flags, bool *born_in,
			 bool *worded, struct kiste_err *err)
{
	struct owner_report r = { .pid = -1 };
	struct kiste_err ignored = { 0 };
	int p[2], st, e;
	bool v1_in = false;
	pid_t h, c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;	/* errno: start_sandbox's words */
	h = fork();
	e = errno;
	if (h == 0) {
		close(p[0]);
		if (l->kfd >= 0 && kiste_dev_attach(l->kfd, 0, &r.err) < 0)
			goto report;
		l->attached = true;
		/* v1: the helper steps into the cgroup (launch_spawn), the init is born there. */
		v1_in = l->cg.version == 1 && kiste_cgroup_attach(&l->cg, 0, &ignored) == 0;
		if (owner_ids(l, &r.err) < 0)
			goto report;
		c = clone_sandbox(flags | CLONE_PARENT, &l->cg, &r.born_in);
		r.born_in = r.born_in || v1_in;
		if (c == 0) {
			close(p[1]);
			return 0;
		}
		r.pid = c;
		r.clone_errno = c < 0 ? errno : 0;
report:
		n = write(p[1], &r, sizeof(r));
		_exit(n == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	n = h > 0 ? read(p[0], &r, sizeof(r)) : -1;
	close(p[0]);
	if (h < 0) {
		errno = e;
		return -1;
	}
	while (waitpid(h, &st, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(r)) {
		kiste_err_set(err, -EIO, "cannot start the sandbox: its helper ended early");
		*worded = true;
		return -1;
	}
	*born_in = r.born_in;
	if (r.pid < 0 && !r.clone_errno) {
		*err = r.err;
		*worded = true;
	}
	errno = r.clone_errno;
	return r.pid;
}

static pid_t start_sandbox(struct launch *l, bool *born_in, struct kiste_err *err)
{
	long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
		     CLONE_NEWNET;
	bool worded = false;
	pid_t child;

	/* ns:PATH is joined with the caller's rights, then inherited (shim_net_join). */
	if (l->netns_fd >= 0) {
		if (shim_net_join(l->netns_fd, l->o->netns_path, err) < 0)
			return -1;
		flags &= ~CLONE_NEWNET;
	}
	if (owner_path(l))
		child = owner_clone(l, flags, born_in, &worded, err);
	else
		child = clone_sandbox(l->ns ? flags : 0, &l->cg, born_in);
	if (child < 0 && worded)
		return child;	/* owner_clone's helper, in its own words */
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
					   .pids = o->pids_limit ? o->pids_limit + 1 +
						   (o->network == KISTE_NET_PASTA) : 0,
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
	if (geteuid() == 0 && !l->host_tree)
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
	l->rexec_fd = -1;
	l->arm_fd = -1;
	l->tracesw_ro = l->oci && l->oci->trace_switch_fd >= 0 ?
			fcntl(l->oci->trace_switch_fd, F_DUPFD_CLOEXEC, 3) : -1;
	/* Before the name's files: kiste exec NAME's processes get it too. */
	build_env(l);
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
		char umap[SHIM_MAP_TEXT], gmap[SHIM_MAP_TEXT];

		ret = shim_ids_take(&l->ids, err);
		/* An engine's maps refused now, before any process: one line, nothing left. */
		if (ret == 0)
			ret = shim_ids_engine_maps(&l->ids, l->oci, l->host_root, umap, gmap,
						   err);
		if (ret < 0)
			return ret;
		shim_stats_mark("subordinate ids taken");
	}
	for (l->tty_fd = 0; l->tty_fd < 3 && !l->oci; l->tty_fd++)
		if (isatty(l->tty_fd) && tcgetpgrp(l->tty_fd) == getpgrp())
			break;
	/* -t: the caller's terminal is not the sandbox's, nor its session. */
	l->tty_fg = !l->oci && !o->tty && l->tty_fd < 3;
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
	bool in_cg, born_in = false;
	int ret;

	kiste_test_phase("shim-cgroup");
	kiste_run_block_signals(set, &old);
	l->ns = !l->so->no_namespaces;
	/*
	 * v1: the launcher steps into the cgroup for its clone and out again, so
	 * the init is born there.  A task moving itself through "tasks" is the
	 * one move that skips the threadgroup lock, whose write side waits for
	 * an RCU grace period (7-21 ms per start here, serialising concurrent
	 * starts); moving the init by its pid took it.  v2's cgroup.procs takes
	 * it either way: there the init is cloned into the cgroup (clone_sandbox).
	 * A caller whose own tasks files it may not write (a directory delegated
	 * without them) could not step out: its init is moved by pid, as before.
	 */
	in_cg = l->cg.version == 1 && !owner_path(l) && kiste_cgroup_can_leave(&l->cg);
	if (in_cg && kiste_cgroup_attach(&l->cg, 0, err) < 0) {
		kiste_cgroup_leave(&l->cg);
		child = -1;
	} else {
		child = start_sandbox(l, &born_in, err);
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		shim_relay_child(&l->relay);
		launch_init_main(l, self);
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
	/* `kiste exec NAME`'s listener is the init's alone, and so is the workload's /dev/kiste. */
	if (l->rexec_fd >= 0)
		close(l->rexec_fd);
	l->rexec_fd = -1;
	if (l->arm_fd >= 0)
		close(l->arm_fd);
	l->arm_fd = -1;
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
	/* kiste exec NAME's relay reads the same maps (before the init serves it). */
	if (ret == 0 && l->rexec)
		kiste_run_exec_publish_init(l->o->name, child);
	if (ret == 0 && l->cg.version && !in_cg && !born_in)
		ret = kiste_cgroup_attach(&l->cg, child, err);
	shim_stats_mark("cgroup joined (by pid: v2 on older kernels, v1 without own tasks)");
	/* The namespaces exist and the ids are mapped: pasta can join them now. */
	if (ret == 0 && l->o->network == KISTE_NET_PASTA) {
		l->pasta = shim_pasta_start(l->o, child, &l->cg, err);
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
	l.rexec_fd = -1;
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
	l.rexec_fd = -1;
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
