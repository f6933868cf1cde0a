/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kiste.h - the contract between kiste.ko, the kiste CLI/libkiste and unikernels.
 *
 * Two interfaces:
 *  - the generic-netlink family KISTE_GENL_NAME (registry: create, get/dump, kill,
 *    delete, stats) with the multicast group KISTE_GENL_MCGRP_EVENTS;
 *  - the misc device /dev/kiste (temporary sandboxes tied to a descriptor,
 *    membership, and, later, the mode-specific ioctls).
 *
 * Numbering is stable: commands, attributes and ioctl numbers are reserved in
 * ranges per mode so that later work adds without renumbering.  Bump
 * KISTE_IFACE_VERSION whenever the meaning of anything here changes; additions
 * inside a reserved range bump it too.
 */
#ifndef _UAPI_LINUX_KISTE_H
#define _UAPI_LINUX_KISTE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KISTE_IFACE_VERSION	5

#define KISTE_GENL_NAME		"kiste"
#define KISTE_GENL_VERSION	1
#define KISTE_GENL_MCGRP_EVENTS	"events"	/* needs CAP_SYS_ADMIN to join */

#define KISTE_DEVICE_NAME	"kiste"		/* /dev/kiste */

/*
 * Sandbox names: 1..KISTE_NAME_MAX-1 characters of [A-Za-z0-9_+.-], unique
 * among live sandboxes.  KISTE_NAME_MAX includes the terminating NUL.  They
 * hold an OCI engine's container ids (64 hex digits; runc's rule is the same
 * characters): 64 up to interface version 4, without '+'.
 * "sb-<digits>" is reserved for sandboxes created without a name.
 */
#define KISTE_NAME_MAX		128

/*
 * Limits a sandbox is created with (KISTE_A_PIDS_LIMIT, KISTE_A_CPU_LIMIT and
 * the ioctl's fields); 0 means none.  The module stores and reports them;
 * the launcher enforces them (a pids and cpu cgroup; in vm mode the pids
 * limit is the guest's).  A pids limit counts processes and threads, as
 * pids.max does: 1..KISTE_PIDS_LIMIT_MAX (the kernel's PID_MAX_LIMIT).  In
 * modes whose workload tasks are members (shim, unikernel) it must also be
 * below the module parameter max_members, which counts the same tasks plus
 * the sandbox's own init: E2BIG otherwise, so that the launcher's pids
 * cgroup refuses a fork (EAGAIN) before the member cap would kill it.  A CPU
 * limit is in thousandths of a CPU: KISTE_CPU_LIMIT_MIN (1 ms of CPU time per
 * 100 ms, the scheduler's smallest quota) .. KISTE_CPU_LIMIT_MAX (1024 CPUs).
 * Anything else is EINVAL (over netlink, a value beyond a maximum is the
 * policy's ERANGE); at creation E2BIG is only the member cap's answer.
 */
#define KISTE_PIDS_LIMIT_MAX	(4U << 20)
#define KISTE_CPU_LIMIT_MIN	10U
#define KISTE_CPU_LIMIT_MAX	(1024U * 1000U)

enum kiste_mode {
	KISTE_MODE_UNSPEC,
	KISTE_MODE_SHIM,
	KISTE_MODE_VM,
	KISTE_MODE_UNIKERNEL,

	__KISTE_MODE_MAX,
	KISTE_MODE_MAX = __KISTE_MODE_MAX - 1
};

enum kiste_state {
	KISTE_STATE_UNSPEC,
	KISTE_STATE_CREATED,	/* never had a member */
	KISTE_STATE_RUNNING,	/* has at least one member */
	KISTE_STATE_EXITED,	/* had members, none left */
	KISTE_STATE_DYING,	/* deleted; members are being killed */

	__KISTE_STATE_MAX,
	KISTE_STATE_MAX = __KISTE_STATE_MAX - 1
};

/*
 * Values of KISTE_A_EVENT (the type of a KISTE_CMD_EVENT notification).
 * Every event carries EVENT ID NAME MODE, plus the attributes listed here.
 */
