/* SPDX-License-Identifier: GPL-2.0 */
/* cache.h - vm mode's cache directory: decompressed kernels and rootfs images, the caller's own. */
#ifndef KISTE_VM_CACHE_H
#define KISTE_VM_CACHE_H

#include <sys/stat.h>

/* Only files and directories no one but us could have written are trusted. */
int vm_cache_ours(const struct stat *st);
/* @dir made if missing (parents 0755, itself 0700); 0 when it is a directory of ours. */
int vm_cache_ready(const char *dir);
/* Unlinks our regular files named @prefix* in @dir, oldest mtime first, until @keep are left. */
void vm_cache_prune(const char *dir, const char *prefix, int keep);

#endif /* KISTE_VM_CACHE_H */
