/* SPDX-License-Identifier: GPL-2.0 */
/* oci.h - what the OCI verbs (cli/oci_*.c) share: their log, failures, state look-ups. */
#ifndef KISTE_CLI_OCI_H
#define KISTE_CLI_OCI_H

#include <stdarg.h>

#include "cli.h"
#include "kiste_oci.h"

/* One line to --log (if given) at @level ("warning", "error"), as runc writes its log. */
void oci_log(const struct cli_global *g, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void oci_vlog(const struct cli_global *g, const char *level, const char *fmt, va_list ap);
/* "kiste: MSG" on stderr and to --log; returns 1, runc's status for every failure. */
int oci_fail(const struct cli_global *g, const struct kiste_err *err);
/* A usage error: the same, status 2 as every kiste command's. */
int oci_usage_fail(const struct cli_global *g, const struct kiste_err *err);
/* Loads the state of container @id under --root. */
int oci_load(const struct cli_global *g, const char *id, struct kiste_oci_state *s,
	     struct kiste_err *err);
/* Sends @sig to the init, or with @all to every process of the container. */
int oci_signal(const struct kiste_oci_state *s, int sig, bool all, struct kiste_err *err);
/*
 * Kills what is left of the container, waits for its init, removes its
 * cgroup, runs the poststop hooks (a failure only logged to @g's --log, as
 * runc), removes the state.  @g may be NULL.
 */
int oci_destroy(const struct cli_global *g, struct kiste_oci_state *s, struct kiste_err *err);
/* Runs the poststart hooks of a started container; one failing kills it (runc's rule). */
int oci_poststart(const struct kiste_oci_state *s, struct kiste_err *err);
/* Unblocks the init of a created container (start's work). */
int oci_start_init(const struct kiste_oci_state *s, struct kiste_err *err);

/*
 * create's --console-socket: makes a pty, sends its master to the unix
 * socket at @socket_path (SCM_RIGHTS, as runc), sized as @c's consoleSize,
 * @raw when it carries a terminal made elsewhere (KISTE_OCI_CONSOLE_HOST_RAW);
 * *@slave is the slave for the container (close-on-exec).
 */
/* The registry name of container @id: @id, or NULL when it cannot be one (oci_create.c). */
const char *oci_sandbox_name(const char *id);
int oci_console_open(const char *socket_path, const struct kiste_oci_config *c, bool raw,
		     int *slave, struct kiste_err *err);

/* Writes @pid to @path atomically (a temporary file renamed over it), as runc's --pid-file. */
int oci_write_pid_file(const char *path, pid_t pid, struct kiste_err *err);

/* Parses "VERB [--help] ID" for state and start; *help set on --help. */
int oci_id_parse(const char *verb, int argc, char **argv, const char **id, bool *help,
		 struct kiste_err *err);

#endif /* KISTE_CLI_OCI_H */
