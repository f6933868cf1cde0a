// SPDX-License-Identifier: GPL-2.0
/* netlink.c - the "kiste" generic-netlink family: policies and handlers. */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/signal.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>

#include "kiste.h"

/* NUL-terminated and at most KISTE_NAME_MAX - 1 characters; see kiste_nl_name() */
#define KISTE_NAME_POLICY { .type = NLA_NUL_STRING, .len = KISTE_NAME_MAX - 1 }

/* Beyond the s16 bound of NLA_POLICY_MAX (6.1's policy takes them non-const); 0 = none */
static struct netlink_range_validation kiste_pids_range __ro_after_init = {
	.max = KISTE_PIDS_LIMIT_MAX,
};

static struct netlink_range_validation kiste_cpu_range __ro_after_init = {
	.max = KISTE_CPU_LIMIT_MAX,
};

/* Attributes NEW does not take have no entry: strict validation refuses them. */
static const struct nla_policy kiste_new_policy[KISTE_A_CPU_LIMIT + 1] = {
	[KISTE_A_NAME] = KISTE_NAME_POLICY,
	[KISTE_A_MODE] = NLA_POLICY_RANGE(NLA_U32, KISTE_MODE_SHIM, KISTE_MODE_MAX),
	[KISTE_A_MEMORY_LIMIT] = { .type = NLA_U64 },
	[KISTE_A_VCPU_LIMIT] = NLA_POLICY_MAX(NLA_U32, KISTE_VCPU_LIMIT_MAX),
	[KISTE_A_FLAGS] = NLA_POLICY_MAX(NLA_U32, 0),
	/* 0 = none; the minimum of a CPU limit and max_members: kiste_sandbox_create() */
	[KISTE_A_PIDS_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32, &kiste_pids_range),
	[KISTE_A_CPU_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32, &kiste_cpu_range),
};

static const struct nla_policy kiste_ref_policy[KISTE_A_NAME + 1] = {
	[KISTE_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KISTE_A_NAME] = KISTE_NAME_POLICY,
};

static const struct nla_policy kiste_kill_policy[KISTE_A_SIGNAL + 1] = {
	[KISTE_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KISTE_A_NAME] = KISTE_NAME_POLICY,
	[KISTE_A_SIGNAL] = NLA_POLICY_RANGE(NLA_U32, 1, _NSIG),
};

