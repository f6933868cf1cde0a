// SPDX-License-Identifier: GPL-2.0
// trace.c - kiste trace ID [on|off]: --trace switched on and off for a running shim sandbox.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

/*
 * The switch of sandbox @id: an OCI container's ROOT/ID/trace (shim mode
 * only), else the one `kiste run --name ID` keeps.  0 with @path set, or an
 * error that says which sandbox is missing.
 */
static int find_switch(const struct cli_global *g, const char *id, char *path, size_t n,
		       struct kiste_err *err)
{
	char dir[PATH_MAX - 80];
	struct kiste_oci_state s;
	enum kiste_oci_status st;
	const char *mode;
	struct stat sb;
	int fd;

	if (kiste_oci_id_check(id, NULL) == 0 &&
	    snprintf(path, n, "%s/%s/state.json", g->root, id) < (int)n && lstat(path, &sb) == 0) {
		if (oci_load(g, id, &s, err) < 0)
			return err->code;
		st = kiste_oci_state_status(&s);
		kiste_oci_state_free(&s);
		if (st == KISTE_OCI_STOPPED)
			return kiste_err_set(err, -ESRCH, "container %s is stopped: nothing to trace",
					     id);
		snprintf(path, n, "%s/%s/" KISTE_OCI_TRACE_FILE, g->root, id);
		if (lstat(path, &sb) < 0)
			return kiste_err_set(err, -EOPNOTSUPP, "container %s is not in shim mode: "
					     "tracing is shim mode's (org.kiste.mode=shim)", id);
		return 0;
	}
	if (kiste_run_name_check(id, NULL) < 0 || kiste_trace_run_dir(dir, sizeof(dir)) < 0)
		goto none;
	snprintf(path, n, "%s/%s.trace", dir, id);
	/* A switch nobody holds is a stale one: its sandbox is gone. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto none;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		goto none;
	}
	close(fd);
	/* vm mode's named runs hold the same lock (kiste exec's); a guest has no --trace. */
	mode = kiste_run_exec_mode(id);
	if (mode && strcmp(mode, "shim"))
		return kiste_err_set(err, -EOPNOTSUPP, "the run %s is in %s mode: tracing is "
				     "shim mode's (kiste run --mode=shim --trace)", id, mode);
	return 0;
none:
	return kiste_err_set(err, -ENOENT, "no running shim sandbox %s: neither a container "
			     "under --root %s nor a 'kiste run --mode=shim --name %s' (an "
			     "ordinary user's needs XDG_RUNTIME_DIR set)", id, g->root, id);
}

static int trace_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	char path[PATH_MAX + 96];
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(cli_cmd_trace.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-' ||
	    (argc == 3 && strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
		kiste_err_set(&err, -EINVAL, "usage: kiste trace ID [on|off] (see kiste trace "
			      "--help)");
		return oci_usage_fail(g, &err);
	}
	if (find_switch(g, argv[1], path, sizeof(path), &err) < 0)
		return oci_fail(g, &err);
	if (argc == 2) {
		r = kiste_trace_switch_get(path, &err);
		if (r < 0)
			return oci_fail(g, &err);
		puts(r ? "on" : "off");
		return KISTE_EXIT_OK;
	}
	if (kiste_trace_switch_set(path, !strcmp(argv[2], "on"), &err) < 0)
		return oci_fail(g, &err);
	return KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_trace = {
	.name = "trace",
	.summary = "switch --trace on or off for a running shim sandbox",
	.usage = "Usage: kiste [--root DIR] trace ID [on|off]\n\n"
		 "Switch shim mode's --trace on or off while sandbox ID runs: a container under\n"
		 "--root (created in shim mode), or a 'kiste run --mode=shim --name ID'.  From\n"
		 "their next call on, its processes write one line per syscall where --trace\n"
		 "would have: the sandbox's stderr, or its --trace-output file.  Without on or\n"
		 "off, prints whether tracing is on.  Exit status 1 when there is no such\n"
		 "running sandbox.\n\n"
		 "  -h, --help   show this help\n",
	.gmain = trace_main,
};
