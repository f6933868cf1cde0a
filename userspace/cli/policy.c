// SPDX-License-Identifier: GPL-2.0
// kiste policy: print the exact host filter a mode would install (unikernel: the tender's).
#include <stdio.h>
#include <string.h>

#include "cli.h"

int policy_parse(int argc, char **argv, struct policy_opts *o, struct kiste_err *err)
{
	*o = (struct policy_opts){ .argc = argc, .argv = argv };
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		o->help = true;
		return 0;
	}
	if (argc < 2)
		return cli_usage_err(
			err, "policy",
			"missing MODE: use 'kiste policy shim' or 'kiste policy unikernel APP'");
	if (!strcmp(argv[1], "shim")) {
		o->shim = true;
		return 0;
	}
	if (strcmp(argv[1], "unikernel"))
		return cli_usage_err(err, "policy",
				     "no policy for mode '%s': use 'kiste policy shim' or 'kiste "
				     "policy unikernel APP'",
				     argv[1]);
	if (kiste_uk_opts_parse(argc - 1, argv + 1, true, &o->uk, err) < 0)
		return -1;
	o->help = o->uk.help;
	return 0;
}

int policy_shim_main(int argc, char **argv) __attribute__((weak));

int policy_run(const struct policy_opts *o)
{
	if (o->shim) {
		if (!policy_shim_main) {
			fprintf(stderr, "kiste policy: shim mode is not built into this kiste\n");
			return KISTE_EXIT_FAIL;
		}
		return policy_shim_main(o->argc - 1, o->argv + 1);
	}
	/* The tender builds the filter, so what is printed is what it installs. */
	cli_exec_tender("policy", o->argc - 1, o->argv + 1);
	return KISTE_EXIT_FAIL;
}

static int policy_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct policy_opts o;
	int ret = policy_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_policy, ret, &err);
	return policy_run(&o);
}

const struct cli_cmd cli_cmd_policy = {
	.name = "policy",
	.summary = "print the host filter a sandbox would get",
	.usage = "Usage: kiste policy shim\n"
		 "       kiste policy unikernel [--isolation process|vm] APP\n"
		 "                              [--block NAME=FILE]... [--net NAME=TAPDEV]...\n\n"
		 "shim: print the host syscalls shim mode's guest kernel may make, each with its\n"
		 "argument restrictions, and their number; every other call kills the sandbox.\n\n"
		 "unikernel: print the seccomp filter kiste would install for APP with these\n"
		 "bindings: with --isolation process (default) the unikernel's own (at most 7\n"
		 "syscalls), with --isolation vm the VMM's once the guest is set up.  A summary\n"
		 "line with the number of distinct syscalls, the descriptors, then the filter in\n"
		 "libseccomp's PFC form.  Block files must exist (their size bounds the offsets);\n"
		 "tap devices need not.\n\n"
		 "  -h, --help   show this help\n",
	.main = policy_main,
};