int kiste_nl_put_sandbox(struct sk_buff *skb,
			 const struct kiste_sandbox_snap *snap,
			 struct user_namespace *ns)
{
	if (nla_put_u32(skb, KISTE_A_ID, snap->id) ||
	    nla_put_string(skb, KISTE_A_NAME, snap->name) ||
	    nla_put_u32(skb, KISTE_A_MODE, snap->mode) ||
	    nla_put_u32(skb, KISTE_A_STATE, snap->state) ||
	    nla_put_u32(skb, KISTE_A_OWNER_UID,
			from_kuid_munged(ns, snap->owner)) ||
	    nla_put_u64_64bit(skb, KISTE_A_MEMORY_LIMIT, snap->memory_limit,
			      KISTE_A_PAD) ||
	    nla_put_u32(skb, KISTE_A_VCPU_LIMIT, snap->vcpu_limit) ||
	    nla_put_u32(skb, KISTE_A_PIDS_LIMIT, snap->pids_limit) ||
	    nla_put_u32(skb, KISTE_A_CPU_LIMIT, snap->cpu_limit) ||
	    nla_put_u32(skb, KISTE_A_MEMBERS, snap->nr_members) ||
	    nla_put_u32(skb, KISTE_A_MEMBERS_TOTAL, snap->members_total) ||
	    nla_put_u32(skb, KISTE_A_FLAGS, snap->flags) ||
	    nla_put_u64_64bit(skb, KISTE_A_CREATED_NS, snap->created_ns,
			      KISTE_A_PAD) ||
	    nla_put_u64_64bit(skb, KISTE_A_CNT_FORKS, snap->cnt_forks,
			      KISTE_A_PAD) ||
	    nla_put_u64_64bit(skb, KISTE_A_CNT_KILLS, snap->cnt_kills,
			      KISTE_A_PAD) ||
	    nla_put_u64_64bit(skb, KISTE_A_CNT_REFUSED, snap->cnt_refused,
			      KISTE_A_PAD) ||
	    nla_put_u32(skb, KISTE_A_SHIM_ARMED, snap->shim_armed) ||
	    nla_put_u64_64bit(skb, KISTE_A_SHIM_ENOSYS, snap->shim_enosys,
			      KISTE_A_PAD) ||
	    nla_put_u32(skb, KISTE_A_VM_COUNT, snap->vm_count) ||
	    nla_put_u64_64bit(skb, KISTE_A_VM_MEMORY, snap->vm_memory,
			      KISTE_A_PAD) ||
	    nla_put_u32(skb, KISTE_A_VM_VCPUS, snap->vm_vcpus) ||
	    nla_put_u64_64bit(skb, KISTE_A_VM_EXITS, snap->vm_exits,
			      KISTE_A_PAD) ||
	    nla_put_u64_64bit(skb, KISTE_A_VM_GUEST_NS, snap->guest_ns,
			      KISTE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int kiste_nl_reply_sandbox(struct genl_info *info,
				  struct kiste_sandbox *sb, u8 cmd)
{
	struct kiste_sandbox_snap snap;
	struct sk_buff *msg;
	void *hdr;
	int err;

	kiste_sandbox_snapshot(sb, &snap);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kiste_genl_family, 0, cmd);
	if (!hdr) {
		err = -EMSGSIZE;
		goto out_free;
	}
	err = kiste_nl_put_sandbox(msg, &snap, current_user_ns());
	if (err)
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
}

/*
 * The name in @attr, or NULL when it is not exactly one string: the policy
 * only ensures a NUL within the attribute, so "a\0b" would pass as "a".
 */
static const char *kiste_nl_name(const struct nlattr *attr)
{
	const char *name = nla_data(attr);

	if (strnlen(name, nla_len(attr)) + 1 != nla_len(attr) ||
	    !kiste_name_valid(name))
		return NULL;
	return name;
}

/*
 * Finds the sandbox named by KISTE_A_ID or KISTE_A_NAME that the caller may
 * use; returns it referenced or an ERR_PTR with the reason in extack.  One
 * the caller may not use looks like none at all (ENOENT, the same message),
 * so that other users cannot probe which names exist.
 */
static struct kiste_sandbox *kiste_nl_lookup(struct sk_buff *skb,
					     struct genl_info *info)
{
	struct kiste_caller caller;
	struct nlattr *id_attr = info->attrs[KISTE_A_ID];
	struct nlattr *name_attr = info->attrs[KISTE_A_NAME];
	struct kiste_sandbox *sb;

	if (id_attr && name_attr) {
		NL_SET_ERR_MSG(info->extack,
			       "give either a sandbox id or a name, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!id_attr && !name_attr) {
		NL_SET_ERR_MSG(info->extack, "missing sandbox id or name");
		return ERR_PTR(-EINVAL);
	}
	if (name_attr && !kiste_nl_name(name_attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    KISTE_BAD_NAME_MSG);
		return ERR_PTR(-EINVAL);
	}
	if (id_attr)
		sb = kiste_sandbox_find(nla_get_u32(id_attr), NULL);
	else
		sb = kiste_sandbox_find(0, nla_data(name_attr));
	kiste_caller_from_skb(&caller, skb);
	if (sb && !kiste_may_use(sb, &caller)) {
		kiste_sandbox_put(sb);
		sb = NULL;
	}
	if (!sb) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr ?: name_attr,
				    "no such sandbox of yours: see kiste list");
		return ERR_PTR(-ENOENT);
	}
	return sb;
}

static int kiste_nl_sandbox_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiste_sandbox_spec spec = {};
	struct nlattr **attrs = info->attrs;
	struct kiste_caller caller;
	struct kiste_sandbox *sb;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KISTE_A_MODE)) {
		NL_SET_ERR_MSG(info->extack,
			       "missing sandbox mode: use shim, vm or unikernel");
		return -EINVAL;
	}
	spec.mode = nla_get_u32(attrs[KISTE_A_MODE]);
	if (attrs[KISTE_A_NAME]) {
		spec.name = nla_data(attrs[KISTE_A_NAME]);
		/* "" asks for the default name "sb-<id>" */
		if (nla_len(attrs[KISTE_A_NAME]) != 1 &&
		    !kiste_nl_name(attrs[KISTE_A_NAME])) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[KISTE_A_NAME],
					    KISTE_BAD_NAME_MSG);
			return -EINVAL;
		}
	}
	if (attrs[KISTE_A_MEMORY_LIMIT])
		spec.memory_limit = nla_get_u64(attrs[KISTE_A_MEMORY_LIMIT]);
	if (attrs[KISTE_A_VCPU_LIMIT])
		spec.vcpu_limit = nla_get_u32(attrs[KISTE_A_VCPU_LIMIT]);
	if (attrs[KISTE_A_PIDS_LIMIT])
		spec.pids_limit = nla_get_u32(attrs[KISTE_A_PIDS_LIMIT]);
	if (attrs[KISTE_A_CPU_LIMIT])
		spec.cpu_limit = nla_get_u32(attrs[KISTE_A_CPU_LIMIT]);

	kiste_caller_from_skb(&caller, skb);
	err = kiste_sandbox_create(&spec, &caller, &sb, info->extack);
	if (err)
		return err;
	err = kiste_nl_reply_sandbox(info, sb, KISTE_CMD_SANDBOX_NEW);
	/* a creator that cannot learn the id could never delete it */
	if (err)
		kiste_sandbox_delete(sb);
	kiste_sandbox_put(sb);
	return err;
}

