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
	int ipcns;		/* the sandbox has an ipc namespace: System V IPC, mqueue rows */
	int pidns;		/* the sandbox has its own pid namespace: pidfd_getfd */
};

/* A loadable classic-BPF program: @insns (malloc'ed) holds @len struct sock_filter. */
struct shim_bpf {
	void *insns;
	unsigned short len;
};

int shim_filter_build(const struct shim_filter_params *p, struct shim_bpf *out,
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
