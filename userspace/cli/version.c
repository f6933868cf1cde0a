// SPDX-License-Identifier: GPL-2.0
// kiste version: the CLI's version, the interface it was built for, and the loaded module's.
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int version_parse(int argc, char **argv, struct version_opts *o, struct kiste_err *err)
{
	struct json_opts j;
	int ret;

	/* Reuse the --json/--help parser but refuse --json, which version does not take. */
	ret = cli_json_opts_parse("version", argc, argv, &j, err);
	o->help = j.help;
	if (ret == 0 && j.json)
		return cli_usage_err(err, "version",
				     "unknown option '--json': see 'kiste version --help'");
	return ret;
}

/* The loaded module's interface version: STATS first, then the device; -1 if none is loaded. */
static long module_iface(void)
{
	struct kiste_stats st;
	struct kiste_nl *nl;
	uint32_t v;
	int fd, ret;

	if (kiste_nl_open(&nl, NULL) == 0) {
		ret = kiste_stats_get(nl, &st, NULL);
		kiste_nl_close(nl);
		if (ret == 0)
			return st.iface_version;
	}
	fd = kiste_dev_open(NULL);
	if (fd < 0)
		return -1;
	ret = kiste_dev_version(fd, &v, NULL);
	close(fd);
	return ret == 0 ? (long)v : -1;
}

int version_run(const struct version_opts *o)
{
	long mod = module_iface();

	(void)o;
	printf("kiste %s\n", KISTE_VERSION);
	printf("interface: %d (built for)\n", KISTE_IFACE_VERSION);
	if (mod < 0)
		printf("module: not loaded\n");
	else
		printf("module: interface %ld%s\n", mod,
		       mod == KISTE_IFACE_VERSION ? "" : " (differs: install matching versions)");
	return KISTE_EXIT_OK;
}

static int version_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct version_opts o = { 0 };
	int ret = version_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_version, ret, &err);
	return version_run(&o);
}

const struct cli_cmd cli_cmd_version = {
	.name = "version",
	.summary = "show versions of kiste, its interface and the loaded module",
	.usage = "Usage: kiste version\n\n"
		 "Print the kiste version, the kernel interface version it was built for and,\n"
		 "when kiste.ko is loaded, the module's interface version.\n\n"
		 "  -h, --help   show this help\n",
	.main = version_main,
};
