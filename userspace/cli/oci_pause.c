// SPDX-License-Identifier: GPL-2.0
// oci_pause.c - kiste pause and resume: the container's cgroup frozen and thawed, as runc's.
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "oci.h"

/* runc's rules: pause a created or running container; resume only a paused one. */
static int pause_resume(const struct cli_global *g, const struct cli_cmd *cmd, bool freeze,
			int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	enum kiste_oci_status st;
	const char *id;
	bool help;
	int ret = oci_id_parse(cmd->name, argc, argv, &id, &help, &err), lock;

	if (help) {
		fputs(cmd->usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (oci_load(g, id, &s, &err) < 0)
		return oci_fail(g, &err);
	lock = kiste_oci_state_lock(&s, &err);
	ret = lock;
	if (lock >= 0) {
		st = kiste_oci_state_status(&s);
		if (freeze && st != KISTE_OCI_RUNNING && st != KISTE_OCI_CREATED)
			ret = kiste_err_set(&err, -EINVAL, st == KISTE_OCI_PAUSED ?
					    "container not running: it is paused" :
								"container not running");
		else if (!freeze && st != KISTE_OCI_PAUSED)
			ret = kiste_err_set(&err, -EINVAL, "container not paused");
		else
			ret = kiste_oci_freeze(&s, freeze, &err);
		close(lock);
	}
	kiste_oci_state_free(&s);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

static int oci_pause_main(const struct cli_global *g, int argc, char **argv)
{
	return pause_resume(g, &cli_cmd_oci_pause, true, argc, argv);
}

static int oci_resume_main(const struct cli_global *g, int argc, char **argv)
{
	return pause_resume(g, &cli_cmd_oci_resume, false, argc, argv);
}

const struct cli_cmd cli_cmd_oci_pause = {
	.name = "pause",
	.summary = "freeze every process of a container (runc's pause)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] pause ID\n\n"
		 "Freeze the processes of container ID with its cgroup's freezer (v2's\n"
		 "cgroup.freeze, v1's freezer hierarchy); state then says paused.  Refused\n"
		 "for a container that is not created or running, and without a cgroup\n"
		 "(kiste not root and no delegated cgroup).\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_pause_main,
};

const struct cli_cmd cli_cmd_oci_resume = {
	.name = "resume",
	.summary = "thaw a paused container (runc's resume)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] resume ID\n\n"
		 "Thaw the processes of container ID, which 'kiste pause' froze.  Refused for a\n"
		 "container that is not paused.\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_resume_main,
};
