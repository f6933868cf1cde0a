// SPDX-License-Identifier: GPL-2.0
// Probes behind `kiste check`: module, KVM, syscall user dispatch, seccomp, Landlock, namespaces.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "check.h"
#include "kiste_run.h"
#include "cli.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF	     0
#endif

static void probe_module(struct check_report *r)
{
	struct kiste_stats st;
	struct kiste_nl *nl;
	struct stat sb;
	uint32_t v;
	int fd;

	r->iface_version = -1;
	if (kiste_nl_open(&nl, NULL) == 0) {
		r->genl = true;
		r->genl_version = kiste_nl_family_version(nl);
		if (kiste_stats_get(nl, &st, NULL) == 0)
			r->iface_version = st.iface_version;
		kiste_nl_close(nl);
	}
	r->dev = stat("/dev/" KISTE_DEVICE_NAME, &sb) == 0;
	fd = kiste_dev_open(NULL);
	if (fd < 0) {
		r->dev_errno = -fd;
		return;
	}
	if (r->iface_version < 0 && kiste_dev_version(fd, &v, NULL) == 0)
		r->iface_version = v;
	close(fd);
}

static void probe_kvm(struct check_report *r)
{
	int fd;

	r->kvm = access("/dev/kvm", F_OK) == 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	r->kvm_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
}

static void probe_seccomp(struct check_report *r)
{
	FILE *f;
	size_t n;

	/* EINVAL means the kernel was built without seccomp; otherwise it reports our mode. */
	r->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	f = fopen("/proc/sys/kernel/seccomp/actions_avail", "re");
	if (!f)
		return;
	n = fread(r->seccomp_actions, 1, sizeof(r->seccomp_actions) - 1, f);
	r->seccomp_actions[n] = '\0';
	r->seccomp_actions[strcspn(r->seccomp_actions, "\n")] = '\0';
	fclose(f);
}

static void probe_landlock(struct check_report *r)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	r->landlock_abi = abi > 0 ? (int)abi : 0;
	r->landlock_errno = abi > 0 ? 0 : errno;
}

/* In a child, so neither the namespace nor the dropped identity touches us. */
static void probe_userns(struct check_report *r)
{
	int status;
	pid_t pid;

	r->userns_as_nobody = geteuid() == 0;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
				       setresuid(65534, 65534, 65534)))
			_exit(2);
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) == pid)
		r->userns = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Shim mode's namespaces (launch.c), as the caller itself: without them it
 * refuses to run unless --unsafe-no-namespaces asks for the weaker sandbox.
 */
/* Where kiste would put a sandbox's cgroup (creating only kiste's parent folder). */
static void probe_cgroup(struct check_report *r)
{
	struct kiste_cgroup cg;
	const char *how = kiste_cgroup_probe(&cg);

	snprintf(r->cgroup, sizeof(r->cgroup), "%s", how ? how : "");
}

static void probe_shim_ns(struct check_report *r)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
			      CLONE_NEWUTS | CLONE_NEWNET) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) == pid)
		r->shim_ns = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void check_probe(struct check_report *r)
{
	memset(r, 0, sizeof(*r));
	probe_module(r);
	probe_kvm(r);
	/* Turning dispatch off is a no-op for us, and fails with EINVAL only when unsupported. */
	r->sud = prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0) == 0;
	probe_seccomp(r);
	probe_landlock(r);
	probe_userns(r);
	probe_shim_ns(r);
	probe_cgroup(r);
}
