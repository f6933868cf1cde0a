// SPDX-License-Identifier: GPL-2.0
// run.c - kiste run --mode: parse against the mode table, then hand the workload to the chosen mode.
#include <stdio.h>

#include "cli.h"

static const char run_usage_head[] =
	"Usage: kiste run --mode=MODE [OPTIONS] [--] CMD [ARG...]\n\n"
	"Run CMD in a temporary sandbox of MODE; it ends with CMD (and with kiste).\n\n"
	"Options every mode takes:\n";

static const char run_usage_tail[] =
	"\nExit status: CMD's; 128+N when it died of signal N (159: killed by a seccomp\n"
	"filter, 137: --timeout); 125 when kiste refused or failed; 126 when CMD cannot be\n"
	"executed; 127 when it does not exist.\n";

static void run_usage(const struct kiste_mode_ops *m)
{
	size_t i;

	if (m) {
		printf("Usage: %s\n\n%s\nOptions every mode takes:\n%s%s", m->synopsis, m->usage,
		       kiste_run_common_usage, run_usage_tail);
		return;
	}
	fputs(run_usage_head, stdout);
	fputs(kiste_run_common_usage, stdout);
	fputs("\nModes:\n", stdout);
	for (i = 0; kiste_modes[i]; i++)
		printf("  %-10s %s\n", kiste_modes[i]->name, kiste_modes[i]->summary);
	for (i = 0; kiste_modes[i]; i++)
		printf("\n%s mode: %s\n%s", kiste_modes[i]->name, kiste_modes[i]->synopsis,
		       kiste_modes[i]->usage);
	fputs(run_usage_tail, stdout);
}

int cli_run_workload_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;
	int ret = kiste_run_parse(kiste_modes, argc, argv, &a, &err);

	if (a.o.help) {
		run_usage(a.mode);
		ret = KISTE_EXIT_OK;
	} else if (ret < 0) {
		/* kiste run's own failures are 125 (DESIGN.md), usage errors included */
		fprintf(stderr, "%s\n", err.msg);
		ret = KISTE_EXIT_REFUSED;
	} else {
		fflush(NULL);
		/* The sandbox's network and ports, for kiste inspect while it runs. */
		kiste_run_record_arm(&a.o);
		ret = a.mode->run(&a.o, a.mo);
		kiste_run_record_disarm();
	}
	kiste_run_args_free(&a);
	return ret;
}

