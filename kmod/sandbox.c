// SPDX-License-Identifier: GPL-2.0
/* sandbox.c - sandbox objects: registry, permissions, lifetime, teardown. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "kiste.h"

/*
 * The registry is a list in id order (ids only grow) under a spinlock: the
 * last member's exit unlinks a dying sandbox from the exit tracepoint, where
 * sleeping is not allowed.  kiste_max_sandboxes bounds its length.
 * Lock order: kiste_reg_lock, then sandbox->lock, then the member hash lock.
 */
static DEFINE_SPINLOCK(kiste_reg_lock);
/* Set once init has registered everything: no sandbox may exist before. */
bool kiste_ready;
static LIST_HEAD(kiste_reg_list);
/*
 * Sandbox ids, 1..U32_MAX, handed out cyclically as pids are: an id comes
 * back only after the others were issued, and never while a sandbox that had
 * it still exists (it is released when the last reference goes, not at
 * unlink).  Its own lock (xa_lock) is a leaf: taken alone or inside
 * kiste_reg_lock's callers, never around another.
 */
static DEFINE_XARRAY_ALLOC1(kiste_ids);
static u32 kiste_id_next = 1;
static u32 kiste_ids_count;

/* /sys/module/kiste/parameters/next_id: where the next id search starts (as ns_last_pid). */
static int kiste_next_id_set(const char *val, const struct kernel_param *kp)
{
	u32 v;
	int err = kstrtou32(val, 0, &v);

	if (err)
		return err;
	if (!v)
		return -EINVAL;
	xa_lock(&kiste_ids);
	kiste_id_next = v;
	xa_unlock(&kiste_ids);
	return 0;
}

static int kiste_next_id_get(char *buf, const struct kernel_param *kp)
{
	u32 v;

	xa_lock(&kiste_ids);
	v = kiste_id_next;
	xa_unlock(&kiste_ids);
	return sysfs_emit(buf, "%u\n", v);
}

static const struct kernel_param_ops kiste_next_id_ops = {
	.set = kiste_next_id_set,
	.get = kiste_next_id_get,
};
module_param_cb(next_id, &kiste_next_id_ops, NULL, 0600);
MODULE_PARM_DESC(next_id, "where the next sandbox id search starts (1..4294967295; ids wrap to 1)");

bool kiste_name_valid(const char *name)
{
	size_t len = strnlen(name, KISTE_NAME_MAX);
	size_t i;

	if (len == 0 || len >= KISTE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		/* the kernel's ctype is Latin-1: keep to ASCII */
		if (!(isascii(c) && isalnum(c)) && c != '_' && c != '+' &&
		    c != '.' && c != '-')
			return false;
	}
	return true;
}

/* Unnamed sandboxes are called "sb-<id>": nobody else may take such a name. */
static bool kiste_name_reserved(const char *name)
{
	const char *p = name + 3;

	if (strncmp(name, "sb-", 3) || !*p)
		return false;
	while (isdigit(*p))
		p++;
	return !*p;
}

void kiste_sandbox_get(struct kiste_sandbox *sb)
{
	refcount_inc(&sb->ref);
}

/* May run in the exit tracepoint: nothing here sleeps. */
void kiste_sandbox_put(struct kiste_sandbox *sb)
{
	if (!refcount_dec_and_test(&sb->ref))
		return;
	WARN_ON_ONCE(!list_empty(&sb->members));
	WARN_ON_ONCE(sb->vm);
	xa_erase(&kiste_ids, sb->id);
	kfree(sb);
	atomic_dec(&kiste_nr_sandboxes);
	module_put(THIS_MODULE);
}

static struct kiste_sandbox *kiste_find_locked(u32 id, const char *name)
{
	struct kiste_sandbox *sb;

	list_for_each_entry(sb, &kiste_reg_list, reg_node) {
		if (name ? !strcmp(sb->name, name) : sb->id == id)
			return sb;
	}
	return NULL;
}

/* Returns a referenced sandbox by @name, or by @id when @name is NULL. */
struct kiste_sandbox *kiste_sandbox_find(u32 id, const char *name)
{
	struct kiste_sandbox *sb;

	spin_lock(&kiste_reg_lock);
	sb = kiste_find_locked(id, name);
	if (sb)
		kiste_sandbox_get(sb);
	spin_unlock(&kiste_reg_lock);
	return sb;
}

