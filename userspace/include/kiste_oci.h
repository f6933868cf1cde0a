/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_oci.h - the OCI runtime front end: config.json as typed structs, the state under --root. */
#ifndef KISTE_OCI_H
#define KISTE_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kiste_run.h"

/*
 * Caps on what a config.json may hold, each with its reason: beyond them the
 * file is a mistake or an attack on the parser, never a container.
 */
#define KISTE_OCI_CONFIG_MAX	(4u << 20)	/* bytes: podman's are ~10 KiB */
#define KISTE_OCI_ARRAY_MAX	4096		/* entries of any one array */
#define KISTE_OCI_IDMAP_MAX	340		/* the kernel's uid_map line limit */
#define KISTE_OCI_ID_MAX	1024		/* container id: engines use 64 */

/* Annotation that picks the mode (DESIGN.md). */
#define KISTE_OCI_MODE_ANNOTATION "org.kiste.mode"
/* The mode's --isolation, for a mode that has that choice (unikernel: process|vm). */
#define KISTE_OCI_ISOLATION_ANNOTATION "org.kiste.isolation"

struct kiste_oci_strv {
	char **v;		/* NULL-terminated */
	size_t n;
};

struct kiste_oci_rlimit {
	int resource;		/* RLIMIT_* */
	uint64_t soft, hard;
};

enum kiste_oci_cap_set {
	KISTE_OCI_CAP_BOUNDING,
	KISTE_OCI_CAP_EFFECTIVE,
	KISTE_OCI_CAP_INHERITABLE,
	KISTE_OCI_CAP_PERMITTED,
	KISTE_OCI_CAP_AMBIENT,
	KISTE_OCI_CAP_SETS
};

struct kiste_oci_process {
	bool terminal;
	uint16_t console_rows, console_cols;	/* consoleSize; 0: none */
	int umask;			/* user.umask 0..0777; -1: none (the runtime's own) */
	uint32_t uid, gid;
	struct kiste_oci_strv args;	/* at least one */
	struct kiste_oci_strv env;	/* "K=V" each */
	char *cwd;			/* absolute */
	struct kiste_oci_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privileges;
	bool has_caps;
	uint64_t caps[KISTE_OCI_CAP_SETS];	/* bit N: capability N */
	size_t caps_unknown;		/* names this build does not know (ignored) */
};

struct kiste_oci_mount {
	char *destination;		/* absolute */
	char *type;			/* NULL: a bind mount when options say so */
	char *source;
	struct kiste_oci_strv options;
	bool bind;			/* type bind/rbind, or a bind/rbind option */
	bool readonly;			/* an "ro" option */
};

enum kiste_oci_ns_type {
	KISTE_OCI_NS_PID,
	KISTE_OCI_NS_NETWORK,
	KISTE_OCI_NS_MOUNT,
	KISTE_OCI_NS_IPC,
	KISTE_OCI_NS_UTS,
	KISTE_OCI_NS_USER,
	KISTE_OCI_NS_CGROUP,
	KISTE_OCI_NS_TIME,
	KISTE_OCI_NS_TYPES
};

struct kiste_oci_ns {
	bool present;
	char *path;			/* NULL: a new one */
};

struct kiste_oci_idmap {
	uint32_t container_id, host_id, size;
};

struct kiste_oci_hook {
	char *path;			/* absolute */
	struct kiste_oci_strv args, env;
	int timeout_s;			/* 0: none */
};

enum kiste_oci_hook_kind {
	KISTE_OCI_HOOK_PRESTART,
	KISTE_OCI_HOOK_CREATE_RUNTIME,
	KISTE_OCI_HOOK_CREATE_CONTAINER,
	KISTE_OCI_HOOK_START_CONTAINER,
	KISTE_OCI_HOOK_POSTSTART,
	KISTE_OCI_HOOK_POSTSTOP,
	KISTE_OCI_HOOK_KINDS
};

