// SPDX-License-Identifier: GPL-2.0
// kiste sandbox delete: delete a sandbox, killing its members.
#include <stdio.h>

#include "cli.h"

int delete_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err)
{
	return cli_ref_parse("sandbox delete", argc, argv, false, NULL, o, err);
}

static int delete_one(struct kiste_nl *nl, uint32_t id, void *arg, struct kiste_err *err)
{
	(void)arg;
	return kiste_sandbox_del(nl, id, err);
}

int delete_run(const struct ref_opts *o)
{
	return cli_sandbox_do(o->ref, delete_one, NULL);
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
	.usage = "Usage: kiste sandbox delete ID|NAME\n\n"
		 "Delete the sandbox: every member is killed; the sandbox and its name go\n"
		 "away once the last member has exited.\n\n"
		 "  -h, --help   show this help\n",
	.main = delete_main,
};
