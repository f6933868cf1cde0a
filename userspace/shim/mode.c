// SPDX-License-Identifier: GPL-2.0
// mode.c - shim mode's entry in the mode table: its own options, their checks, run and policy.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "kiste_mode.h"
#include "shim.h"

enum {
	SHIM_O_RW = KISTE_MODE_OPT_BASE,
	SHIM_O_TMPFS,
	SHIM_O_TRACE,
	SHIM_O_NO_NS,
	SHIM_O_VOLUME,
	SHIM_O_TRACE_OUT,
	SHIM_O_TRACE_SUM,
	SHIM_O_NO_PATCH,
};

static const struct option shim_options[] = {
	{ "rw", no_argument, NULL, SHIM_O_RW },
	{ "tmpfs", required_argument, NULL, SHIM_O_TMPFS },
	{ "trace", no_argument, NULL, SHIM_O_TRACE },
	{ "trace-output", required_argument, NULL, SHIM_O_TRACE_OUT },
	{ "trace-summary", no_argument, NULL, SHIM_O_TRACE_SUM },
	{ "no-patch", no_argument, NULL, SHIM_O_NO_PATCH },
	{ "unsafe-no-namespaces", no_argument, NULL, SHIM_O_NO_NS },
	{ "volume", required_argument, NULL, SHIM_O_VOLUME },
	{ NULL, 0, NULL, 0 },
};

/*
 * Defaults every sandbox gets (DESIGN.md): 2 GiB of memory (tmpfs counts) and
 * 2048 processes, podman's default pids limit; no CPU limit unless --cpus.
 * Below 32 MiB even a static program's loader and the guest kernel's own
 * mappings do not fit.
 */
static const struct kiste_run_limits shim_limits = {
	.accepts = KISTE_OPT_ALL,
	.networks = 1u << KISTE_NET_PASTA | 1u << KISTE_NET_NS,
	.memory_min = 32ULL << 20,
	.memory_max = UINT64_MAX,
	.memory_default = 2ULL << 30,
	.cpus_max = 1024,
	.pids_default = 2048,
};

/* --tmpfs PATH[:size=N] (podman's spelling): the size defaults to the memory limit. */
static int tmpfs_opt(struct shim_opts *so, const char *arg, struct kiste_err *err)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	int i = so->ntmpfs;

	if (i == SHIM_MAX_TMPFS)
		return kiste_err_set(err, -E2BIG, "kiste run: more than %d --tmpfs: use fewer",
				     SHIM_MAX_TMPFS);
	if (arg[0] != '/' || n >= sizeof(so->tmpfs_buf[0]) || memmem(arg, n, "..", 2))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad --tmpfs '%s': give an absolute path without "
				     "'..', then :size=N if you want one",
				     arg);
	if (colon && (strncmp(colon, ":size=", 6) ||
		      kiste_size_parse(colon + 6, &so->tmpfs_size[i], err) < 0))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad --tmpfs '%s': use PATH or PATH:size=N, e.g. "
				     "/tmp:size=64M",
				     arg);
	memcpy(so->tmpfs_buf[i], arg, n);
	so->tmpfs_buf[i][n] = 0;
	so->tmpfs[i] = so->tmpfs_buf[i];
	so->ntmpfs++;
	return 0;
}

static int shim_opt(void *mo, int val, const char *arg, struct kiste_err *err)
{
	struct shim_opts *so = mo;

	switch (val) {
	case SHIM_O_RW:
		so->rw = true;
		return 0;
	case SHIM_O_TRACE:
		so->trace = true;
		return 0;
	case SHIM_O_NO_NS:
		so->no_namespaces = true;
		return 0;
	case SHIM_O_TRACE_OUT:
		so->trace_output = arg;
		return 0;
	case SHIM_O_TRACE_SUM:
		so->trace_summary = true;
		return 0;
	case SHIM_O_NO_PATCH:
		so->no_patch = true;
		return 0;
	case SHIM_O_TMPFS:
		return tmpfs_opt(so, arg, err);
	case SHIM_O_VOLUME:
		return shim_bind_opt(so, arg, err);
	}
	return -EINVAL;
}

