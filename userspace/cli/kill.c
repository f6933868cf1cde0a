// SPDX-License-Identifier: GPL-2.0
// kiste sandbox kill: send a signal (default SIGKILL) to every member of a sandbox.
#include <stdio.h>

#include "cli.h"

int kill_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err)
{
	const char *sig = NULL;
	int ret;

	ret = cli_ref_parse("sandbox kill", argc, argv, false, &sig, o, err);
	if (ret < 0 || o->help || !sig)
		return ret;
	if (kiste_signal_parse(sig, &o->sig, err) < 0)
		return kiste_err_prefix(err, "kiste sandbox kill");
	return 0;
}

static int kill_one(struct kiste_nl *nl, uint32_t id, void *arg, struct kiste_err *err)
{
	return kiste_sandbox_kill(nl, id, *(const int *)arg, err);
}

int kill_run(const struct ref_opts *o)
{
	int sig = o->sig;

	return cli_sandbox_do(o->ref, kill_one, &sig);
}

static int kill_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;
	int ret = kill_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_kill, ret, &err);
	return kill_run(&o);
}

const struct cli_cmd cli_cmd_kill = {
	.name = "kill",
	.summary = "signal every member of a sandbox",
	.usage = "Usage: kiste sandbox kill ID|NAME [SIGNAL]\n\n"
		 "Send SIGNAL (default KILL) to every member of the sandbox.  SIGNAL is a\n"
		 "number 1..64 or a name: KILL, SIGTERM, int, RTMIN+1, ...\n\n"
		 "  -h, --help   show this help\n",
	.main = kill_main,
};
