// SPDX-License-Identifier: GPL-2.0
/* member.c - task membership: attach, inheritance on fork, rules at exec, accounting on exit. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "kiste.h"

/*
 * Every task on the host passes the fork and exit tracepoints, so the
 * lookup that finds "not a member" must be cheap: an RCU hash keyed by the
 * task pointer (the member holds a task reference, so the key stays unique).
 * Probes run with preemption disabled: nothing here may sleep.
 */
#define KISTE_MEMBER_HASH_BITS 10
static DEFINE_HASHTABLE(kiste_members, KISTE_MEMBER_HASH_BITS);
static DEFINE_SPINLOCK(kiste_members_lock);

static struct kiste_member *kiste_member_lookup(struct task_struct *task)
{
	struct kiste_member *m;

	hash_for_each_possible_rcu(kiste_members, m, hnode, (unsigned long)task) {
		if (m->task == task)
			return m;
	}
	return NULL;
}

/**
 * kiste_member_speaks_for_group() - whether a process signal goes through @m
 * @sb: its sandbox; the caller holds sb->lock, so the member list is stable
 * @m: a member of @sb
 * @walk: the number of the caller's walk of the member list (sb->sig_walks)
 *
 * Once per process: through its leader while the leader is a member of @sb,
 * else (the leader left) through the group's first member met in the walk,
 * which marks the group's other member threads with @walk so each of them
 * answers in constant time (a search from the list's start for each one made
 * a walk quadratic in such threads, under the sandbox's spinlock).  Not
 * decided on the leader's PF_EXITING, which the signal being sent sets while
 * the list is still walked (a process was signalled once per thread).
 *
 * Return: true for exactly one member of each thread group in @sb.
 */
bool kiste_member_speaks_for_group(struct kiste_sandbox *sb, struct kiste_member *m, u64 walk)
{
	struct task_struct *t = m->task, *it;
	struct kiste_member *o;
	bool leader_here;

	lockdep_assert_held(&sb->lock);
	if (thread_group_leader(t))
		return true;
	if (m->sig_walk == walk)
		return false;
	rcu_read_lock();
	o = kiste_member_lookup(t->group_leader);
	leader_here = o && o->sb == sb;
	if (!leader_here)
		for_each_thread(t, it) {
			o = kiste_member_lookup(it);
			if (o && o->sb == sb)
				o->sig_walk = walk;
		}
	rcu_read_unlock();
	return !leader_here;
}

static void kiste_kill_task(struct kiste_sandbox *sb, struct task_struct *task)
{
	send_sig_info(SIGKILL, SEND_SIG_PRIV, task);
	atomic64_inc(&sb->cnt_kills);
}

/*
 * Links @m (task and sandbox already set, references taken) into @sb and
 * the hash.  Fails with -ESRCH when @sb is dying and -EUSERS at the cap.
 * New threads are exempt from the cap: refusing one means SIGKILL, which
 * would take its whole process down.
 */
static int kiste_member_link(struct kiste_sandbox *sb, struct kiste_member *m)
{
	int err = 0;

	spin_lock(&sb->lock);
	if (sb->dying) {
		err = -ESRCH;
		goto out_unlock;
	}
	if (thread_group_leader(m->task) &&
	    sb->nr_members >= READ_ONCE(kiste_max_members)) {
		err = -EUSERS;
		goto out_unlock;
	}
	list_add_tail(&m->node, &sb->members);
	sb->nr_members++;
	sb->members_total++;
	spin_lock(&kiste_members_lock);
	hash_add_rcu(kiste_members, &m->hnode, (unsigned long)m->task);
	spin_unlock(&kiste_members_lock);
	atomic_inc(&kiste_nr_members);
out_unlock:
	spin_unlock(&sb->lock);
	return err;
}

