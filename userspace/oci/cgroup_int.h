/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup_int.h - the cgroup file helpers cgroup_ops.c and cgroup_stats.c share. */
#ifndef KISTE_OCI_CGROUP_INT_H
#define KISTE_OCI_CGROUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiste_oci.h"

/* The folder of one controller's files: v1 keeps each in its own, v2 all in dir[0]. */
const char *cgo_pids_dir(const struct kiste_oci_state *s);
const char *cgo_mem_dir(const struct kiste_oci_state *s);
const char *cgo_cpu_dir(const struct kiste_oci_state *s);
/* @val written to @dir/@file: 0 or -errno. */
int cgo_write_file(const char *dir, const char *file, const char *val);
/* All of @dir/@file (at most @max bytes), NUL-terminated and malloc'ed; NULL otherwise. */
char *cgo_read_all(const char *dir, const char *file, size_t max);
/* One number from @dir/@file ("max" reads as @max_is); false when it cannot be read. */
bool cgo_read_u64(const char *dir, const char *file, uint64_t max_is, uint64_t *out);
/* "KEY VALUE" lines (memory.stat, cpu.stat): the value of @key, or 0. */
uint64_t cgo_kv(const char *text, const char *key);

#endif
