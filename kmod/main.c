// SPDX-License-Identifier: GPL-2.0
/* main.c - kiste.ko: module parameters, init and exit in registration order. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>

#include "kiste.h"

int kiste_create_gid;
module_param_named(create_gid, kiste_create_gid, int, 0644);
MODULE_PARM_DESC(create_gid,
		 "group (besides CAP_SYS_ADMIN) allowed to create sandboxes; -1: none");

unsigned int kiste_max_sandboxes_per_uid = 64;
module_param_named(max_sandboxes_per_uid, kiste_max_sandboxes_per_uid, uint, 0644);
MODULE_PARM_DESC(max_sandboxes_per_uid, "live sandboxes one uid may own");

/* A bound on the registry so that linear lookups stay cheap. */
unsigned int kiste_max_sandboxes = 4096;
module_param_named(max_sandboxes, kiste_max_sandboxes, uint, 0644);
MODULE_PARM_DESC(max_sandboxes, "live sandboxes in total");

/*
 * A host-wide backstop, not the sandbox's process limit: that is the
 * launcher's pids cgroup (--pids-limit, 2048 by default), which refuses a
 * fork with EAGAIN, and a pids limit must stay below this (E2BIG at
 * create).  8192 leaves room to raise --pids-limit fourfold without tuning
 * the module, while one sandbox without a cgroup still cannot take more
 * than a quarter of the smallest default pid_max (32768).
 */
unsigned int kiste_max_members = 8192;
module_param_named(max_members, kiste_max_members, uint, 0644);
MODULE_PARM_DESC(max_members,
		 "member tasks per sandbox, a backstop above every pids limit; a fork beyond it is killed");

atomic_t kiste_nr_sandboxes = ATOMIC_INIT(0);
atomic_t kiste_nr_members = ATOMIC_INIT(0);
atomic_t kiste_nr_files = ATOMIC_INIT(0);

static int __init kiste_init(void)
{
	int err;

	err = kiste_member_init();
	if (err)
		return err;

	err = kiste_netlink_init();
	if (err)
		goto out_member;

	err = kiste_dev_init();
	if (err)
		goto out_netlink;

	kiste_selftest_broken();
	WRITE_ONCE(kiste_ready, true);
	pr_info("interface version %d loaded\n", KISTE_IFACE_VERSION);
	return 0;

out_netlink:
	kiste_netlink_exit();
out_member:
	kiste_member_exit();
	return err;
}

/*
 * Every sandbox and every open /dev/kiste pins the module, so nothing is
 * left here but the registrations; undo them in reverse order.
 */
static void __exit kiste_exit(void)
{
	kiste_dev_exit();
	kiste_netlink_exit();
	kiste_member_exit();
	/* member records are freed with kfree_rcu() */
	rcu_barrier();
	kiste_kvm_exit();
}

module_init(kiste_init);
module_exit(kiste_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kiste sandbox registry, membership and teardown");
MODULE_AUTHOR("kiste developers");
