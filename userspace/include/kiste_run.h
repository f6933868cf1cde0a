/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_run.h - the run contract every mode shares: exit statuses, common options, supervision. */
#ifndef KISTE_RUN_H
#define KISTE_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <kiste/exit.h>

#include "libkiste.h"

/*
 * The exit status for a workload that could not be started: -ENOENT is 127;
 * -ENOEXEC, -EACCES, -ELIBACC, -ELIBBAD, -EISDIR and -ENOTDIR are 126 (found,
 * not runnable); anything else is kiste's own failure, 125.
 */
int kiste_exit_for_errno(int neg_errno);

struct kiste_cgroup;
struct kiste_run_opts;

/* Who ended how, for the one line kiste prints about a workload's death. */
struct kiste_run_who {
	const char *what;	/* "'ls'", "unikernel 'hello'", "the VMM of unikernel 'x'" */
	const char *sigsys;	/* after "killed by the seccomp filter (SIGSYS): " */
	const struct kiste_cgroup *cg;	/* the sandbox's cgroup (OOM kills), or NULL */
};

/*
 * Maps a wait(2) status to kiste run's exit status: the exit code, or 128+N
 * for signal N.  A SIGSYS death is the seccomp filter's doing, a SIGKILL
 * after an OOM kill in who->cg the memory limit's: one line on stderr says
 * so, naming @who.
 */
int kiste_exit_from_wait(int wstatus, const struct kiste_run_who *who);

/*
 * That line for a SIGSYS death, into @buf (snprintf's result): for a
 * workload that reports its own end (unikernel direct entry).
 */
#define KISTE_SIGSYS_LINE_MAX 8192
int kiste_exit_sigsys_line(const struct kiste_run_who *who, char *buf, size_t n);

/* The one line for a workload killed at --timeout; returns 128+SIGKILL. */
int kiste_exit_timed_out(const struct kiste_run_who *who, unsigned int timeout_s);

/*
 * A launcher's child that fails before the workload runs: prints
 * "kiste: MESSAGE" and _exit(125), which the parent's wait reports as is.
 */
__attribute__((noreturn)) void kiste_child_fail(const struct kiste_err *err);

/*
 * The temporary sandbox of one `kiste run`, with kiste.ko: *kfd becomes a
 * /dev/kiste descriptor that created it (the sandbox dies with it); a task
 * joins it with kiste_dev_attach(*kfd, 0).  Without the module *kfd is -1 and
 * 0 is returned: every mode runs without it (DESIGN.md).  In `kiste run` it
 * also writes the launcher's record (kiste_run_record_arm, below).
 */
int kiste_run_sandbox(const struct kiste_sandbox_spec *spec, int *kfd, struct kiste_err *err);

/*
 * Signals a launcher forwards to its workload (INT, TERM, HUP) plus CHLD.
 * Block them before fork (*@old gets the mask to restore in the child), then
 * supervise: kiste_run_supervise() forwards the three to @child, kills it
 * with SIGKILL at @timeout_s (0: none) and reaps it into *@wstatus.
 * Returns true when the timeout fired.
 */
void kiste_run_block_signals(sigset_t *set, sigset_t *old);
/*
 * Work left for when this process is gone (killed, or ending confined where
 * it may not do it): forks a watcher that is nobody's child (twice, so the
 * caller's waits never see it) and holds nothing of the caller's but *@keep
 * (moved to descriptor 4; NULL or -1: none), and returns true in it once the
 * caller has ended; false in the caller, also when no watcher could be made.
 * The watcher does its work and _exit()s.
 */
bool kiste_watch_exit(const char *comm, int *keep);
bool kiste_run_supervise(pid_t child, const sigset_t *set, unsigned int timeout_s,
			 int *wstatus, struct rusage *ru);
