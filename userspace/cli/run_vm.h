/* SPDX-License-Identifier: GPL-2.0 */
/* run_vm.h - `kiste run --mode=vm`: boot a Linux guest and run CMD in it (parse, then run). */
#ifndef KISTE_RUN_VM_H
#define KISTE_RUN_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "libkiste.h"

/* --env entries we accept; more is a typo or an attack on the spec file. */
#define RUN_VM_ENV_MAX	256

struct run_vm_opts {
	bool help;
	bool debug;
	const char *kernel;	/* NULL: $KISTE_KERNEL, else /boot/vmlinuz-$(uname -r) */
	const char *rootfs;
	const char *name;
	const char *cwd;
	uint64_t memory;
	uint32_t cpus;
	uint32_t uid, gid;
	unsigned int timeout_s;	/* 0: none */
	const char *env[RUN_VM_ENV_MAX];
	int nenv;
	char **cmd;		/* NULL-terminated */
	int ncmd;
};

extern const char run_vm_usage[];

/* argv[0] is "run"; fills @o or returns -EINVAL with @err set.  Touches nothing else. */
int run_vm_parse(int argc, char **argv, struct run_vm_opts *o, struct kiste_err *err);
/* Returns the exit status of kiste run (DESIGN.md: workload's, 128+N, 125, 126, 127). */
int run_vm_run(const struct run_vm_opts *o);
int run_vm_main(int argc, char **argv);

#endif /* KISTE_RUN_VM_H */
