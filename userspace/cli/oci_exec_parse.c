// SPDX-License-Identifier: GPL-2.0
// oci_exec_parse.c - kiste exec's command line (runc's exec options); oci_exec.c runs it.
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "oci_exec.h"

enum { O_PIDFILE = 0x100, O_CWD, O_CONSOLE, O_PRESERVE, O_NNP, O_IGNORE_PAUSED, O_IGNORED };

static const struct option exec_longopts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "detach", no_argument, NULL, 'd' },
	{ "pid-file", required_argument, NULL, O_PIDFILE },
	{ "cwd", required_argument, NULL, O_CWD },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "tty", no_argument, NULL, 't' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "console-socket", required_argument, NULL, O_CONSOLE },
	{ "preserve-fds", required_argument, NULL, O_PRESERVE },
	{ "no-new-privs", no_argument, NULL, O_NNP },
	{ "ignore-paused", no_argument, NULL, O_IGNORE_PAUSED },
	{ "cap", required_argument, NULL, 'c' },
	{ "additional-gids", required_argument, NULL, 'g' },
	{ "apparmor", required_argument, NULL, O_IGNORED },
	{ "process-label", required_argument, NULL, O_IGNORED },
	{ "cgroup", required_argument, NULL, O_IGNORED },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int parse_user(const char *s, struct oci_exec_opts *o, struct kiste_err *err)
{
	unsigned long u, g;
	char *end;

	errno = 0;
	u = strtoul(s, &end, 10);
	g = u;
	if (*end == ':' && end[1])
		g = strtoul(end + 1, &end, 10);
	if (errno || *end || end == s || u > 0xfffffffeUL || g > 0xfffffffeUL)
		return cli_usage_err(err, "exec", "--user %s: give UID[:GID] as numbers", s);
	o->uid = (uint32_t)u;
	o->gid = (uint32_t)g;
	o->user_set = true;
	return 0;
}

static int exec_opt(const struct cli_global *g, int c, struct oci_exec_opts *o,
		    struct kiste_err *err)
{
	char *end;
	long n;

	switch (c) {
	case 'p':
		o->process = optarg;
		return 0;
	case 'd':
		o->detach = true;
		return 0;
	case O_PIDFILE:
		o->pid_file = optarg;
		return 0;
	case O_CWD:
		if (optarg[0] != '/')
			return cli_usage_err(err, "exec", "--cwd %s: give an absolute path", optarg);
		o->cwd = optarg;
		return 0;
	case 'e':
		if (!strchr(optarg, '=') || optarg[0] == '=')
			return cli_usage_err(err, "exec", "--env %s: give NAME=VALUE", optarg);
		if (o->nenv == KISTE_RUN_ENV_MAX)
			return cli_usage_err(err, "exec", "more than %d --env: put them in a "
					     "--process file", KISTE_RUN_ENV_MAX);
		o->env[o->nenv++] = optarg;
		return 0;
	case 'u':
		return parse_user(optarg, o, err);
	case 't':
		o->tty = true;
		return 0;
	case 'i':
		o->interactive = true;
		return 0;
	case O_CONSOLE:
		o->console_socket = optarg;
		return 0;
	case O_PRESERVE:
		n = strtol(optarg, &end, 10);
		if (*end || end == optarg || n < 0 || n > KISTE_EXEC_FDS_MAX - 3)
			return cli_usage_err(err, "exec", "--preserve-fds %s: give a number of "
					     "descriptors, 0..%d", optarg, KISTE_EXEC_FDS_MAX - 3);
		o->preserve_fds = (int)n;
		return 0;
	case O_NNP:
		return 0;	/* every shim process has no_new_privs, a vm's is its guest's */
	case O_IGNORE_PAUSED:
		o->ignore_paused = true;
		return 0;
	case 'c':
	case 'g':
	case O_IGNORED:
		/* Nothing a kiste container can grant or label: the process runs as it would. */
		oci_log(g, "warning", "exec: ignored an option kiste containers do not honour "
			"(capabilities, groups, LSM labels, cgroup): %s", optarg);
		return 0;
	}
	return -1;
}

int oci_exec_parse(const struct cli_global *g, int argc, char **argv, struct oci_exec_opts *o,
		   struct kiste_err *err)
{
	int c;

	cli_getopt_reset();
	/* runc's: options end at the container's id; what follows is the command. */
	while ((c = getopt_long(argc, argv, "+:p:de:u:tic:g:h", exec_longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error("exec", c, argv, err);
		if (exec_opt(g, c, o, err) < 0)
			return err->code ? err->code : cli_getopt_error("exec", c, argv, err);
	}
	if (optind >= argc)
		return cli_usage_err(err, "exec", "missing container ID: see 'kiste exec --help'");
	o->id = argv[optind++];
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (!o->process && o->nargs == 0)
		return cli_usage_err(err, "exec", "missing the command: give it after the "
				     "container's ID, or a --process file");
	if (o->process && o->nargs)
		return cli_usage_err(err, "exec", "both a --process file and a command: give one");
	return 0;
}
