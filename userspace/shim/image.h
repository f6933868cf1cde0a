/* SPDX-License-Identifier: GPL-2.0 */
/* image.h - maps the embedded guest kernel image into the launcher process and enters it. */
#ifndef KISTE_SHIM_IMAGE_H
#define KISTE_SHIM_IMAGE_H

#include <stdint.h>

#include "allowlist.h"
#include "boot.h"
#include "libkiste.h"

struct shim_image {
	uintptr_t start, end;		/* the whole mapping */
	uintptr_t gate_start, gate_len;	/* its executable segment */
	uintptr_t entry;
};

int shim_image_map(struct shim_image *img, struct kiste_err *err);
/* Adds the vvar/vDSO mappings (from /proc/self/maps) exec must keep. */
int shim_image_keep_ranges(struct gk_boot *boot, struct kiste_err *err);
/* Where the fork stub's clone instruction ends: the ip filter's one clone site. */
uintptr_t shim_image_fork_ip(const struct shim_image *img);
uintptr_t shim_image_thread_ip(const struct shim_image *img);
/* Installs @nbpf filters in order (no_new_privs must be set) and jumps to the guest kernel. */
int shim_image_enter(const struct shim_image *img, struct gk_boot *boot,
		     const struct shim_bpf *bpf, int nbpf, struct kiste_err *err);

#endif /* KISTE_SHIM_IMAGE_H */
