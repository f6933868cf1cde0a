/* SPDX-License-Identifier: GPL-2.0 */
/* libkiste.h - the launcher-side library: netlink client, /dev/kiste wrappers, errors. */
#ifndef LIBKISTE_H
#define LIBKISTE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kiste.h>

struct json_object;

/*
 * Error object, passed last.  Functions return 0 (or a non-negative count) on
 * success and a negative errno on failure, with @err filled: err->code is the
 * same negative errno, err->msg one line naming the problem and the fix
 * (for kernel rejections, the extack message when the kernel sent one).
 * @err may be NULL.
 */
struct kiste_err {
	int code;
	char msg[512];
};

int kiste_err_set(struct kiste_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * @s made fit for an error line, in place: every byte that is not printable
 * ASCII (control characters such as ESC or a newline, DEL, bytes >= 0x80)
 * becomes '?', so text from elsewhere (a peer's message, a name a namespace
 * holds) keeps the line one line and gives a terminal nothing to act on.
 */
char *kiste_printable(char *s);

/* Prepend context: "context: old message". Returns err->code. */
int kiste_err_prefix(struct kiste_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- settings: every environment variable kiste reads (lib/settings.c, README) ---- */
/* The OCI runtime's configuration file (userspace/oci/runtime_conf.c). */
#define KISTE_RUNTIME_CONF	"/etc/kiste/runtime.conf"

enum kiste_setting {
	KISTE_SET_KERNEL,
	KISTE_SET_VM_CACHE,
	KISTE_SET_VM_STATS,
	KISTE_SET_VM_BZIMAGE,
	KISTE_SET_VM_INITRD,
	KISTE_SET_VM_DUMP_INITRD,
	KISTE_SET_VM_SECCOMP_DEBUG,
	KISTE_SET_VM_MODULES,
	KISTE_SET_UK_STATS,
	KISTE_SET_PATH,
	KISTE_SET_TERM,
	KISTE_SET_HOME,
	KISTE_SET_XDG_CACHE_HOME,
	KISTE_SET_TESTONLY_STOP_AT,
	KISTE_SET_SHIM_STATS,
	KISTE_SET_TESTONLY_SHIM_LIBSECCOMP,
	KISTE_SET_VM_ROOTFS_COPY,
	KISTE_SET_TESTONLY_NO_TTY_WATCHER,
	KISTE_SET_CONFIG,	/* instead of KISTE_RUNTIME_CONF */
	KISTE_SET_NR
};

struct kiste_setting_info {
	const char *name;	/* the environment variable */
	const char *what;	/* what it changes */
};

/* The variable's value; NULL when it is unset or empty. */
const char *kiste_setting(enum kiste_setting s);

/* identity.c: root of the initial user namespace (not rootless podman's namespace root). */
bool kiste_host_root(void);
#define KISTE_NOBODY 65534
/* identity.c: host root becomes nobody (groups too, every capability gone); 0 or -errno. */
int kiste_become_nobody(void);
/* identity.c: every capability of the calling thread gone (ambient ones with them); 0 or -errno. */
int kiste_caps_clear(void);
/*
 * identity.c: a process that needs no privilege from here on (a unikernel's
 * process, its VMM): host root becomes nobody, every capability goes, and the
 * parent-death signal the change of identity clears is set again (a parent
 * already gone: -ESRCH).  0 or -errno, said in @err.
 */
int kiste_unprivileged(struct kiste_err *err);
const struct kiste_setting_info *kiste_setting_info(enum kiste_setting s);

/* ---- names, modes, states, sizes ---- */
const char *kiste_mode_name(uint32_t mode);		/* "shim", "vm", "unikernel", "?" */
int kiste_mode_parse(const char *s, uint32_t *mode, struct kiste_err *err);
const char *kiste_state_name(uint32_t state);		/* "created", "running", ... */
const char *kiste_event_name(uint32_t type);		/* "created", "member-attached", ... */
/* "64M", "1G", "512k", "4096" (bytes); K/M/G/T binary, optional trailing B or iB */
int kiste_size_parse(const char *s, uint64_t *bytes, struct kiste_err *err);
/* A sandbox name kiste.ko takes (KISTE_NAME_MAX): KISTE_NAME_RULE says which. */
bool kiste_name_valid(const char *name);
#define KISTE_NAME_RULE "1-127 characters of A-Z a-z 0-9 _ + . -"
_Static_assert(KISTE_NAME_MAX == 128, "KISTE_NAME_RULE names the length");
/* Accepts a decimal number, or a name (SIGKILL, KILL, kill); 1..64. */
int kiste_signal_parse(const char *s, int *sig, struct kiste_err *err);

/* ---- generic netlink ---- */
struct kiste_nl;	/* opaque: libnl socket, resolved family id, mcast group id */

/*
 * Opens a genl socket and resolves the "kiste" family.  -ENOENT with
 * "kiste.ko is not loaded: modprobe kiste" when the family is missing.
 */
int kiste_nl_open(struct kiste_nl **out, struct kiste_err *err);
void kiste_nl_close(struct kiste_nl *nl);
/* The genl family's version attribute. */
uint32_t kiste_nl_family_version(const struct kiste_nl *nl);
/* For tests that craft raw messages: the libnl socket (struct nl_sock *) and family id. */
void *kiste_nl_sock(struct kiste_nl *nl);
int kiste_nl_family_id(const struct kiste_nl *nl);

struct kiste_sandbox_spec {
	const char *name;	/* NULL or "": the module names it "sb-<id>" */
	uint32_t mode;		/* enum kiste_mode */
	uint64_t memory_limit;	/* bytes, 0 = none */
	uint32_t vcpu_limit;	/* 0 = none */
	/* shown by kiste inspect; enforced by the launcher (uapi/linux/kiste.h) */
	uint32_t pids_limit;	/* processes and threads, 0 = none */
	uint32_t cpu_limit;	/* thousandths of a CPU, 0 = none */
	/*
	 * kiste_run_sandbox: a name another sandbox has makes this one unnamed
	 * instead of failing (an OCI container's id: another user could take
	 * that name first, or another --root's container have it)
	 */
	bool name_optional;
};

struct kiste_sandbox_info {
	uint32_t id;
	char name[KISTE_NAME_MAX];
	uint32_t mode;
	uint32_t state;
	uint32_t owner_uid;
	uint64_t memory_limit;
	uint32_t vcpu_limit;
	uint32_t pids_limit;	/* 0 = none */
	uint32_t cpu_limit;	/* thousandths of a CPU, 0 = none */
	uint32_t members;
	uint32_t members_total;
	uint32_t flags;		/* KISTE_SB_F_* */
	uint64_t created_ns;
	uint64_t cnt_forks;
	uint64_t cnt_kills;
	uint64_t cnt_refused;
	uint32_t shim_armed;	/* members with shim redirection armed */
	uint64_t shim_enosys;	/* syscalls the shim guest kernels did not implement */
	/* KVM broker (vm mode, unikernel --isolation vm) */
	uint32_t vm_count;	/* live brokered VMs: 0 or 1 */
	uint32_t vm_vcpus;	/* vCPUs of the live VM */
	uint64_t vm_memory;	/* bytes in the live VM's memory slots */
	uint64_t vm_exits;	/* VM exits, all VMs so far */
	uint64_t guest_ns;	/* CPU time members spent in guest mode */
};

struct kiste_stats {
	uint32_t iface_version;
	uint32_t sandboxes;
	uint32_t members;
	uint32_t files;
	uint32_t ids_issued;
};

struct kiste_event {
	uint32_t type;		/* enum kiste_event_type */
	uint32_t id;
	char name[KISTE_NAME_MAX];	/* "" when the event has none */
	uint32_t mode;		/* 0 when absent */
	uint32_t owner_uid;
	bool has_owner_uid;
	uint32_t pid;		/* 0 when absent */
	uint32_t parent_pid;	/* 0 when absent */
	uint32_t exit_status;	/* wait(2) status word */
	bool has_exit_status;
};

/* Persistent sandbox; *id gets the new id. */
int kiste_sandbox_new(struct kiste_nl *nl, const struct kiste_sandbox_spec *spec,
		      uint32_t *id, struct kiste_err *err);
/* By id when @name is NULL, else by name. */
int kiste_sandbox_get(struct kiste_nl *nl, uint32_t id, const char *name,
		      struct kiste_sandbox_info *info, struct kiste_err *err);
/* Resolves "ID" or "NAME" (a string of digits is an id) to an id. */
int kiste_sandbox_resolve(struct kiste_nl *nl, const char *ref, uint32_t *id,
			  struct kiste_err *err);
/* Dump: *infos is malloc'ed (free() it), *count entries, sorted by id. */
int kiste_sandbox_list(struct kiste_nl *nl, struct kiste_sandbox_info **infos,
		       size_t *count, struct kiste_err *err);
/* @sig 0 means SIGKILL. */
int kiste_sandbox_kill(struct kiste_nl *nl, uint32_t id, int sig, struct kiste_err *err);
int kiste_sandbox_del(struct kiste_nl *nl, uint32_t id, struct kiste_err *err);
int kiste_stats_get(struct kiste_nl *nl, struct kiste_stats *stats, struct kiste_err *err);

/* Joins the events group (needs CAP_SYS_ADMIN: -EPERM otherwise). */
int kiste_events_subscribe(struct kiste_nl *nl, struct kiste_err *err);
/*
 * Waits up to @timeout_ms (-1 = forever) for the next event.  Returns 0 with
 * *ev filled, -ETIMEDOUT when none came, -ENOBUFS when events were lost
 * (socket overrun; the caller may continue), other negative errno on error.
 */
int kiste_events_next(struct kiste_nl *nl, struct kiste_event *ev, int timeout_ms,
		      struct kiste_err *err);

/* ---- /dev/kiste ---- */
/* Returns an O_CLOEXEC descriptor; -ENOENT "kiste.ko is not loaded: modprobe kiste". */
int kiste_dev_open(struct kiste_err *err);
int kiste_dev_version(int fd, uint32_t *iface_version, struct kiste_err *err);
/*
 * Temporary sandbox tied to @fd.  A pids limit not below kiste.ko's
 * max_members is -E2BIG, with one line naming both and the fix.
 */
int kiste_dev_create(int fd, const struct kiste_sandbox_spec *spec, uint32_t *id,
		     struct kiste_err *err);
/* Attach the calling task; @id 0 = the sandbox @fd created. */
int kiste_dev_attach(int fd, uint32_t id, struct kiste_err *err);

/*
 * KVM broker: a VM for the sandbox the caller is a member of; returns the
 * broker's VM descriptor.  The only caller of KISTE_IOC_VM_CREATE: it unshares
 * the caller's descriptor table and makes it non-dumpable, as the broker
 * requires; the caller MUST be single-threaded.  -ENOTTY: the loaded module
 * has no broker.  VMMs get here through the KVM layer (kiste_kvm_broker_open).
 */
int kiste_dev_vm_create(int fd, uint32_t type, struct kiste_err *err);

/* ---- JSON (json-c); the caller owns the returned object ---- */
struct json_object *kiste_sandbox_info_json(const struct kiste_sandbox_info *info);
struct json_object *kiste_event_json(const struct kiste_event *ev);
struct json_object *kiste_stats_json(const struct kiste_stats *stats);

/* ---- files a caller names (lib/rootfs.c) ---- */
/*
 * Opens @path (relative to @dirfd, AT_FDCWD for the caller's cwd) with @flags
 * (O_CLOEXEC and O_NOCTTY are added) as a regular file, without opening (or
 * blocking on) a FIFO or a device while its type is unknown; *@st gets its stat.  Returns the
 * descriptor, -EINVAL when it is not a regular file, else -errno of open.
 */
struct stat;
int kiste_open_regular(int dirfd, const char *path, int flags, struct stat *st);
/* The same, @path resolved beneath @rootfd as if it were "/" (RESOLVE_IN_ROOT): for files of an image. */
int kiste_open_regular_in(int rootfd, const char *path, int flags, struct stat *st);

/*
 * console.c: an OCI container's terminal.  _connect: the engine's
 * --console-socket, connected; _make: a pty from @ptmx (sized @rows x @cols
 * when both are set) whose master goes over @sock (SCM_RIGHTS, its name as
 * the bytes, as runc sends it); *@slave its other end (close-on-exec), made
 * raw before the master goes when @raw (a relay's end: nothing typed before
 * is echoed or edited).
 */
int kiste_console_connect(const char *path, struct kiste_err *err);
int kiste_console_make(const char *ptmx, unsigned int rows, unsigned int cols, bool raw,
		       int sock, int *slave, struct kiste_err *err);
/*
 * The engine's side of _make (`kiste run -t` is its own engine): the master
 * sent over @sock, close-on-exec; -EAGAIN while nothing came, -EPIPE when
 * the sender hung up without one, -errno otherwise.
 */
int kiste_console_receive(int sock);

/*
 * tty_raw.c: `kiste run -t`'s side of the caller's terminal (one per process).
 * _raw: 0 made raw when kiste reads it (@input: -i) and it is a terminal in
 * kiste's foreground process group (false: left alone, as with -t alone);
 * until restored, a signal of kiste_tty_fatal_signals restores it before
 * ending kiste.  _restore: now (async-
 * signal-safe: one ioctl on 0 and rt_sigprocmask, all a confined caller needs);
 * _release: and the signals' default actions back.  _size_fd: the caller's
 * terminal to size from (0, else 1, with a size set) and its size; -1, 0 x 0.
 * _watch: the watcher that restores 0 after a death no handler sees (SIGKILL,
 * a seccomp kill), forked now: call it before confining or joining a sandbox
 * (_raw forks it itself if not yet); one per process, it holds 0 alone.
 */
void kiste_tty_watch(void);
void kiste_tty_fatal_signals(sigset_t *set);
bool kiste_tty_raw(bool input);
void kiste_tty_restore(void);
void kiste_tty_release(void);
int kiste_tty_size_fd(unsigned int *rows, unsigned int *cols);

#endif /* LIBKISTE_H */
