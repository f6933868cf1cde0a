/* SPDX-License-Identifier: GPL-2.0 */
/* oci_exec.h - kiste exec's options (oci_exec_parse.c) for oci_exec.c. */
#ifndef KISTE_CLI_OCI_EXEC_H
#define KISTE_CLI_OCI_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kiste_exec.h"
#include "kiste_run.h"
#include "oci.h"

struct oci_exec_opts {
	bool help, detach, tty, user_set, ignore_paused, interactive;
	bool relay_tty;		/* -t of a named run's exec: kiste relays the terminal */
	bool stream;		/* vm mode: stdio over the connection (F_STREAM) */
	const char *id, *process, *pid_file, *cwd, *console_socket;
	const char *env[KISTE_RUN_ENV_MAX];
	int nenv;
	uint32_t uid, gid;
	int preserve_fds;
	pid_t init;		/* the sandbox's init (its id maps for the relay), -1 unknown */
	char **args;
	int nargs;
};

/*
 * kiste exec's command line (argv[0] is "exec"), as runc's: options end at
 * the container's id, the command follows.  0, or -EINVAL with one usage line.
 */
int oci_exec_parse(const struct cli_global *g, int argc, char **argv, struct oci_exec_opts *o,
		   struct kiste_err *err);

#endif /* KISTE_CLI_OCI_EXEC_H */
