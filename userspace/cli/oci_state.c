// SPDX-License-Identifier: GPL-2.0
// oci_state.c - kiste state: one container's state as JSON, exactly as runc prints it.
#include <stdio.h>

#include <json-c/json.h>

#include "oci.h"

static int oci_state_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	json_object *o;
	const char *id;
	bool help;
	int ret = oci_id_parse("state", argc, argv, &id, &help, &err);

	if (help) {
		fputs(cli_cmd_oci_state.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (oci_load(g, id, &s, &err) < 0)
		return oci_fail(g, &err);
	o = kiste_oci_state_json(&s, false);
	kiste_oci_state_free(&s);
	if (!o)
		return KISTE_EXIT_FAIL;
	/* runc's layout: two-space indent, no newline after the closing brace. */
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	json_object_put(o);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_state = {
	.name = "state",
	.summary = "print a container's state as JSON (runc's state)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] state ID\n\n"
		 "Print the state of container ID: ociVersion, id, pid, status (created,\n"
		 "running, stopped), bundle, rootfs, created, owner, annotations.\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_state_main,
};
