// SPDX-License-Identifier: GPL-2.0
// mode.c - vm mode's entry in the mode table: its own options, then kernel, guest image, sandbox, VMM.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "image/guest.h"
#include "image/rootfs.h"
#include "passt.h"
#include "tap.h"
#include "kiste_mode.h"
#include "vmm/confine.h"
#include "vmm/vm.h"

/* vm mode's own options; the common ones are struct kiste_run_opts. */
struct vm_opts {
	const char *kernel;	/* NULL: vm_guest_kernel_path() picks */
	bool debug;		/* the guest console on stderr */
	/* --block NAME=FILE[:ro]: names and files as given; fds opened by vm_disks_open */
	struct linux_disk disks[LINUX_DISKS_MAX];
	char names[LINUX_DISKS_MAX][LINUX_BLK_ID_BYTES + 1];
	const char *files[LINUX_DISKS_MAX];
	const char *block_names[LINUX_DISKS_MAX];
	unsigned int ndisks;
	/* -v SRC:DST:ro: each an erofs image of SRC on a disk of its own, mounted at DST */
	struct kiste_volume vols[LINUX_DISKS_MAX];
	char vol_names[LINUX_DISKS_MAX][16];
	const char *vol_dsts[LINUX_DISKS_MAX];
	unsigned int nvols;	/* --volume given, files among them */
	unsigned int ndvols;	/* of them directories: each a disk, after the --block ones */
	/* -v FILE:DST:ro (an engine's /etc/hosts...): FILE's bytes copied into the guest */
	int file_fds[KISTE_VM_FILE_MAX];
	size_t file_lens[KISTE_VM_FILE_MAX];
	const char *file_dsts[KISTE_VM_FILE_MAX];
	unsigned int nfiles;
	int net_fd;		/* the NIC's backend: passt's socketpair end, the tap, or -1 */
	int net_err_fd;		/* and passt's stderr */
	struct vm_tap tap;	/* --network ns:PATH: the tap in that namespace, its address */
	bool root_disk;		/* --rootfs is the disk VM_ROOT_DISK (else copied, or none) */
	bool in_cgroup;		/* an OCI container's: its cgroup is the engine's, joined */
	/* an OCI container's kiste.ko sandbox, made by create (-1: no module) */
	bool oci;
	bool oci_pid1;		/* the guest's workload is pid 1 of its own pid namespace */
	const struct kiste_oci_kv *const *oci_sysctl;	/* linux.sysctl, for the agent */
	size_t oci_nsysctl;
	int oci_kfd;
	/*
	 * kiste exec's listening socket, served by the VMM: an OCI container's
	 * (exec_given, from create) or a named run's (vm_run_name); else -1.
	 * name_lock: the named run's lock (RUNDIR/NAME.trace), held while the
	 * VM runs, which is what kiste exec finds a live run by.
	 */
	int exec_fd;
	bool exec_given;
	int name_lock;
	char release[128];	/* the guest kernel's, for its modules (with disks) */
};

enum { VM_O_KERNEL = KISTE_MODE_OPT_BASE, VM_O_DEBUG, VM_O_BLOCK, VM_O_VOLUME };

static const struct option vm_options[] = {
	{ "kernel", required_argument, NULL, VM_O_KERNEL },
	{ "debug", no_argument, NULL, VM_O_DEBUG },
	{ "block", required_argument, NULL, VM_O_BLOCK },
	{ "volume", required_argument, NULL, VM_O_VOLUME },
	{ NULL, 0, NULL, 0 },
};

/*
 * Guest memory below the 32-bit MMIO hole in one slot; vCPUs as many as the
 * MP table holds, each worth one CPU of the VMM's CPU limit; --pids-limit
 * caps the guest's processes (the agent's cgroup there), 2048 by default.
 */
static const struct kiste_run_limits vm_limits = {
	.accepts = KISTE_OPT_ALL,
	.networks = 1u << KISTE_NET_PASTA | 1u << KISTE_NET_NS,
	.memory_min = LINUX_MEM_MIN,
	.memory_max = LINUX_MEM_MAX,
	.memory_default = 256ULL << 20,
	.cpus_max = LINUX_CPUS_MAX,
	.cpus_default = 1,
	.cpus_whole = true,
	.pids_default = 2048,
};