/**
 * kiste_member_attach() - make the calling task a member of @sb for good
 * @sb: a referenced sandbox the caller may use
 *
 * Only a single-threaded process may attach: threads that exist already
 * would not be members, and what they fork would escape teardown.
 *
 * Return: 0, -EBUSY if already a member or multi-threaded, -ESRCH if @sb is
 * dying, -EUSERS at the member cap, -ENOMEM.
 */
int kiste_member_attach(struct kiste_sandbox *sb)
{
	struct kiste_member *m;
	bool member;
	int err;

	if (!thread_group_empty(current))
		return -EBUSY;

	rcu_read_lock();
	member = kiste_member_lookup(current);
	rcu_read_unlock();
	if (member)
		return -EBUSY;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->task = get_task_struct(current);
	m->sb = sb;
	kiste_sandbox_get(sb);

	err = kiste_member_link(sb, m);
	if (err) {
		kiste_sandbox_put(sb);
		put_task_struct(m->task);
		kfree(m);
		return err;
	}
	kiste_event_member(KISTE_EVENT_MEMBER_ATTACHED, sb, current, NULL, NULL);
	return 0;
}

/* The sandbox @task is a member of, referenced; or NULL. */
struct kiste_sandbox *kiste_member_sandbox(struct task_struct *task)
{
	struct kiste_sandbox *sb = NULL;
	struct kiste_member *m;

	rcu_read_lock();
	m = kiste_member_lookup(task);
	if (m) {
		sb = m->sb;
		kiste_sandbox_get(sb);
	}
	rcu_read_unlock();
	return sb;
}

/* CPU time the members of @sb spent in guest mode (vCPU threads). */
u64 kiste_member_guest_ns(struct kiste_sandbox *sb)
{
	u64 ns = atomic64_read(&sb->guest_ns_done);
	struct kiste_member *m;

	spin_lock(&sb->lock);
	list_for_each_entry(m, &sb->members, node)
		ns += READ_ONCE(m->task->gtime);
	spin_unlock(&sb->lock);
	return ns;
}

/* Selector-less syscall user dispatch: only syscalls from the gate run. */
static void kiste_arm_task(struct task_struct *t, unsigned long start,
			   unsigned long len)
{
	t->syscall_dispatch.selector = NULL;
	t->syscall_dispatch.offset = start;
	t->syscall_dispatch.len = len;
	t->syscall_dispatch.on_dispatch = false;
	set_task_syscall_work(t, SYSCALL_USER_DISPATCH);
}

/**
 * kiste_member_shim_arm() - KISTE_IOC_SHIM_ARM for the calling task
 * @argp: struct kiste_ioc_shim_arm
 *
 * Only the task itself changes its own record, and forks read it in the
 * same task, so no lock is needed.
 *
 * Return: 0 or a negative errno.
 */
long kiste_member_shim_arm(void __user *argp)
{
	struct kiste_ioc_shim_arm req;
	struct kiste_member *m;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || !req.gate_len ||
	    req.gate_start + req.gate_len < req.gate_start ||
	    req.gate_start + req.gate_len > TASK_SIZE_MAX)
		return -EINVAL;
	/* threads that exist already would stay unarmed */
	if (!thread_group_empty(current))
		return -EBUSY;

	rcu_read_lock();
	m = kiste_member_lookup(current);
	rcu_read_unlock();
	if (!m)
		return -ENOTCONN;
	if (m->sb->mode != KISTE_MODE_SHIM)
		return -EOPNOTSUPP;
	if (m->armed)
		return -EBUSY;
	m->gate_start = req.gate_start;
	m->gate_len = req.gate_len;
	kiste_arm_task(current, m->gate_start, m->gate_len);
	WRITE_ONCE(m->armed, true);
	return 0;
}

/**
 * kiste_member_shim_enosys() - KISTE_IOC_SHIM_ENOSYS: count unimplemented syscalls
 * @argp: struct kiste_ioc_shim_enosys
 *
 * Return: 0 or a negative errno.
 */
