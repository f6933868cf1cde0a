// SPDX-License-Identifier: GPL-2.0
// oci_ps.c - kiste ps: a container's processes, as runc's: ps(1)'s table or a JSON array of pids.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oci.h"

/* ps(1)'s output for a whole machine is a few hundred KiB; more is not ps. */
#define PS_OUT_MAX (16u << 20)
/* ps options after the id: a command line's worth. */
#define PS_ARGS_MAX 64

struct oci_ps_opts {
	bool help, json;
	const char *id;
	char **ps_args;		/* after the id; NULL: -ef */
	int nps_args;
};

static int oci_ps_parse(int argc, char **argv, struct oci_ps_opts *o, struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	/* "+": options stop at the id, and what follows it is ps(1)'s. */
	while ((c = getopt_long(argc, argv, "+:f:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		} else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table"))) {
			o->json = !strcmp(optarg, "json");
		} else if (c == 'f') {
			return cli_usage_err(err, "ps", "bad --format '%s': use table or json", optarg);
		} else {
			return cli_getopt_error("ps", c, argv, err);
		}
	}
	if (optind >= argc)
		return cli_usage_err(err, "ps", "missing container ID: see 'kiste ps --help'");
	o->id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	o->nps_args = argc - optind;
	o->ps_args = o->nps_args ? argv + optind : NULL;
	if (o->nps_args > PS_ARGS_MAX)
		return cli_usage_err(err, "ps", "%d ps options: at most %d", o->nps_args,
				     PS_ARGS_MAX);
	if (o->json && o->nps_args)
		return cli_usage_err(err, "ps", "ps options go with --format table only");
	return 0;
}

/* Runs ps(1) with @args (default -ef) and returns all it printed; NULL with @err set. */
static char *run_ps(char **args, int nargs, struct kiste_err *err)
{
	char *argv[PS_ARGS_MAX + 2], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	int p[2], i, wst = 0;
	ssize_t n = 0;
	pid_t child;

	argv[0] = "ps";
	for (i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	if (!nargs)
		argv[++nargs] = "-ef";
	argv[nargs + 1] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return kiste_err_set(err, -errno, "pipe: %s", strerror(errno)), NULL;
	fflush(NULL);
	child = fork();
	if (child == 0) {
		dup2(p[1], 1);
		execvp("ps", argv);
		fprintf(stderr, "kiste: cannot run ps: %s: install procps\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (child > 0 && len < PS_OUT_MAX) {
		if (len + 4097 > cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (child > 0)
		waitpid(child, &wst, 0);
	if (child < 0 || !buf || !WIFEXITED(wst) || WEXITSTATUS(wst)) {
		free(buf);
		return kiste_err_set(err, -EIO, "ps %s failed (exit %d): check its options",
				     nargs ? argv[1] : "", WIFEXITED(wst) ? WEXITSTATUS(wst) : -1),
		       NULL;
	}
	buf[len] = 0;
	return buf;
}

/* Which column of ps's header says PID (0-based), or -1. */
static int pid_column(const char *header)
{
	char copy[1024], *w, *save;
	int col = 0;

	snprintf(copy, sizeof(copy), "%s", header);
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save), col++)
		if (!strcmp(w, "PID"))
			return col;
	return -1;
}

static bool has_pid(const pid_t *pids, size_t n, const char *line, int col)
{
	char copy[64 * 1024], *w, *save;
	int i;

	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " \t", &save), i = 0; w && i < col; i++)
		w = strtok_r(NULL, " \t", &save);
	if (!w)
		return false;
	for (size_t k = 0; k < n; k++)
		if (atoi(w) == pids[k])
			return true;
	return false;
}

static int print_table(const struct oci_ps_opts *o, const pid_t *pids, size_t n,
		       struct kiste_err *err)
{
	char *out = run_ps(o->ps_args, o->nps_args, err), *line, *save;
	int col;

	if (!out)
		return -EIO;
	line = strtok_r(out, "\n", &save);
	col = line ? pid_column(line) : -1;
	if (col < 0) {
		free(out);
		return kiste_err_set(err, -EINVAL, "ps's output has no PID column: keep PID in "
				     "its options (e.g. -o pid,stat,cmd)");
	}
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (has_pid(pids, n, line, col))
			printf("%s\n", line);
	free(out);
	return 0;
}

static int oci_ps_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_ps_opts o = { 0 };
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	json_object *arr;
	pid_t *pids = NULL;
	size_t n = 0, i;
	int ret = oci_ps_parse(argc, argv, &o, &err);

	if (o.help) {
		fputs(cli_cmd_oci_ps.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (oci_load(g, o.id, &s, &err) < 0)
		return oci_fail(g, &err);
	ret = kiste_oci_pids(&s, &pids, &n, &err);
	kiste_oci_state_free(&s);
	if (ret == 0 && o.json) {
		arr = json_object_new_array();
		for (i = 0; arr && i < n; i++)
			json_object_array_add(arr, json_object_new_int(pids[i]));
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
		json_object_put(arr);
	} else if (ret == 0) {
		ret = print_table(&o, pids, n, &err);
	}
	free(pids);
	if (ret < 0)
		return oci_fail(g, &err);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_ps = {
	.name = "ps",
	.summary = "show a container's processes (runc's ps)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] ps [--format table|json] ID [PS OPTIONS]\n\n"
		 "The processes of container ID (host pids: its cgroup's, or without one its\n"
		 "pid namespace's): ps(1)'s lines for them (PS OPTIONS, default -ef; they\n"
		 "must keep the PID column), or with --format json an array of pids.  Under\n"
		 "shim mode kiste's init is among them, the container's process below it.\n\n"
		 "  -f, --format table|json\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_ps_main,
};
