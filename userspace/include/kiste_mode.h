/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_mode.h - one isolation mode as the CLI sees it: its options, run, policy (a table entry). */
#ifndef KISTE_MODE_H
#define KISTE_MODE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "kiste_run.h"

struct kiste_oci_idmap;
struct kiste_oci_launch;

/* A mode's own option values start here (getopt_long's val), clear of the common ones. */
#define KISTE_MODE_OPT_BASE 0x1000

/*
 * One mode.  `kiste run --mode=NAME` and `kiste policy NAME` look it up in
 * kiste_modes[] (cli/modes.c); nothing else in the CLI branches on a mode.
 * The common options are parsed by kiste_run_parse() against @limits; the
 * mode's own come in @opts and are handed to @opt one by one, filling a
 * zeroed struct of @opts_size bytes that @run and @check receive.
 */
struct kiste_mode_ops {
	const char *name;			/* "shim", "vm", "unikernel" */
	uint32_t id;				/* KISTE_MODE_* (uapi) */
	const char *summary;			/* one line for kiste run --help */
	const char *synopsis;			/* "kiste run --mode=NAME ..." */
	const char *usage;			/* what it does, then its own options */
	const struct kiste_run_limits *limits;
	const struct option *opts;		/* NULL-terminated; val >= KISTE_MODE_OPT_BASE */
	size_t opts_size;
	int (*opt)(void *mo, int val, const char *arg, struct kiste_err *err);
	/* After parsing: checks across options; NULL when there are none. */
	int (*check)(const struct kiste_run_opts *o, void *mo, struct kiste_err *err);
	/* Runs the workload; returns kiste run's exit status (enum kiste_exit, or the workload's). */
	int (*run)(const struct kiste_run_opts *o, void *mo);
	/* kiste policy NAME ARGS... (argv[0] is NAME); returns the exit status. */
	int (*policy)(int argc, char **argv);
	const char *policy_usage;
	/*
	 * The OCI runtime's create (issue 13; NULL: the mode has none yet).
	 * Sets the sandbox up as @run would, up to the point where the workload
	 * would start, and returns with ol->pid waiting: the container's init,
	 * which blocks until one byte arrives on ol->start_fd, then runs the
	 * workload and exits with its status (128+N for death by signal N),
	 * forwarding every signal it gets (but KILL and STOP) to it.  The caller
	 * may exit at once: the init does not depend on it.  The other verbs
	 * (start, state, kill, delete) work on that pid and the state under
	 * --root for every mode; a mode that needs its own joins them here.
	 */
	int (*oci_create)(const struct kiste_run_opts *o, void *mo, struct kiste_oci_launch *ol,
			  struct kiste_err *err);
	/* kiste check: one line on the host ids the caller's sandboxes get (NULL: none). */
	void (*ids)(char *buf, size_t n);
	/* Where create's --console-socket terminal is made (enum kiste_oci_console). */
	int oci_console;
	/* Where linux.sysctl is set (enum kiste_oci_sysctl). */
	int oci_sysctl;
	/*
	 * Run as host root, the container's ids are linux.uidMappings and
	 * gidMappings when the config has them (ol->uid_map): the host ids an
	 * engine gave the image's files (podman --uidmap, --userns=auto).
	 */
	bool oci_idmaps;
	/* The container reads `kiste trace ID on|off`'s switch (ol->trace_switch_fd). */
	bool oci_trace;
	/* The container serves `kiste exec` (ol->exec_fd). */
	bool oci_exec;
	/*
	 * What `kiste update` may change (KISTE_OCI_UPDATE_*): a limit the
	 * container's cgroup holds as the workload's own.  Where the cgroup
	 * holds a figure derived from it (vm: the guest's RAM plus the VMM's,
	 * the VMM's threads), writing the new limit there would be wrong.
	 */
	unsigned int oci_update;
	const char *oci_update_why;	/* why the others cannot change, for update's error */
};

#define KISTE_OCI_UPDATE_MEMORY 0x1
#define KISTE_OCI_UPDATE_PIDS 0x2
#define KISTE_OCI_UPDATE_CPU 0x4

/*
 * An OCI container's terminal: KISTE_OCI_CONSOLE_HOST, from the host's
 * /dev/ptmx, is the workload's own (unikernel: its line discipline the
 * container's, cooked until the program changes it, as runc's);
 * KISTE_OCI_CONSOLE_HOST_RAW, from the host's too, only carries a terminal the
 * mode makes elsewhere (vm: the guest's), so it is raw from create on and what
 * an engine types before start is echoed once, by that terminal;
 * KISTE_OCI_CONSOLE_INSIDE: the mode's init makes it in the container's own
 * devpts (shim: kiste_oci_launch.console_sock).
 */
/* An OCI container's linux.sysctl (oci/spec.c). */
enum kiste_oci_sysctl {
	KISTE_OCI_SYSCTL_NONE,		/* ignored, with a line in --log */
	KISTE_OCI_SYSCTL_OWN_NS,	/* in the container's own namespaces; a joined network's are its owner's */
	KISTE_OCI_SYSCTL_GUEST,		/* in a guest kernel of the container's own: all of them */
};

enum kiste_oci_console {
	KISTE_OCI_CONSOLE_HOST,
	KISTE_OCI_CONSOLE_HOST_RAW,
	KISTE_OCI_CONSOLE_INSIDE,
};