/* --block NAME=FILE[:ro]: NAME is the disk's serial in the guest (/dev/disk/by-id/virtio-NAME). */
static int vm_block_parse(struct vm_opts *vo, const char *arg, struct kiste_err *err)
{
	const char *eq = strchr(arg, '='), *file;
	size_t nlen = eq ? (size_t)(eq - arg) : 0, flen;
	struct linux_disk *d = &vo->disks[vo->ndisks];
	unsigned int i;

	/* A leading '.' is kiste's own (the --rootfs image's disk). */
	if (!eq || !nlen || nlen > LINUX_BLK_ID_BYTES || arg[0] == '.' ||
	    strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") < nlen ||
	    !eq[1])
		return kiste_err_set(err, -EINVAL, "kiste run: bad --block '%s': use --block "
				     "NAME=FILE[:ro], NAME 1-%d of A-Z a-z 0-9 _ . - (no leading .)", arg,
				     LINUX_BLK_ID_BYTES);
	if (vo->ndisks == LINUX_DISKS_MAX)
		return kiste_err_set(err, -EINVAL, "kiste run: more than %d --block disks: vm "
				     "mode attaches at most %d", LINUX_DISKS_MAX, LINUX_DISKS_MAX);
	memcpy(vo->names[vo->ndisks], arg, nlen);
	vo->names[vo->ndisks][nlen] = 0;
	for (i = 0; i < vo->ndisks; i++)
		if (!strcmp(vo->names[i], vo->names[vo->ndisks]))
			return kiste_err_set(err, -EINVAL, "kiste run: disk '%s' given twice: name "
					     "each --block disk once", vo->names[i]);
	file = eq + 1;
	flen = strlen(file);
	*d = (struct linux_disk){ .name = vo->names[vo->ndisks], .fd = -1 };
	if (flen > 3 && !strcmp(file + flen - 3, ":ro"))
		d->ro = true;
	vo->files[vo->ndisks++] = file;
	return 0;
}

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
	case VM_O_BLOCK:
		return vm_block_parse(vo, arg, err);
	case VM_O_VOLUME:
		if (vo->nvols == LINUX_DISKS_MAX)
			return kiste_err_set(err, -E2BIG, "kiste run: more than %d --volume: use "
					     "fewer", LINUX_DISKS_MAX);
		if (kiste_volume_parse(&vo->vols[vo->nvols], arg, err) < 0)
			return -EINVAL;
		if (!vo->vols[vo->nvols].ro)
			return kiste_err_set(err, -EINVAL, "kiste run: vm mode's --volume is "
					     "read-only for now: leave out :rw (a writable share "
					     "needs 9p or virtio-fs, not built yet)");
		vo->nvols++;
		return 0;
	}
	return -EINVAL;
}