enum kiste_event_type {
	KISTE_EVENT_UNSPEC,
	KISTE_EVENT_CREATED,		/* OWNER_UID */
	KISTE_EVENT_DELETED,		/* OWNER_UID: unlinked from the registry */
	KISTE_EVENT_MEMBER_ATTACHED,	/* PID [PARENT_PID when by fork] */
	/*
	 * PID EXIT_STATUS: the wait status of the process when this was its
	 * last thread, else the thread's own exit code.
	 */
	KISTE_EVENT_MEMBER_EXITED,
	KISTE_EVENT_EMPTY,		/* OWNER_UID: the last member exited */
	/* PID PARENT_PID: a fork over the member cap; the child was killed */
	KISTE_EVENT_MEMBER_REFUSED,

	/* 16..31 shim, 32..47 vm, 48..63 unikernel events */
	KISTE_EVENT_SHIM_FIRST = 16,
	KISTE_EVENT_VM_FIRST = 32,
	KISTE_EVENT_VM_CREATED = KISTE_EVENT_VM_FIRST,	/* PID */
	KISTE_EVENT_VM_DESTROYED,			/* PID */
	KISTE_EVENT_UK_FIRST = 48,

	__KISTE_EVENT_MAX = 64,
	KISTE_EVENT_MAX = __KISTE_EVENT_MAX - 1
};

/*
 * Generic-netlink commands.  1..15 core, 16..31 shim, 32..47 vm (KVM broker),
 * 48..63 unikernel.  Unknown or reserved commands fail with EOPNOTSUPP.
 */
enum kiste_cmd {
	KISTE_CMD_UNSPEC,
	/*
	 * IN: NAME (optional), MODE, MEMORY_LIMIT (optional), VCPU_LIMIT
	 * (optional), PIDS_LIMIT (optional), CPU_LIMIT (optional), FLAGS
	 * (optional, must be 0).  OUT: the sandbox, as GET.  Persistent: lives
	 * until KISTE_CMD_SANDBOX_DEL.  A PIDS_LIMIT not below max_members fails
	 * with E2BIG (see KISTE_PIDS_LIMIT_MAX).
	 */
	KISTE_CMD_SANDBOX_NEW,
	/*
	 * doit IN: ID or NAME.  OUT: ID NAME MODE STATE OWNER_UID MEMORY_LIMIT
	 * VCPU_LIMIT PIDS_LIMIT CPU_LIMIT MEMBERS MEMBERS_TOTAL FLAGS
	 * CREATED_NS, counters.
	 * dumpit: every sandbox the caller may inspect.
	 * GET, KILL and DEL fail with ENOENT, and the same extack message, for a
	 * sandbox that does not exist and for one the caller may not use: other
	 * users cannot probe names.  (NEW's EEXIST still tells that a name is
	 * taken: names are one namespace for all users.)
	 */
	KISTE_CMD_SANDBOX_GET,
	/*
	 * IN: ID or NAME, SIGNAL (optional, default SIGKILL).  Sent once per
	 * member process with the caller's own rights, as kill(2) sends it: a
	 * member the caller may not signal is skipped; EPERM when that was
	 * every member.
	 */
	KISTE_CMD_SANDBOX_KILL,
	/*
	 * IN: ID or NAME.  Kills every member and the sandbox's VM, if any;
	 * freed when the last reference goes.
	 */
	KISTE_CMD_SANDBOX_DEL,
	/*
	 * OUT: IFACE_VERSION for anyone; the STATS_* live object counts only for
	 * CAP_SYS_ADMIN.
	 */
	KISTE_CMD_STATS,
	/* notifications on the events group; never a request */
	KISTE_CMD_EVENT,

	KISTE_CMD_SHIM_FIRST = 16,
	KISTE_CMD_VM_FIRST = 32,
	KISTE_CMD_UK_FIRST = 48,

	__KISTE_CMD_MAX = 64,
	KISTE_CMD_MAX = __KISTE_CMD_MAX - 1
};

/* KISTE_A_FLAGS bits of a sandbox (OUT only; IN must be 0) */
#define KISTE_SB_F_TEMPORARY	0x1	/* tied to a /dev/kiste descriptor */

/*
 * Attributes.  1..63 core, 64..95 shim, 96..127 vm, 128..159 unikernel.
 * Every request attribute is validated strictly; attributes a command does
 * not take are rejected with an extack message.
 */
