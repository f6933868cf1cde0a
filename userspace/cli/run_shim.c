// SPDX-License-Identifier: GPL-2.0
// run_shim.c - `kiste run --mode=shim`: option parsing and the hand-off to the shim launcher.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_shim.h"

/* Resolved when the shim launcher is linked in (userspace/Makefile's SHIM block). */
extern int shim_launch(const struct shim_opts *o) __attribute__((weak));

void run_shim_usage(FILE *f)
{
	fprintf(f,
		"usage: kiste run --mode=shim [--rootfs DIR] [--rw] [--tmpfs PATH]... [--env K=V]...\n"
		"                 [--cwd DIR] [--user UID[:GID]] [--memory SIZE] [--timeout SECONDS]\n"
		"                 [--name N] [--trace] -- CMD [ARG...]\n"
		"Runs CMD (looked up on PATH inside the rootfs) with every syscall served by the\n"
		"in-process guest kernel; only the shim allowlist ('kiste policy shim') reaches the host.\n"
		"  --rootfs DIR       the sandbox root (default /), always read-only unless --rw\n"
		"  --rw               make the rootfs writable (refused for /)\n"
		"  --tmpfs PATH       a writable, initially empty directory at PATH (must exist)\n"
		"  --env K=V          add to the environment (PATH, HOME and TERM are preset)\n"
		"  --cwd DIR          working directory inside the sandbox (default /)\n"
		"  --user UID[:GID]   the identity the workload sees\n"
		"  --memory SIZE      address-space limit (RLIMIT_AS), e.g. 512M\n"
		"  --timeout SECONDS  kill the workload after SECONDS\n"
		"  --name N           the sandbox's name when kiste.ko is loaded\n"
		"  --trace            one line per syscall on stderr\n"
		"Exit: the workload's status, 128+N when killed by signal N, 125 when kiste refused,\n"
		"126 when CMD cannot be executed, 127 when CMD was not found.\n");
}

/* "--opt=value" or "--opt value"; NULL when @arg is not @opt. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_user(const char *s, struct shim_opts *o, struct kiste_err *err)
{
	char *end;
	unsigned long u = strtoul(s, &end, 10), g = u;

	if (end == s || (*end && *end != ':'))
		goto bad;
	if (*end == ':') {
		const char *gs = end + 1;

		g = strtoul(gs, &end, 10);
		if (end == gs || *end)
			goto bad;
	}
	if (u > 0xfffffffeUL || g > 0xfffffffeUL)
		goto bad;
	o->uid = (uint32_t)u;
	o->gid = (uint32_t)g;
	o->user_set = true;
	return 0;
bad:
	return kiste_err_set(err, -EINVAL, "--user %s: give UID or UID:GID as numbers", s);
}

static int parse_one(int argc, char **argv, int *i, struct shim_opts *o, struct kiste_err *err)
{
	bool miss = false;
	const char *v, *a = argv[*i];
	char *end;

	if (!strcmp(a, "--rw"))
		o->rw = true;
	else if (!strcmp(a, "--trace"))
		o->trace = true;
	else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		o->help = true;
	else if ((v = opt_value(argc, argv, i, "--mode", &miss))) {
		if (strcmp(v, "shim"))
			return kiste_err_set(err, -EINVAL, "--mode %s: this is shim mode", v);
	} else if ((v = opt_value(argc, argv, i, "--rootfs", &miss)))
		o->rootfs = v;
	else if ((v = opt_value(argc, argv, i, "--tmpfs", &miss))) {
		if (o->ntmpfs >= SHIM_MAX_TMPFS)
			return kiste_err_set(err, -EINVAL, "at most %d --tmpfs", SHIM_MAX_TMPFS);
		o->tmpfs[o->ntmpfs++] = v;
	} else if ((v = opt_value(argc, argv, i, "--env", &miss))) {
		if (!strchr(v, '=') || v[0] == '=')
			return kiste_err_set(err, -EINVAL, "--env %s: give K=V", v);
		if (o->nenv >= SHIM_MAX_ENV)
			return kiste_err_set(err, -EINVAL, "at most %d --env", SHIM_MAX_ENV);
		o->env[o->nenv++] = v;
	} else if ((v = opt_value(argc, argv, i, "--cwd", &miss))) {
		if (v[0] != '/')
			return kiste_err_set(err, -EINVAL, "--cwd %s: give an absolute path", v);
		o->cwd = v;
	} else if ((v = opt_value(argc, argv, i, "--user", &miss)))
		return parse_user(v, o, err);
	else if ((v = opt_value(argc, argv, i, "--memory", &miss)))
		return kiste_size_parse(v, &o->memory, err);
	else if ((v = opt_value(argc, argv, i, "--timeout", &miss))) {
		long t = strtol(v, &end, 10);

		if (end == v || *end || t <= 0 || t > 86400 * 365)
			return kiste_err_set(err, -EINVAL, "--timeout %s: give whole seconds > 0", v);
		o->timeout_s = (int)t;
	} else if ((v = opt_value(argc, argv, i, "--name", &miss))) {
		if (!kiste_name_valid(v))
			return kiste_err_set(err, -EINVAL,
					     "--name %s: use 1..63 of [A-Za-z0-9_.-]", v);
		o->name = v;
	} else if (miss)
		return kiste_err_set(err, -EINVAL, "%s needs a value", a);
	else
		return kiste_err_set(err, -EINVAL, "unknown option '%s': see kiste run --help", a);
	return 0;
}

int run_shim_parse(int argc, char **argv, struct shim_opts *o, struct kiste_err *err)
{
	int i, r;

	memset(o, 0, sizeof(*o));
	o->rootfs = "/";
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (argv[i][0] != '-')
			break; /* the command starts without "--" */
		r = parse_one(argc, argv, &i, o, err);
		if (r < 0)
			return -EINVAL;
		if (o->help)
			return 0;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return kiste_err_set(err, -EINVAL, "no command: kiste run --mode=shim -- CMD [ARG...]");
	o->argc = argc - i;
	o->argv = argv + i;
	if (o->rw && !strcmp(o->rootfs, "/"))
		return kiste_err_set(err, -EINVAL,
				     "--rw is refused for the rootfs /: give --rootfs DIR");
	return 0;
}

int run_shim_run(const struct shim_opts *o)
{
	if (o->help) {
		run_shim_usage(stdout);
		return 0;
	}
	if (!shim_launch) {
		fprintf(stderr, "kiste: this kiste was built without shim mode: rebuild with the "
			"SHIM objects linked in\n");
		return 125;
	}
	return shim_launch(o);
}

int run_shim_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	if (run_shim_parse(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return 125;
	}
	return run_shim_run(&o);
}
