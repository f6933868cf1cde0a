// SPDX-License-Identifier: GPL-2.0
// Sandbox registry operations over generic netlink: new, get, resolve, list, kill, delete, stats.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "internal.h"

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static void info_from_attrs(struct nlattr **tb, struct kiste_sandbox_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = get_u32(tb, KISTE_A_ID);
	kiste_nl_copy_name(info->name, tb[KISTE_A_NAME]);
	info->mode = get_u32(tb, KISTE_A_MODE);
	info->state = get_u32(tb, KISTE_A_STATE);
	info->owner_uid = get_u32(tb, KISTE_A_OWNER_UID);
	info->memory_limit = get_u64(tb, KISTE_A_MEMORY_LIMIT);
	info->vcpu_limit = get_u32(tb, KISTE_A_VCPU_LIMIT);
	info->pids_limit = get_u32(tb, KISTE_A_PIDS_LIMIT);
	info->cpu_limit = get_u32(tb, KISTE_A_CPU_LIMIT);
	info->members = get_u32(tb, KISTE_A_MEMBERS);
	info->members_total = get_u32(tb, KISTE_A_MEMBERS_TOTAL);
	info->flags = get_u32(tb, KISTE_A_FLAGS);
	info->created_ns = get_u64(tb, KISTE_A_CREATED_NS);
	info->cnt_forks = get_u64(tb, KISTE_A_CNT_FORKS);
	info->cnt_kills = get_u64(tb, KISTE_A_CNT_KILLS);
	info->cnt_refused = get_u64(tb, KISTE_A_CNT_REFUSED);
	info->shim_armed = get_u32(tb, KISTE_A_SHIM_ARMED);
	info->shim_enosys = get_u64(tb, KISTE_A_SHIM_ENOSYS);
	info->vm_count = get_u32(tb, KISTE_A_VM_COUNT);
	info->vm_vcpus = get_u32(tb, KISTE_A_VM_VCPUS);
	info->vm_memory = get_u64(tb, KISTE_A_VM_MEMORY);
	info->vm_exits = get_u64(tb, KISTE_A_VM_EXITS);
	info->guest_ns = get_u64(tb, KISTE_A_VM_GUEST_NS);
}

struct one_reply {
	struct kiste_sandbox_info *info;
	bool seen;
};

static int one_info(struct nlattr **tb, void *arg, struct kiste_err *err)
{
	struct one_reply *r = arg;

	if (!tb[KISTE_A_ID])
		return kiste_err_set(err, -EPROTO, "reply from kiste.ko has no sandbox id");
	info_from_attrs(tb, r->info);
	r->seen = true;
	return 0;
}

static int no_reply(struct kiste_err *err)
{
	return kiste_err_set(err, -EPROTO, "kiste.ko sent no sandbox in its reply");
}

static int put_failed(struct nl_msg *msg, struct kiste_err *err)
{
	nlmsg_free(msg);
	return kiste_err_set(err, -EMSGSIZE, "cannot build the netlink request");
}

int kiste_sandbox_new(struct kiste_nl *nl, const struct kiste_sandbox_spec *spec, uint32_t *id,
		      struct kiste_err *err)
{
	struct kiste_sandbox_info info;
	struct one_reply r = { .info = &info };
	struct nl_msg *msg;
	int ret;

	/* the module's policy refuses a long name with a generic message */
	if (spec->name && *spec->name && !kiste_name_valid(spec->name))
		return kiste_err_set(err, -EINVAL,
				     "bad sandbox name: use " KISTE_NAME_RULE);
	msg = kiste_nl_msg(nl, KISTE_CMD_SANDBOX_NEW, 0, err);
	if (!msg)
		return -ENOMEM;
	/* Limits of 0 mean none: leave them out so the kernel applies its default. */
	if ((spec->name && *spec->name && nla_put_string(msg, KISTE_A_NAME, spec->name) < 0) ||
	    nla_put_u32(msg, KISTE_A_MODE, spec->mode) < 0 ||
	    (spec->memory_limit &&
	     nla_put_u64(msg, KISTE_A_MEMORY_LIMIT, spec->memory_limit) < 0) ||
	    (spec->vcpu_limit && nla_put_u32(msg, KISTE_A_VCPU_LIMIT, spec->vcpu_limit) < 0) ||
	    (spec->pids_limit && nla_put_u32(msg, KISTE_A_PIDS_LIMIT, spec->pids_limit) < 0) ||
	    (spec->cpu_limit && nla_put_u32(msg, KISTE_A_CPU_LIMIT, spec->cpu_limit) < 0))
		return put_failed(msg, err);
	ret = kiste_nl_transact(nl, msg, one_info, &r, err);
	if (ret < 0)
		return ret;
	if (!r.seen)
		return no_reply(err);
	*id = info.id;
	return 0;
}

int kiste_sandbox_get(struct kiste_nl *nl, uint32_t id, const char *name,
		      struct kiste_sandbox_info *info, struct kiste_err *err)
{
	struct one_reply r = { .info = info };
	struct nl_msg *msg;
	int ret;

	msg = kiste_nl_msg(nl, KISTE_CMD_SANDBOX_GET, 0, err);
	if (!msg)
		return -ENOMEM;
	if (name ? nla_put_string(msg, KISTE_A_NAME, name) < 0
		 : nla_put_u32(msg, KISTE_A_ID, id) < 0)
		return put_failed(msg, err);
	ret = kiste_nl_transact(nl, msg, one_info, &r, err);
	if (ret < 0)
		return ret;
	return r.seen ? 0 : no_reply(err);
}