/*
 * A helper @child cannot run without (the unikernel's network relay): when
 * it ends first, kiste_run_supervise_with() kills @child with SIGKILL, reaps
 * both, and sets ended_first and status (the helper's wait status).
 */
struct kiste_run_companion {
	pid_t pid;		/* 0: none */
	int status;
	bool ended_first;
};
bool kiste_run_supervise_with(pid_t child, struct kiste_run_companion *c, const sigset_t *set,
			      unsigned int timeout_s, int *wstatus, struct rusage *ru);

/*
 * A --rootfs as a mode is about to use it: an existing directory; with
 * @writable, never the host's root, a system tree (/etc, /usr, ...) or a
 * directory holding one, decided on device and inode (so /., //, /tmp/..,
 * symlinks and bind mounts of them are refused alike).  The _fd form checks
 * the directory as mounted, right before the sandbox gets it.
 */
int kiste_rootfs_check(const char *rootfs, bool writable, struct kiste_err *err);

/*
 * trace_switch.c: `kiste trace ID on|off`.  A switch is a one-page file the
 * sandbox's guest kernels map read-only; '1' at its first byte traces.
 */
int kiste_trace_run_dir(char *buf, size_t n);
int kiste_trace_switch_create(const char *path, bool exclusive, int *lockfd, int *ro,
			      struct kiste_err *err);
/*
 * kiste run --name NAME: claims the name for this process (the switch at
 * RUNDIR/NAME.trace, made and locked, its path into @path), what `kiste
 * trace` and `kiste exec` find the run by.  0 with *@lockfd -1 when the
 * caller has no run folder (no XDG_RUNTIME_DIR): it runs without one.
 */
int kiste_run_name_claim(const char *name, char *path, size_t n, int *lockfd, int *ro,
			 struct kiste_err *err);
int kiste_trace_switch_set(const char *path, bool on, struct kiste_err *err);
int kiste_trace_switch_get(const char *path, struct kiste_err *err);

/*
 * run_exec.c: `kiste exec NAME` into a running `kiste run --mode=shim|vm
 * --name NAME`.  The launcher publishes (RUNDIR/NAME.exec,
 * RUNDIR/NAME.exec.sock, beside NAME.trace whose lock it holds) and gets the
 * listening socket for its init (vm mode: its VMM); kiste exec connects,
 * with the run's defaults, or gets -ENOENT (no such running run of the
 * caller's) with no message.
 */
struct kiste_run_exec_defaults {
	char *buf;			/* holds the strings below */
	const char *cwd;		/* the run's --cwd, else "/" */
	char **env;			/* the run's workload's environment, NULL-ended */
	size_t nenv;
	bool user_set;			/* the run's --user */
	uint32_t uid, gid;
	pid_t init;			/* the sandbox's init (its id maps), -1 unknown */
	const char *mode;		/* "shim" (NULL: it), or "vm": who serves the socket */
};
int kiste_run_exec_publish(const char *name, const struct kiste_run_exec_defaults *d,
			   struct kiste_err *err);
/* The launcher, once the ids are mapped: NAME.exec.init names the init (the relay's maps). */
void kiste_run_exec_publish_init(const char *name, pid_t init);
void kiste_run_exec_unpublish(const char *name);
/*
 * A launcher that ends confined (vm mode's VMM) cannot unpublish: a watcher
 * (kiste_watch_exit) holding the name's @lock, the run's own open file, does
 * it and removes @lock_path once the launcher is gone, killed too; the lock
 * goes last, so a next run of the name never loses its files to it.
 */
void kiste_run_name_watch(const char *name, const char *lock_path, int lock);
int kiste_run_exec_connect(const char *name, struct kiste_run_exec_defaults *d,
			   struct kiste_err *err);
void kiste_run_exec_defaults_free(struct kiste_run_exec_defaults *d);
/* The mode NAME.exec names ("shim", "vm"), or NULL: no readable record. */
const char *kiste_run_exec_mode(const char *name);
int kiste_rootfs_check_fd(int fd, const char *name, struct kiste_err *err);