/*
 * Who a new sandbox counts against for max_sandboxes_per_uid: the caller,
 * or, from inside a user namespace, the owner of its outermost one below
 * the initial namespace.  A user whose subordinate ids (/etc/subuid) are
 * mapped there becomes each of them with setuid inside, and each would
 * otherwise get a quota of its own.
 */
static kuid_t kiste_charge_uid(kuid_t euid)
{
	const struct user_namespace *ns = current_user_ns();

	while (ns != &init_user_ns && ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns == &init_user_ns ? euid : ns->owner;
}

static unsigned int kiste_count_charged_locked(kuid_t uid, unsigned int *total)
{
	struct kiste_sandbox *sb;
	unsigned int n = 0;

	*total = 0;
	list_for_each_entry(sb, &kiste_reg_list, reg_node) {
		(*total)++;
		if (uid_eq(sb->charge, uid))
			n++;
	}
	return n;
}

/* Checks limits and names and links @sb; called with kiste_reg_lock held. */
static int kiste_link_locked(struct kiste_sandbox *sb, const char *name,
			     struct netlink_ext_ack *extack)
{
	unsigned int total, owned;

	owned = kiste_count_charged_locked(sb->charge, &total);
	if (owned >= READ_ONCE(kiste_max_sandboxes_per_uid)) {
		NL_SET_ERR_MSG(extack,
			       "too many sandboxes for this uid: delete one or raise max_sandboxes_per_uid");
		return -EUSERS;
	}
	if (total >= READ_ONCE(kiste_max_sandboxes)) {
		NL_SET_ERR_MSG(extack,
			       "too many sandboxes: delete one or raise max_sandboxes");
		return -EUSERS;
	}
	if (name && name[0])
		strscpy(sb->name, name, sizeof(sb->name));
	else
		snprintf(sb->name, sizeof(sb->name), "sb-%u", sb->id);
	if (kiste_find_locked(0, sb->name)) {
		NL_SET_ERR_MSG(extack, "a sandbox with this name exists: choose another name");
		return -EEXIST;
	}
	list_add_tail(&sb->reg_node, &kiste_reg_list);
	sb->linked = true;
	return 0;
}

/*
 * The pids and CPU limits (uapi/linux/kiste.h): in range, and a pids limit
 * that the launcher's pids cgroup reaches before the member cap.  Members
 * and pids.max count the same tasks (processes and threads, the sandbox's
 * init too: shim mode's cgroup allows the limit plus its init).  A member
 * leaves the count at its exit, before the cgroup uncharges it, and a child
 * is charged before the fork probe counts it, so the members a fork probe
 * sees are at most pids.max - 1: with limit + 1 <= max_members, the cap that
 * kills (nr_members >= max_members) is never met while the cgroup admits.
 * vm mode's pids limit is the guest's: its tasks are not members.
 */
static int kiste_limits_check(const struct kiste_sandbox_spec *spec,
			      struct netlink_ext_ack *extack)
{
	if (spec->pids_limit > KISTE_PIDS_LIMIT_MAX) {
		NL_SET_ERR_MSG(extack, "bad pids limit: 0 (none) or 1..4194304");
		return -EINVAL;
	}
	if (spec->cpu_limit &&
	    (spec->cpu_limit < KISTE_CPU_LIMIT_MIN ||
	     spec->cpu_limit > KISTE_CPU_LIMIT_MAX)) {
		NL_SET_ERR_MSG(extack,
			       "bad CPU limit: 0 (none) or 10..1024000 thousandths of a CPU");
		return -EINVAL;
	}
	if (spec->pids_limit && spec->mode != KISTE_MODE_VM &&
	    spec->pids_limit >= READ_ONCE(kiste_max_members)) {
		NL_SET_ERR_MSG(extack,
			       "pids limit not below max_members (the sandbox's init is a member too): lower it or raise /sys/module/kiste/parameters/max_members");
		return -E2BIG;
	}
	return 0;
}

/**
 * kiste_sandbox_create() - create and register a sandbox owned by the caller
 * @spec: name, mode, limits and flags
 * @caller: the rights of the requester
 * @out: on success, the sandbox with a reference for the caller
 * @extack: where to report why creation was refused (may be NULL)
 *
 * Return: 0 or a negative errno.
 */
int kiste_sandbox_create(const struct kiste_sandbox_spec *spec,
			 const struct kiste_caller *caller,
			 struct kiste_sandbox **out,
			 struct netlink_ext_ack *extack)
{
	struct kiste_sandbox *sb;
	int err;

	if (spec->name && spec->name[0] && !kiste_name_valid(spec->name)) {
		NL_SET_ERR_MSG(extack, KISTE_BAD_NAME_MSG);
		return -EINVAL;
	}
	if (spec->name && kiste_name_reserved(spec->name)) {
		NL_SET_ERR_MSG(extack,
			       "names sb-<number> are reserved for unnamed sandboxes: choose another name");
		return -EINVAL;
	}
	if (spec->mode < KISTE_MODE_SHIM || spec->mode > KISTE_MODE_MAX ||
	    spec->vcpu_limit > KISTE_VCPU_LIMIT_MAX) {
		NL_SET_ERR_MSG(extack, "bad mode or vCPU limit");
		return -EINVAL;
	}
	err = kiste_limits_check(spec, extack);
	if (err)
		return err;
	if (!caller->may_create) {
		NL_SET_ERR_MSG(extack,
			       "not allowed to create sandboxes: needs CAP_SYS_ADMIN or the kiste group (create_gid)");
		return -EPERM;
	}
	/* A module that is loading or unloading must not gain a sandbox. */
	if (!READ_ONCE(kiste_ready) || !try_module_get(THIS_MODULE)) {
		NL_SET_ERR_MSG(extack, "kiste.ko is unloading");
		return -ENODEV;
	}
	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb) {
		err = -ENOMEM;
		goto out_module;
	}
	/* one reference for the registry, one for the caller */
	refcount_set(&sb->ref, 2);
	sb->mode = spec->mode;
	sb->flags = spec->flags;
	sb->memory_limit = spec->memory_limit;
	sb->vcpu_limit = spec->vcpu_limit;
	sb->pids_limit = spec->pids_limit;
	sb->cpu_limit = spec->cpu_limit;
	sb->created_ns = ktime_get_boottime_ns();
	sb->owner = caller->euid;
	sb->charge = kiste_charge_uid(caller->euid);
	spin_lock_init(&sb->lock);
	spin_lock_init(&sb->vm_lock);
	INIT_LIST_HEAD(&sb->members);
	INIT_LIST_HEAD(&sb->reg_node);
	atomic64_set(&sb->cnt_forks, 0);
	atomic64_set(&sb->cnt_kills, 0);
	atomic64_set(&sb->cnt_refused, 0);
	atomic64_set(&sb->guest_ns_done, 0);
	atomic64_set(&sb->shim_enosys, 0);

	err = xa_alloc_cyclic(&kiste_ids, &sb->id, NULL, XA_LIMIT(1, U32_MAX),
			      &kiste_id_next, GFP_KERNEL);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG(extack, "no sandbox id is free: delete sandboxes");
		err = -ENOSPC;
	}
	if (err < 0)
		goto out_free;
	spin_lock(&kiste_reg_lock);
	err = kiste_link_locked(sb, spec->name, extack);
	if (!err)
		kiste_ids_count++;
	spin_unlock(&kiste_reg_lock);
	if (err)
		goto out_id;

	atomic_inc(&kiste_nr_sandboxes);
	kiste_event_sandbox(KISTE_EVENT_CREATED, sb);
	*out = sb;
	return 0;

