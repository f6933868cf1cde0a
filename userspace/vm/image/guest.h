/* SPDX-License-Identifier: GPL-2.0 */
/* guest.h - what vm mode puts into the guest: the initramfs (agent, spec, workload), the kernel. */
#ifndef KISTE_VM_GUEST_H
#define KISTE_VM_GUEST_H

#include <stddef.h>

#include "initramfs.h"
#include "kiste_run.h"

/* What the guest needs beyond the workload: disks' names, and its kernel's modules for them. */
struct vm_guest_devs {
	const char *kernel_version;	/* linux_kernel_version() of the guest kernel */
	const char *const *blocks;	/* --block names, in the order the VMM attaches the disks */
	unsigned int nblocks;
	/*
	 * One of @blocks holding --rootfs as an erofs image (the agent mounts it
	 * as the root), or NULL: --rootfs, if any, is copied into the initramfs.
	 */
	const char *root;
	/* --volume: disk vol_disks[i] (also among @blocks) mounted read-only at vol_dsts[i] */
	const char *const *vol_disks;
	const char *const *vol_dsts;
	unsigned int nvols;
	/* -v FILE:DST:ro: file i's file_lens[i] bytes (file_fds[i]) written to file_dsts[i] */
	const int *file_fds;
	const size_t *file_lens;
	const char *const *file_dsts;
	unsigned int nfiles;
	/*
	 * A virtio-net device's configuration for the agent, the spec's net=
	 * value "ADDR/PREFIX,GATEWAY,DNS" (uapi/kiste/vm_agent.h), or NULL: no device.
	 */
	const char *net;
	/* With @net: the interface's MTU for the agent (spec's mtu=), or 0: the guest's 1500. */
	unsigned int mtu;
	/* The workload is pid 1 of a pid namespace of its own (spec's pid1=: OCI containers). */
	bool pid1;
	/* An OCI container's linux.sysctl, set by the agent (spec's sysctl=) */
	const struct kiste_oci_kv *const *sysctl;
	size_t nsysctl;
};

/*
 * The guest's initramfs for @o: the workload (CMD packed with the shared
 * libraries it needs, or a copy of --rootfs), /dev/console, the agent and its
 * spec; with disks (@d), the guest kernel's virtio_pci and virtio_blk modules
 * and the disks' names for the agent; with d->net, virtio_pci and virtio_net
 * and the net= record; at most @max bytes.  Errors finding or packing CMD
 * keep their errno (kiste_exit_for_errno() maps them); with a --rootfs every
 * failure is 125, and so is every failure about the disks or the network.
 * The test hooks KISTE_VM_DUMP_INITRD, KISTE_VM_INITRD and KISTE_VM_MODULES apply here.
 */
int vm_guest_initramfs(const struct kiste_run_opts *o, const struct vm_guest_devs *d, size_t max,
		       struct linux_initramfs *ir, struct kiste_err *err);

/*
 * The guest kernel's release ("6.1.0-57-amd64"), the first word of the string
 * the bzImage's setup header points at (kernel_version): where its modules are.
 */
struct linux_kernel;
int linux_kernel_version(const struct linux_kernel *k, char *buf, size_t len,
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
