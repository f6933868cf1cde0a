/* SPDX-License-Identifier: GPL-2.0 */
/* vm_int.h - state shared by the Linux VMM's run loop, devices and confinement. */
#ifndef KISTE_LINUX_VM_INT_H
#define KISTE_LINUX_VM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <kiste/vm_agent.h>
#include "kiste_kvm.h"
#include "vm.h"
#include "exec.h"

enum linux_stop {
	LINUX_RUNNING,
	LINUX_EXITED,		/* the agent reported through the exit port */
	LINUX_RESET,		/* the guest reset or shut down without a report */
	LINUX_FAILED,		/* KVM or the VMM failed: vm->err */
	LINUX_TIMEOUT,
	LINUX_KILLED,		/* -t: a signal that ends kiste (code: which) */
};

struct linux_vm;

/* KISTE_VM_STATS: exits that reached the VMM, the busiest ports first. */
#define LINUX_EXIT_PORTS	32

struct linux_exits {
	uint32_t io, mmio, other;
	uint16_t port[LINUX_EXIT_PORTS];
	uint32_t count[LINUX_EXIT_PORTS];
};

struct linux_vcpu {
	struct linux_vm *vm;
	unsigned int idx;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;
	struct linux_exits exits;
};

struct linux_uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int thre_pending;
	/* The console line being written, and the last one that says why a guest died. */
	char line[160];
	unsigned int line_len;
	char fatal[160];
	/*
	 * --debug with -t -i: the console goes to the caller's raw terminal,
	 * which adds no carriage return: a line feed the guest sent alone gets one.
	 */
	bool crlf;
	uint8_t last;
};

struct linux_vm {
	const struct linux_vm_cfg *cfg;
	unsigned long tty_restore;	/* -t: confine.h's; set once the terminal is raw */
	struct kiste_kvm kvm;	/* the VM and its guest RAM (kvm.mem, kvm.mem_size) */
	struct linux_boot_layout lay;
	struct kiste_chan_hdr *chan;
	uint8_t *chan_in;
	uint8_t *chan_out;
	struct linux_vcpu vcpu[LINUX_CPUS_MAX];
	unsigned int ncpus;
	pthread_mutex_t lock;	/* uart, stop state */
	pthread_barrier_t ready;
	struct linux_uart uart;
	struct linux_pci pci;	/* with disks only: bus 0 and its devices */
	struct linux_blk blk[LINUX_DISKS_MAX];
	struct linux_net net;	/* with --network pasta: after the disks on the bus */
	struct linux_exec exec;	/* kiste exec's sessions (cfg->exec_fd) */
	unsigned int net_gsi;
	uint8_t cmos_index;	/* CMOS register the guest selected at port 0x70 */
	int wake_fd;		/* eventfd: a vCPU thread tells the main thread the VM stopped */
	int sig_fd;		/* signalfd: fwd's; -t: WINCH, kiste_tty_fatal_signals */
	sigset_t fwd;		/* forwarded to the workload (vm.c's vm_signals) */
	volatile int stop;	/* enum linux_stop */
	int code;
	struct kiste_err err;
	uint64_t t_first_run_ns;
	uint64_t t_load_ns;	/* linux_boot_setup's duration: kernel and initrd into guest RAM */
	uint64_t t_agent_ns;	/* the agent's first channel write: the kernel has booted */
};


/* Handles one KVM_EXIT_IO on @vc; returns 0 or -1 when the VM must stop (vm->stop set). */
int linux_devs_io(struct linux_vcpu *vc);
/* Records why the VM stops (first caller wins) and kicks every vCPU out of KVM_RUN. */
void linux_vm_stop(struct linux_vm *vm, int why, int code, const char *msg);

#endif /* KISTE_LINUX_VM_INT_H */
