// SPDX-License-Identifier: GPL-2.0
// oci_start.c - kiste start: the created container's process begins, as runc's start.
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "oci.h"

static int oci_start_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	const char *id;
	bool help;
	int ret = oci_id_parse("start", argc, argv, &id, &help, &err), lock;

	if (help) {
		fputs(cli_cmd_oci_start.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	ret = oci_load(g, id, &s, &err);
	if (ret < 0)
		return oci_fail(g, &err);
	lock = kiste_oci_state_lock(&s, &err);
	ret = lock;
	if (lock >= 0) {
		switch (kiste_oci_state_status(&s)) {
		case KISTE_OCI_CREATED:
			ret = oci_start_init(&s, &err);
			if (ret == 0)
				ret = oci_poststart(&s, &err);
			break;
		case KISTE_OCI_RUNNING:
			ret = kiste_err_set(&err, -EBUSY, "cannot start an already running container");
			break;
		case KISTE_OCI_STOPPED:
			ret = kiste_err_set(&err, -ESRCH, "cannot start a container that has stopped");
			break;
		case KISTE_OCI_PAUSED:
			ret = kiste_err_set(&err, -EBUSY, "cannot start a container in the paused state: "
					    "resume it first");
			break;
		default:
			ret = kiste_err_set(&err, -EAGAIN, "cannot start container %s: it is still "
					    "being created", id);
		}
		close(lock);
	}
	kiste_oci_state_free(&s);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_start = {
	.name = "start",
	.summary = "start a created container's process (runc's start)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] start ID\n\n"
		 "Start the process of container ID, which 'kiste create' left waiting.\n"
		 "Fails for a container that runs already or has stopped.\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_start_main,
};
