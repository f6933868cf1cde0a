// SPDX-License-Identifier: GPL-2.0
// policy.c - kiste policy MODE: print the exact host filter the mode's sandbox would get.
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void policy_usage(FILE *f)
{
	size_t i;

	fputs("Usage:", f);
	for (i = 0; kiste_modes[i]; i++)
		if (kiste_modes[i]->policy)
			fprintf(f, "%s %s\n", i ? "      " : "", kiste_modes[i]->policy_usage);
	fputs("\nPrint the host seccomp filter a sandbox of MODE would get: each host syscall\n"
	      "it may make with its argument restrictions, and their number.  Every other call\n"
	      "kills the sandbox.  'kiste policy MODE --help' says more about one mode.\n",
	      f);
}

static int policy_main(int argc, char **argv)
{
	const struct kiste_mode_ops *m;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		policy_usage(stdout);
		return KISTE_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(stderr, "kiste policy: missing MODE: see 'kiste policy --help'\n");
		return KISTE_EXIT_USAGE;
	}
	m = kiste_mode_find(argv[1]);
	if (!m || !m->policy) {
		fprintf(stderr, "kiste policy: no policy for mode '%s': see 'kiste policy --help'\n",
			argv[1]);
		return KISTE_EXIT_USAGE;
	}
	return m->policy(argc - 1, argv + 1);
}

const struct cli_cmd cli_cmd_policy = {
	.name = "policy",
	.summary = "print the host filter a sandbox would get",
	.usage = "Usage: kiste policy MODE [ARGS]\n",
	.main = policy_main,
};
