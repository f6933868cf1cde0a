// SPDX-License-Identifier: GPL-2.0
// oci_exec.c - kiste exec: refused with the reason (shim mode cannot join a running container yet).
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oci.h"

/*
 * Not a stub that pretends: every call fails with one line.  A process that
 * joins a running shim container would have to become a guest-kernel instance
 * sharing the running ones' memory (pid table, lock files, /proc view: shared
 * by inheritance from the container's init) and a child of that init; from
 * outside there is nothing to join.  It needs the init to fork it on request,
 * a launcher change (README, "Not there yet").
 */
static int oci_exec_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { .code = -EOPNOTSUPP };

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(cli_cmd_oci_exec.usage, stdout);
		return KISTE_EXIT_OK;
	}
	snprintf(err.msg, sizeof(err.msg), "exec is not supported yet: a process cannot join a "
		 "running shim-mode container from outside (the container's init would have to "
		 "start it); run it as the container's process instead");
	return oci_fail(g, &err);
}

const struct cli_cmd cli_cmd_oci_exec = {
	.name = "exec",
	.summary = "not supported yet: run a process in a running container (runc's exec)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] exec ID ...\n\n"
		 "runc's exec is not supported yet: every call fails with exit status 1.  In\n"
		 "shim mode a new process must be started by the container's own init to share\n"
		 "the guest kernel's state (pids, locks, /proc) with the running ones, which the\n"
		 "init does not offer yet.\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_exec_main,
};
