// SPDX-License-Identifier: GPL-2.0
// kiste delete: delete a sandbox, killing its members.
#include <stdio.h>

#include "cli.h"

int delete_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err)
{
	return cli_ref_parse("delete", argc, argv, false, NULL, o, err);
}

int delete_run(const struct ref_opts *o)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	uint32_t id;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	ret = kiste_sandbox_resolve(nl, o->ref, &id, &err);
	if (ret == 0)
		ret = kiste_sandbox_del(nl, id, &err);
	kiste_nl_close(nl);
	return ret < 0 ? cli_fail(&err) : KISTE_EXIT_OK;
}

static int delete_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;
	int ret = delete_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_delete, ret, &err);
	return delete_run(&o);
}

const struct cli_cmd cli_cmd_delete = {
	.name = "delete",
	.summary = "delete a sandbox, killing its members",
	.usage = "Usage: kiste delete ID|NAME\n\n"
		 "Delete the sandbox: every member is killed; the sandbox and its name go\n"
		 "away once the last member has exited.\n\n"
		 "  -h, --help   show this help\n",
	.main = delete_main,
};
