/* SPDX-License-Identifier: GPL-2.0 */
/* shim.h - the shim-mode launcher: its own options and the steps the launcher takes (libc side). */
#ifndef KISTE_SHIM_H
#define KISTE_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kiste_exec.h"
#include "kiste_run.h"

#define SHIM_MAX_TMPFS 16
/* podman's own containers bind 4-6; engines' volumes on top */
#define SHIM_MAX_BINDS 64

/* --volume SRC:DST[:ro|:rw] (binds.c) */
/* Shim mode's own options; the common ones are struct kiste_run_opts. */
struct shim_opts {
	const char *rootfs;		/* --rootfs, default "/" (set by the mode's check) */
	bool rw;
	const char *tmpfs[SHIM_MAX_TMPFS];	/* PATH, without its ":size=N" */
	uint64_t tmpfs_size[SHIM_MAX_TMPFS];	/* bytes; 0: the sandbox's memory limit */
	int ntmpfs;
	char tmpfs_buf[SHIM_MAX_TMPFS][256];	/* the paths' copies */
	struct kiste_volume binds[SHIM_MAX_BINDS];
	int nbinds;
	bool trace;
	const char *trace_output;	/* --trace-output FILE: the trace there, not on stderr */
	bool trace_summary;		/* --trace-summary: a table per process at its exit */
	bool no_patch;			/* --no-patch: every call traps (gk/patch.c) */
	bool no_namespaces;		/* --unsafe-no-namespaces: weaker, for hosts without them */
};

/*
 * ids.c: run as root, each sandbox maps its ids 0..SHIM_IDS_SIZE-1 to a range
 * of host ids no other running sandbox holds (never host root).  subids.c:
 * run by an ordinary user with a subordinate range (/etc/subuid, /etc/subgid)
 * and newuidmap/newgidmap, 0 is the caller and 1..SHIM_IDS_SIZE-1 a slice
 * of that range no other running sandbox of the caller holds; without
 * either, 0 is the caller and nothing else is mapped.  @lock_fd (and
 * @lock2_fd) hold the range for as long as any process keeps them.
 */
#define SHIM_IDS_SIZE 65536UL
struct shim_ids {
	unsigned int uid_base, gid_base;
	unsigned int owner_uid, owner_gid;	/* root's: its user namespace's owner (ids.c) */
	unsigned long uid_pool, uid_pool_end, gid_pool, gid_pool_end;	/* every sandbox's */
	int lock_fd, lock2_fd;
	bool sub;			/* an ordinary caller's slice: newuidmap/newgidmap map it */
	unsigned int self_uid, self_gid;	/* sub: the caller's (passwd) ids, the sandbox's 0 */
};
/* Root: a range of the pool; an ordinary caller: a slice of its own range, or none. */
int shim_ids_take(struct shim_ids *ids, struct kiste_err *err);
void shim_ids_release(struct shim_ids *ids);
/* A decimal number of digits alone, at most 4294967295; its end in @end. -1 when not one. */
long long shim_ids_number(const char *p, const char **end);
/*
 * Run as root with an OCI config's linux.uidMappings and gidMappings (@ol,
 * or NULL): the container's ids are the engine's, held to kiste's rules, in
 * place of the range @ids took (whose first slot still owns the namespace).
 * 1 with uid_map's and gid_map's text in @u and @g (SHIM_MAP_TEXT bytes
 * each), 0 when there are none to take, -errno with one line in @err.
 */
#define SHIM_MAP_TEXT 4096	/* the kernel takes one write of less than a page */
struct kiste_oci_launch;
int shim_ids_engine_maps(const struct shim_ids *ids, const struct kiste_oci_launch *ol,
			 bool host_root, char *u, char *g, struct kiste_err *err);

/* subids.c: an ordinary caller's slice, and the maps written through the setuid helpers. */
int shim_subids_take(struct shim_ids *ids, struct kiste_err *err);
int shim_subids_map(const struct shim_ids *ids, pid_t pid, struct kiste_err *err);
/* kiste check: one line saying which identities the caller's sandboxes get, and why. */
void shim_ids_describe(char *buf, size_t n);

/* Runs the workload; returns kiste run's exit status (DESIGN.md conventions). */
int shim_launch(const struct kiste_run_opts *o, const struct shim_opts *so);
/* The OCI create (struct kiste_mode_ops::oci_create): the init waits for start. */
struct kiste_oci_launch;
int shim_oci_create(const struct kiste_run_opts *o, const struct shim_opts *so,
		    struct kiste_oci_launch *ol, struct kiste_err *err);

/* sandbox.c: inside the namespaces */
/*
 * @tree_fd: a detached copy of so->rootfs's mounts the launcher made as host
 * root (open_tree), or -1: the rootfs when the sandbox's root cannot walk
 * to so->rootfs;
 * @proc_fd: out, a detached procfs of the sandbox's pid namespace for the guest kernel;
 * @locks_fd: out, a detached private tmpfs for its shadow lock files.
 */
int shim_setup_mounts(const struct kiste_run_opts *o, const struct shim_opts *so, int tree_fd,
		      int *bind_fds, int *proc_fd, int *locks_fd, struct kiste_err *err);
/* The rootfs is the host's "/" and the sandbox mounts its own empty /root. */
bool shim_own_home(const struct shim_opts *so);