/*
 * Test hook (lib/settings.c): the caller stops itself with SIGSTOP when
 * KISTE_TESTONLY_STOP_AT names @phase, so that a test can SIGKILL a launcher
 * exactly there (selftests/kill).  Lowers nothing; a no-op otherwise.
 */
void kiste_test_phase(const char *phase);

/* ---- one cgroup per sandbox (lib/cgroup.c) ---- */

#define KISTE_CG_DIRS 3	/* v1: pids, memory, cpu; v2 uses the first */

struct kiste_cgroup {
	int version;			/* 0: none usable here, 1 or 2 */
	int ndirs;
	char dir[KISTE_CG_DIRS][PATH_MAX];
	char home[KISTE_CG_DIRS][PATH_MAX];	/* where the launcher was (kiste_cgroup_leave) */
};

/* No cgroup (yet), without zeroing the 24 KiB of paths: a start-up path's page faults. */
static inline void kiste_cgroup_init(struct kiste_cgroup *cg)
{
	cg->version = 0;
	cg->ndirs = 0;
}

struct kiste_cgroup_limits {
	uint64_t memory;		/* bytes; 0: none */
	uint32_t pids;			/* 0: none */
	uint32_t cpus_milli;		/* CPU time in thousandths of a CPU; 0: none */
};

/*
 * Which cgroup hierarchy kiste would use here, as a phrase for `kiste check`,
 * or NULL when none is usable (not root, no controllers); fills @cg's parent.
 */
const char *kiste_cgroup_probe(struct kiste_cgroup *cg);
/*
 * A new cgroup @name below kiste's own with limits @l; cg->version is 0 (and
 * 0 returned) when this host offers none the caller may use.
 */
int kiste_cgroup_create(const char *name, const struct kiste_cgroup_limits *l,
			struct kiste_cgroup *cg, struct kiste_err *err);
/*
 * An OCI container's cgroup @name (below kiste/oci/): no watcher removes it
 * when the caller exits; kiste_cgroup_destroy() at the container's delete does.
 */
int kiste_cgroup_create_container(const char *name, const struct kiste_cgroup_limits *l,
				  struct kiste_cgroup *cg, struct kiste_err *err);
/* Moves @pid (0: the caller) into @cg. */
int kiste_cgroup_attach(const struct kiste_cgroup *cg, pid_t pid, struct kiste_err *err);
/* Moves the caller out of @cg again (a launcher that was the sandbox, as vm mode's VMM). */
int kiste_cgroup_leave(const struct kiste_cgroup *cg);
/* Whether kiste_cgroup_leave can (the caller's own cgroups' task files are writable to it). */
bool kiste_cgroup_can_leave(const struct kiste_cgroup *cg);
/* True when the kernel killed a process of @cg for its memory limit. */
bool kiste_cgroup_oom(const struct kiste_cgroup *cg);
/* Kills whatever is left in @cg and removes it. */
void kiste_cgroup_destroy(struct kiste_cgroup *cg);
/*
 * The cgroup of one `kiste run` of @mode: @memory (the mode knows what its
 * processes need beyond the workload's --memory), --pids-limit, --cpus.
 */
int kiste_run_cgroup(const char *mode, const struct kiste_run_opts *o, uint64_t memory,
		     uint32_t pids, struct kiste_cgroup *cg, struct kiste_err *err);

/* ---- the options every mode takes (one parser, one verdict per bad value) ---- */

/* -v, --volume SRC:DST[:ro|:rw] as a mode's own option parses it (shim binds, vm disks). */
struct kiste_volume {
	const char *src, *dst;		/* absolute; point into buf */
	bool ro;
	char buf[2 * 512];
};

/* Fills @v from @arg: absolute SRC and DST, DST without "..", an optional :ro or :rw. */
int kiste_volume_parse(struct kiste_volume *v, const char *arg, struct kiste_err *err);

