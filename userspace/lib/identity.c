// SPDX-License-Identifier: GPL-2.0
// identity.c - whether kiste runs as the host's root, or as root of a user namespace (rootless).
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libkiste.h"

/*
 * Root of the initial user namespace: its uid_map maps every id onto itself.
 * Rootless podman runs its runtime as root of a namespace of the user's own,
 * where the host's /run/kiste is nobody's and no id range outside the user's
 * own can be mapped: that is an ordinary caller (main.c's --root, ids.c, trace_switch.c).
 */
bool kiste_host_root(void)
{
	static int known = -1;
	unsigned long inside, outside, count;
	FILE *f;

	if (known >= 0)
		return known;
	known = 0;
	if (geteuid() != 0)
		return false;
	f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return (known = 1);	/* no /proc: no way to be in another namespace's view */
	if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && !inside && !outside &&
	    count == 4294967295UL)
		known = 1;
	fclose(f);
	return known;
}

/*
 * Host root's identity given up for nobody's, groups and all (workloads with
 * no user namespace of their own: shim's --unsafe-no-namespaces, unikernels):
 * every capability goes with it.  0, or -errno.
 */
int kiste_caps_clear(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int kiste_become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(KISTE_NOBODY, KISTE_NOBODY, KISTE_NOBODY) < 0 ||
	    setresuid(KISTE_NOBODY, KISTE_NOBODY, KISTE_NOBODY) < 0)
		return -errno;
	return 0;
}

int kiste_unprivileged(struct kiste_err *err)
{
	pid_t parent = getppid();
	int pdeath = 0, r;

	if (prctl(PR_GET_PDEATHSIG, &pdeath) < 0)
		pdeath = 0;
	if (kiste_host_root()) {
		r = kiste_become_nobody();
		if (r < 0)
			return kiste_err_set(err, r, "cannot drop host root privileges: %s",
					     strerror(-r));
	}
	r = kiste_caps_clear();
	if (r < 0)
		return kiste_err_set(err, r, "cannot drop capabilities: %s", strerror(-r));
	if (pdeath && (prctl(PR_SET_PDEATHSIG, pdeath) < 0 || getppid() != parent))
		return kiste_err_set(err, -ESRCH, "the launcher is gone");
	return 0;
}