out_id:
	/*
	 * A refused create gives its id back unless a racing create took the
	 * next one meanwhile; then that id is a gap, as pids can be.
	 */
	xa_lock(&kiste_ids);
	__xa_erase(&kiste_ids, sb->id);
	if (kiste_id_next == sb->id + 1)
		kiste_id_next = sb->id;
	xa_unlock(&kiste_ids);
out_free:
	kfree(sb);
out_module:
	module_put(THIS_MODULE);
	return err;
}

/*
 * Removes a dying sandbox that has no members left from the registry, frees
 * its name and drops the registry's reference.  Idempotent; does not sleep.
 */
void kiste_sandbox_unlink(struct kiste_sandbox *sb)
{
	bool was_linked;

	spin_lock(&kiste_reg_lock);
	was_linked = sb->linked;
	if (was_linked) {
		list_del_init(&sb->reg_node);
		sb->linked = false;
	}
	spin_unlock(&kiste_reg_lock);

	if (!was_linked)
		return;
	kiste_event_sandbox(KISTE_EVENT_DELETED, sb);
	kiste_sandbox_put(sb);
}

/* Teardown: SIGKILL, with the module's privilege, to every member task. */
static void kiste_kill_members_locked(struct kiste_sandbox *sb)
{
	struct kiste_member *m;

	lockdep_assert_held(&sb->lock);
	list_for_each_entry(m, &sb->members, node) {
		send_sig_info(SIGKILL, SEND_SIG_PRIV, m->task);
		atomic64_inc(&sb->cnt_kills);
	}
}

