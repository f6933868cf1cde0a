// SPDX-License-Identifier: GPL-2.0
// oci_delete.c - kiste delete: a stopped (or created) container goes; a running one only with --force.
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "oci.h"

static int oci_delete_parse(int argc, char **argv, bool *force, const char **id, bool *help,
			struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":fh", longopts, NULL)) != -1) {
		if (c == 'h') {
			*help = true;
			return 0;
		}
		if (c != 'f')
			return cli_getopt_error("delete", c, argv, err);
		*force = true;
	}
	if (optind >= argc)
		return cli_usage_err(err, "delete", "missing container ID: see 'kiste delete --help'");
	*id = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, "delete", "unexpected argument '%s': see 'kiste delete "
				     "--help'", argv[optind]);
	return 0;
}

static int oci_delete_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	bool force = false, help = false;
	const char *id = NULL;
	int ret = oci_delete_parse(argc, argv, &force, &id, &help, &err), lock;

	if (help) {
		fputs(cli_cmd_oci_delete.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	ret = oci_load(g, id, &s, &err);
	/* A create that died half way leaves a folder without state: --force clears it. */
	if (ret == -EAGAIN && force)
		ret = 0;
	if (ret < 0)
		return oci_fail(g, &err);
	lock = kiste_oci_state_lock(&s, &err);
	ret = lock;
	if (lock >= 0) {
		enum kiste_oci_status st = kiste_oci_state_status(&s);

		if (!force && (st == KISTE_OCI_RUNNING || st == KISTE_OCI_PAUSED))
			ret = kiste_err_set(&err, -EBUSY, "cannot delete container %s that is not "
					    "stopped: %s", id, kiste_oci_status_name(st));
		else
			ret = oci_destroy(g, &s, &err);
		close(lock);
	}
	kiste_oci_state_free(&s);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_delete = {
	.name = "delete",
	.summary = "delete a container (runc's delete)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] delete [--force] ID\n\n"
		 "Delete container ID: its cgroup and state go.  A created container is killed\n"
		 "first; a running one is refused unless --force, which kills it.\n"
		 "(The registry's delete is 'kiste sandbox delete'.)\n\n"
		 "  -f, --force  kill a running container first\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_delete_main,
};