struct kiste_oci_resources {
	uint64_t memory;		/* bytes; 0: no limit */
	uint32_t pids;			/* 0: no limit */
	uint32_t cpus_milli;		/* quota / period in thousandths of a CPU; 0: none */
	/* The value as written, for error lines that name it. */
	int64_t memory_raw, pids_raw;
	/* cpu.quota and cpu.period as written (-1 and 100000 when absent). */
	int64_t cpu_quota, cpu_period;
	/* Which members were there (update -r changes only those). */
	bool memory_set, pids_set, cpu_set;
};

/* linux.seccomp's actions (SCMP_ACT_*) and argument tests (SCMP_CMP_*), as runc reads them. */
enum kiste_oci_scmp_act {
	KISTE_OCI_SCMP_KILL,
	KISTE_OCI_SCMP_KILL_PROCESS,
	KISTE_OCI_SCMP_KILL_THREAD,
	KISTE_OCI_SCMP_TRAP,
	KISTE_OCI_SCMP_ERRNO,
	KISTE_OCI_SCMP_TRACE,
	KISTE_OCI_SCMP_ALLOW,
	KISTE_OCI_SCMP_LOG,
	KISTE_OCI_SCMP_NOTIFY,
	KISTE_OCI_SCMP_ACTS
};

enum kiste_oci_scmp_op {
	KISTE_OCI_SCMP_NE,
	KISTE_OCI_SCMP_LT,
	KISTE_OCI_SCMP_LE,
	KISTE_OCI_SCMP_EQ,
	KISTE_OCI_SCMP_GE,
	KISTE_OCI_SCMP_GT,
	KISTE_OCI_SCMP_MASKED_EQ,
	KISTE_OCI_SCMP_OPS
};

#define KISTE_OCI_SCMP_RULES_MAX	4096	/* syscalls[] entries (Docker's profile: ~50) */
#define KISTE_OCI_SCMP_NAMES_MAX	1024	/* names of one entry (Docker's longest: ~370) */
#define KISTE_OCI_DEVICES_MAX		65536	/* linux.devices, linux.resources.devices */

struct kiste_oci_scmp_arg {
	uint32_t index;			/* 0..5 */
	uint64_t value, value_two;
	int op;				/* enum kiste_oci_scmp_op */
};

struct kiste_oci_scmp_rule {
	struct kiste_oci_strv names;	/* at least one */
	int action;			/* enum kiste_oci_scmp_act */
	int64_t errno_ret;		/* -1: none given (ERRNO's is EPERM then) */
	struct kiste_oci_scmp_arg *args;
	size_t nargs;
};

struct kiste_oci_seccomp {
	int default_action;		/* enum kiste_oci_scmp_act */
	int64_t default_errno_ret;	/* -1: none given */
	struct kiste_oci_strv architectures, flags;	/* SCMP_ARCH_*, SECCOMP_FILTER_FLAG_* */
	char *listener_path;		/* NULL: none (needed by SCMP_ACT_NOTIFY) */
	struct kiste_oci_scmp_rule *syscalls;
	size_t nsyscalls;
};

/* linux.devices: a device node the container is to be given. */
struct kiste_oci_device {
	char *path;			/* absolute */
	char type;			/* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;		/* -1 for 'p' */
	int64_t file_mode, uid, gid;	/* -1: not given */
};

/* linux.resources.devices: one rule of the device cgroup. */
struct kiste_oci_device_rule {
	bool allow;
	char type;			/* 'a' (all, also when not given), 'b' or 'c' */
	int64_t major, minor;		/* -1: every number */
	char access[4];			/* of "rwm"; "rwm" when not given */
};

/* A member of a string-to-string object: annotations, linux.sysctl. */
struct kiste_oci_kv {
	char *key, *value;
};