/* unixmed.c: AF_UNIX sockets through the init when the rootfs is the host's "/" */
#define SHIM_UNIXMED_DEVS (SHIM_MAX_TMPFS + 2)
struct shim_unixmed {
	int fd;			/* the init's end of the channel, -1: not served */
	int wl_fd;		/* the workload's end (GK_FD_UNIXMED), -1 once placed */
	int root_fd;		/* the sandbox's root */
	int proc_fd;		/* the sandbox's detached procfs */
	bool own_netns;		/* abstract names are the sandbox's alone */
	int ndev;
	dev_t devs[SHIM_UNIXMED_DEVS];	/* its own tmpfs mounts: the only sockets it reaches */
	int dev_fds[SHIM_UNIXMED_DEVS];	/* their roots (O_PATH): where a bind may make one */
};
int shim_unixmed_open(struct shim_unixmed *m, const struct shim_opts *so, int proc_fd,
		      bool own_netns, struct kiste_err *err);
void shim_unixmed_serve(struct shim_unixmed *m, short revents);
int shim_landlock_make_sock_only(const int *fds, int n);

/* execsrv.c: the init serving `kiste exec` (kiste_exec.h) */
struct shim_exec_srv {
	int listen_fd;			/* ROOT/ID/exec.sock, listening; -1: none */
	int fd[KISTE_EXEC_SESSIONS];	/* each session's connection, -1: free */
	pid_t pid[KISTE_EXEC_SESSIONS];	/* its process (namespace pid); SHIM_EXEC_WAITING */
};
/* One request as the init read it; the strings live in @buf. */
struct shim_exec_req {
	char *buf;
	char **argv;			/* argc strings then NULL, then env then NULL */
	char **env;
	char *cwd;			/* absolute, in the container */
	int argc, envc;
	bool user;
	uint32_t uid, gid;
	int fds[KISTE_EXEC_FDS_MAX];	/* the new process's 0..nfds-1 */
	int nfds;
	int console_sock;		/* F_TTY: the engine's console socket; -1: none */
	unsigned int rows, cols;
	int slot;			/* its session */
};
void shim_exec_srv_init(struct shim_exec_srv *s, int listen_fd);
/* A session's pid before its request came. */
#define SHIM_EXEC_WAITING ((pid_t)-1)
/* Accepts one connection into a free session (or answers that there is none). */
void shim_exec_accept(struct shim_exec_srv *s);
/*
 * Reads a waiting session's request: 0 (@r holds it), -EAGAIN (not there
 * yet), or another -errno (answered, session ended).
 */
int shim_exec_read(struct shim_exec_srv *s, int slot, struct shim_exec_req *r);
void shim_exec_req_free(struct shim_exec_req *r);
void shim_exec_reply(int fd, int kind, int value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void shim_exec_started(struct shim_exec_srv *s, int slot, pid_t pid);
/* Answers one line and ends the session. */
void shim_exec_fail(struct shim_exec_srv *s, int slot, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A reaped child: true (its caller told) when it was a session's. */
bool shim_exec_reaped(struct shim_exec_srv *s, pid_t pid, int wst);
void shim_exec_serve(struct shim_exec_srv *s, int slot, short revents);
/* In a child the init forked: the listener and the other sessions closed. */
void shim_exec_child(struct shim_exec_srv *s);

/* binds.c */
int shim_bind_opt(struct shim_opts *so, const char *arg, struct kiste_err *err);
/*
 * Launcher side, before the sandbox's first process: with @host_root, each
 * DST and each --tmpfs folder made in the rootfs (never in the host's /) and
 * a detached, sealed copy of each SRC in @fds
 * (SHIM_MAX_BINDS of them; -1 where none).
 */
int shim_binds_prepare(const struct shim_opts *so, bool host_root, int *fds,
		       struct kiste_err *err);
void shim_binds_close(const struct shim_opts *so, int *fds);
/* Init side without copies: each SRC opened O_PATH in @fds before the rootfs is staged. */
int shim_binds_open(const struct shim_opts *so, int *fds, struct kiste_err *err);
/*
 * Init side, in the sandbox's mount namespace: each bind attached beneath
 * @tgt, from the copies in @fds, or with @by_path from shim_binds_open()'s
 * descriptors; closes @fds.
 */
int shim_binds_attach(const struct shim_opts *so, const char *tgt, int *fds, bool by_path,
		      struct kiste_err *err);
/* @pivoted: the rootfs is "/" now (namespaces); else it is still so->rootfs. */
/* @proc_fd (or -1): readable beneath, for the guest kernel's /proc; @locks_fd (or -1) too. */
int shim_setup_landlock(const struct shim_opts *so, bool pivoted, int proc_fd, int locks_fd,
			struct kiste_err *err);
/* @cgroup: the sandbox has a memory cgroup (else an explicit --memory is RLIMIT_AS). */
int shim_setup_limits(const struct kiste_run_opts *o, bool cgroup, struct kiste_err *err);

/* netns.c: the sandbox's network namespace (launcher side) */
/* Inside the sandbox's own network namespace: `lo` up. */
int shim_net_lo_up(struct kiste_err *err);
#define SHIM_PING_GROUP_RANGE "/proc/sys/net/ipv4/ping_group_range"
/* Writes @value to @path below /proc/sys (no link followed): 0 or -errno. */
int shim_proc_sys_write(const char *path, const char *value);
void shim_net_ping_groups(void);
unsigned long shim_net_gid_top(void);
/* setns into it, with one clear line on EPERM. */
int shim_net_join(int fd, const char *path, struct kiste_err *err);
/* --network pasta: pasta for the sandbox whose init is @target, configured; its pid or -1. */
pid_t shim_pasta_start(const struct kiste_run_opts *o, pid_t target, const struct kiste_cgroup *cg,
			struct kiste_err *err);
void shim_pasta_stop(pid_t pid);

/* policy.c: `kiste policy shim` */
int shim_policy(int argc, char **argv);

/* stats.c: KISTE_SHIM_STATS's start-up breakdown; no-ops when it is unset. */
void shim_stats_start(void);
void shim_stats_mark(const char *what);
void shim_stats_detach(const char *what);
void shim_stats_print(void);

#endif /* KISTE_SHIM_H */