long kiste_member_shim_enosys(void __user *argp)
{
	struct kiste_ioc_shim_enosys req;
	struct kiste_member *m;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || !req.count)
		return -EINVAL;
	rcu_read_lock();
	m = kiste_member_lookup(current);
	rcu_read_unlock();
	/* only the task itself frees its record, so @m stays valid */
	if (!m || !READ_ONCE(m->armed))
		return -ENOTCONN;
	atomic64_add(req.count, &m->sb->shim_enosys);
	return 0;
}

/* Members of @sb with redirection armed. */
u32 kiste_member_armed(struct kiste_sandbox *sb)
{
	struct kiste_member *m;
	u32 n = 0;

	spin_lock(&sb->lock);
	list_for_each_entry(m, &sb->members, node)
		n += READ_ONCE(m->armed);
	spin_unlock(&sb->lock);
	return n;
}

/* A member forked: the child is a member too, or dies before it runs. */
static void kiste_probe_fork(void *data, struct task_struct *parent,
			     struct task_struct *child)
{
	struct kiste_member *pm, *m;
	struct kiste_sandbox *sb;
	int err;

	pm = kiste_member_lookup(parent);
	if (!pm)
		return;
	sb = pm->sb;

	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m) {
		/*
		 * An untracked child would escape teardown: fail closed.  For
		 * a new thread this kills its whole process.
		 */
		kiste_kill_task(sb, child);
		atomic64_inc(&sb->cnt_refused);
		return;
	}
	m->task = get_task_struct(child);
	m->sb = sb;
	kiste_sandbox_get(sb);
	/* fork cleared the child's dispatch state: re-arm before it runs */
	if (pm->armed) {
		m->armed = true;
		m->gate_start = pm->gate_start;
		m->gate_len = pm->gate_len;
		kiste_arm_task(child, m->gate_start, m->gate_len);
	}

	err = kiste_member_link(sb, m);
	if (!err) {
		atomic64_inc(&sb->cnt_forks);
		kiste_event_member(KISTE_EVENT_MEMBER_ATTACHED, sb, child,
				   parent, NULL);
		return;
	}

	/* Dying, or over the cap: the child never runs user code. */
	kiste_kill_task(sb, child);
	if (err == -EUSERS) {
		atomic64_inc(&sb->cnt_refused);
		kiste_event_member(KISTE_EVENT_MEMBER_REFUSED, sb, child,
				   parent, NULL);
	}
	kiste_sandbox_put(sb);
	put_task_struct(m->task);
	kfree(m);
}

/*
 * Whether the sandbox's owner could signal a task with @cred under kill(2)'s
 * rules whatever the task later does with its ids: the owner is root, or
 * owns the user namespace the credentials belong to (its capabilities there
 * are the owner's), or every uid is the owner's and no capability is left.
 */
static bool kiste_owner_governs(const struct kiste_sandbox *sb,
				const struct cred *cred)
{
	const struct user_namespace *ns = cred->user_ns;

	if (uid_eq(sb->owner, GLOBAL_ROOT_UID))
		return true;
	for (; ns != &init_user_ns; ns = ns->parent) {
		if (ns->parent == &init_user_ns && uid_eq(ns->owner, sb->owner))
			return true;
	}
	return uid_eq(cred->uid, sb->owner) && uid_eq(cred->euid, sb->owner) &&
	       uid_eq(cred->suid, sb->owner) && uid_eq(cred->fsuid, sb->owner) &&
	       cap_isclear(cred->cap_permitted);
}

/*
 * A member exec'd; this runs in the task itself, with the new credentials
 * committed, before it returns to user space.  Two execs end the member:
 * - one by an armed shim member: exec switched syscall user dispatch off,
 *   and the new image has no gate, so redirection cannot be re-armed;
 * - one that raised the member above its owner (setuid, setgid, file
 *   capabilities): the owner could no longer signal it through kill(2), yet
 *   would still stop and kill it through kiste.
 */
