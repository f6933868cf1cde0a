/* SPDX-License-Identifier: GPL-2.0 */
/* shim.h - the shim-mode launcher: options and the entry the CLI calls (libc side). */
#ifndef KISTE_SHIM_H
#define KISTE_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include "libkiste.h"

#define SHIM_MAX_TMPFS 16
#define SHIM_MAX_ENV 128

struct shim_opts {
	bool help;
	const char *rootfs;		/* default "/" */
	bool rw;
	const char *tmpfs[SHIM_MAX_TMPFS];
	int ntmpfs;
	const char *env[SHIM_MAX_ENV];	/* K=V */
	int nenv;
	const char *cwd;		/* default "/" */
	bool user_set;
	uint32_t uid, gid;
	uint64_t memory;		/* RLIMIT_AS bytes, 0 = none */
	int timeout_s;			/* 0 = none */
	const char *name;
	bool trace;
	int argc;			/* the command */
	char **argv;
};

/* Runs the workload; returns kiste run's exit status (DESIGN.md conventions). */
int shim_launch(const struct shim_opts *o);

/* sandbox.c: inside the namespaces */
struct shim_layers {
	bool userns, pidns, mountns, landlock;
};
/* @proc_fd: out, a detached procfs of the sandbox's pid namespace for the guest kernel. */
int shim_setup_mounts(const struct shim_opts *o, int *proc_fd, struct kiste_err *err);
/* @pivoted: the rootfs is "/" now (namespaces); else it is still o->rootfs. */
/* @proc_fd (or -1): readable beneath, for the guest kernel's /proc. */
int shim_setup_landlock(const struct shim_opts *o, bool pivoted, int proc_fd,
			struct kiste_err *err);
int shim_setup_limits(const struct shim_opts *o, struct kiste_err *err);

#endif /* KISTE_SHIM_H */