static int kiste_nl_sandbox_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiste_sandbox *sb;
	int err;

	sb = kiste_nl_lookup(skb, info);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	err = kiste_nl_reply_sandbox(info, sb, KISTE_CMD_SANDBOX_GET);
	kiste_sandbox_put(sb);
	return err;
}

/* Kept in cb->ctx across the parts of one dump. */
struct kiste_dump_state {
	u64 next_id;
	struct kiste_caller caller;
};

/* Fills one dump entry; may sleep (the snapshot reads VM statistics). */
static int kiste_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			  struct kiste_sandbox *sb)
{
	struct kiste_sandbox_snap snap;
	void *hdr;

	kiste_sandbox_snapshot(sb, &snap);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &kiste_genl_family, NLM_F_MULTI,
			  KISTE_CMD_SANDBOX_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (kiste_nl_put_sandbox(skb, &snap, current_user_ns())) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The rights are decided once, from the request: later parts of the dump
 * run in whichever task reads the socket.
 */
static int kiste_nl_sandbox_get_start(struct netlink_callback *cb)
{
	struct kiste_dump_state *state = (void *)cb->ctx;

	BUILD_BUG_ON(sizeof(*state) > sizeof(cb->ctx));
	state->next_id = 1;
	kiste_caller_from_skb(&state->caller, cb->skb);
	return 0;
}

static int kiste_nl_sandbox_get_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	struct kiste_dump_state *state = (void *)cb->ctx;
	struct kiste_sandbox *sb;
	int err;

	while ((sb = kiste_sandbox_next(state->next_id))) {
		err = 0;
		if (kiste_may_use(sb, &state->caller))
			err = kiste_dump_one(skb, cb, sb);
		if (!err)
			state->next_id = (u64)sb->id + 1;
		kiste_sandbox_put(sb);
		if (err)
			break;
	}
	return skb->len;
}

