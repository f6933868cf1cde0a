// SPDX-License-Identifier: GPL-2.0
// kiste sandbox create: register a persistent sandbox and print its id.
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* KVM's own per-VM vCPU ceiling on x86 is in this range; more is certainly a typo. */
#define KISTE_CPUS_MAX 4096

static const struct option create_longopts[] = {
	{ "mode", required_argument, NULL, 'm' },   { "name", required_argument, NULL, 'n' },
	{ "memory", required_argument, NULL, 'M' }, { "cpus", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },	    { 0 },
};

static int create_opt(int c, const char *arg, struct create_opts *o, struct kiste_err *err)
{
	uint64_t v;

	switch (c) {
	case 'm':
		if (kiste_mode_parse(arg, &o->mode, NULL) < 0)
			return cli_usage_err(err, "sandbox create",
					     "bad --mode '%s': use shim, vm or unikernel", arg);
		return 0;
	case 'n':
		/* The same rule and words as kiste run's --name (lib/run_opts.c). */
		if (kiste_sandbox_name_check(arg, err) < 0)
			return kiste_err_prefix(err, "kiste sandbox create");
		o->name = arg;
		return 0;
	case 'M':
		if (kiste_size_parse(arg, &o->memory, err) < 0)
			return kiste_err_prefix(err, "kiste sandbox create: --memory");
		return 0;
	case 'c':
		if (cli_parse_uint(arg, KISTE_CPUS_MAX, &v) < 0 || v == 0)
			return cli_usage_err(err, "sandbox create", "bad --cpus '%s': use a number 1..%d",
					     arg, KISTE_CPUS_MAX);
		o->cpus = (uint32_t)v;
		return 0;
	}
	return -1;
}

int create_parse(int argc, char **argv, struct create_opts *o, struct kiste_err *err)
{
	int c, ret;

	*o = (struct create_opts){ 0 };
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":m:n:M:c:h", create_longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error("sandbox create", c, argv, err);
		ret = create_opt(c, optarg, o, err);
		if (ret < 0)
			return ret;
	}
	if (optind < argc)
		return cli_usage_err(err, "sandbox create",
				     "unexpected argument '%s': see 'kiste sandbox create --help'",
				     argv[optind]);
	if (!o->mode)
		return cli_usage_err(err, "sandbox create",
				     "missing --mode: use --mode shim, vm or unikernel");
	return 0;
}

int create_run(const struct create_opts *o)
{
	struct kiste_sandbox_spec spec = {
		.name = o->name,
		.mode = o->mode,
		.memory_limit = o->memory,
		.vcpu_limit = o->cpus,
	};
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	uint32_t id;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	ret = kiste_sandbox_new(nl, &spec, &id, &err);
	kiste_nl_close(nl);
	if (ret < 0)
		return cli_fail(&err);
	printf("%u\n", id);
	return KISTE_EXIT_OK;
}

static int create_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct create_opts o;
	int ret = create_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_create, ret, &err);
	return create_run(&o);
}

const struct cli_cmd cli_cmd_create = {
	.name = "create",
	.summary = "create a persistent sandbox and print its id",
	.usage =
		"Usage: kiste sandbox create --mode shim|vm|unikernel [--name NAME] [--memory SIZE] [--cpus N]\n\n"
		"Register a sandbox that lives until 'kiste sandbox delete'; prints its id.\n\n"
		"  -m, --mode MODE     shim, vm or unikernel (required)\n"
		"  -n, --name NAME     1-127 characters of A-Z a-z 0-9 _ + . - (default sb-ID)\n"
		"  -M, --memory SIZE   memory limit, e.g. 512M or 2G (K/M/G/T are powers of 1024)\n"
		"  -c, --cpus N        vCPU limit (vm mode)\n"
		"  -h, --help          show this help\n",
	.main = create_main,
};
