/* SPDX-License-Identifier: GPL-2.0 */
/* kiste.h - internal interfaces between the parts of kiste.ko. */
#ifndef _KISTE_INTERNAL_H
#define _KISTE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <linux/kiste.h>

struct file;
struct sk_buff;
struct task_struct;

/* Module parameters (main.c). */
extern int kiste_create_gid;
extern unsigned int kiste_max_sandboxes_per_uid;
extern unsigned int kiste_max_sandboxes;
extern unsigned int kiste_max_members;

/* Live object counts, reported by KISTE_CMD_STATS. */
extern atomic_t kiste_nr_sandboxes;
extern atomic_t kiste_nr_members;
extern atomic_t kiste_nr_files;

/**
 * struct kiste_sandbox - one sandbox.
 *
 * References: the registry holds one while the sandbox is linked, every
 * member holds one, a temporary sandbox's file holds one, and lookups hold
 * one while they use it.  Every sandbox pins the module.
 */
struct kiste_sandbox {
	refcount_t ref;
	u32 id;
	u32 mode;
	u32 flags;			/* KISTE_SB_F_* */
	u32 vcpu_limit;
	u32 pids_limit;			/* stored and reported; the launcher enforces */
	u32 cpu_limit;			/* thousandths of a CPU, likewise */
	u64 memory_limit;
	u64 created_ns;
	kuid_t owner;
	kuid_t charge;			/* whose max_sandboxes_per_uid it counts against */
	char name[KISTE_NAME_MAX];

	struct list_head reg_node;	/* registry list, kiste_reg_lock */
	bool linked;			/* kiste_reg_lock */

	spinlock_t lock;		/* the fields below */
	struct list_head members;
	u32 nr_members;
	u32 members_total;
	u64 sig_walks;			/* kiste_sandbox_signal's walks */
	bool dying;

	atomic64_t cnt_forks;
	atomic64_t cnt_kills;
	atomic64_t cnt_refused;
	atomic64_t guest_ns_done;	/* guest time of members that exited */
	atomic64_t shim_enosys;		/* reported by shim guest kernels */

	/* a spinlock: netlink takes it, so no member may sleep holding it */
	spinlock_t vm_lock;		/* the fields below */
	struct kiste_vm *vm;		/* the brokered VM, if any */
	bool vm_busy;			/* a VM is being made */
	u64 vm_exits_done;		/* exits of VMs that are gone */
};

/**
 * struct kiste_member - a task's membership of a sandbox.
 *
 * Found by task in the member hash (RCU); listed in its sandbox under
 * sandbox->lock.  Holds a reference on the task and on the sandbox.
 */
struct kiste_member {
	struct hlist_node hnode;
	struct list_head node;
	struct task_struct *task;
	struct kiste_sandbox *sb;
	struct rcu_head rcu;
	/* shim mode: set once by the task itself, or at fork before it runs */
	bool armed;
	unsigned long gate_start;
	unsigned long gate_len;
	/* the signal walk that reached its process already (sandbox->lock) */
	u64 sig_walk;
};

struct kiste_sandbox_spec {
	const char *name;		/* NULL or "" = "sb-<id>" */
	u32 mode;
	u64 memory_limit;
	u32 vcpu_limit;
	u32 pids_limit;
	u32 cpu_limit;
	u32 flags;			/* KISTE_SB_F_TEMPORARY or 0 */
};

/* A consistent copy of a sandbox's state, for replies and events. */
struct kiste_sandbox_snap {
	u32 id, mode, flags, vcpu_limit, pids_limit, cpu_limit, state;
	u32 nr_members, members_total;
	u64 memory_limit, created_ns;
	u64 cnt_forks, cnt_kills, cnt_refused;
	u32 vm_count, vm_vcpus, shim_armed;
	u64 vm_memory, vm_exits, guest_ns, shim_enosys;
	kuid_t owner;
	char name[KISTE_NAME_MAX];
};

