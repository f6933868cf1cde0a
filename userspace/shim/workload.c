// SPDX-License-Identifier: GPL-2.0
// workload.c - shim mode's workload process: descriptors, boot block, caps, filters, guest kernel.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "allowlist.h"
#include "launch_int.h"

#define FD_ROOT GK_FD_ROOT
#define FD_TRACE GK_FD_TRACE
#define FD_KISTE GK_FD_KISTE

/* The caller's descriptors the workload keeps: 0-2 and --preserve-fds' (a create's, an exec's). */
static int inherited(const struct launch *l)
{
	if (l->xreq)
		return l->xreq->nfds;
	return 3 + (l->oci ? l->oci->preserve_fds : 0);
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
	    (l->kfd >= 0 && dup2(l->arm_fd >= 0 ? l->arm_fd : l->kfd, FD_KISTE) < 0) ||
	    dup2(probe, GK_FD_PROBE) < 0 ||
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
	syscall(SYS_close_range, (unsigned int)inherited(l), GK_FD_BASE - 1, 0);
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
		   (l->um.wl_fd >= 0 ? GK_BOOT_F_UNIXMED : 0) | (so->no_patch ? GK_BOOT_F_NOPATCH : 0) |
		   (l->oci && l->oci->pid1 && !l->xreq ? GK_BOOT_F_INIT : 0) |
		   (l->oci && l->oci->pid1 ? GK_BOOT_F_INIT_NS : 0) |
		   ((getauxval(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */) ? GK_BOOT_F_FSGSBASE : 0);
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
	b->ninherit = inherited(l);
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
void launch_workload_main(struct launch *l)
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
	/*
	 * An OCI container's pid 1 ignores what it leaves at SIG_DFL from its first
	 * instant, as runc's: its signals wait, blocked, until the guest kernel has
	 * the host ignore those (gk_sig_boot, which drops any pending) and its
	 * first frame's empty mask lets the others in.
	 */
	if (l->oci && l->oci->pid1 && !l->xreq)
		sigfillset(&all);
	else
		sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	kiste_test_phase("shim-workload-signals");
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
	if (cwd && !l->ns) {
		/* Not pivoted: the sandbox's paths are still below the rootfs. */
		char host[PATH_MAX * 2];

		snprintf(host, sizeof(host), "%s/%s", l->so->rootfs, cwd);
		if (chdir(host) < 0) {
			kiste_err_set(&err, -errno, "--cwd %s: %s in the sandbox", cwd,
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