static int kiste_nl_sandbox_kill_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiste_sandbox *sb;
	int sig = SIGKILL, err;

	if (info->attrs[KISTE_A_SIGNAL])
		sig = nla_get_u32(info->attrs[KISTE_A_SIGNAL]);
	sb = kiste_nl_lookup(skb, info);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	err = kiste_sandbox_signal(sb, sig);
	kiste_sandbox_put(sb);
	if (err == -EPERM) {
		NL_SET_ERR_MSG(info->extack,
			       "not allowed to signal any member: kill(2)'s rules apply (another user's or a setuid process)");
		return err;
	}
	return 0;
}

static int kiste_nl_sandbox_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiste_sandbox *sb;

	sb = kiste_nl_lookup(skb, info);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	kiste_sandbox_delete(sb);
	kiste_sandbox_put(sb);
	return 0;
}

/* Anyone learns the interface version; only an admin the host's object counts. */
static int kiste_nl_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiste_caller caller;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kiste_genl_family, 0,
				KISTE_CMD_STATS);
	if (!hdr)
		goto out_free;
	if (nla_put_u32(msg, KISTE_A_IFACE_VERSION, KISTE_IFACE_VERSION))
		goto out_free;
	kiste_caller_from_skb(&caller, skb);
	if (caller.admin &&
	    (nla_put_u32(msg, KISTE_A_STATS_SANDBOXES,
			 atomic_read(&kiste_nr_sandboxes)) ||
	     nla_put_u32(msg, KISTE_A_STATS_MEMBERS,
			 atomic_read(&kiste_nr_members)) ||
	     nla_put_u32(msg, KISTE_A_STATS_FILES,
			 atomic_read(&kiste_nr_files)) ||
	     nla_put_u32(msg, KISTE_A_STATS_IDS_ISSUED, kiste_ids_issued())))
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops kiste_genl_ops[] = {
	{
		.cmd = KISTE_CMD_SANDBOX_NEW,
		.doit = kiste_nl_sandbox_new_doit,
		.policy = kiste_new_policy,
		.maxattr = ARRAY_SIZE(kiste_new_policy) - 1,
	},
	{
		.cmd = KISTE_CMD_SANDBOX_GET,
		.doit = kiste_nl_sandbox_get_doit,
		.start = kiste_nl_sandbox_get_start,
		.dumpit = kiste_nl_sandbox_get_dumpit,
		.policy = kiste_ref_policy,
		.maxattr = ARRAY_SIZE(kiste_ref_policy) - 1,
	},
	{
		.cmd = KISTE_CMD_SANDBOX_KILL,
		.doit = kiste_nl_sandbox_kill_doit,
		.policy = kiste_kill_policy,
		.maxattr = ARRAY_SIZE(kiste_kill_policy) - 1,
	},
	{
		.cmd = KISTE_CMD_SANDBOX_DEL,
		.doit = kiste_nl_sandbox_del_doit,
		.policy = kiste_ref_policy,
		.maxattr = ARRAY_SIZE(kiste_ref_policy) - 1,
	},
	{
		.cmd = KISTE_CMD_STATS,
		.doit = kiste_nl_stats_doit,
	},
};

static const struct genl_multicast_group kiste_genl_mcgrps[] = {
	{ .name = KISTE_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

/*
 * parallel_ops: requests are not serialized by genl_mutex, so a request that
 * waits (for a sandbox a member is busy with) never holds up another user's
 * generic-netlink requests.  Every handler takes only the module's own
 * locks, none of which a member holds while it sleeps.
 */
struct genl_family kiste_genl_family __ro_after_init = {
	.name = KISTE_GENL_NAME,
	.version = KISTE_GENL_VERSION,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = kiste_genl_ops,
	.n_ops = ARRAY_SIZE(kiste_genl_ops),
	.resv_start_op = KISTE_CMD_SANDBOX_NEW,
	.mcgrps = kiste_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kiste_genl_mcgrps),
};

int kiste_netlink_init(void)
{
	return genl_register_family(&kiste_genl_family);
}

void kiste_netlink_exit(void)
{
	genl_unregister_family(&kiste_genl_family);
}