/* The agent holds KISTE_VM_SPEC_ARGS_MAX arguments and environment entries (two are its own). */
static int vm_check(const struct kiste_run_opts *o, void *mo, struct kiste_err *err)
{
	const struct vm_opts *vo = mo;
	unsigned int devs = vo->ndisks + vo->nvols + (o->rootfs ? 1 : 0) +
			    (o->network != KISTE_NET_NONE ? 1 : 0);

	/* Each disk, volume, --rootfs and the NIC is a slot on the VM's PCI bus. */
	if (devs > LINUX_PCI_SLOTS)
		return kiste_err_set(err, -E2BIG, "kiste run: %u devices (--block, --volume, "
				     "--rootfs, --network): vm mode attaches at most %d",
				     devs, LINUX_PCI_SLOTS);
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
 * With kiste.ko a temporary vm-mode sandbox named @name (NULL: sb-N) in *kfd;
 * -1 without.  Its limits as enforced: guest memory and vCPUs by the broker,
 * processes by the guest's agent, the CPU limit by the VMM's cgroup if any.
 */
static int vm_sandbox_create(const struct kiste_run_opts *o, const char *name, bool oci,
			     const struct kiste_cgroup *cg, int *kfd, struct kiste_err *err)
{
	struct kiste_sandbox_spec spec = {
		.name = name, .name_optional = oci, .mode = KISTE_MODE_VM, .memory_limit = o->memory,
		.vcpu_limit = o->cpus, .pids_limit = o->pids_limit,
		.cpu_limit = cg->version ? o->cpus_milli : 0,
	};

	return kiste_run_sandbox(&spec, kfd, err);
}

/*
 * This process, the VMM, joins its sandbox: the one an OCI create made, else
 * one of its own (kiste run).  *kfd -1 without kiste.ko.
 */
static int vm_sandbox(const struct kiste_run_opts *o, const struct vm_opts *vo,
		      const struct kiste_cgroup *cg, int *kfd, struct kiste_err *err)
{
	int ret = 0;

	if (vo->oci)
		*kfd = vo->oci_kfd;
	else
		ret = vm_sandbox_create(o, o->name, false, cg, kfd, err);
	if (ret == 0 && *kfd >= 0 && (ret = kiste_dev_attach(*kfd, 0, err)) < 0) {
		close(*kfd);
		*kfd = -1;
	}
	return ret;
}

/*
 * Opens each --block FILE (a regular file of whole 512-byte sectors) and
 * locks it, shared when read-only, else exclusive: a second VM writing the
 * same disk would corrupt it.  The locks go with the descriptors.
 */
static int vm_disks_open(struct vm_opts *vo, struct kiste_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	size_t len;
	int fd;

	for (i = 0; i < vo->ndisks; i++) {
		struct linux_disk *d = &vo->disks[i];

		len = strlen(vo->files[i]) - (d->ro ? 3 : 0);
		if (len >= sizeof(path))
			return kiste_err_set(err, -ENAMETOOLONG, "kiste run: --block %s: the file "
					     "name is too long", d->name);
		memcpy(path, vo->files[i], len);
		path[len] = 0;
		fd = kiste_open_regular(AT_FDCWD, path, d->ro ? O_RDONLY : O_RDWR, &st);
		if (fd < 0)
			return kiste_err_set(err, fd, "kiste run: --block %s=%s: %s: give a "
					     "regular file you may %s", d->name, path,
					     fd == -EINVAL ? "not a regular file" : strerror(-fd),
					     d->ro ? "read" : "read and write (or add :ro)");
		d->fd = fd;
		if (st.st_size <= 0 || st.st_size % 512)
			return kiste_err_set(err, -EINVAL, "kiste run: --block %s=%s: its size "
					     "(%lld bytes) is not a positive multiple of 512: "
					     "resize it (truncate -s)", d->name, path,
					     (long long)st.st_size);
		if (flock(fd, (d->ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
			return kiste_err_set(err, -EBUSY, "kiste run: --block %s=%s: the file is "
					     "in use by another VM: stop it, or use :ro on both",
					     d->name, path);
		d->size = st.st_size;
	}
	return 0;
}

static void vm_disks_close(struct vm_opts *vo)
{
	unsigned int i;

	for (i = 0; i < vo->ndisks; i++)
		if (vo->disks[i].fd >= 0) {
			close(vo->disks[i].fd);
			vo->disks[i].fd = -1;
		}
	for (i = 0; i < vo->nfiles; i++)
		close(vo->file_fds[i]);
	vo->nfiles = 0;
}

/*
 * -v FILE:DST:ro: FILE's bytes (a regular file, not reached through a
 * symlink of its own, at most KISTE_VM_FILE_BYTES) for the initramfs; the
 * agent writes them to DST.  Engines bind single files this way.
 */
static int vm_volume_file(struct vm_opts *vo, const struct kiste_volume *v, struct kiste_err *err)
{
	struct stat st;
	int fd;

	if (vo->nfiles == KISTE_VM_FILE_MAX)
		return kiste_err_set(err, -E2BIG, "kiste run: more than %d file --volume: vm mode "
				     "copies at most %d files into its guest", KISTE_VM_FILE_MAX,
				     KISTE_VM_FILE_MAX);
	fd = open(v->src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -errno, "kiste run: --volume %s: %s%s", v->src,
				     strerror(errno), errno == ELOOP ? ": give the file, not a "
				     "link to it" : "");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KISTE_VM_FILE_BYTES) {
		close(fd);
		return kiste_err_set(err, -EINVAL, "kiste run: --volume %s: vm mode copies a "
				     "regular file of at most %u KiB into its guest", v->src,
				     KISTE_VM_FILE_BYTES >> 10);
	}
	vo->file_fds[vo->nfiles] = fd;
	vo->file_lens[vo->nfiles] = (size_t)st.st_size;
	vo->file_dsts[vo->nfiles++] = v->dst;
	return 0;
}

/*
 * --rootfs as the guest's root disk, read-only after the user's disks: a
 * directory becomes an erofs image (rootfs.c, cached in @cache), an erofs
 * image file is used as it is.
 */
static int vm_root_disk(const struct kiste_run_opts *o, struct vm_opts *vo, const char *cache,
			struct kiste_err *err)
{
	struct linux_disk *d = &vo->disks[vo->ndisks];
	struct stat st;
	int ret, fd;

	if (!o->rootfs)
		return 0;
	if (vo->ndisks == LINUX_DISKS_MAX)
		return kiste_err_set(err, -EINVAL, "kiste run: --rootfs takes a disk too: give at "
				     "most %d --block disks with it", LINUX_DISKS_MAX - 1);
	if (stat(o->rootfs, &st) < 0)
		return kiste_err_set(err, -errno, "kiste run: --rootfs %s: %s", o->rootfs,
				     strerror(errno));
	/* Benchmark hook: the tree copied into the initramfs, as vm mode did before images. */
	if (S_ISDIR(st.st_mode) && kiste_setting(KISTE_SET_VM_ROOTFS_COPY))
		return 0;
	*d = (struct linux_disk){ .name = VM_ROOT_DISK, .fd = -1, .ro = true };
	vo->root_disk = true;
	if (S_ISDIR(st.st_mode)) {
		ret = vm_rootfs_image(o->rootfs, cache, &d->fd, &d->size, err);
	} else {
		fd = kiste_open_regular(AT_FDCWD, o->rootfs, O_RDONLY, &st);
		if (fd < 0)
			return kiste_err_set(err, fd, "kiste run: --rootfs %s: %s: give a directory "
					     "or an erofs image", o->rootfs,
					     fd == -EINVAL ? "not a regular file" : strerror(-fd));
		d->fd = fd;
		ret = vm_rootfs_check(fd, o->rootfs, &d->size, err);
		if (ret == 0 && flock(fd, LOCK_SH | LOCK_NB) < 0)
			ret = kiste_err_set(err, -EBUSY, "kiste run: --rootfs %s: the image is in "
					    "use by a VM writing it: stop it", o->rootfs);
	}
	vo->ndisks++;	/* closed with the others, whatever happened */
	return ret;
}

/*
 * Each --volume SRC:DST:ro as an erofs image of SRC (a directory) on a
 * read-only disk, or, a regular file, as bytes the agent writes (vm_volume_file).
 */
static int vm_volume_disks(struct vm_opts *vo, const char *cache, struct kiste_err *err)
{
	unsigned int i;
	struct stat st;
	int ret = 0;

	for (i = 0; i < vo->nvols && ret == 0; i++) {
		struct linux_disk *d = &vo->disks[vo->ndisks];
		const struct kiste_volume *v = &vo->vols[i];
		unsigned int j = vo->ndvols;

		if (stat(v->src, &st) == 0 && S_ISREG(st.st_mode)) {
			ret = vm_volume_file(vo, v, err);
			continue;
		}
		if (vo->ndisks == LINUX_DISKS_MAX)
			return kiste_err_set(err, -EINVAL, "kiste run: each --volume takes a "
					     "disk: give at most %d --block, --volume and --rootfs "
					     "together", LINUX_DISKS_MAX);
		if (stat(v->src, &st) < 0)
			return kiste_err_set(err, -errno, "kiste run: --volume %s: %s", v->src,
					     strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return kiste_err_set(err, -EINVAL, "kiste run: --volume %s: neither a "
					     "directory nor a regular file", v->src);
		snprintf(vo->vol_names[j], sizeof(vo->vol_names[j]), ".vol%u", j);
		vo->vol_dsts[j] = v->dst;
		*d = (struct linux_disk){ .name = vo->vol_names[j], .fd = -1, .ro = true };
		ret = vm_rootfs_image(v->src, cache, &d->fd, &d->size, err);
		vo->ndisks++;	/* closed with the others, whatever happened */
		vo->ndvols++;
	}
	return ret;
}

/* What the guest image needs for the disks: their names, the guest kernel's release. */
static int vm_guest_devs(const struct kiste_run_opts *o, struct vm_opts *vo,
			 const struct linux_kernel *k, struct vm_guest_devs *devs,
			 struct kiste_err *err)
{
	unsigned int i;
	int ret;

	*devs = (struct vm_guest_devs){ .blocks = vo->block_names, .nblocks = vo->ndisks,
					.root = vo->root_disk ? VM_ROOT_DISK : NULL,
					.vol_disks = vo->ndvols ? &vo->block_names[vo->ndisks -
										 vo->ndvols] : NULL,
					.vol_dsts = vo->vol_dsts, .nvols = vo->ndvols,
					.file_fds = vo->file_fds, .file_lens = vo->file_lens,
					.file_dsts = vo->file_dsts, .nfiles = vo->nfiles,
					.net = o->network == KISTE_NET_PASTA ? VM_NET_SPEC :
					       o->network == KISTE_NET_NS ? vo->tap.spec : NULL,
					.mtu = o->network == KISTE_NET_NS ? vo->tap.mtu : 0,
					.pid1 = vo->oci && vo->oci_pid1,
					.sysctl = vo->oci_sysctl, .nsysctl = vo->oci_nsysctl };
	if (!vo->ndisks && !devs->net)
		return 0;
	for (i = 0; i < vo->ndisks; i++)
		vo->block_names[i] = vo->disks[i].name;
	ret = linux_kernel_version(k, vo->release, sizeof(vo->release), err);
	devs->kernel_version = vo->release;
	return ret;
}

/* The NIC's MAC: locally administered, unicast. */
static const uint8_t vm_net_mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x45 };

/* passt for the guest's NIC: the guest's kernel sets its MTU (1500), passt's default stays. */
static const struct kiste_passt_cfg vm_passt = { .mode = "vm" };

/* kiste ends of @sig, as it would have without -t (vm.h: the VMM blocked it to read it). */
static void vm_reraise(int sig)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
}

static int vm_boot(const struct kiste_run_opts *o, const struct vm_opts *vo,
		   const struct linux_kernel *k, struct linux_initramfs *ir, int kfd,
		   uint64_t t_start, struct kiste_err *err)
{
	char cmdline[512];
	struct linux_vm_cfg cfg = {
		.kernel = k, .initrd_fd = ir->fd, .initrd_len = ir->len, .cmdline = cmdline,
		.mem_size = o->memory, .cpus = o->cpus, .kiste_fd = kfd,
		.disks = vo->disks, .ndisks = vo->ndisks, .net_fd = vo->net_fd,
		.net_err_fd = vo->net_err_fd, .net_tap = o->network == KISTE_NET_NS,
		/* -t without -i: nothing of kiste's stdin is typed into the guest's pty. */
		.in_fd = fcntl(0, F_GETFD) < 0 || (o->tty && !o->interactive) ? -1 : 0,
		.out_fd = 1, .err_fd = 2, .log_fd = vo->debug ? 2 : -1, .timeout_s = o->timeout_s,
		.tty = o->tty, .tty_input = o->interactive, .tty_fd = -1, .oci_signals = vo->oci,
		.stats = kiste_setting(KISTE_SET_VM_STATS) != NULL, .t_start_ns = t_start,
		.exec_fd = vo->exec_fd, .hold_fd = vo->name_lock,
	};
	unsigned int rows, cols;
	int code = KISTE_EXIT_REFUSED, ret;

	memcpy(cfg.mac, o->network == KISTE_NET_NS ? vo->tap.mac : vm_net_mac, sizeof(cfg.mac));
	kiste_test_phase("vm-sandbox-joined");
	linux_cmdline(vo->debug, vo->ndisks > 0 || vo->net_fd >= 0, cmdline, sizeof(cmdline));
	/*
	 * -t -i: the caller's terminal is raw from the VMM's signal set-up
	 * (vm.c) to the VM's end, whichever way it ends: linux_vm_run restores
	 * it before it returns on every one kiste can catch (the VMM's main
	 * thread reads the fatal signals; restoring is one ioctl its seccomp
	 * filter admits), and the signal is raised again after.
	 */
	if (o->tty)
		cfg.tty_fd = kiste_tty_size_fd(&rows, &cols);
	ret = linux_vm_run(&cfg, &code, err);
	if (ret == -EINTR) {
		vm_reraise(code);
		return KISTE_EXIT_SIGNAL + code;
	}
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

/*
 * kiste run --name NAME: the name claimed (its lock held by the VMM until
 * it exits) and `kiste exec NAME`'s socket and defaults published
 * (lib/run_exec.c), as a shim run's.  The confined VMM cannot remove the
 * files at its end: a watcher does, once it is gone (kiste_run_name_watch).
 * A caller without a run folder runs without.
 */
static int vm_run_name(const struct kiste_run_opts *o, struct vm_opts *vo, struct kiste_err *err)
{
	struct kiste_run_exec_defaults d = {
		.cwd = o->cwd ? o->cwd : "/", .env = (char **)o->env, .nenv = (size_t)o->nenv,
		.user_set = o->user_set, .uid = o->uid, .gid = o->gid, .mode = "vm",
	};
	char path[PATH_MAX];
	int ro;

	if (kiste_run_name_claim(o->name, path, sizeof(path), &vo->name_lock, &ro, err) < 0)
		return err->code;
	if (vo->name_lock < 0)
		return 0;
	close(ro);	/* shim's guest kernels read it; a VM has no tracing */
	vo->exec_fd = kiste_run_exec_publish(o->name, &d, err);
	if (vo->exec_fd < 0)
		return err->code;
	kiste_run_name_watch(o->name, path, vo->name_lock);
	return 0;
}

static int vm_run(const struct kiste_run_opts *o, void *mo)
{
	struct vm_opts *vo = mo;
	struct kiste_err err = { 0 };
	struct linux_initramfs ir = { .fd = -1 };
	struct vm_guest_devs devs;
	struct linux_kernel k;
	char kbuf[PATH_MAX], cbuf[PATH_MAX];
	uint64_t t_start = linux_now_ns();	/* KISTE_VM_STATS's setup time counts from here */
	struct kiste_cgroup cg = { 0 };
	const char *cache;
	int ret, kfd = -1;

	signal(SIGPIPE, SIG_IGN);
	vo->net_fd = vo->net_err_fd = vo->name_lock = -1;
	if (!vo->exec_given)
		vo->exec_fd = -1;
	if (!vo->exec_given && o->name && vm_run_name(o, vo, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return KISTE_EXIT_REFUSED;
	}
	/*
	 * -t: the terminal's watcher before anything a kill could take it with
	 * (the cgroup, the sandbox) and before the VMM confines itself: it
	 * restores the terminal when the VMM dies where no handler runs
	 * (SIGKILL, its own seccomp filter's SIGSYS).
	 */
	if (o->tty && o->interactive)
		kiste_tty_watch();
	/*
	 * The tap before the cgroup and the sandbox: the helper that removes the
	 * namespace's qdisc after us must not be killed with them.
	 */
	if (o->network == KISTE_NET_NS && vm_tap_setup(o->netns_path, &vo->tap, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return KISTE_EXIT_REFUSED;
	}
	if (o->network == KISTE_NET_NS)
		vo->net_fd = vo->tap.fd;
	if (vm_disks_open(vo, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		vm_disks_close(vo);
		return KISTE_EXIT_REFUSED;
	}
	/*
	 * The images (mkfs.erofs, cached) before the cgroup: they are the host's
	 * cache, not the guest's memory, and a tree larger than --memory built on
	 * a tmpfs cache (the test VM's) was OOM-killed inside it.  A bad --rootfs
	 * or a missing mkfs.erofs is kiste's refusal (125), not CMD's.
	 */
	cache = vm_guest_cache_dir(cbuf, sizeof(cbuf));
	if (vm_root_disk(o, vo, cache, &err) < 0 || vm_volume_disks(vo, cache, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		vm_disks_close(vo);
		return KISTE_EXIT_REFUSED;
	}
	/* Removed by its watcher when this process is gone: the VMM ends confined. */
	if (!vo->in_cgroup && vm_cgroup(o, &cg, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		vm_disks_close(vo);
		return KISTE_EXIT_REFUSED;
	}
	ret = linux_kernel_load(vm_guest_kernel_path(vo->kernel, kbuf, sizeof(kbuf)), &k, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		vm_disks_close(vo);
		return KISTE_EXIT_REFUSED;
	}
	kiste_test_phase("vm-kernel-loaded");
	/* Benchmark hook: KISTE_VM_BZIMAGE=1 boots the bzImage's own decompressor. */
	k.no_decompress = kiste_setting(KISTE_SET_VM_BZIMAGE) != NULL;
	k.cache_dir = cache;
	ret = vm_guest_devs(o, vo, &k, &devs, &err);
	if (ret == 0)
		ret = vm_guest_initramfs(o, &devs, o->memory / 2, &ir, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		ret = kiste_exit_for_errno(ret);
		goto out;
	}
	kiste_test_phase("vm-initramfs-built");
	ret = vm_sandbox(o, vo, &cg, &kfd, &err);
	/* passt after the sandbox's set-up: a member of it, in its cgroup (ours: no @cg). */
	if (ret == 0 && o->network == KISTE_NET_PASTA)
		ret = kiste_passt_start(o, &vm_passt, NULL, &vo->net_fd, &vo->net_err_fd,
					&err) < 0 ? -1 : 0;
	if (ret == 0)
		ret = vm_boot(o, vo, &k, &ir, kfd, t_start, &err);
	/*
	 * passt quits when its one client (this socket) is gone, also when we
	 * are killed.  (The confined VMM may not kill.)
	 */
	if (vo->net_fd >= 0) {
		close(vo->net_fd);
		close(vo->net_err_fd);
	}
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
	vm_disks_close(vo);
	return ret;
}

struct vm_oci_args {
	const struct kiste_run_opts *o;
	struct vm_opts *vo;
	const struct kiste_oci_launch *ol;
	bool in_cgroup;
};

/*
 * The container's process after start's byte (kiste_oci_spawn): the VMM, as
 * `kiste run --mode=vm` is, so the engine signals it (INT, TERM and HUP reach
 * the guest's workload, which may handle them; the others end the VM as they
 * end kiste run) and reads its status.
 */
static void vm_oci_start(void *arg)
{
	const struct vm_oci_args *a = arg;
	struct kiste_run_opts run = *a->o;

	run.tty = run.interactive = a->ol->console_fd >= 0;
	if (a->ol->hostname)
		run.hostname = a->ol->hostname;
	a->vo->in_cgroup = a->in_cgroup;
	a->vo->exec_fd = a->ol->exec_fd;
	a->vo->exec_given = true;
	a->vo->oci = true;
	a->vo->oci_pid1 = a->ol->pid1;
	a->vo->oci_sysctl = a->ol->sysctl;
	a->vo->oci_nsysctl = a->ol->nsysctl;
	_exit(vm_run(&run, a->vo));
}

/*
 * An OCI container in vm mode (annotation org.kiste.mode=vm): its process
 * and root as kiste run --mode=vm takes them (root.path a --rootfs, on a disk
 * of its own), its cgroup the engine's with the VMM's limits.  What would
 * only fail at start is checked here: a guest kernel to read, KVM to use.
 */
static int vm_oci(const struct kiste_run_opts *o, void *mo, struct kiste_oci_launch *ol,
		  struct kiste_err *err)
{
	struct kiste_cgroup_limits lim = {
		.memory = o->memory + o->memory / 2 + VM_CG_OVERHEAD, .pids = o->cpus + 8,
		.cpus_milli = o->cpus_milli,
	};
	struct vm_oci_args args = { .o = o, .vo = mo, .ol = ol };
	struct kiste_cgroup cg;
	char kbuf[PATH_MAX];
	const char *kernel;
	int ret;

	if (ol->preserve_fds)
		return kiste_err_set(err, -EOPNOTSUPP, "vm mode cannot hand descriptors into its "
				     "guest: leave --preserve-fds out");
	kernel = vm_guest_kernel_path(args.vo->kernel, kbuf, sizeof(kbuf));
	if (!kernel || access(kernel, R_OK) < 0)
		return kiste_err_set(err, -ENOENT, "no guest kernel to read at %s: set "
				     "KISTE_KERNEL for the runtime", kernel ? kernel : "(none)");
	if (access("/dev/kvm", R_OK | W_OK) < 0 && access("/dev/kiste", R_OK | W_OK) < 0)
		return kiste_err_set(err, -ENODEV, "vm mode needs /dev/kvm (or kiste.ko's "
				     "/dev/kiste): load kvm_intel or kvm_amd");
	kiste_cgroup_init(&cg);
	ret = kiste_cgroup_create_container(ol->cgroup_name, &lim, &cg, err);
	if (ret < 0)
		return ret;
	args.in_cgroup = cg.version != 0;
	/* The registry's from here; the container's process holds it (the VMM joins it). */
	ret = vm_sandbox_create(o, ol->sandbox_name, true, &cg, &args.vo->oci_kfd, err);
	if (ret == 0)
		ret = kiste_oci_spawn(ol, &cg, vm_oci_start, &args, err);
	if (args.vo->oci_kfd >= 0)
		close(args.vo->oci_kfd);
	if (ret < 0) {
		kiste_cgroup_destroy(&cg);
		return ret;
	}
	ol->cg = cg;
	return 0;
}

const struct kiste_mode_ops kiste_mode_vm = {
	.name = "vm",
	.id = KISTE_MODE_VM,
	.summary = "a KVM guest booting a Linux kernel with kiste's agent as PID 1 (Kata-like)",
	.synopsis = "kiste run --mode=vm [OPTIONS] [--] CMD [ARG...]",
	.usage = "Boot a Linux guest in a KVM virtual machine and run CMD there as the agent's\n"
		 "child.  Without --rootfs, CMD and the shared libraries it needs are packed into\n"
		 "the guest; --rootfs DIR becomes a read-only erofs image (mkfs.erofs, cached)\n"
		 "on a virtio disk, --rootfs IMAGE is such an image, and the guest's root is it\n"
		 "under a writable tmpfs (writes stay in the guest).  --memory is guest memory,\n"
		 "64M..3G (default 256M); --cpus 1..32 vCPUs (default 1); --user is the\n"
		 "identity in the guest (default 0:0, guest root).  --network pasta gives it a\n"
		 "virtio-net card on passt (eth0 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3;\n"
		 "-p publishes ports).  --network ns:PATH (an OCI caller's namespace with one\n"
		 "interface, e.g. podman's veth) does what Kata does: a tap in that namespace,\n"
		 "joined to the interface by tc (ingress qdiscs, u32 match-all filters, mirred\n"
		 "egress redirect both ways); the guest's eth0 takes the interface's MAC, IPv4\n"
		 "address/prefix and the namespace's default gateway; its resolv.conf names the\n"
		 "first non-loopback IPv4 nameserver of the host's /etc/resolv.conf (else the\n"
		 "gateway).  That needs CAP_NET_ADMIN over the namespace (root, or its owner);\n"
		 "the tap goes with kiste, a helper removes the interface's qdisc after it.\n"
		 "-t gives CMD a pty of the guest's devpts as its terminal (with -i kiste's\n"
		 "stdin is typed into it); the caller's terminal is raw meanwhile, its size\n"
		 "and resizes passed on.\n\n"
		 "  --kernel PATH         guest bzImage (default $KISTE_KERNEL, else\n"
		 "                        /boot/vmlinuz-$(uname -r))\n"
		 "  --debug               show the guest kernel's console on stderr\n"
		 "  --block NAME=FILE[:ro] FILE (whole 512-byte sectors) as a virtio disk:\n"
		 "                        /dev/vda, vdb, ... in the order given, also\n"
		 "                        /dev/disk/by-id/virtio-NAME; written in place\n"
		 "                        unless :ro (repeatable, up to 8; needs the guest\n"
		 "                        kernel's modules in /lib/modules/VERSION)\n"
		 "  --volume SRC:DST:ro   the host directory SRC at DST, read-only (an\n"
		 "                        erofs image of SRC, made and cached as --rootfs's;\n"
		 "                        repeatable; writable shares are not built yet); a\n"
		 "                        regular file SRC (up to 1 MiB) is copied to DST\n",
	.limits = &vm_limits,
	.opts = vm_options,
	.opts_size = sizeof(struct vm_opts),
	.opt = vm_opt,
	.check = vm_check,
	.run = vm_run,
	.oci_create = vm_oci,
	.oci_console = KISTE_OCI_CONSOLE_HOST_RAW,
	.oci_sysctl = KISTE_OCI_SYSCTL_GUEST,
	.oci_exec = true,
	/* The guest's RAM is set at boot, its pids limit is the guest's: CPU alone (cpu.max). */
	.oci_update = KISTE_OCI_UPDATE_CPU,
	.oci_update_why = "the guest's RAM and its pids limit are set when it boots",
	.policy = linux_confine_policy,
	.policy_usage = "kiste policy vm",
};
