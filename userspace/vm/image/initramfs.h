/* SPDX-License-Identifier: GPL-2.0 */
/* initramfs.h - builds the vm-mode guest's initramfs (newc cpio) in memory. */
#ifndef KISTE_LINUX_INITRAMFS_H
#define KISTE_LINUX_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libkiste.h"

/*
 * The archive is written to a memfd, not the heap: file contents move by
 * sendfile and never pass through (or count in) the VMM's own memory, and
 * the boot code reads the archive from the fd straight into guest memory.
 */
struct linux_initramfs {
	int fd;			/* memfd holding the archive; -1 before init */
	size_t len;
	size_t max;		/* refuse to grow past this (guest memory bounds it) */
	uint32_t ino;
	char **dirs;		/* directories already in the archive */
	size_t ndirs;
};

int linux_initramfs_init(struct linux_initramfs *ir, size_t max, struct kiste_err *err);
void linux_initramfs_free(struct linux_initramfs *ir);

/* An entry with explicit contents (@data may be NULL only when @len is 0); parents added. */
int linux_initramfs_add(struct linux_initramfs *ir, const char *path, mode_t mode,
			uint32_t rdev, const void *data, size_t len, struct kiste_err *err);
/* A regular file at @path: @len bytes of @fd from @off, copied by the kernel (sendfile). */
int linux_initramfs_add_fd(struct linux_initramfs *ir, const char *path, mode_t mode, int fd,
			   off_t off, size_t len, struct kiste_err *err);
/* The host file @host (symlinks followed) at @path in the archive. */
int linux_initramfs_add_host(struct linux_initramfs *ir, const char *path, const char *host,
			     struct kiste_err *err);
/*
 * The host program @prog (an absolute path) with everything it needs to start:
 * its ELF interpreter and DT_NEEDED libraries, resolved the way ld.so does
 * without running anything, or a "#!" script's interpreter.
 */
int linux_initramfs_add_program(struct linux_initramfs *ir, const char *prog,
				struct kiste_err *err);
/* A copy of the tree at @dir (files, directories, symlinks, device nodes) as the root. */
int linux_initramfs_add_tree(struct linux_initramfs *ir, const char *dir, struct kiste_err *err);
/* Appends the trailer; the archive is then ir->len bytes of ir->fd from offset 0. */
int linux_initramfs_finish(struct linux_initramfs *ir, struct kiste_err *err);

/* Host path of @cmd (searched in $PATH when it has no '/'); -ENOENT when none. */
int linux_find_program(const char *cmd, char *out, size_t outlen);

#endif /* KISTE_LINUX_INITRAMFS_H */
