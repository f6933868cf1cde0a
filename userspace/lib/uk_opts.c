// SPDX-License-Identifier: GPL-2.0
// uk_opts.c - parsing of `kiste run --mode=unikernel` and `kiste policy unikernel` options.
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kiste_uk.h"

/* Enough for any real timeout; larger values are typos and would overflow ms arithmetic. */
#define KISTE_UK_TIMEOUT_MAX (365ULL * 24 * 3600)

static const struct option uk_longopts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "block", required_argument, NULL, 'b' },
	{ "net", required_argument, NULL, 'N' },
	{ "memory", required_argument, NULL, 'M' },
	{ "timeout", required_argument, NULL, 't' },
	{ "name", required_argument, NULL, 'n' },
	{ "isolation", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static bool uk_dev_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= KISTE_UK_DEV_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    s[i]))
			return false;
	return true;
}

static int uk_bind_parse(const char *cmd, const char *arg, uint32_t type, struct kiste_uk_opts *o,
			 struct kiste_err *err)
{
	const char *flag = type == KISTE_UK_DEV_BLOCK ? "--block" : "--net";
	const char *what = type == KISTE_UK_DEV_BLOCK ? "FILE" : "TAPDEV";
	const char *eq = strchr(arg, '=');
	struct kiste_uk_binding *b;
	uint32_t i;

	if (!eq || !eq[1] || !uk_dev_name_valid(arg, eq - arg))
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: bad %s '%s': use %s NAME=%s with NAME from the "
				     "unikernel's manifest",
				     cmd, flag, arg, flag, what);
	if (o->nbind == KISTE_UK_MAX_DEVICES)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: more than %d devices bound: a "
				     "unikernel declares at most %d",
				     cmd, KISTE_UK_MAX_DEVICES, KISTE_UK_MAX_DEVICES);
	b = &o->bind[o->nbind];
	*b = (struct kiste_uk_binding){ .target = eq + 1, .type = type };
	/* argv stays intact: run hands it on to the tender unchanged */
	memcpy(b->name, arg, eq - arg);
	for (i = 0; i < o->nbind; i++)
		if (!strcmp(o->bind[i].name, b->name))
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: device '%s' bound twice: "
					     "bind each device once",
					     cmd, b->name);
	o->nbind++;
	return 0;
}

static int uk_opt(const char *cmd, int c, const char *arg, struct kiste_uk_opts *o,
		  struct kiste_err *err)
{
	char *end;

	switch (c) {
	case 'm':
		if (kiste_mode_parse(arg, &o->mode, NULL) < 0)
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: bad --mode '%s': use shim, "
					     "vm or unikernel",
					     cmd, arg);
		return 0;
	case 'b':
		return uk_bind_parse(cmd, arg, KISTE_UK_DEV_BLOCK, o, err);
	case 'N':
		return uk_bind_parse(cmd, arg, KISTE_UK_DEV_NET, o, err);
	case 'M':
		if (kiste_size_parse(arg, &o->memory, err) < 0)
			return kiste_err_prefix(err, "kiste %s: --memory", cmd);
		if (o->memory < (1ULL << 20) + 2 * KISTE_UK_STACK_SIZE ||
		    o->memory > KISTE_UK_MEMORY_MAX)
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: --memory %s out of range: "
					     "use 2M..1G",
					     cmd, arg);
		return 0;
	case 't':
		errno = 0;
		o->timeout_s = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || o->timeout_s == 0 ||
		    o->timeout_s > KISTE_UK_TIMEOUT_MAX)
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: bad --timeout '%s': use "
					     "whole seconds, 1..%llu",
					     cmd, arg, KISTE_UK_TIMEOUT_MAX);
		return 0;
	case 'n':
		if (!kiste_name_valid(arg) || strspn(arg, "0123456789") == strlen(arg))
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: bad --name '%s': use 1-63 "
					     "characters of A-Z a-z 0-9 _ . -, not only digits",
					     cmd, arg);
		o->name = arg;
		return 0;
	case 'i':
		if (!strcmp(arg, "process"))
			o->isolation = KISTE_UK_ISO_PROCESS;
		else if (!strcmp(arg, "vm"))
			o->isolation = KISTE_UK_ISO_VM;
		else
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: bad --isolation '%s': use "
					     "process or vm",
					     cmd, arg);
		return 0;
	}
	return -EINVAL;
}

static int uk_getopt_error(const char *cmd, int c, char **argv, struct kiste_err *err)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	return kiste_err_set(err, -EINVAL, "kiste %s: option '%.*s' %s: see 'kiste %s --help'", cmd,
			     (int)strcspn(arg, "="), arg,
			     c == ':' ? "needs an argument" : "is unknown", cmd);
}

int kiste_uk_opts_parse(int argc, char **argv, bool policy, struct kiste_uk_opts *o,
			struct kiste_err *err)
{
	const char *cmd = policy ? "policy unikernel" : "run";
	int c, ret;

	*o = (struct kiste_uk_opts){ 0 };
	optind = 0;
	opterr = 0;
	/* run: options end at APP, the rest is the app's; policy: bindings may follow APP */
	while ((c = getopt_long(argc, argv, policy ? ":h" : "+:h", uk_longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':')
			return uk_getopt_error(cmd, c, argv, err);
		if (policy && (c == 'm' || c == 'M' || c == 't' || c == 'n'))
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: only --isolation, --block and --net "
					     "go with a policy: see 'kiste policy --help'",
					     cmd);
		ret = uk_opt(cmd, c, optarg, o, err);
		if (ret < 0)
			return ret;
	}
	if (optind >= argc)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: missing APP: name the unikernel "
				     "to run",
				     cmd);
	if (policy && optind + 1 < argc)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: unexpected argument '%s': only "
				     "--block and --net follow APP",
				     cmd, argv[optind + 1]);
	if (!policy && o->mode != KISTE_MODE_UNIKERNEL)
		return kiste_err_set(err, -EINVAL,
				     o->mode ? "kiste run: --mode %s is not built into "
					       "this kiste: use --mode=unikernel"
					     : "kiste run: missing "
					       "--mode%s: use --mode=shim, vm or unikernel",
				     o->mode ? kiste_mode_name(o->mode) : "");
	o->app = argv[optind];
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (!o->memory)
		o->memory = KISTE_UK_MEMORY_DEFAULT;
	return 0;
}
