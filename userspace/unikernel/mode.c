// SPDX-License-Identifier: GPL-2.0
// mode.c - unikernel mode's entry in the mode table: its own options, run and policy.
#include <errno.h>

#include "host/uk.h"
#include "kiste_mode.h"

enum {
	UK_O_BLOCK = KISTE_MODE_OPT_BASE,
	UK_O_NET,
	UK_O_ISOLATION,
};

static const struct option uk_options[] = {
	{ "block", required_argument, NULL, UK_O_BLOCK },
	{ "net", required_argument, NULL, UK_O_NET },
	{ "isolation", required_argument, NULL, UK_O_ISOLATION },
	{ NULL, 0, NULL, 0 },
};

/*
 * A unikernel has no users, no environment, no filesystem root, one vCPU and
 * one process (its filter has no fork): --user, --env, --cwd, --rootfs and
 * --pids-limit do not apply; --cpus caps its CPU time, up to one CPU.
 * Memory: the image is loaded at 1 MiB and needs room for its two stacks
 * above; 1 GiB is what one page directory of 2 MiB pages maps in vm isolation.
 */
static const struct kiste_run_limits uk_limits = {
	.accepts = KISTE_OPT_NAME | KISTE_OPT_MEMORY | KISTE_OPT_TIMEOUT | KISTE_OPT_CPUS,
	.networks = 1u << KISTE_NET_PASTA,
	.cpus_max = 1,
	.memory_min = 2ULL << 20,
	.memory_max = KISTE_UK_MEMORY_MAX,
	.memory_default = KISTE_UK_MEMORY_DEFAULT,
	/* Solo5's ABI, which kiste's follows: a console one writes bytes to, nothing more. */
	.no_tty = "a Solo5-style unikernel has none (its console is a write-only byte stream: "
		  "no terminal, no line discipline, no input)",
};

static int uk_opt(void *mo, int val, const char *arg, struct kiste_err *err)
{
	struct kiste_uk_opts *uo = mo;

	switch (val) {
	case UK_O_BLOCK:
		return kiste_uk_bind_parse("run", arg, KISTE_UK_DEV_BLOCK, uo, err);
	case UK_O_NET:
		return kiste_uk_bind_parse("run", arg, KISTE_UK_DEV_NET, uo, err);
	case UK_O_ISOLATION:
		return kiste_uk_isolation_parse("run", arg, uo, err);
	}
	return -EINVAL;
}

/* The common options the unikernel takes, copied into its run description. */
static int uk_check(const struct kiste_run_opts *o, void *mo, struct kiste_err *err)
{
	struct kiste_uk_opts *uo = mo;

	(void)err;
	uo->memory = o->memory;
	uo->timeout_s = o->timeout_s;
	uo->cpus_milli = o->cpus_milli;
	uo->name = o->name;
	uo->run = o;
	uo->app = o->argv[0];
	uo->argv = o->argv;
	uo->argc = o->argc;
	return 0;
}

static int uk_run(const struct kiste_run_opts *o, void *mo)
{
	(void)o;
	return kiste_uk_run(mo);
}

/* An OCI container whose process is a unikernel: APP is a path in the image (its rootfs). */
static int uk_oci(const struct kiste_run_opts *o, void *mo, struct kiste_oci_launch *ol,
		  struct kiste_err *err)
{
	if (o->argc < 1 || !o->argv[0][0])
		return kiste_err_set(err, -EINVAL, "config.json: process.args: empty: give the "
				     "unikernel's path in the image");
	return kiste_uk_oci_create(mo, o->rootfs, ol, err);
}

const struct kiste_mode_ops kiste_mode_unikernel = {
	.name = "unikernel",
	.id = KISTE_MODE_UNIKERNEL,
	.summary = "a program built with kiste-uk-cc, behind <= 7 host syscalls or in a tiny VM",
	.synopsis = "kiste run --mode=unikernel [OPTIONS] [--] APP [ARG...]",
	.usage = "Run the unikernel APP (built with kiste-uk-cc) with its arguments.  Devices\n"
		 "declared in its manifest are bound by name.  --memory is the unikernel's\n"
		 "memory, 2M..1G (default 32M); --user, --env, --cwd, --rootfs and --cpus do\n"
		 "not apply.\n\n"
		 "  --block NAME=FILE     a block device: FILE's size is a multiple of 512\n"
		 "  --net NAME=TAPDEV     a network device: an existing tap device\n"
		 "  --network pasta       the manifest's one net device on passt (user-mode\n"
		 "                        networking, no tap device): the unikernel is\n"
		 "                        10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3, MTU\n"
		 "                        1500; -p [IP:]HOSTPORT:PORT[/tcp|udp] publishes.\n"
		 "                        A relay process turns passt's stream into one\n"
		 "                        frame per message (a SOCK_SEQPACKET pair), so the\n"
		 "                        device reads and filters stay those of a tap.\n"
		 "                        Not with --net for the same device.\n"
		 "  --isolation process   (default) in a process behind a seccomp filter of at\n"
		 "                        most 7 syscalls (see 'kiste policy unikernel APP')\n"
		 "  --isolation vm        in a tiny KVM guest\n",
	.limits = &uk_limits,
	.opts = uk_options,
	.opts_size = sizeof(struct kiste_uk_opts),
	.opt = uk_opt,
	.check = uk_check,
	.run = uk_run,
	.oci_create = uk_oci,
	.oci_console = KISTE_OCI_CONSOLE_HOST,
	/* Its memory is set when it starts, and it is one process: CPU alone (cpu.max). */
	.oci_update = KISTE_OCI_UPDATE_CPU,
	.oci_update_why = "its memory is set when it starts, and it is one process",
	.policy = kiste_uk_policy,
	.policy_usage = "kiste policy unikernel [--isolation process|vm] APP [--block NAME=FILE]... "
			"[--net NAME=TAPDEV]...",
};