struct kiste_oci_config {
	char *oci_version;
	bool has_process;
	struct kiste_oci_process process;
	char *root_path;		/* as written */
	bool root_readonly;
	char *hostname;			/* NULL: none */
	struct kiste_oci_mount *mounts;
	size_t nmounts;
	struct kiste_oci_hook *hooks[KISTE_OCI_HOOK_KINDS];
	size_t nhooks[KISTE_OCI_HOOK_KINDS];
	struct kiste_oci_kv *annotations;
	size_t nannotations;
	/* linux */
	struct kiste_oci_ns ns[KISTE_OCI_NS_TYPES];
	struct kiste_oci_idmap *uid_mappings, *gid_mappings;
	size_t nuid_mappings, ngid_mappings;
	struct kiste_oci_resources resources;
	char *cgroups_path;
	struct kiste_oci_strv masked_paths, readonly_paths;
	/* linux.sysctl: names checked (kiste_oci_sysctl_ok), values strings */
	struct kiste_oci_kv *sysctl;
	size_t nsysctl;
	struct kiste_oci_seccomp *seccomp;	/* NULL: none */
	struct kiste_oci_device *devices;
	size_t ndevices;
	struct kiste_oci_device_rule *device_rules;
	size_t ndevice_rules;
};

/*
 * Parses the text of a config.json into @c (zeroed first; free it with
 * kiste_oci_config_free() whatever the result).  Returns 0, or -EINVAL with
 * one line in @err naming the JSON path of the first bad field and what it
 * must be ("config.json: process.args[1]: must be a string").
 */
int kiste_oci_config_parse(const char *text, size_t len, struct kiste_oci_config *c,
			   struct kiste_err *err);
/* Reads BUNDLE/config.json (at most KISTE_OCI_CONFIG_MAX bytes) and parses it. */
int kiste_oci_config_load(const char *bundle, struct kiste_oci_config *c, struct kiste_err *err);
/*
 * Reads a runtime-spec process object (`exec --process FILE`) into
 * @c->process, checked as config.json's; free @c with kiste_oci_config_free().
 */
int kiste_oci_process_load(const char *path, struct kiste_oci_config *c, struct kiste_err *err);
void kiste_oci_config_free(struct kiste_oci_config *c);
/* The value of annotation @key, or NULL. */
const char *kiste_oci_annotation(const struct kiste_oci_config *c, const char *key);
const char *kiste_oci_ns_name(enum kiste_oci_ns_type t);
/* SCMP_ACT_ALLOW for KISTE_OCI_SCMP_ALLOW, and so on. */
const char *kiste_oci_scmp_act_name(int act);
/*
 * The namespace whose setting sysctl @key is (net.* the network's, the System V
 * and POSIX IPC limits the IPC one's, kernel.hostname/domainname UTS's), or -1
 * for a host-wide one.
 */
int kiste_oci_sysctl_ns(const char *key);
/*
 * Sysctl @key as its path below /proc/sys into @out (@n bytes): a name with a
 * slash is the path, else its dots are the slashes (runc's rule); 0, or
 * -EINVAL for a name that is no plain path of words (".." and the like).
 */
int kiste_oci_sysctl_path(const char *key, char *out, size_t n);

/*
 * The `mode` of the runtime's configuration file (KISTE_RUNTIME_CONF, or
 * KISTE_CONFIG's; oci/runtime_conf.c) into @mode: 1; no file (or no mode in it): 0 and @mode empty;
 * -errno with one line in @err for a file that is there but not usable.
 */
int kiste_runtime_conf_mode(char *mode, size_t n, struct kiste_err *err);
/* The file kiste_runtime_conf_mode() reads: KISTE_CONFIG's, else KISTE_RUNTIME_CONF. */
const char *kiste_runtime_conf_path(void);

/* ---- the state of one container under --root (oci/state.c) ---- */

enum kiste_oci_status {
	KISTE_OCI_CREATING,	/* create has not finished (or died half way) */
	KISTE_OCI_CREATED,	/* the init waits for start */
	KISTE_OCI_RUNNING,
	KISTE_OCI_STOPPED,
	KISTE_OCI_PAUSED,	/* running, its cgroup frozen (pause) */
};

struct kiste_oci_state {
	char id[KISTE_OCI_ID_MAX + 1];
	char dir[PATH_MAX];		/* ROOT/ID */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[48];		/* RFC 3339 UTC with nanoseconds, as runc writes it */
	char mode[16];
	char oci_version[32];
	pid_t pid;			/* the container's init (host pid); 0 before create ends */
	uint64_t pid_start;		/* its start time (/proc/PID/stat field 22): pid reuse */
	uint32_t owner_uid;
	struct kiste_cgroup cg;		/* version 0: none */
	/*
	 * v1 hierarchies kiste's run cgroup has no use for but the OCI verbs do
	 * (oci/cgroup_ops.c): the freezer (pause) and cpuacct (events --stats);
	 * "" when absent.  Each passes the same check as cg.dir.
	 */
	char freezer_dir[PATH_MAX];
	char cpuacct_dir[PATH_MAX];
	struct kiste_oci_kv *annotations;
	size_t nannotations;
};