/* What the OCI front end hands a mode's oci_create beyond the run options. */
#define KISTE_OCI_PRESERVE_MAX 64
struct kiste_oci_launch {
	const char *hostname;		/* IN: NULL: the mode's default */
	const char *cgroup_name;	/* IN: the container's cgroup, below kiste's own */
	/*
	 * IN: with kiste.ko the container is a sandbox in its registry from
	 * create on, held by the container's process, so it goes when that
	 * ends (a stopped container holds none): named by its id, or NULL for
	 * an id that cannot be a sandbox's name (sb-N then; oci_create.c).
	 */
	const char *sandbox_name;
	int start_fd;			/* IN: the init reads one byte here to start */
	/*
	 * IN: create's own pidfd and the read end of a pipe on which create
	 * writes one byte once the container is complete (state, hooks, pid
	 * file), or -1: an init whose create ends before that byte ends too
	 * (kiste_oci_wait_start), so a create killed half-way leaves no process,
	 * VM or registry sandbox behind.
	 */
	int creator_pidfd, commit_fd;
	bool env_exact;			/* IN: o->env is the whole environment */
	/*
	 * IN: the config asks for a new pid namespace (linux.namespaces "pid",
	 * no path), so the process is its pid 1, signals and all, as under runc;
	 * without one runc's process is an ordinary one of the engine's namespace.
	 */
	bool pid1;
	/*
	 * IN: a pty's slave (create's --console-socket), or -1: the container's
	 * process makes it its stdin, stdout, stderr and controlling terminal,
	 * leading a session of its own.
	 */
	int console_fd;
	/*
	 * IN: the engine's --console-socket, connected, or -1: the mode makes the
	 * pty in the container's own devpts (as runc does: the process sees
	 * /dev/pts/0), sized console_rows x console_cols, and sends its master
	 * there; then as console_fd.  Only for KISTE_OCI_CONSOLE_INSIDE modes (shim).
	 */
	int console_sock;
	unsigned int console_rows, console_cols;
	/* IN: linux.sysctl to set in the container's namespaces (oci_sysctl modes), or none */
	const struct kiste_oci_kv *const *sysctl;
	size_t nsysctl;
	/* IN: linux.uidMappings and gidMappings (oci_idmaps modes, run as host root), or none */
	const struct kiste_oci_idmap *uid_map, *gid_map;
	size_t nuid_map, ngid_map;
	/* IN: descriptors 3..3+N-1 of the caller go to the process too (runc's --preserve-fds) */
	int preserve_fds;
	/* IN: ROOT/ID/trace opened read-only (`kiste trace ID on|off`), or -1 */
	int trace_switch_fd;
	/* IN: ROOT/ID/exec.sock, listening (`kiste exec`, kiste_exec.h), or -1 */
	int exec_fd;
	pid_t pid;			/* OUT: the container's init */
	struct kiste_cgroup cg;		/* OUT: its cgroup (version 0: none here) */
};

/*
 * The container's process for a mode whose workload starts inside it (vm,
 * unikernel; run.c): forked into @cg (version 0: none), on ol->console_fd's
 * terminal when there is one (a session of its own, as runc's), it tells
 * create it is ready and waits for start's byte (a signal before it ends it,
 * as runc's init), then runs @start(@arg), which does not return.  0 with
 * ol->pid set, or -errno when it failed before it was ready.
 */
int kiste_oci_spawn(struct kiste_oci_launch *ol, const struct kiste_cgroup *cg,
		    void (*start)(void *arg), void *arg, struct kiste_err *err);
/*
 * In the container's init: waits for start's byte on ol->start_fd, watching
 * ol->creator_pidfd meanwhile; 0 once it came, -1 when create ended without
 * its commit byte (the init must end) or a read failed.  Closes the three.
 */
int kiste_oci_wait_start(struct kiste_oci_launch *ol);

extern const struct kiste_mode_ops kiste_mode_shim, kiste_mode_vm, kiste_mode_unikernel;
/* Every mode, in the order help lists them; NULL-terminated. */
extern const struct kiste_mode_ops *const kiste_modes[];
/* NULL when @name is no mode. */
const struct kiste_mode_ops *kiste_mode_find(const char *name);

/* What kiste_run_parse() found: the mode, the common options, the mode's own. */
struct kiste_run_args {
	const struct kiste_mode_ops *mode;	/* NULL only with o.help and no --mode */
	struct kiste_run_opts o;
	void *mo;			/* mode->opts_size bytes, malloc'ed */
};

/*
 * Parses `kiste run` arguments (argv[0] is "run") in one pass: --mode picks
 * the entry of @modes (NULL-terminated), the common options are checked
 * against its limits, every mode's own options are recognised and those of
 * the chosen mode handed to its ->opt (another mode's are refused, naming
 * both).  Options end at the first non-option or "--"; the rest is the
 * workload.  With --help the first error is dropped and a->o.help set.
 * Returns 0 or -EINVAL with one line in @err naming the problem and the fix;
 * free a->mo with kiste_run_args_free() either way.
 */
int kiste_run_parse(const struct kiste_mode_ops *const *modes, int argc, char **argv,
		    struct kiste_run_args *a, struct kiste_err *err);
void kiste_run_args_free(struct kiste_run_args *a);

/* The common options' help lines, for kiste run --help. */
extern const char kiste_run_common_usage[];

#endif /* KISTE_MODE_H */