struct kiste_run_opts;
/* publish.c: one -p into @o (one line in @err naming the spelling when bad). */
int kiste_publish_parse(const char *arg, struct kiste_run_opts *o, struct kiste_err *err);
/* A decimal @s in @min..@max: 0, -EINVAL (not a number) or -ERANGE. */
int kiste_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/*
 * passt's and pasta's -t (or -u with @udp) spec of @o's -p: "[IP/]HOSTPORT:PORT,...",
 * or "none"; -E2BIG when it does not fit @n bytes (never a cut list).
 */
int kiste_publish_spec(const struct kiste_run_opts *o, bool udp, char *spec, size_t n);
/*
 * Each of @o's -p ports bound once on the host and let go, before pasta or passt
 * is started: a port in use, privileged or on an address not the host's is one
 * line in @err (-errno), where pasta and passt would go on without it.  A port
 * taken between this check and their start is still theirs to lose.
 */
int kiste_publish_check(const struct kiste_run_opts *o, struct kiste_err *err);
/*
 * --network ns:PATH (lib/netns.c): @path opened and checked to be a network
 * namespace file; its descriptor (O_CLOEXEC), or -errno with one line in @err.
 */
int kiste_netns_open(const char *path, struct kiste_err *err);
/* Helper program @name on the caller's PATH (as podman finds its helpers), or NULL. */
const char *kiste_helper_path(const char *name);
/*
 * In a helper's child before exec: signals back to their defaults and
 * unblocked, killed with the launcher (parent-death signal), and gone at once
 * (127) if @parent already is.
 */
void kiste_helper_child(pid_t parent);
/*
 * A helper that must outlive the signals a terminal, timeout(1) or a
 * process-group kill sends (INT, TERM, HUP, QUIT): they are kiste's to
 * forward to the workload, and the helper ends when its workload does
 * (passt and the unikernel's relay: their one client hangs up).  Ignored,
 * so that they stay ignored across exec.  After kiste_helper_child.
 */
void kiste_helper_ignore_stops(void);

/* --env entries; more is a typo or an attack on whatever carries them. */
#define KISTE_RUN_ENV_MAX	256
/* The kernel's own ceiling on pids (PID_MAX_LIMIT); more is a typo. */
#define KISTE_RUN_PIDS_MAX	(4u << 20)
/* -p entries; podman has no cap, but each is a listening socket of pasta's. */
#define KISTE_RUN_PUBLISH_MAX	64
/* One --timeout cap for every mode: a year; more is a typo. */
#define KISTE_RUN_TIMEOUT_MAX	(365u * 24 * 3600)

/* The common options, as bits of struct kiste_run_limits::accepts. */
enum kiste_run_opt {
	KISTE_OPT_NAME = 1u << 0,
	KISTE_OPT_MEMORY = 1u << 1,
	KISTE_OPT_CPUS = 1u << 2,
	KISTE_OPT_TIMEOUT = 1u << 3,
	KISTE_OPT_USER = 1u << 4,
	KISTE_OPT_ENV = 1u << 5,
	KISTE_OPT_CWD = 1u << 6,
	KISTE_OPT_ROOTFS = 1u << 7,
	KISTE_OPT_PIDS = 1u << 8,
	KISTE_OPT_HOSTNAME = 1u << 9,
	KISTE_OPT_TTY = 1u << 10,	/* -t: a terminal of the sandbox's own, relayed */
	KISTE_OPT_ALL = (1u << 11) - 1,
};

/*
 * What really differs per mode: which common options it honours (the others
 * are refused with one line naming the mode) and the ranges of the sizes.
 */
/* --network: the sandbox's own namespace with loopback only, pasta, or a joined one. */
enum kiste_net {
	KISTE_NET_NONE = 0,
	KISTE_NET_PASTA,
	KISTE_NET_NS,
};

