// SPDX-License-Identifier: GPL-2.0
// mode.c - vm mode's entry in the mode table: its own options, then kernel, guest image, sandbox, VMM.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "image/guest.h"
#include "kiste_mode.h"
#include "vmm/confine.h"
#include "vmm/vm.h"

/* vm mode's own options; the common ones are struct kiste_run_opts. */
struct vm_opts {
	const char *kernel;	/* NULL: vm_guest_kernel_path() picks */
	bool debug;		/* the guest console on stderr */
};

enum { VM_O_KERNEL = KISTE_MODE_OPT_BASE, VM_O_DEBUG };

static const struct option vm_options[] = {
	{ "kernel", required_argument, NULL, VM_O_KERNEL },
	{ "debug", no_argument, NULL, VM_O_DEBUG },
	{ NULL, 0, NULL, 0 },
};

/*
 * Guest memory below the 32-bit MMIO hole in one slot; vCPUs as many as the
 * MP table holds, each worth one CPU of the VMM's CPU limit; --pids-limit
 * caps the guest's processes (the agent's cgroup there), 2048 by default.
 */
static const struct kiste_run_limits vm_limits = {
	.accepts = KISTE_OPT_ALL,
	.memory_min = LINUX_MEM_MIN,
	.memory_max = LINUX_MEM_MAX,
	.memory_default = 256ULL << 20,
	.cpus_max = LINUX_CPUS_MAX,
	.cpus_default = 1,
	.cpus_whole = true,
	.pids_default = 2048,
};

static int vm_opt(void *mo, int val, const char *arg, struct kiste_err *err)
{
	struct vm_opts *vo = mo;

	switch (val) {
	case VM_O_KERNEL:
		if (!arg[0])
			return kiste_err_set(err, -EINVAL, "kiste run: empty --kernel: give a bzImage");
		vo->kernel = arg;
		return 0;
	case VM_O_DEBUG:
		vo->debug = true;
		return 0;
	}
	return -EINVAL;
}

/* The agent holds KISTE_VM_SPEC_ARGS_MAX arguments and environment entries (two are its own). */
static int vm_check(const struct kiste_run_opts *o, void *mo, struct kiste_err *err)
{
	(void)mo;
	if (o->argc > KISTE_VM_SPEC_ARGS_MAX)
		return kiste_err_set(err, -E2BIG, "kiste run: %d arguments: vm mode's agent takes "
				     "at most %d: pass the rest in a file", o->argc,
				     KISTE_VM_SPEC_ARGS_MAX);
	if (o->nenv > KISTE_VM_SPEC_ARGS_MAX - 2)
		return kiste_err_set(err, -E2BIG, "kiste run: %d --env entries: vm mode's agent "
				     "takes at most %d: pass the rest in a file", o->nenv,
				     KISTE_VM_SPEC_ARGS_MAX - 2);
	return 0;
}

/*
 * With kiste.ko this process (the VMM) joins a temporary vm-mode sandbox; *kfd
 * -1 without.  Its limits as enforced: guest memory and vCPUs by the broker,
 * processes by the guest's agent, the CPU limit by the VMM's cgroup if any.
 */
static int vm_sandbox(const struct kiste_run_opts *o, const struct kiste_cgroup *cg, int *kfd,
		      struct kiste_err *err)
{
	struct kiste_sandbox_spec spec = {
		.name = o->name, .mode = KISTE_MODE_VM, .memory_limit = o->memory,
		.vcpu_limit = o->cpus, .pids_limit = o->pids_limit,
		.cpu_limit = cg->version ? o->cpus_milli : 0,
	};
	int ret = kiste_run_sandbox(&spec, kfd, err);

	if (ret == 0 && *kfd >= 0 && (ret = kiste_dev_attach(*kfd, 0, err)) < 0) {
		close(*kfd);
		*kfd = -1;
	}
	return ret;
}

static int vm_boot(const struct kiste_run_opts *o, const struct vm_opts *vo,
		   const struct linux_kernel *k, struct linux_initramfs *ir, int kfd,
		   uint64_t t_start, struct kiste_err *err)
{
	char cmdline[512];
	struct linux_vm_cfg cfg = {
		.kernel = k, .initrd_fd = ir->fd, .initrd_len = ir->len, .cmdline = cmdline,
		.mem_size = o->memory, .cpus = o->cpus, .kiste_fd = kfd,
		.in_fd = fcntl(0, F_GETFD) < 0 ? -1 : 0, .out_fd = 1, .err_fd = 2,
		.log_fd = vo->debug ? 2 : -1, .timeout_s = o->timeout_s,
		.stats = kiste_setting(KISTE_SET_VM_STATS) != NULL, .t_start_ns = t_start,
	};
	int code = KISTE_EXIT_REFUSED, ret;

	kiste_test_phase("vm-sandbox-joined");
	linux_cmdline(vo->debug, cmdline, sizeof(cmdline));
	ret = linux_vm_run(&cfg, &code, err);
	if (ret == -ETIMEDOUT)
		return KISTE_EXIT_SIGNAL + SIGKILL;
	return ret < 0 ? -1 : code;
}

