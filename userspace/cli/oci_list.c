// SPDX-License-Identifier: GPL-2.0
// oci_list.c - kiste list: the containers under --root, as runc's table or its JSON array.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "oci.h"

struct oci_list_opts {
	bool help, json, quiet;
};

static int oci_list_parse(int argc, char **argv, struct oci_list_opts *o, struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":f:qh", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		} else if (c == 'q') {
			o->quiet = true;
		} else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table"))) {
			o->json = !strcmp(optarg, "json");
		} else if (c == 'f') {
			return cli_usage_err(err, "list", "bad --format '%s': use table or json",
					     optarg);
		} else {
			return cli_getopt_error("list", c, argv, err);
		}
	}
	if (optind < argc)
		return cli_usage_err(err, "list", "unexpected argument '%s': see 'kiste list --help'",
				     argv[optind]);
	return 0;
}

static void print_row(const struct kiste_oci_state *s, json_object *st)
{
	json_object *v;

	json_object_object_get_ex(st, "pid", &v);
	printf("%-12s %-11lld %-11s %-11s %-32s %s\n", s->id, (long long)json_object_get_int64(v),
	       json_object_get_string(json_object_object_get(st, "status")), s->bundle, s->created,
	       json_object_get_string(json_object_object_get(st, "owner")));
}

static int oci_list_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_list_opts o = { 0 };
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	json_object *arr, *st;
	char **ids;
	size_t n, i;
	int ret = oci_list_parse(argc, argv, &o, &err);

	if (o.help) {
		fputs(cli_cmd_oci_list.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (kiste_oci_state_ids(g->root, &ids, &n, &err) < 0)
		return oci_fail(g, &err);
	arr = json_object_new_array();
	if (!o.json && !o.quiet)
		printf("%-12s %-11s %-11s %-11s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (i = 0; i < n; i++) {
		/* A folder whose create has not finished is no container yet: runc skips it too. */
		if (kiste_oci_state_load(g->root, ids[i], &s, NULL) == 0) {
			st = kiste_oci_state_json(&s, true);
			if (o.quiet)
				printf("%s\n", s.id);
			else if (!o.json && st)
				print_row(&s, st);
			if (st)
				json_object_array_add(arr, st);
			kiste_oci_state_free(&s);
		}
		free(ids[i]);
	}
	free(ids);
	if (o.json && !o.quiet)
		fputs(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE),
		      stdout), fputc('\n', stdout);
	json_object_put(arr);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_list = {
	.name = "list",
	.summary = "list the containers under --root (runc's list)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] list [--format table|json] [--quiet]\n\n"
		 "List the containers whose state is under --root.  (The module registry's\n"
		 "sandboxes: 'kiste sandbox list'.)\n\n"
		 "  -f, --format table|json\n"
		 "  -q, --quiet   ids only\n"
		 "  -h, --help    show this help\n",
	.gmain = oci_list_main,
};