/*
 * A container id as engines send them: 1..KISTE_OCI_ID_MAX characters of
 * A-Z a-z 0-9 _ + - ., not "." or "..".  The error names the id and the rule.
 */
int kiste_oci_id_check(const char *id, struct kiste_err *err);
/*
 * Makes ROOT/ID (ROOT too, mode 0700) for a new container; -EEXIST with
 * "container with given ID already exists" when it is there.  @s->dir set.
 */
int kiste_oci_state_new(const char *root, const char *id, struct kiste_oci_state *s,
			struct kiste_err *err);
/* Reads ROOT/ID/state.json; -ENOENT "container does not exist". */
int kiste_oci_state_load(const char *root, const char *id, struct kiste_oci_state *s,
			 struct kiste_err *err);
/* Writes state.json atomically (a temporary file renamed over it). */
int kiste_oci_state_save(const struct kiste_oci_state *s, struct kiste_err *err);
void kiste_oci_state_free(struct kiste_oci_state *s);
/* Takes an exclusive lock on the container's folder; returns the fd to close. */
int kiste_oci_state_lock(const struct kiste_oci_state *s, struct kiste_err *err);
/*
 * ROOT/ID/exec.sock (kiste_exec.h): bound and listening (@listen, create's,
 * for the container's init) or connected (`kiste exec`); named through the
 * folder's descriptor, so that a long --root still fits an AF_UNIX name.
 */
int kiste_oci_exec_socket(const char *dir, bool listen, struct kiste_err *err);
/* What the container is now: from the init's liveness and the start fifo. */
enum kiste_oci_status kiste_oci_state_status(const struct kiste_oci_state *s);
const char *kiste_oci_status_name(enum kiste_oci_status st);
/* The state as runc prints it (`state`, `list --format json`); caller owns it. */
struct json_object *kiste_oci_state_json(const struct kiste_oci_state *s, bool owner_name);
/* Removes the folder and everything in it (after the container has gone). */
int kiste_oci_state_remove(const struct kiste_oci_state *s, struct kiste_err *err);
/* The ids under @root, sorted; *ids malloc'ed, each entry too. */
int kiste_oci_state_ids(const char *root, char ***ids, size_t *n, struct kiste_err *err);
/* The start time of @pid (clock ticks after boot), 0 when it is gone or a zombie. */
uint64_t kiste_oci_pid_start(pid_t pid);
/*
 * A pidfd of @s's init, its start time checked after the descriptor is open:
 * a signal through it never reaches a process that took the pid after the
 * init ended.  -ESRCH (or -errno) when the init is gone.
 */
int kiste_oci_init_pidfd(const struct kiste_oci_state *s);

/*
 * Parses the text of a LinuxResources object (runc update -r FILE) into @r
 * (zeroed first): memory.limit, pids.limit, cpu.quota/period, each marked
 * *_set when present; other members are reported in *@ignored (may be NULL)
 * by name, comma-separated.  One error line names @what and the JSON path.
 */
int kiste_oci_resources_parse(const char *what, const char *text, size_t len,
			      struct kiste_oci_resources *r, char *ignored, size_t ignored_len,
			      struct kiste_err *err);

/* The hooks' names in config.json, by enum kiste_oci_hook_kind. */
extern const char *const kiste_oci_hook_names[KISTE_OCI_HOOK_KINDS];
/* Only the "hooks" member of a JSON object (kiste's own ROOT/ID/hooks.json) into @c. */
int kiste_oci_hooks_parse(const char *what, const char *text, size_t len,
			  struct kiste_oci_config *c, struct kiste_err *err);

/* ---- hooks (oci/hooks.c): run by the runtime, with the caller's privileges ---- */