static int shim_check(const struct kiste_run_opts *o, void *mo, struct kiste_err *err)
{
	struct shim_opts *so = mo;

	so->rootfs = o->rootfs ? o->rootfs : "/";
	if (so->rw && !strcmp(so->rootfs, "/"))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --rw is refused for the rootfs /: give --rootfs DIR");
	if (so->no_namespaces && so->nbinds)
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --volume needs a mount namespace: leave out "
				     "--unsafe-no-namespaces");
	if (so->no_namespaces && o->tty)
		return kiste_err_set(err, -EINVAL,
				     "kiste run: -t makes the terminal in the sandbox's own /dev/pts, "
				     "which needs a mount namespace: leave out --unsafe-no-namespaces");
	if (so->no_namespaces && o->network != KISTE_NET_NONE)
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --network needs namespaces: leave out "
				     "--unsafe-no-namespaces");
	return 0;
}

static int shim_run(const struct kiste_run_opts *o, void *mo)
{
	return shim_launch(o, mo);
}

static int shim_create(const struct kiste_run_opts *o, void *mo, struct kiste_oci_launch *ol,
		       struct kiste_err *err)
{
	return shim_oci_create(o, mo, ol, err);
}

const struct kiste_mode_ops kiste_mode_shim = {
	.name = "shim",
	.id = KISTE_MODE_SHIM,
	.summary = "every syscall served by a guest kernel in the same process (gVisor-like)",
	.synopsis = "kiste run --mode=shim [OPTIONS] [--] CMD [ARG...]",
	.usage = "Runs CMD (looked up on PATH inside the rootfs) with every syscall served by the\n"
		 "in-process guest kernel; only the shim allowlist ('kiste policy shim') reaches\n"
		 "the host.  --rootfs defaults to /, always read-only unless --rw; --memory is an\n"
		 "address-space limit of at least 32M (and the cgroup's, where there is one);\n"
		 "--cpus is the cgroup's CPU quota.  The workload sees both: --cpus rounded up as\n"
		 "its CPUs (nproc, /proc/cpuinfo, /proc/stat) and --memory as its memory\n"
		 "(/proc/meminfo, sysinfo).\n\n"
		 "  --rw                  make the rootfs writable (refused for /)\n"
		 "  --tmpfs PATH[:size=N] a writable, initially empty directory at PATH (must\n"
		 "                        exist in the rootfs unless kiste runs as root;\n"
		 "                        repeatable)\n"
		 "  --volume SRC:DST[:ro|:rw] the host's SRC bound at DST, read-only unless\n"
		 "                        :rw (DST must exist in the rootfs unless kiste runs\n"
		 "                        as root; repeatable)\n"
		 "  --trace               one line per syscall on stderr (strace's form:\n"
		 "                        names, flags, errno names, guest pids)\n"
		 "  --trace-output FILE   the trace into FILE instead (created or emptied)\n"
		 "  --trace-summary       a table per process when it ends: calls, errors\n"
		 "                        and time per syscall (strace -c); with --trace too;\n"
		 "                        a line counts patched and trapped calls\n"
		 "  --no-patch            leave every syscall site trapping (no patched sites:\n"
		 "                        slower; for comparison, or as a fallback)\n"
		 "  --unsafe-no-namespaces  WEAKER: run without user, pid, mount and network\n"
		 "                        namespaces (the host's /proc and processes are then\n"
		 "                        visible; for hosts that refuse namespaces)\n",
	.limits = &shim_limits,
	.opts = shim_options,
	.opts_size = sizeof(struct shim_opts),
	.opt = shim_opt,
	.check = shim_check,
	.run = shim_run,
	.policy = shim_policy,
	.policy_usage = "kiste policy shim",
	.oci_create = shim_create,
	.ids = shim_ids_describe,
	.oci_console = KISTE_OCI_CONSOLE_INSIDE,
	.oci_sysctl = KISTE_OCI_SYSCTL_OWN_NS,
	.oci_idmaps = true,
	.oci_trace = true,
	.oci_exec = true,
	.oci_update = KISTE_OCI_UPDATE_MEMORY | KISTE_OCI_UPDATE_PIDS | KISTE_OCI_UPDATE_CPU,
};
