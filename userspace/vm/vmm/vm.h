/* SPDX-License-Identifier: GPL-2.0 */
/* vm.h - the Linux micro-VMM: boot a bzImage + initramfs, serve the agent, confine itself. */
#ifndef KISTE_LINUX_VM_H
#define KISTE_LINUX_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libkiste.h"
#include "blk.h"
#include "boot.h"
#include "net.h"
#include "pci.h"

/* Disks the VMM attaches (virtio-blk, one PCI slot each). */
#define LINUX_DISKS_MAX		LINUX_PCI_SLOTS

struct linux_vm_cfg {
	const struct linux_kernel *kernel;
	int initrd_fd;		/* the initramfs: initrd_len bytes from offset 0 */
	size_t initrd_len;
	const char *cmdline;	/* the VMM appends kiste.chan=ADDR,SIZE */
	uint64_t mem_size;
	unsigned int cpus;
	const struct linux_disk *disks;	/* --block, in the guest's order (vda, vdb, ...) */
	unsigned int ndisks;
	int net_fd;		/* the NIC's backend (passt's socket or a tap), or -1: no NIC */
	bool net_tap;		/* net_fd is a tap (--network ns:PATH), not passt's stream */
	int net_err_fd;		/* the backend's stderr, non-blocking (why it stopped), or -1 */
	uint8_t mac[6];
	int kiste_fd;		/* >= 0: KVM through kiste.ko's broker (caller attached) */
	int in_fd;		/* forwarded to the workload's stdin; -1: empty stdin */
	int out_fd;
	int err_fd;
	int log_fd;		/* guest serial console; -1: discarded */
	/*
	 * -t: the workload has a pty in the guest (the spec's tty=1); its size is
	 * tty_fd's (the caller's terminal, or -1: none), sent at boot and on
	 * SIGWINCH.  The caller's terminal is raw meanwhile (kiste_tty_raw), so
	 * a signal of kiste_tty_fatal_signals is read here, the VM stopped and
	 * reported (-EINTR) for the caller to restore the terminal first.
	 */
	bool tty;
	/*
	 * An OCI container's VMM: every signal a handler could take goes to the
	 * workload (runc's kill), not only INT, TERM and HUP (kiste run's).
	 */
	bool oci_signals;
	bool tty_input;		/* -t -i: what the caller types goes in (else discarded at the end) */
	int tty_fd;
	/*
	 * `kiste exec`'s listening socket (kiste_exec.h, F_STREAM), served by the
	 * main thread (exec.c); -1: none.
	 */
	int exec_fd;
	int hold_fd;		/* kept open, never used (a named run's lock); -1: none */
	unsigned int timeout_s;	/* 0: none */
	bool stats;		/* timings and RSS on err_fd at the end */
	uint64_t t_start_ns;	/* CLOCK_MONOTONIC when kiste run started (stats); 0: now */
};

/*
 * Boots the guest and serves it until the agent reports.  Returns 0 with
 * *code = the exit status kiste run should return (the agent's report), or
 * a negative errno with @err set: -ETIMEDOUT when --timeout expired (the VM
 * is gone), -EINTR with *code = the signal when (-t) a signal that ends
 * kiste came (the VM is gone; the caller raises it again once the terminal
 * is restored), others when kiste failed (exit 125).
 */
int linux_vm_run(const struct linux_vm_cfg *cfg, int *code, struct kiste_err *err);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t linux_now_ns(void);

/* The guest kernel's command line (the VMM appends the channel's address); @pci: devices. */
void linux_cmdline(bool debug, bool pci, char *buf, size_t len);

#endif /* KISTE_LINUX_VM_H */