/* One -p [IP:]HOSTPORT:PORT[/tcp|udp]. */
struct kiste_publish {
	char ip[48];			/* "" for every address; IPv6 without brackets */
	uint16_t host_port, port;
	bool udp;
};

struct kiste_run_limits {
	unsigned int accepts;		/* enum kiste_run_opt bits */
	unsigned int networks;		/* 1 << enum kiste_net beyond none (always taken) */
	uint64_t memory_min;		/* bytes */
	uint64_t memory_max;
	uint64_t memory_default;	/* 0: no limit unless given */
	uint32_t cpus_max;		/* whole CPUs */
	uint32_t cpus_default;		/* 0: no CPU limit unless given */
	bool cpus_whole;		/* --cpus counts vCPUs: no fractions */
	uint32_t pids_default;		/* processes (and threads) in the sandbox */
	const char *no_tty;		/* without KISTE_OPT_TTY: why the mode has no terminal */
};

struct kiste_run_opts {
	bool help;
	const char *name;		/* NULL: the module names the sandbox */
	uint64_t memory;		/* the mode's default when not given */
	bool memory_set;		/* --memory was given (not the default) */
	uint32_t cpus;			/* whole CPUs: the CPU limit rounded up (vCPUs in vm) */
	uint32_t cpus_milli;		/* the CPU limit in thousandths; 0: none */
	uint32_t pids_limit;		/* 0: none */
	uint32_t timeout_s;		/* 0: none */
	bool user_set;
	uint32_t uid, gid;
	const char *env[KISTE_RUN_ENV_MAX];	/* "K=V", in order */
	int nenv;
	char *env_owned[KISTE_RUN_ENV_MAX];	/* --env-file's strings (kiste_run_args_free) */
	int nenv_owned;
	const char *cwd;		/* absolute; NULL: "/" */
	const char *hostname;		/* --hostname; NULL: the mode's default */
	const char *rootfs;		/* NULL: the mode's default */
	enum kiste_net network;		/* --network */
	const char *netns_path;		/* KISTE_NET_NS: the namespace file to join */
	struct kiste_publish publish[KISTE_RUN_PUBLISH_MAX];	/* -p, with pasta only */
	int npublish;
	/*
	 * -t: the workload's 0-2 are a new pty of the sandbox's own, relayed to
	 * the caller's 0 and 1; -i: with -t, the caller's input goes into it
	 * (without -t stdin is passed on as it is either way: README.md).
	 */
	bool tty;
	bool interactive;
	int argc;			/* the workload: argv[0..argc), argv[argc] == NULL */
	char **argv;
};

/*
 * ---- what only `kiste run` knows of its sandbox, for `kiste inspect` (lib/run_record.c) ----
 *
 * With kiste.ko the launcher leaves RUNDIR/ID.run.json (kiste_trace_run_dir(),
 * ID the module's sandbox id) while it runs.  It cannot remove it at its end
 * (vm mode's VMM and a unikernel end confined, with no unlink), so a record
 * names its writer (pid and start time) and the next record written sweeps
 * those whose writer is gone.  One left behind is never shown for another
 * sandbox: it names the CLOCK_BOOTTIME window in which the module made its
 * sandbox, and the module's created_ns of any other sandbox of that id lies
 * outside it.
 */
struct kiste_run_record {
	uint32_t id;
	uint64_t created_from_ns;	/* CLOCK_BOOTTIME before and after the module made it */
	uint64_t created_to_ns;
	uint32_t writer_pid;		/* the launcher that wrote it, and its start time */
	uint64_t writer_start;		/* (clock ticks after boot: /proc/PID/stat field 22) */
	char network[PATH_MAX + 4];	/* "none", "pasta" or "ns:PATH", as --network spells it */
	struct kiste_publish publish[KISTE_RUN_PUBLISH_MAX];
	int npublish;
};