/*
 * The VMM is the launcher itself: it joins the sandbox's cgroup before the
 * initramfs and guest memory are allocated, so both are charged there.  Its
 * memory: guest RAM, the initramfs (up to half of it, in a memfd), and the
 * VMM's own needs (kernel decompression, the cache file); its CPU: one CPU
 * per vCPU; its processes: the vCPU threads and a few more.
 */
#define VM_CG_OVERHEAD (128ULL << 20)

static int vm_cgroup(const struct kiste_run_opts *o, struct kiste_cgroup *cg,
		     struct kiste_err *err)
{
	int ret = kiste_run_cgroup("vm", o, o->memory + o->memory / 2 + VM_CG_OVERHEAD,
				   o->cpus + 8, cg, err);

	if (ret == 0 && cg->version)
		ret = kiste_cgroup_attach(cg, 0, err);
	return ret;
}

static int vm_run(const struct kiste_run_opts *o, void *mo)
{
	const struct vm_opts *vo = mo;
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	struct linux_kernel k;
	char kbuf[PATH_MAX], cbuf[PATH_MAX];
	uint64_t t_start = linux_now_ns();	/* KISTE_VM_STATS's setup time counts from here */
	struct kiste_cgroup cg = { 0 };
	int ret, kfd = -1;

	signal(SIGPIPE, SIG_IGN);
	/* Removed by its watcher when this process is gone: the VMM ends confined. */
	if (vm_cgroup(o, &cg, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return KISTE_EXIT_REFUSED;
	}
	ret = linux_kernel_load(vm_guest_kernel_path(vo->kernel, kbuf, sizeof(kbuf)), &k, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return KISTE_EXIT_REFUSED;
	}
	kiste_test_phase("vm-kernel-loaded");
	/* Benchmark hook: KISTE_VM_BZIMAGE=1 boots the bzImage's own decompressor. */
	k.no_decompress = kiste_setting(KISTE_SET_VM_BZIMAGE) != NULL;
	k.cache_dir = vm_guest_cache_dir(cbuf, sizeof(cbuf));
	ret = vm_guest_initramfs(o, &(struct vm_guest_devs){ 0 }, o->memory / 2, &ir, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		ret = kiste_exit_for_errno(ret);
		goto out;
	}
	kiste_test_phase("vm-initramfs-built");
	ret = vm_sandbox(o, &cg, &kfd, &err);
	if (ret == 0)
		ret = vm_boot(o, vo, &k, &ir, kfd, t_start, &err);
	if (err.code)
		fprintf(stderr, "kiste: %s\n", err.msg);
	if (ret < 0)
		ret = KISTE_EXIT_REFUSED;
	/*
	 * kfd stays open: this process is a member of the sandbox it created,
	 * and closing it would delete the sandbox and kill us before we exit.
	 */
out:
	linux_initramfs_free(&ir);
	linux_kernel_free(&k);
	return ret;
}

const struct kiste_mode_ops kiste_mode_vm = {
	.name = "vm",
	.id = KISTE_MODE_VM,
	.summary = "a KVM guest booting a Linux kernel with kiste's agent as PID 1 (Kata-like)",
	.synopsis = "kiste run --mode=vm [OPTIONS] [--] CMD [ARG...]",
	.usage = "Boot a Linux guest in a KVM virtual machine and run CMD there as the agent's\n"
		 "child.  Without --rootfs, CMD and the shared libraries it needs are packed into\n"
		 "the guest; with --rootfs a copy of DIR is the guest's root (writes stay in the\n"
		 "guest).  --memory is guest memory, 64M..3G (default 256M); --cpus 1..32 vCPUs\n"
		 "(default 1); --user is the identity in the guest (default 0:0, guest root).\n\n"
		 "  --kernel PATH         guest bzImage (default $KISTE_KERNEL, else\n"
		 "                        /boot/vmlinuz-$(uname -r))\n"
		 "  --debug               show the guest kernel's console on stderr\n",
	.limits = &vm_limits,
	.opts = vm_options,
	.opts_size = sizeof(struct vm_opts),
	.opt = vm_opt,
	.check = vm_check,
	.run = vm_run,
	.policy = linux_confine_policy,
	.policy_usage = "kiste policy vm",
};
