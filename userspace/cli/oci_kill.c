// SPDX-License-Identifier: GPL-2.0
// oci_kill.c - kiste kill: a signal (default TERM) to a container's init, or --all its processes.
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "oci.h"

struct oci_kill_opts {
	bool help, all;
	const char *id;
	int sig;
};

static int oci_kill_parse(int argc, char **argv, struct oci_kill_opts *o, struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	o->sig = SIGTERM;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":ah", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c != 'a')
			return cli_getopt_error("kill", c, argv, err);
		o->all = true;
	}
	if (optind >= argc)
		return cli_usage_err(err, "kill", "missing container ID: see 'kiste kill --help'");
	o->id = argv[optind++];
	if (optind < argc && kiste_signal_parse(argv[optind++], &o->sig, err) < 0)
		return kiste_err_prefix(err, "kiste kill");
	if (optind < argc)
		return cli_usage_err(err, "kill", "unexpected argument '%s': see 'kiste kill --help'",
				     argv[optind]);
	return 0;
}

static int oci_kill_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_kill_opts o = { 0 };
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	int ret = oci_kill_parse(argc, argv, &o, &err);

	if (o.help) {
		fputs(cli_cmd_oci_kill.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (oci_load(g, o.id, &s, &err) < 0)
		return oci_fail(g, &err);
	switch (kiste_oci_state_status(&s)) {
	case KISTE_OCI_CREATED:
	case KISTE_OCI_RUNNING:
		ret = oci_signal(&s, o.sig, o.all, &err);
		break;
	case KISTE_OCI_PAUSED:
		/*
		 * As runc: the signal waits in the frozen tasks, but KILL must
		 * end them, so the cgroup is thawed after it.
		 */
		ret = oci_signal(&s, o.sig, o.all, &err);
		if (ret == 0 && o.sig == SIGKILL)
			ret = kiste_oci_freeze(&s, false, &err);
		break;
	default:
		ret = kiste_err_set(&err, -ESRCH, "container not running");
	}
	kiste_oci_state_free(&s);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_kill = {
	.name = "kill",
	.summary = "signal a container's process (runc's kill; default TERM)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] kill [--all] ID [SIGNAL]\n\n"
		 "Send SIGNAL (default TERM) to the process of container ID; the container's\n"
		 "init hands it on to the workload.  SIGNAL is a number 1..64 or a name: KILL,\n"
		 "SIGTERM, int, RTMIN+1, ...  (The registry's kill is 'kiste sandbox kill'.)\n\n"
		 "  -a, --all    every process of the container\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_kill_main,
};