/* @dir is the caller's and only it can write there (made 0700 first with @make). */
int kiste_run_dir_check(const char *dir, bool make, struct kiste_err *err);
/* @r's network and ports from @o (id, window and writer zero). */
void kiste_run_record_from_opts(struct kiste_run_record *r, const struct kiste_run_opts *o);
/*
 * Writes DIR/ID.run.json through a new file (O_EXCL, O_NOFOLLOW) renamed over
 * it, so a reader sees all of it or none; *@st (may be NULL): the file made.
 */
int kiste_run_record_save(const char *dir, const struct kiste_run_record *r, struct stat *st,
			  struct kiste_err *err);
/*
 * Reads DIR/ID.run.json for the sandbox @id made at @created_ns: 0; -ENOENT
 * none; -ESTALE a dead sandbox's (removed); -EPERM not the caller's regular
 * file, or a folder others may write (left alone); -EINVAL not a record.
 */
/* Removes DIR's records whose writer is gone (sweep on write; exported for the tests). */
void kiste_run_record_sweep(const char *dir);
/* Whether process @pid started at @start (clock ticks after boot) still runs. */
bool kiste_run_record_writer_alive(uint32_t pid, uint64_t start);
/* Process @pid's start time (clock ticks after boot): 0, or -errno. */
int kiste_proc_start(pid_t pid, uint64_t *start);
/*
 * /proc/@pid/stat read into @buf: the text after the name's last ')' (field 3,
 * the state, on: the name may hold spaces and parentheses), or NULL.
 */
const char *kiste_proc_stat(pid_t pid, char *buf, size_t n);
/* The start time (field 22) from the text kiste_proc_stat() returned: 0, or -EIO. */
int kiste_proc_stat_start(const char *fields, uint64_t *start);
int kiste_run_record_load(const char *dir, uint32_t id, uint64_t created_ns,
			  struct kiste_run_record *r, struct kiste_err *err);
/* kiste_run_record_load() from the caller's run folder. */
int kiste_run_record_find(uint32_t id, uint64_t created_ns, struct kiste_run_record *r);
/*
 * The `kiste run` front end: arm before the mode runs (the mode's
 * kiste_run_sandbox() then writes the record of @o, after sweeping the folder
 * of records whose writer is gone), disarm when it returned (no syscall: the
 * process may be confined; the record stays until its writer is gone).  A
 * record that cannot be written is left out: the run goes on.
 */
void kiste_run_record_arm(const struct kiste_run_opts *o);
void kiste_run_record_created(uint32_t id, uint64_t from_ns, uint64_t to_ns);
void kiste_run_record_disarm(void);
/* One -p as podman's PORTS column shows it: "127.0.0.1:8080->80/tcp", "5353->53/udp". */
int kiste_publish_format(const struct kiste_publish *pb, char *buf, size_t n);
/* @n ports as podman's PortMappings: [{host_ip, host_port, container_port, protocol}]. */
struct json_object *kiste_publish_json(const struct kiste_publish *pb, int n);

/*
 * A run's name (kiste run --name, what kiste exec and kiste trace look up):
 * KISTE_NAME_RULE's characters, not only digits, at most KISTE_RUN_NAME_MAX
 * of them: its files are RUNDIR/NAME.* and its exec socket is bound as
 * /proc/self/fd/N/NAME.exec.sock, which sun_path's 108 bytes bound (kiste.ko
 * and OCI container ids take the longer names of KISTE_NAME_RULE); a string
 * of digits is an id.  The error line is "bad --name 'X': ..." for the
 * caller to prefix with its command.
 */
#define KISTE_RUN_NAME_MAX 72
int kiste_run_name_check(const char *name, struct kiste_err *err);
/* A name for kiste sandbox create: KISTE_NAME_RULE, not only digits. */
int kiste_sandbox_name_check(const char *name, struct kiste_err *err);

#endif /* KISTE_RUN_H */