static void kiste_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			     struct linux_binprm *bprm)
{
	struct kiste_member *m;

	m = kiste_member_lookup(p);
	if (!m)
		return;
	if (!READ_ONCE(m->armed) &&
	    !(bprm->secureexec && !kiste_owner_governs(m->sb, current_cred())))
		return;
	/* the task itself changes its own record, as in shim_arm */
	WRITE_ONCE(m->armed, false);
	kiste_kill_task(m->sb, p);
}

/*
 * The wait status: once the last thread of a process exits, what wait(2)
 * will report for the process (a thread may carry 0 after exec's
 * de_thread(), or a signal without the core flag); before that, the
 * thread's own.
 */
static u32 kiste_exit_status(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	if (atomic_read(&sig->live) == 0 &&
	    (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT))
		return READ_ONCE(sig->group_exit_code);
	return task->exit_code;
}

static void kiste_probe_exit(void *data, struct task_struct *task)
{
	struct kiste_sandbox *sb;
	struct kiste_member *m;
	bool empty, dying;
	u32 status;

	m = kiste_member_lookup(task);
	if (!m)
		return;
	sb = m->sb;

	spin_lock(&sb->lock);
	spin_lock(&kiste_members_lock);
	hash_del_rcu(&m->hnode);
	spin_unlock(&kiste_members_lock);
	list_del(&m->node);
	sb->nr_members--;
	atomic64_add(task->gtime, &sb->guest_ns_done);
	empty = sb->nr_members == 0;
	dying = sb->dying;
	spin_unlock(&sb->lock);
	atomic_dec(&kiste_nr_members);

	status = kiste_exit_status(task);
	kiste_event_member(KISTE_EVENT_MEMBER_EXITED, sb, task, NULL, &status);
	if (empty) {
		kiste_event_sandbox(KISTE_EVENT_EMPTY, sb);
		if (dying)
			kiste_sandbox_unlink(sb);
	}
	kiste_sandbox_put(sb);
	put_task_struct(m->task);
	kfree_rcu(m, rcu);
}

struct kiste_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct kiste_tracepoint kiste_tracepoints[] = {
	{ .name = "sched_process_fork", .probe = kiste_probe_fork },
	{ .name = "sched_process_exec", .probe = kiste_probe_exec },
	{ .name = "sched_process_exit", .probe = kiste_probe_exit },
};

static void kiste_tracepoint_find(struct tracepoint *tp, void *priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kiste_tracepoints); i++) {
		if (!strcmp(tp->name, kiste_tracepoints[i].name))
			kiste_tracepoints[i].tp = tp;
	}
}

static void kiste_tracepoints_unregister(size_t n)
{
	while (n--)
		tracepoint_probe_unregister(kiste_tracepoints[n].tp,
					    kiste_tracepoints[n].probe, NULL);
	/* no probe may still be running once this returns */
	tracepoint_synchronize_unregister();
}

int kiste_member_init(void)
{
	size_t i;
	int err;

	for_each_kernel_tracepoint(kiste_tracepoint_find, NULL);
	for (i = 0; i < ARRAY_SIZE(kiste_tracepoints); i++) {
		if (!kiste_tracepoints[i].tp) {
			pr_err("tracepoint %s not found\n",
			       kiste_tracepoints[i].name);
			return -ENOENT;
		}
	}
	for (i = 0; i < ARRAY_SIZE(kiste_tracepoints); i++) {
		err = tracepoint_probe_register(kiste_tracepoints[i].tp,
						kiste_tracepoints[i].probe,
						NULL);
		if (err) {
			pr_err("cannot register %s: %d\n",
			       kiste_tracepoints[i].name, err);
			kiste_tracepoints_unregister(i);
			return err;
		}
	}
	return 0;
}

void kiste_member_exit(void)
{
	kiste_tracepoints_unregister(ARRAY_SIZE(kiste_tracepoints));
	WARN_ON_ONCE(!hash_empty(kiste_members));
}
