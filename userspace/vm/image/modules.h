/* SPDX-License-Identifier: GPL-2.0 */
/* modules.h - the guest kernel's modules a vm-mode device needs, from the host's /lib/modules. */
#ifndef KISTE_VM_MODULES_H
#define KISTE_VM_MODULES_H

#include <limits.h>

#include "initramfs.h"

/* virtio_pci and virtio_blk take 6 in Debian's 6.1; a far longer chain is not depmod's output. */
#define VM_MODULES_MAX		32
/* Names asked for at once (what the devices of one guest need). */
#define VM_MODULES_WANT_MAX	8
/* The kernel's MODULE_NAME_LEN (64 - sizeof(long)), NUL included. */
#define VM_MODULE_NAME_MAX	56
/* modules.dep's paths are short ("kernel/drivers/block/virtio_blk.ko"); longer ones are refused. */
#define VM_MODULE_PATH_MAX	256
/* A module's size, compressed or not: the biggest in Debian's 6.1 (amdgpu) is about 20 MiB. */
#define VM_MODULE_SIZE_MAX	(64u << 20)

struct vm_module {
	char name[VM_MODULE_NAME_MAX];	/* "virtio_ring": the file's name, '-' read as '_' */
	char rel[VM_MODULE_PATH_MAX];	/* as modules.dep names it, relative to the modules dir */
};

struct vm_modules {
	char dir[PATH_MAX];		/* ($KISTE_VM_MODULES or /lib/modules)/VERSION */
	unsigned int n;
	struct vm_module mod[VM_MODULES_MAX];	/* load order: dependencies first */
};

/*
 * The modules named @want (at most VM_MODULES_WANT_MAX) of kernel @version
 * with their dependencies from modules.dep, each once, in the order modprobe
 * loads them; names modules.builtin lists are skipped.  @why ("--block")
 * starts the error lines, which name the version, the path looked at and the fix.
 */
int vm_modules_resolve(const char *version, const char *why, const char *const *want,
		       unsigned int nwant, struct vm_modules *m, struct kiste_err *err);

/*
 * Each module of @m at KISTE_VM_MODULES_DIR/NAME.ko in @ir: read from a
 * regular file beneath m->dir (a symlink is refused); a .ko.xz is stored
 * decompressed, other compressions are refused.
 */
int vm_modules_add(struct linux_initramfs *ir, const struct vm_modules *m, struct kiste_err *err);

#endif /* KISTE_VM_MODULES_H */