enum kiste_attr {
	KISTE_A_UNSPEC,
	KISTE_A_PAD,
	KISTE_A_ID,		/* u32 */
	KISTE_A_NAME,		/* string, < KISTE_NAME_MAX, exactly one NUL: the last byte */
	KISTE_A_MODE,		/* u32, enum kiste_mode */
	KISTE_A_STATE,		/* u32, enum kiste_state */
	KISTE_A_OWNER_UID,	/* u32, in the caller's user namespace */
	KISTE_A_MEMORY_LIMIT,	/* u64 bytes, 0 = none */
	KISTE_A_VCPU_LIMIT,	/* u32, 0 = none */
	KISTE_A_MEMBERS,	/* u32 live member tasks */
	KISTE_A_MEMBERS_TOTAL,	/* u32 tasks that were ever members */
	KISTE_A_FLAGS,		/* u32, KISTE_SB_F_* */
	KISTE_A_CREATED_NS,	/* u64, CLOCK_BOOTTIME at creation */
	KISTE_A_SIGNAL,		/* u32, 1..64 */
	KISTE_A_EVENT,		/* u32, enum kiste_event_type */
	KISTE_A_PID,		/* u32, pid in the initial pid namespace */
	KISTE_A_PARENT_PID,	/* u32, pid in the initial pid namespace */
	KISTE_A_EXIT_STATUS,	/* u32, wait(2) status word */
	KISTE_A_IFACE_VERSION,	/* u32, KISTE_IFACE_VERSION of the module */
	KISTE_A_STATS_SANDBOXES,	/* u32 live sandbox objects (incl. dying) */
	KISTE_A_STATS_MEMBERS,		/* u32 live member records */
	KISTE_A_STATS_FILES,		/* u32 open /dev/kiste descriptors */
	KISTE_A_STATS_IDS_ISSUED,	/* u32 ids handed out since load */
	KISTE_A_CNT_FORKS,	/* u64 members added by fork */
	KISTE_A_CNT_KILLS,	/* u64 signals sent to members by kiste */
	KISTE_A_CNT_REFUSED,	/* u64 forks over the member cap (killed) */
	KISTE_A_PIDS_LIMIT,	/* u32 processes and threads, 0 = none (v4) */
	KISTE_A_CPU_LIMIT,	/* u32 thousandths of a CPU, 0 = none (v4) */

	KISTE_A_SHIM_FIRST = 64,
	KISTE_A_SHIM_ARMED = KISTE_A_SHIM_FIRST,	/* u32 members with redirection armed */
	KISTE_A_SHIM_ENOSYS,	/* u64 syscalls the guest kernels did not implement */
	KISTE_A_VM_FIRST = 96,
	KISTE_A_VM_COUNT = KISTE_A_VM_FIRST,	/* u32 live VMs (0 or 1) */
	KISTE_A_VM_MEMORY,	/* u64 bytes in memory slots now */
	KISTE_A_VM_VCPUS,	/* u32 vCPUs created */
	KISTE_A_VM_EXITS,	/* u64 VM exits, all vCPUs, all VMs */
	KISTE_A_VM_GUEST_NS,	/* u64 CPU time members spent in guest mode */
	KISTE_A_UK_FIRST = 128,

	__KISTE_A_MAX = 160,
	KISTE_A_MAX = __KISTE_A_MAX - 1
};

/*
 * /dev/kiste ioctls.  Numbers 0x00..0x0f core, 0x10..0x1f shim (redirection
 * arming), 0x20..0x2f vm (KVM broker), 0x30..0x3f unikernel.
 */
#define KISTE_IOC_MAGIC		0xB7

/* KISTE_IOC_VERSION: OUT the module's KISTE_IFACE_VERSION. */
struct kiste_ioc_version {
	__u32 iface_version;	/* OUT */
	__u32 flags;		/* OUT: 0 */
};

/*
 * KISTE_IOC_CREATE: create a temporary sandbox owned by the caller and tied to
 * this descriptor: when the descriptor's last reference is closed (the holder
 * exits or is killed), the module kills every member and deletes the
 * sandbox.  One sandbox per descriptor (EBUSY otherwise).  Limits out of
 * their ranges fail with EINVAL, a pids limit not below max_members with
 * E2BIG (see KISTE_PIDS_LIMIT_MAX).
 */