/* The state a hook reads on stdin, as runc gives it; malloc'ed text. */
char *kiste_oci_hook_state(const struct kiste_oci_state *s, const char *status, pid_t pid);
/*
 * Runs @n hooks of @kind one after the other, each with @state on stdin, in
 * folder @bundle (NULL: the caller's, as runc's delete leaves it), its args (argv[0] its path when none) and its env (the caller's
 * when none), killed at its timeout.  Stops at the first that fails: -EIO
 * (exit status, its stdout and stderr in @err) or -ETIMEDOUT.
 */
int kiste_oci_hooks_run(enum kiste_oci_hook_kind kind, const struct kiste_oci_hook *h, size_t n,
			const char *bundle, const char *state, struct kiste_err *err);
/* The hooks that run after create (poststart, poststop) kept in ROOT/ID/hooks.json. */
int kiste_oci_hooks_save(const struct kiste_oci_state *s, const struct kiste_oci_config *c,
			 struct kiste_err *err);
/* Reads them back into @c (no hooks.json: none); free with kiste_oci_config_free(). */
int kiste_oci_hooks_load(const struct kiste_oci_state *s, struct kiste_oci_config *c,
			 struct kiste_err *err);

/* ---- the container's cgroup as the OCI verbs use it (oci/cgroup_ops.c) ---- */

/* The freezer and cpuacct v1 cgroups for the container, @pid moved in; no-op on v2 or none. */
int kiste_oci_cgroup_extra(struct kiste_oci_state *s, pid_t pid, struct kiste_err *err);
/* Removes them (after the container's processes are gone). */
void kiste_oci_cgroup_extra_remove(struct kiste_oci_state *s);
/* True when the container's cgroup is frozen or freezing. */
bool kiste_oci_frozen(const struct kiste_oci_state *s);
/* Freezes (pause) or thaws (resume) the container's cgroup and waits until it is so. */
int kiste_oci_freeze(const struct kiste_oci_state *s, bool freeze, struct kiste_err *err);
/* The host pids in the container's cgroup (or its pid namespace without one), sorted. */
int kiste_oci_pids(const struct kiste_oci_state *s, pid_t **pids, size_t *n,
		   struct kiste_err *err);

/* What update changes; a member left 0 (or *_set false) stays as it is. */
struct kiste_oci_update {
	bool memory_set, pids_set, cpu_set;
	uint64_t memory;		/* bytes */
	uint32_t pids;			/* processes of the workload (the init is added) */
	int64_t cpu_quota;		/* microseconds per period; -1: none; 0: as it is */
	uint64_t cpu_period;		/* microseconds; 0: as it is */
};
/* Writes @u into the container's cgroup, within mode @limits' ranges. */
int kiste_oci_cgroup_update(const struct kiste_oci_state *s, const struct kiste_run_limits *limits,
			    const struct kiste_oci_update *u, struct kiste_err *err);
/* How many processes of the container the kernel killed for its memory limit so far. */
uint64_t kiste_oci_oom_count(const struct kiste_oci_state *s);
/* runc's events --stats object for the container ({"type":"stats","id":...,"data":{...}}). */
struct json_object *kiste_oci_stats_json(const struct kiste_oci_state *s);

/* ---- features and spec (oci/default_spec.c) ---- */

struct kiste_mode_ops;
/* features.json as runc prints it, with what kiste honours (@modes: the table); caller owns it. */
struct json_object *kiste_oci_features_json(const struct kiste_mode_ops *const *modes,
					    const char *version);
/* runc spec's default config.json (@rootless: runc spec --rootless for @uid/@gid). */
struct json_object *kiste_oci_default_spec(bool rootless, uid_t uid, gid_t gid,
					   struct kiste_err *err);

/* The hooks that run after create (oci/hooks.c), beside state.json. */
#define KISTE_OCI_HOOKS_FILE "hooks.json"

/* The file the init reads one byte from to start the workload (the "not started" marker). */
#define KISTE_OCI_START_FIFO "start.fifo"
/* Shim mode: `kiste trace ID on|off`'s switch (lib/trace_switch.c). */
#define KISTE_OCI_TRACE_FILE "trace"

#endif /* KISTE_OCI_H */
