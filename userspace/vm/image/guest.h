/* SPDX-License-Identifier: GPL-2.0 */
/* guest.h - what vm mode puts into the guest: the initramfs (agent, spec, workload), the kernel. */
#ifndef KISTE_VM_GUEST_H
#define KISTE_VM_GUEST_H

#include <stddef.h>

#include "initramfs.h"
#include "kiste_run.h"

/*
 * The guest's initramfs for @o: the workload (CMD packed with the shared
 * libraries it needs, or a copy of --rootfs), /dev/console, the agent and its
 * spec; at most @max bytes.  Errors finding or packing CMD keep their errno
 * (kiste_exit_for_errno() maps them); with a --rootfs every failure is 125.
 * The test hooks KISTE_VM_DUMP_INITRD and KISTE_VM_INITRD apply here.
 */
int vm_guest_initramfs(const struct kiste_run_opts *o, size_t max, struct linux_initramfs *ir,
		       struct kiste_err *err);

/* The guest kernel: @given (--kernel), else $KISTE_KERNEL, else /boot/vmlinuz-$(uname -r). */
const char *vm_guest_kernel_path(const char *given, char *buf, size_t len);

/*
 * Where decompressed kernels are cached, or NULL for no cache: KISTE_VM_CACHE
 * (0: none), else /var/cache/kiste/vm for root, else the caller's own
 * $XDG_CACHE_HOME/kiste or ~/.cache/kiste (a cached kernel is trusted).
 */
const char *vm_guest_cache_dir(char *buf, size_t len);

#endif /* KISTE_VM_GUEST_H */
