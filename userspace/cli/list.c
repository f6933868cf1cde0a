// SPDX-License-Identifier: GPL-2.0
// kiste sandbox list: the sandboxes the caller may inspect, as a table or a JSON array.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

int list_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err)
{
	return cli_json_opts_parse("sandbox list", argc, argv, o, err);
}

static int list_json(const struct kiste_sandbox_info *infos, size_t n)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		struct json_object *o = kiste_sandbox_info_json(&infos[i]);

		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			json_object_put(arr);
			arr = NULL;
		}
	}
	return cli_print_json(arr);
}

static void list_table(const struct kiste_sandbox_info *infos, size_t n)
{
	int w = 4;
	size_t i;

	for (i = 0; i < n; i++)
		if ((int)strlen(infos[i].name) > w)
			w = (int)strlen(infos[i].name);
	printf("%-6s %-*s %-9s %-8s %-6s %s\n", "ID", w, "NAME", "MODE", "STATE", "OWNER",
	       "MEMBERS");
	for (i = 0; i < n; i++)
		printf("%-6u %-*s %-9s %-8s %-6u %u\n", infos[i].id, w, infos[i].name,
		       kiste_mode_name(infos[i].mode), kiste_state_name(infos[i].state),
		       infos[i].owner_uid, infos[i].members);
}

int list_run(const struct json_opts *o)
{
	struct kiste_sandbox_info *infos;
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	size_t n;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	ret = kiste_sandbox_list(nl, &infos, &n, &err);
	kiste_nl_close(nl);
	if (ret < 0)
		return cli_fail(&err);
	if (o->json) {
		ret = list_json(infos, n);
	} else {
		list_table(infos, n);
		ret = KISTE_EXIT_OK;
	}
	free(infos);
	return ret;
}

static int list_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct json_opts o;
	int ret = list_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_list, ret, &err);
	return list_run(&o);
}

const struct cli_cmd cli_cmd_list = {
	.name = "list",
	.summary = "list sandboxes",
	.usage = "Usage: kiste sandbox list [--json]\n\n"
		 "List the sandboxes you may inspect (all of them as root), by id.\n"
		 "Columns: ID NAME MODE STATE OWNER MEMBERS.\n\n"
		 "  -j, --json   print one JSON array of sandbox objects\n"
		 "  -h, --help   show this help\n",
	.main = list_main,
};
