/* SPDX-License-Identifier: GPL-2.0 */
/* kt_freezer.h - a cgroup v1 freezer that holds a killed member, and so its sandbox, dying. */
#ifndef KT_FREEZER_H
#define KT_FREEZER_H

#include <sys/types.h>

/*
 * A frozen task does not act on SIGKILL until thawed, which holds a deleted
 * sandbox in the dying state for as long as a test needs.  Zero-initialise;
 * kt_frz_cleanup() is safe on one that was never set up.
 */
struct kt_freezer {
	char root[128]; /* the freezer hierarchy's mount, "" when none */
	char grp[192];	/* this process's group in it */
};

/* Mounts the freezer and makes a group; -errno when the kernel has no cgroup v1 freezer. */
int kt_frz_setup(struct kt_freezer *f);
/* Moves @pid into the group and freezes it; -ETIMEDOUT if it does not reach FROZEN. */
int kt_frz_freeze(struct kt_freezer *f, pid_t pid);
void kt_frz_thaw(struct kt_freezer *f);
/* Thaws, removes the group once its tasks are reaped, unmounts. */
void kt_frz_cleanup(struct kt_freezer *f);

#endif /* KT_FREEZER_H */