/**
 * kiste_sandbox_delete() - kill every member and its VM; unlink once none is left
 * @sb: a referenced sandbox
 *
 * Members that fork while the sandbox is dying are killed at fork time, so
 * none escapes.  The caller keeps its own reference.
 */
void kiste_sandbox_delete(struct kiste_sandbox *sb)
{
	bool empty;

	spin_lock(&sb->lock);
	WRITE_ONCE(sb->dying, true);
	kiste_kill_members_locked(sb);
	empty = sb->nr_members == 0;
	spin_unlock(&sb->lock);

	/* whoever still holds the VM's descriptors, it runs no more */
	kiste_vm_kill(sb);
	if (empty)
		kiste_sandbox_unlink(sb);
}

/**
 * kiste_sandbox_signal() - send @sig to every member process, as the caller
 * @sb: a referenced sandbox
 * @sig: the signal
 *
 * Sent from the requesting task with its rights, as kill(2) would send it:
 * the module lends no privilege, so a member the caller may not signal (a
 * root process, a setuid program) is skipped.  Once per process, through
 * its leader, or through one member thread once the leader has left.
 *
 * Return: how many processes got it, or -EPERM when it was refused for all.
 */
int kiste_sandbox_signal(struct kiste_sandbox *sb, int sig)
{
	struct kiste_member *m;
	struct task_struct *t;
	int sent = 0, refused = 0, err;
	u64 walk;

	spin_lock(&sb->lock);
	walk = ++sb->sig_walks;
	list_for_each_entry(m, &sb->members, node) {
		t = m->task;
		if (!kiste_member_speaks_for_group(sb, m, walk))
			continue;
		err = kill_pid(task_tgid(t), sig, 0);
		if (!err) {
			sent++;
			atomic64_inc(&sb->cnt_kills);
		} else if (err == -EPERM) {
			refused++;
		}
	}
	spin_unlock(&sb->lock);
	return sent || !refused ? sent : -EPERM;
}

/* May sleep. */
void kiste_sandbox_snapshot(struct kiste_sandbox *sb,
			    struct kiste_sandbox_snap *snap)
{
	snap->id = sb->id;
	snap->mode = sb->mode;
	snap->flags = sb->flags;
	snap->vcpu_limit = sb->vcpu_limit;
	snap->pids_limit = sb->pids_limit;
	snap->cpu_limit = sb->cpu_limit;
	snap->memory_limit = sb->memory_limit;
	snap->created_ns = sb->created_ns;
	snap->owner = sb->owner;
	memcpy(snap->name, sb->name, sizeof(snap->name));
	snap->cnt_forks = atomic64_read(&sb->cnt_forks);
	snap->cnt_kills = atomic64_read(&sb->cnt_kills);
	snap->cnt_refused = atomic64_read(&sb->cnt_refused);

	spin_lock(&sb->lock);
	snap->nr_members = sb->nr_members;
	snap->members_total = sb->members_total;
	if (sb->dying)
		snap->state = KISTE_STATE_DYING;
	else if (sb->nr_members)
		snap->state = KISTE_STATE_RUNNING;
	else if (sb->members_total)
		snap->state = KISTE_STATE_EXITED;
	else
		snap->state = KISTE_STATE_CREATED;
	spin_unlock(&sb->lock);

	snap->guest_ns = kiste_member_guest_ns(sb);
	snap->shim_armed = kiste_member_armed(sb);
	snap->shim_enosys = atomic64_read(&sb->shim_enosys);
	snap->vm_count = 0;
	snap->vm_vcpus = 0;
	snap->vm_memory = 0;
	kiste_vm_snapshot(sb, snap);
}

u32 kiste_ids_issued(void)
{
	u32 n;

	spin_lock(&kiste_reg_lock);
	n = kiste_ids_count;
	spin_unlock(&kiste_reg_lock);
	return n;
}

/*
 * The linked sandbox with the lowest id >= @start, referenced; or NULL.  The
 * list is in creation order, which is not id order once ids wrap.
 */
struct kiste_sandbox *kiste_sandbox_next(u64 start)
{
	struct kiste_sandbox *sb, *found = NULL;

	spin_lock(&kiste_reg_lock);
	list_for_each_entry(sb, &kiste_reg_list, reg_node)
		if (sb->id >= start && (!found || sb->id < found->id))
			found = sb;
	if (found)
		kiste_sandbox_get(found);
	spin_unlock(&kiste_reg_lock);
	return found;
}