/* Sandbox ids are u32 >= 1; anything else made of digits is out of range. */
static int parse_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (v == 0)
		return -ERANGE;
	*id = (uint32_t)v;
	return 0;
}

int kiste_sandbox_resolve(struct kiste_nl *nl, const char *ref, uint32_t *id, struct kiste_err *err)
{
	struct kiste_sandbox_info info;
	bool digits = ref && *ref && strspn(ref, "0123456789") == strlen(ref);
	uint32_t want = 0;
	int ret;

	if (digits && parse_id(ref, &want) < 0)
		return kiste_err_set(err, -EINVAL, "bad sandbox id '%s': ids are 1..4294967295",
				     ref);
	if (!digits && !kiste_name_valid(ref))
		return kiste_err_set(
			err, -EINVAL,
			"bad sandbox '%s': give an id or a name of " KISTE_NAME_RULE,
			ref ? ref : "");
	ret = kiste_sandbox_get(nl, want, digits ? NULL : ref, &info, err);
	if (ret < 0)
		return ret;
	*id = info.id;
	return 0;
}

struct list_reply {
	struct kiste_sandbox_info *infos;
	size_t count;
	size_t cap;
};

/* A dump is bounded by what the kernel lets one uid hold times the uids; cap growth anyway. */
#define KISTE_LIST_MAX (1U << 20)

static int list_one(struct nlattr **tb, void *arg, struct kiste_err *err)
{
	struct list_reply *l = arg;

	if (!tb[KISTE_A_ID])
		return kiste_err_set(err, -EPROTO, "dump from kiste.ko has an entry without id");
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct kiste_sandbox_info *p;

		if (cap > KISTE_LIST_MAX)
			return kiste_err_set(err, -E2BIG, "more than %u sandboxes in the dump",
					     KISTE_LIST_MAX);
		p = realloc(l->infos, cap * sizeof(*p));
		if (!p)
			return kiste_err_set(err, -ENOMEM, "out of memory");
		l->infos = p;
		l->cap = cap;
	}
	info_from_attrs(tb, &l->infos[l->count++]);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct kiste_sandbox_info *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int kiste_sandbox_list(struct kiste_nl *nl, struct kiste_sandbox_info **infos, size_t *count,
		       struct kiste_err *err)
{
	struct list_reply l = { 0 };
	struct nl_msg *msg;
	int ret;

	*infos = NULL;
	*count = 0;
	msg = kiste_nl_msg(nl, KISTE_CMD_SANDBOX_GET, NLM_F_DUMP, err);
	if (!msg)
		return -ENOMEM;
	ret = kiste_nl_transact(nl, msg, list_one, &l, err);
	if (ret < 0) {
		free(l.infos);
		return ret;
	}
	if (l.count)
		qsort(l.infos, l.count, sizeof(*l.infos), by_id);
	*infos = l.infos;
	*count = l.count;
	return 0;
}

int kiste_sandbox_kill(struct kiste_nl *nl, uint32_t id, int sig, struct kiste_err *err)
{
	struct nl_msg *msg;

	if (sig < 0 || sig > 64)
		return kiste_err_set(err, -EINVAL, "bad signal %d: use 1..64", sig);
	msg = kiste_nl_msg(nl, KISTE_CMD_SANDBOX_KILL, 0, err);
	if (!msg)
		return -ENOMEM;
	/* No SIGNAL attribute means SIGKILL to the kernel, as @sig 0 does here. */
	if (nla_put_u32(msg, KISTE_A_ID, id) < 0 ||
	    (sig && nla_put_u32(msg, KISTE_A_SIGNAL, (uint32_t)sig) < 0))
		return put_failed(msg, err);
	return kiste_nl_transact(nl, msg, NULL, NULL, err);
}

int kiste_sandbox_del(struct kiste_nl *nl, uint32_t id, struct kiste_err *err)
{
	struct nl_msg *msg;

	msg = kiste_nl_msg(nl, KISTE_CMD_SANDBOX_DEL, 0, err);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KISTE_A_ID, id) < 0)
		return put_failed(msg, err);
	return kiste_nl_transact(nl, msg, NULL, NULL, err);
}

struct stats_reply {
	struct kiste_stats *stats;
	bool seen;
};

static int stats_one(struct nlattr **tb, void *arg, struct kiste_err *err)
{
	struct stats_reply *r = arg;

	(void)err;
	r->stats->iface_version = get_u32(tb, KISTE_A_IFACE_VERSION);
	r->stats->sandboxes = get_u32(tb, KISTE_A_STATS_SANDBOXES);
	r->stats->members = get_u32(tb, KISTE_A_STATS_MEMBERS);
	r->stats->files = get_u32(tb, KISTE_A_STATS_FILES);
	r->stats->ids_issued = get_u32(tb, KISTE_A_STATS_IDS_ISSUED);
	r->seen = true;
	return 0;
}

int kiste_stats_get(struct kiste_nl *nl, struct kiste_stats *stats, struct kiste_err *err)
{
	struct stats_reply r = { .stats = stats };
	struct nl_msg *msg;
	int ret;

	memset(stats, 0, sizeof(*stats));
	msg = kiste_nl_msg(nl, KISTE_CMD_STATS, 0, err);
	if (!msg)
		return -ENOMEM;
	ret = kiste_nl_transact(nl, msg, stats_one, &r, err);
	if (ret < 0)
		return ret;
	if (!r.seen)
		return kiste_err_set(err, -EPROTO, "kiste.ko sent no statistics in its reply");
	return 0;
}
