/* SPDX-License-Identifier: GPL-2.0 */
/* rootfs.h - vm mode's --rootfs as a read-only erofs image on a virtio disk. */
#ifndef KISTE_VM_ROOTFS_H
#define KISTE_VM_ROOTFS_H

#include <stdint.h>

#include "libkiste.h"

/* The serial of the disk that holds the guest's root (user disk names never start with '.'). */
#define VM_ROOT_DISK	".rootfs"

/*
 * --rootfs DIR: an erofs image of DIR (owners root, as the initramfs copy had
 * them), made by mkfs.erofs once per state of the tree and kept in @cache
 * (NULL: a temporary file, gone with the descriptor).  The key is every
 * entry's path and metadata (inode, size, mode, owners, mtime, ctime, a
 * link's target): a write anywhere in the tree moves a ctime, so a changed
 * tree gets a new image; the @cache keeps the 4 most recently used.
 * *@fd_out is the image, read-only; *@size its size.  One-line errors.
 */
int vm_rootfs_image(const char *dir, const char *cache, int *fd_out, uint64_t *size,
		    struct kiste_err *err);

/* Whether @fd (named @what in errors) is an erofs image of whole sectors; *@size its size. */
int vm_rootfs_check(int fd, const char *what, uint64_t *size, struct kiste_err *err);

#endif /* KISTE_VM_ROOTFS_H */
