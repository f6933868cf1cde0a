/* SPDX-License-Identifier: GPL-2.0 */
/* confine.h - the Linux VMM's confinement: fds, privileges, a seccomp filter per thread kind. */
#ifndef KISTE_LINUX_CONFINE_H
#define KISTE_LINUX_CONFINE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>

#include "libkiste.h"
#include "vm.h"

struct linux_vm;
struct linux_vcpu;

/* The VMM's threads by what they do; each kind has its own filter (confine.c's tables). */
enum linux_thread_kind {
	LINUX_THREAD_VCPU,	/* one per vCPU: runs it, serves its port I/O, stops the VM */
	LINUX_THREAD_MAIN,	/* stdin, signals, --timeout, then the report and teardown */
	LINUX_THREAD_KINDS
};

/*
 * The descriptors the filters name, which exist only at run time.  -1: the
 * run has none (no stdin, no --debug), and the rules naming it are left out.
 */
struct linux_confine_fds {
	int vcpu;	/* vCPU thread: its own vCPU; main thread: vCPU 0 (--debug dump) */
	int vm;		/* the VM: KVM's or kiste.ko's broker's */
	int in, out, err;	/* the workload's stdio as the caller gave it */
	int log;	/* --debug: the guest console and register dumps; else -1 */
	int wake;	/* eventfd: a vCPU thread tells the main thread the VM stopped */
	int sig;	/* signalfd: INT, TERM, HUP to forward to the guest */
	int disk[LINUX_DISKS_MAX];	/* --block: each disk's file */
	unsigned int ndisks;
	int net;	/* --network pasta: the backend's socket; else -1 */
	int net_err;	/* and its stderr's read end */
	bool tty;	/* -t: the guest's pty is sized from winsz */
	/*
	 * -t -i with the caller's terminal made raw: the one request that
	 * restores it on 0 (TCSETS); 0 when it was not (-t alone, 0 not a
	 * terminal, or not in the foreground).
	 */
	unsigned long tty_restore;
	int winsz;	/* -t: the caller's terminal sized from (0 or 1), or -1 */
	int exec;	/* kiste exec's listening socket, or -1 */
};

/* Closes every descriptor but @keep; drops capabilities; sets no_new_privs. */
int linux_confine_process(const int *keep, unsigned int nkeep, struct kiste_err *err);
/* Per-thread seccomp filters (libseccomp), loaded on the calling thread only. */
int linux_confine_vcpu(const struct linux_vm *vm, const struct linux_vcpu *vc,
		       struct kiste_err *err);
int linux_confine_main(const struct linux_vm *vm, struct kiste_err *err);

/*
 * The filter of @kind for @fds as a BPF program in *@prog (free it with
 * linux_confine_bpf_free), for a caller that loads it itself (the tests).
 */
int linux_confine_bpf(enum linux_thread_kind kind, const struct linux_confine_fds *fds,
		      struct sock_fprog *prog, struct kiste_err *err);
void linux_confine_bpf_free(struct sock_fprog *prog);

/* The size of @kind's table: distinct syscalls, rules, argument-restricted rules. */
struct linux_confine_size {
	unsigned int syscalls, rules, restricted;
};
void linux_confine_size(enum linux_thread_kind kind, struct linux_confine_size *s);
/* Every thread kind's table, descriptors named symbolically (no VM needed). */
void linux_confine_print(FILE *f);
/* `kiste policy vm` (argv[0] is "vm"); returns the exit status. */
int linux_confine_policy(int argc, char **argv);

#endif /* KISTE_LINUX_CONFINE_H */
