/* SPDX-License-Identifier: GPL-2.0 */
/* fz_admin.h - the fuzzer coordinator's own view of the module: setup, baseline, cleanup, verdicts. */
#ifndef FZ_ADMIN_H
#define FZ_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fz.h"

#define FZ_ADMIN_IDS 512

struct fz_admin {
	uint32_t sandboxes, members, files;
	uint32_t ids[FZ_ADMIN_IDS];	/* sandboxes in the registry */
	size_t n_ids;
	unsigned long taint;
};

/* Root, the device, the family, KVM, a device node for uid nobody; <0 with @why if missing. */
int fz_admin_setup(struct fz_shared *sh, char *why, size_t len);
void fz_admin_snapshot(struct fz_shared *sh, struct fz_admin *a);
/* TAP results 2-4 (answers, settles, taint); returns how many failed. */
int fz_admin_checks(struct fz_shared *sh, const struct fz_admin *before, struct fz_admin *after);
/* SIGKILLs every process whose parent is @parent; returns how many. */
int fz_kill_children(pid_t parent);

#endif /* FZ_ADMIN_H */
