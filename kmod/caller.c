// SPDX-License-Identifier: GPL-2.0
/* caller.c - who is asking: identity and rights, decided once per request. */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <net/sock.h>

#include "kiste.h"

static bool kiste_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->egid, gid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++) {
		if (gid_eq(gi->gid[i], gid))
			return true;
	}
	return false;
}

/*
 * A request counts with the rights that both the task sending it and the
 * task that opened the socket or file have: a privileged program tricked
 * into writing to someone else's descriptor must not lend its rights
 * (the CVE-2014-0181 pattern).
 */
static void kiste_caller_init(struct kiste_caller *c, const struct file *file)
{
	const struct cred *ocred = file ? file->f_cred : NULL;
	int gid = READ_ONCE(kiste_create_gid);
	kgid_t kgid = INVALID_GID;

	c->euid = current_euid();
	if (!ocred || !uid_eq(ocred->euid, c->euid))
		c->euid = INVALID_UID;
	c->admin = file && file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) &&
		   ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
	if (gid >= 0)
		kgid = make_kgid(&init_user_ns, gid);
	c->may_create = c->admin ||
		(gid_valid(kgid) && uid_valid(c->euid) && in_egroup_p(kgid) &&
		 kiste_cred_in_group(ocred, kgid));
}

void kiste_caller_from_file(struct kiste_caller *c, const struct file *file)
{
	kiste_caller_init(c, file);
}

void kiste_caller_from_skb(struct kiste_caller *c, const struct sk_buff *skb)
{
	struct sock *sk = NETLINK_CB(skb).sk;

	kiste_caller_init(c, sk && sk->sk_socket ? sk->sk_socket->file : NULL);
}

/* Inspect, signal, attach to and delete: the owner or CAP_SYS_ADMIN. */
bool kiste_may_use(const struct kiste_sandbox *sb, const struct kiste_caller *c)
{
	return c->admin || (uid_valid(c->euid) && uid_eq(sb->owner, c->euid));
}
