// SPDX-License-Identifier: GPL-2.0
/* events.c - notifications on the "events" multicast group. */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>

#include "kiste.h"

/*
 * Events are sent from the fork and exit tracepoints, so they are built
 * with GFP_ATOMIC and only when someone listens.  They go to the initial
 * network namespace only: the group needs CAP_SYS_ADMIN there.
 */
/* EVENT ID MODE OWNER_UID|PID PARENT_PID EXIT_STATUS, and NAME */
#define KISTE_EVENT_SIZE \
	(6 * nla_total_size(sizeof(u32)) + nla_total_size(KISTE_NAME_MAX))

static struct sk_buff *kiste_event_new(u32 type, struct kiste_sandbox *sb,
				       void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&kiste_genl_family, &init_net, 0))
		return NULL;
	skb = genlmsg_new(KISTE_EVENT_SIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &kiste_genl_family, 0, KISTE_CMD_EVENT);
	if (!*hdr)
		goto out_free;
	if (nla_put_u32(skb, KISTE_A_EVENT, type) ||
	    nla_put_u32(skb, KISTE_A_ID, sb->id) ||
	    nla_put_string(skb, KISTE_A_NAME, sb->name) ||
	    nla_put_u32(skb, KISTE_A_MODE, sb->mode))
		goto out_free;
	return skb;

out_free:
	nlmsg_free(skb);
	return NULL;
}

static void kiste_event_send(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&kiste_genl_family, skb, 0, 0, GFP_ATOMIC);
}

void kiste_event_sandbox(u32 type, struct kiste_sandbox *sb)
{
	struct sk_buff *skb;
	void *hdr;

	skb = kiste_event_new(type, sb, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, KISTE_A_OWNER_UID,
			from_kuid_munged(&init_user_ns, sb->owner))) {
		nlmsg_free(skb);
		return;
	}
	kiste_event_send(skb, hdr);
}

/* An event about @sb from task @pid (0: none). */
void kiste_event_pid(u32 type, struct kiste_sandbox *sb, pid_t pid)
{
	struct sk_buff *skb;
	void *hdr;

	skb = kiste_event_new(type, sb, &hdr);
	if (!skb)
		return;
	if (pid && nla_put_u32(skb, KISTE_A_PID, pid)) {
		nlmsg_free(skb);
		return;
	}
	kiste_event_send(skb, hdr);
}

void kiste_event_member(u32 type, struct kiste_sandbox *sb,
			struct task_struct *task, struct task_struct *parent,
			const u32 *status)
{
	struct sk_buff *skb;
	void *hdr;

	skb = kiste_event_new(type, sb, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, KISTE_A_PID, task_pid_nr(task)) ||
	    (parent && nla_put_u32(skb, KISTE_A_PARENT_PID,
				   task_pid_nr(parent))) ||
	    (status && nla_put_u32(skb, KISTE_A_EXIT_STATUS, *status))) {
		nlmsg_free(skb);
		return;
	}
	kiste_event_send(skb, hdr);
}
