// SPDX-License-Identifier: GPL-2.0
// kiste sandbox: the module registry's own commands (create, list, kill, delete) under one name.
//
// They had the top-level names before the OCI verbs took them with runc's
// meaning (see main.c); here they keep their behaviour: a persistent sandbox
// by mode, every sandbox the caller may see, KILL to every member.
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd *const sandbox_cmds[] = {
	&cli_cmd_create, &cli_cmd_list, &cli_cmd_kill, &cli_cmd_delete,
};

static const char sandbox_usage[] =
	"Usage: kiste sandbox create|list|kill|delete [ARGS]\n\n"
	"The module's registry of sandboxes (needs kiste.ko):\n"
	"  create    register a persistent sandbox and print its id\n"
	"  list      list the sandboxes you may inspect\n"
	"  kill      signal every member of a sandbox (default KILL)\n"
	"  delete    delete a sandbox, killing its members\n\n"
	"Run 'kiste sandbox COMMAND --help' for a command's options.\n";

static int sandbox_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "kiste sandbox: missing command: use create, list, kill or delete\n");
		return KISTE_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(sandbox_usage, stdout);
		return KISTE_EXIT_OK;
	}
	for (i = 0; i < sizeof(sandbox_cmds) / sizeof(sandbox_cmds[0]); i++)
		if (!strcmp(argv[1], sandbox_cmds[i]->name))
			return sandbox_cmds[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "kiste sandbox: unknown command '%s': use create, list, kill or delete\n",
		argv[1]);
	return KISTE_EXIT_USAGE;
}

const struct cli_cmd cli_cmd_sandbox = {
	.name = "sandbox",
	.summary = "the module's registry: create, list, kill, delete sandboxes",
	.usage = sandbox_usage,
	.main = sandbox_main,
};
