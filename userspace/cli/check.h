/* SPDX-License-Identifier: GPL-2.0 */
/* check.h - the host facts `kiste check` reports, gathered by safe probes. */
#ifndef KISTE_CLI_CHECK_H
#define KISTE_CLI_CHECK_H

#include <stdbool.h>

struct check_report {
	bool genl; /* the "kiste" genl family resolves */
	unsigned int genl_version;
	bool dev;	    /* /dev/kiste exists */
	int dev_errno;	    /* why opening it failed, 0 if it opened */
	long iface_version; /* from STATS or KISTE_IOC_VERSION, -1 unknown */
	bool kvm;	    /* /dev/kvm exists */
	int kvm_errno;	    /* why opening it failed, 0 if it opened */
	bool sud;	    /* PR_SET_SYSCALL_USER_DISPATCH accepted */
	bool seccomp;	    /* PR_GET_SECCOMP works */
	char seccomp_actions[256];
	int landlock_abi; /* 0: none */
	int landlock_errno;
	bool userns;	       /* an unprivileged user could unshare(CLONE_NEWUSER) */
	bool userns_as_nobody; /* the probe dropped root to uid 65534 first */
	bool shim_ns;	       /* the caller can create shim mode's namespaces */
	char cgroup[64];       /* the hierarchy sandboxes' limits use; "" when none */
};

void check_probe(struct check_report *r);

#endif /* KISTE_CLI_CHECK_H */