struct kiste_ioc_create {
	__u32 flags;		/* IN: MUST be 0 */
	__u32 mode;		/* IN: enum kiste_mode */
	__u64 memory_limit;	/* IN: bytes, 0 = none */
	__u32 vcpu_limit;	/* IN: 0 = none */
	__u32 id;		/* OUT */
	__u32 pids_limit;	/* IN: 0 = none; see KISTE_PIDS_LIMIT_MAX (E2BIG) */
	__u32 cpu_limit;	/* IN: thousandths of a CPU, 0 = none */
	char name[KISTE_NAME_MAX];	/* IN: NUL-terminated; "" = "sb-<id>" */
};

/*
 * Still accepted, as KISTE_IOC_CREATE_V4: the struct of interface version 4,
 * whose name holds at most 63 characters; a version 3 caller's
 * (KISTE_IOC_CREATE_V3) is its first KISTE_IOC_CREATE_SIZE_V3 bytes, no pids
 * or CPU limit.  Only id is written back, at the same offset in each.
 */
struct kiste_ioc_create_v4 {
	__u32 flags;
	__u32 mode;
	__u64 memory_limit;
	__u32 vcpu_limit;
	__u32 id;
	char name[64];
	__u32 pids_limit;
	__u32 cpu_limit;
};

#define KISTE_IOC_CREATE_SIZE_V3	88

/*
 * KISTE_IOC_ATTACH: make the calling task a member of sandbox @id (0 = the
 * sandbox this descriptor created).  There is no way to leave; children and
 * threads created afterwards are members too (new processes count against the
 * member cap, new threads do not).  The caller MUST be single-threaded.
 * EBUSY if already a member or multi-threaded, ENOENT for an unknown id or
 * one the caller may not use, ESRCH if it is dying, EUSERS when the sandbox
 * is at its member cap.  Creating beyond the per-uid sandbox cap fails with
 * EUSERS as well.
 *
 * A member whose exec raises it above the sandbox's owner (a setuid or
 * setgid program, file capabilities: credentials the owner could not signal
 * under kill(2)'s rules, unless the owner is root or owns the member's user
 * namespace) is killed at that exec, before it runs.
 */
struct kiste_ioc_attach {
	__u32 id;		/* IN */
	__u32 flags;		/* IN: MUST be 0 */
};

#define KISTE_IOC_VERSION	_IOR(KISTE_IOC_MAGIC, 0x00, struct kiste_ioc_version)
#define KISTE_IOC_CREATE	_IOWR(KISTE_IOC_MAGIC, 0x01, struct kiste_ioc_create)
#define KISTE_IOC_CREATE_V4	_IOWR(KISTE_IOC_MAGIC, 0x01, struct kiste_ioc_create_v4)
#define KISTE_IOC_CREATE_V3	_IOC(_IOC_READ | _IOC_WRITE, KISTE_IOC_MAGIC, 0x01, \
				     KISTE_IOC_CREATE_SIZE_V3)
#define KISTE_IOC_ATTACH	_IOW(KISTE_IOC_MAGIC, 0x02, struct kiste_ioc_attach)

#define KISTE_IOC_SHIM_FIRST	0x10
#define KISTE_IOC_VM_FIRST	0x20
#define KISTE_IOC_UK_FIRST	0x30

/*
 * KISTE_IOC_SHIM_ARM: syscall redirection for shim mode.  Arms syscall user
 * dispatch without a selector for the calling task, which MUST be a member of
 * a sandbox of mode shim: every syscall made from outside the gate
 * [gate_start, gate_start + gate_len) then arrives as SIGSYS (si_code
 * SYS_USER_DISPATCH) instead of running.  The kernel tests the address just
 * after the syscall instruction, so a gate MUST NOT end with one.  The
 * module re-arms every task the armed task creates (fork, vfork, clone,
 * threads) with the same gate before it runs.  It cannot be disarmed
 * through kiste.ko; the launcher's seccomp filter MUST refuse
 * prctl(PR_SET_SYSCALL_USER_DISPATCH).  exec switches syscall user dispatch
 * off and leaves no gate, so an armed member that execs is killed at that
 * exec, before the new image runs.  On x86_64 the signal restorer MUST
 * lie inside the gate.  The caller MUST be single-threaded.  EBUSY if
 * already armed or multi-threaded, ENOTCONN if not a member, EOPNOTSUPP for
 * another mode, EINVAL for an empty or wrapping gate or nonzero
 * flags/reserved.
 */
struct kiste_ioc_shim_arm {
	__u32 flags;		/* IN: MUST be 0 */
	__u32 reserved;		/* IN: MUST be 0 */
	__u64 gate_start;	/* IN: first byte of the exempt text */
	__u64 gate_len;		/* IN: its length in bytes, > 0 */
};

