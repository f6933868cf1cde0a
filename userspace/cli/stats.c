// SPDX-License-Identifier: GPL-2.0
// kiste stats: the module's live object counts.
#include <stdio.h>

#include "cli.h"

int stats_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err)
{
	return cli_json_opts_parse("stats", argc, argv, o, err);
}

int stats_run(const struct json_opts *o)
{
	struct kiste_err err = { 0 };
	struct kiste_stats st;
	struct kiste_nl *nl;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	ret = kiste_stats_get(nl, &st, &err);
	kiste_nl_close(nl);
	if (ret < 0)
		return cli_fail(&err);
	if (o->json)
		return cli_print_json(kiste_stats_json(&st));
	printf("iface_version: %u\nsandboxes:     %u\nmembers:       %u\nfiles:         %u\n"
	       "ids_issued:    %u\n",
	       st.iface_version, st.sandboxes, st.members, st.files, st.ids_issued);
	return KISTE_EXIT_OK;
}

static int stats_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct json_opts o;
	int ret = stats_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_stats, ret, &err);
	return stats_run(&o);
}

const struct cli_cmd cli_cmd_stats = {
	.name = "stats",
	.summary = "show kiste.ko's live object counts",
	.usage = "Usage: kiste stats [--json]\n\n"
		 "Show the module's live counts: sandboxes, member records, open /dev/kiste\n"
		 "descriptors and ids issued since load.\n\n"
		 "  -j, --json   print one JSON object\n"
		 "  -h, --help   show this help\n",
	.main = stats_main,
};
