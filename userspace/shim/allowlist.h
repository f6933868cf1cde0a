/* SPDX-License-Identifier: GPL-2.0 */
/* allowlist.h - shim mode's host syscall allowlist and its seccomp filter (launcher side). */
#ifndef KISTE_SHIM_ALLOWLIST_H
#define KISTE_SHIM_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libkiste.h"

/* Values known only when a sandbox starts. */
struct shim_filter_params {
	uint64_t gate_start, gate_len;
	int root_fd;
	int proc_fd;		/* -1 without one */
	int locks_fd;		/* the shadow lock tmpfs, -1 without one */
	uint64_t image_end;	/* the workload's memory lies above it */
	int kiste_fd;		/* -1 without the module */
	int module;		/* redirection armed by kiste.ko */
	int netns;		/* the sandbox has a network namespace: socket() rows */
	int unix_sockets;	/* and its rootfs is not the host's "/": AF_UNIX rows */
	int unixmed;		/* else the init mediates them: the channel's row */
	int ipcns;		/* the sandbox has an ipc namespace: System V IPC, mqueue rows */
	int pidns;		/* the sandbox has its own pid namespace: pidfd_getfd */
	int rw;			/* --rw: metadata rows also without namespaces (W_META) */
};

/* A loadable classic-BPF program: @insns (malloc'ed) holds @len struct sock_filter. */
struct shim_bpf {
	void *insns;
	unsigned short len;
};

/*
 * One row of the allowlist as a filter sees it, its conditions resolved for a
 * sandbox: every condition holds for the row to apply (SHIM_CMP_IN: the
 * argument equals one of @list); values and masks compare all 64 bits, as
 * libseccomp compares them on x86_64.
 */
enum { SHIM_CMP_EQ, SHIM_CMP_MASKED_EQ, SHIM_CMP_LE, SHIM_CMP_GE, SHIM_CMP_IN };

struct shim_cmp {
	unsigned int arg, op;
	uint64_t val;			/* EQ, LE, GE: the bound; MASKED_EQ: (arg & mask) == val */
	uint64_t mask;
	const uint64_t *list;		/* IN */
	unsigned int nlist;
};

struct shim_rule {
	const char *name;
	int nr;
	uint32_t action;		/* SECCOMP_RET_ALLOW or SECCOMP_RET_TRAP */
	unsigned int ncmp;
	struct shim_cmp c[5];
};

typedef int (*shim_rule_fn)(void *arg, const struct shim_rule *r);
/* Calls @fn for every row @p's sandbox has, in table order; stops at its first error. */
int shim_allowlist_walk(const struct shim_filter_params *p, shim_rule_fn fn, void *arg,
			struct kiste_err *err);

/*
 * The allowlist's filter: emitted from the table by bpf.c (default
 * KILL_PROCESS, a foreign architecture and x32 numbers killed too), or
 * compiled by libseccomp (shim_filter_build_libseccomp; kiste run uses it
 * with KISTE_TESTONLY_SHIM_LIBSECCOMP).  selftests/shim/shim_bpf_test holds
 * the first to the table and to libseccomp's verdict, which admits a few mixes
 * of two rows of one syscall that no row admits.
 */
int shim_filter_build(const struct shim_filter_params *p, struct shim_bpf *out,
		      struct kiste_err *err);
int shim_filter_emit(const struct shim_filter_params *p, struct shim_bpf *out,
		     struct kiste_err *err);
int shim_filter_build_libseccomp(const struct shim_filter_params *p, struct shim_bpf *out,
				 struct kiste_err *err);
void shim_bpf_free(struct shim_bpf *b);
/* Distinct syscalls and rules on the list (either arming path counted). */
size_t shim_allowlist_syscalls(void);
size_t shim_allowlist_rules(void);
void shim_allowlist_print(FILE *f);

/*
 * ipfilter.c: the second filter, installed before the allowlist's: clone only
 * from @fork_ip or @thread_ip (the gate's fork and thread stubs).
 */
int shim_ipfilter_build(uint64_t fork_ip, uint64_t thread_ip, struct shim_bpf *out,
			struct kiste_err *err);
void shim_ipfilter_print(FILE *f);

#endif /* KISTE_SHIM_ALLOWLIST_H */