static_assert(KISTE_NAME_MAX == 128);	/* the number below */
#define KISTE_BAD_NAME_MSG \
	"bad sandbox name: use 1-127 characters of A-Z a-z 0-9 _ + . -"

/* KVM's own bound on vCPUs per VM on x86_64 */
#define KISTE_VCPU_LIMIT_MAX	1024

/**
 * struct kiste_caller - the rights a request is made with
 * @euid: the caller's euid; INVALID_UID when it differs from the opener's
 * @admin: CAP_SYS_ADMIN in the initial user namespace, caller and opener
 * @may_create: @admin, or the create_gid group for caller and opener
 */
struct kiste_caller {
	kuid_t euid;
	bool admin;
	bool may_create;
};

/* caller.c */
void kiste_caller_from_file(struct kiste_caller *c, const struct file *file);
void kiste_caller_from_skb(struct kiste_caller *c, const struct sk_buff *skb);
bool kiste_may_use(const struct kiste_sandbox *sb, const struct kiste_caller *c);

/* sandbox.c */
extern bool kiste_ready;
bool kiste_name_valid(const char *name);
int kiste_sandbox_create(const struct kiste_sandbox_spec *spec,
			 const struct kiste_caller *caller,
			 struct kiste_sandbox **out,
			 struct netlink_ext_ack *extack);
struct kiste_sandbox *kiste_sandbox_find(u32 id, const char *name);
void kiste_sandbox_get(struct kiste_sandbox *sb);
void kiste_sandbox_put(struct kiste_sandbox *sb);
void kiste_sandbox_delete(struct kiste_sandbox *sb);
void kiste_sandbox_unlink(struct kiste_sandbox *sb);
int kiste_sandbox_signal(struct kiste_sandbox *sb, int sig);
void kiste_sandbox_snapshot(struct kiste_sandbox *sb,
			    struct kiste_sandbox_snap *snap);
u32 kiste_ids_issued(void);
struct kiste_sandbox *kiste_sandbox_next(u64 start);

/* member.c */
int kiste_member_attach(struct kiste_sandbox *sb);
bool kiste_member_speaks_for_group(struct kiste_sandbox *sb, struct kiste_member *m, u64 walk);
struct kiste_sandbox *kiste_member_sandbox(struct task_struct *task);
long kiste_member_shim_arm(void __user *argp);
long kiste_member_shim_enosys(void __user *argp);
u32 kiste_member_armed(struct kiste_sandbox *sb);
u64 kiste_member_guest_ns(struct kiste_sandbox *sb);
int kiste_member_init(void);
void kiste_member_exit(void);

/* netlink.c */
extern struct genl_family kiste_genl_family;
int kiste_netlink_init(void);
void kiste_netlink_exit(void);
int kiste_nl_put_sandbox(struct sk_buff *skb,
			 const struct kiste_sandbox_snap *snap,
			 struct user_namespace *ns);

/* events.c */
void kiste_event_sandbox(u32 type, struct kiste_sandbox *sb);
void kiste_event_member(u32 type, struct kiste_sandbox *sb,
			struct task_struct *task, struct task_struct *parent,
			const u32 *status);
void kiste_event_pid(u32 type, struct kiste_sandbox *sb, pid_t pid);

/* kvm.c */
struct kiste_vm;
long kiste_vm_create(void __user *argp);
void kiste_vm_snapshot(struct kiste_sandbox *sb,
		       struct kiste_sandbox_snap *snap);
void kiste_vm_kill(struct kiste_sandbox *sb);
void kiste_kvm_exit(void);

/* selftest_broken.c: only in KISTE_BROKEN builds */
#if defined(KISTE_BROKEN_LEAK) || defined(KISTE_BROKEN_LOCKORDER)
void kiste_selftest_broken(void);
#else
static inline void kiste_selftest_broken(void) { }
#endif

/* dev.c */
int kiste_dev_init(void);
void kiste_dev_exit(void);

#endif /* _KISTE_INTERNAL_H */
