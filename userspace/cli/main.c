// SPDX-License-Identifier: GPL-2.0
// kiste's entry point: top-level options and dispatch to one subcommand.
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd *const cmds[] = {
	&cli_cmd_version, &cli_cmd_check,  &cli_cmd_create, &cli_cmd_list,  &cli_cmd_inspect,
	&cli_cmd_kill,	  &cli_cmd_delete, &cli_cmd_events, &cli_cmd_stats, &cli_cmd_run,
	&cli_cmd_policy,
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: kiste [--help] [--version] COMMAND [ARGS]\n\n"
	      "Run and control kiste sandboxes.\n\nCommands:\n",
	      f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i]->name, cmds[i]->summary);
	fputs("\nRun 'kiste COMMAND --help' for a command's options.\n", f);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!name) {
		fprintf(stderr, "kiste: missing command: see 'kiste --help'\n");
		return KISTE_EXIT_USAGE;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return KISTE_EXIT_OK;
	}
	if (!strcmp(name, "--version"))
		name = "version";
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i]->name))
			return cmds[i]->main(argc - 1, argv + 1);
	if (name[0] == '-')
		fprintf(stderr, "kiste: unknown option '%s': see 'kiste --help'\n", name);
	else
		fprintf(stderr, "kiste: unknown command '%s': see 'kiste --help'\n", name);
	return KISTE_EXIT_USAGE;
}