#define KISTE_IOC_SHIM_ARM	_IOW(KISTE_IOC_MAGIC, KISTE_IOC_SHIM_FIRST + 0, \
				     struct kiste_ioc_shim_arm)

/*
 * KISTE_IOC_SHIM_ENOSYS: the guest kernel reports @count syscalls it did not
 * implement (answered ENOSYS); they add up in the caller's sandbox
 * (KISTE_A_SHIM_ENOSYS).  The caller MUST be an armed member of a shim
 * sandbox (ENOTCONN otherwise).
 */
struct kiste_ioc_shim_enosys {
	__u32 flags;		/* IN: MUST be 0 */
	__u32 count;		/* IN: how many since the last report, > 0 */
};

#define KISTE_IOC_SHIM_ENOSYS	_IOW(KISTE_IOC_MAGIC, KISTE_IOC_SHIM_FIRST + 1, \
				     struct kiste_ioc_shim_enosys)

/*
 * KISTE_IOC_VM_CREATE: the KVM broker.  Creates a KVM VM for the sandbox the
 * calling task is a member of and returns (also as the ioctl's value) a
 * descriptor owned by kiste.ko that forwards only what a VMM needs (KVM's
 * own VM and vCPU descriptors never enter any user task's table):
 *
 *   VM ioctls:     KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION,
 *                  KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2, KVM_SET_TSS_ADDR,
 *                  KVM_SET_IDENTITY_MAP_ADDR, KVM_IRQ_LINE,
 *                  KVM_IRQ_LINE_STATUS, KVM_IOEVENTFD, KVM_IRQFD,
 *                  KVM_SET_GSI_ROUTING, KVM_CHECK_EXTENSION
 *   system ioctls: KVM_GET_API_VERSION, KVM_GET_VCPU_MMAP_SIZE,
 *                  KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST
 *                  (answered as /dev/kvm would)
 *
 * Anything else fails with EPERM.  KVM_CREATE_VCPU returns a descriptor
 * owned by kiste.ko too (O_CLOEXEC): it forwards every vCPU ioctl but
 * KVM_GET_STATS_FD (EPERM) and maps the kvm_run, PIO and coalesced-MMIO pages
 * at offsets 0, 1 and 2 pages (KVM_GET_VCPU_MMAP_SIZE).  The sandbox's limits
 * hold: the sum of memory slot sizes stays within its memory limit (a sum
 * that does not fit in 64 bits is over any limit) and the number of vCPUs
 * within its vCPU limit (E2BIG otherwise; 0 = no limit).  Memory slots are
 * applied from a kernel copy.  VM and vCPU calls from another mm fail with
 * EIO.
 *
 * The VM lives, counts against the sandbox and occupies its one VM slot
 * until the VM descriptor, every vCPU descriptor and every mapping of one
 * are gone (EBUSY for a second VM until then).  Deleting the sandbox kills
 * the VM: every later VM or vCPU call fails with EIO.
 *
 * The caller MUST be single-threaded, MUST NOT share its descriptor table,
 * MUST NOT share its mm with any other process (a CLONE_VM child or sibling;
 * KVM ties the VM to the mm) and MUST be non-dumpable
 * (prctl(PR_SET_DUMPABLE, 0)): EBUSY, or EPERM while dumpable.  One VM per
 * sandbox at a time (EBUSY), none in a dying sandbox (ESRCH).  ENOTCONN if
 * the caller is not a member of a sandbox, ENODEV if KVM is not available.
 * On any error the caller has no VM, no new descriptor, and no
 * KISTE_EVENT_VM_CREATED was sent.
 */
struct kiste_ioc_vm_create {
	__u32 flags;		/* IN: MUST be 0 */
	__u32 type;		/* IN: KVM_CREATE_VM machine type, 0 on x86 */
	__s32 vm_fd;		/* OUT: the broker's VM descriptor (O_CLOEXEC) */
	__u32 reserved;		/* IN: MUST be 0 */
};

#define KISTE_IOC_VM_CREATE	_IOWR(KISTE_IOC_MAGIC, KISTE_IOC_VM_FIRST + 0, \
				      struct kiste_ioc_vm_create)

#endif /* _UAPI_LINUX_KISTE_H */
