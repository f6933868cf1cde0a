/* SPDX-License-Identifier: GPL-2.0 */
/* launch_int.h - shim mode's launcher, internal: struct launch for launch.c, init.c, workload.c. */
#ifndef KISTE_SHIM_LAUNCH_INT_H
#define KISTE_SHIM_LAUNCH_INT_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image.h"
#include "kiste_mode.h"
#include "relay.h"
#include "shim.h"

struct launch {
	const struct kiste_run_opts *o;
	const struct shim_opts *so;
	struct shim_image img;
	struct gk_boot boot;
	int kfd;		/* /dev/kiste, -1 without the module */
	bool attached;		/* the init is a member already (owner_clone's helper joined) */
	int arm_fd;		/* kiste run's workload's /dev/kiste: it created nothing */
	int procfd;		/* the sandbox's procfs (detached), -1 if none */
	int locksfd;		/* its private tmpfs of shadow lock files, -1 if none */
	bool ns;		/* namespaces in use */
	bool host_root;
	int sync[2], status[2];
	int wiped[2];		/* init closes its end once its command line is blank */
	uintptr_t arg_start, arg_end;	/* the launcher's argv strings (/proc/PID/cmdline) */
	sigset_t init_mask;	/* init's mask while its signals wait for the workload's pid */
	char *env[KISTE_RUN_ENV_MAX + 8];
	int nenv;
	bool tty_fg;		/* the caller's terminal was ours: take it back at the end */
	/*
	 * The workload's terminal, an OCI create's (--console-socket: struct
	 * kiste_oci_launch's console_*) or kiste run -t's: con_fd a pty's slave
	 * the workload makes its 0-2 and controlling terminal (console_attach),
	 * or -1; con_sock where the init sends the master of a pty it makes in
	 * the sandbox's own devpts, sized con_rows x con_cols, or -1.
	 */
	int con_fd, con_sock;
	unsigned int con_rows, con_cols;
	int tty_fd;		/* which of 0..2 is that terminal (tty_fg) */
	struct kiste_cgroup cg;	/* the sandbox's cgroup; version 0: none here */
	struct kiste_oci_launch *oci;	/* an OCI create (no launcher after it), or NULL */
	int netns_fd;		/* --network ns:PATH, checked; -1 otherwise */
	pid_t pasta;		/* --network pasta: its process; 0 otherwise */
	bool host_tree;		/* the rootfs is the host's "/": no AF_UNIX sockets by name */
	int tree_fd;		/* host root: a detached copy of the rootfs (open_tree); or -1 */
	int bind_fds[SHIM_MAX_BINDS];	/* host root: the --volume copies (binds.c); or -1 */
	struct shim_ids ids;	/* run as root with namespaces: the sandbox's own host ids */
	int trace_fd;		/* --trace-output FILE, opened by the launcher; -1 otherwise */
	int tracesw_ro;		/* `kiste trace`'s switch, read-only (the workload maps it); or -1 */
	int tracesw_lock;	/* kiste run --name: the switch, locked while the sandbox runs */
	char tracesw_path[PATH_MAX];	/* kiste run --name: removed at the end */
	int rexec_fd;		/* kiste run --name: `kiste exec NAME`'s listener, for the init; or -1 */
	bool rexec;		/* kiste run --name: NAME.exec and NAME.exec.sock published */
	struct shim_relay relay;	/* 0-2 through pipes where the sandbox could change them */
	struct shim_unixmed um;	/* the init's AF_UNIX mediator (unixmed.c); fd -1: none */
	struct shim_exec_srv exec;	/* an OCI container's init: `kiste exec` (execsrv.c) */
	const struct shim_exec_req *xreq;	/* in a process `kiste exec` started: its request */
};

/* init.c: the first process inside the namespaces (pid 1 there); it never returns. */
void launch_init_main(struct launch *l, pid_t launcher);
/* workload.c: the workload process (the init's child, or kiste exec's); it never returns. */
void launch_workload_main(struct launch *l);
/* How a workload's end is told (kiste_exit_from_wait): its command's name into @what. */
void launch_who(const struct launch *l, struct kiste_run_who *who, char *what, size_t n);

#endif
