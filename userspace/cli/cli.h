/* SPDX-License-Identifier: GPL-2.0 */
/* cli.h - the kiste CLI's subcommands (parse into a struct, then run) and shared helpers. */
#ifndef KISTE_CLI_H
#define KISTE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kiste_mode.h"
#include "kiste_run.h"
#include "libkiste.h"

#ifndef KISTE_VERSION
#define KISTE_VERSION "0.1.0"
#endif

/*
 * Every subcommand NAME has: struct NAME_opts, NAME_parse() which fills it from
 * argv (argv[0] is the subcommand) and returns 0 or -EINVAL with err set, and
 * NAME_run() which returns the exit code.  Parsing never touches the module,
 * so tests can call it in-process.
 */
struct json_opts {
	bool help;
	bool json;
};

struct version_opts {
	bool help;
};

struct create_opts {
	bool help;
	const char *name;
	uint32_t mode;
	uint64_t memory;
	uint32_t cpus;
};

struct ref_opts { /* inspect, kill, delete */
	bool help;
	bool json;
	const char *ref;
	int sig; /* kill: 0 = SIGKILL */
};

struct events_opts {
	bool help;
	bool json;
	uint64_t count; /* 0 = until interrupted or timed out */
	int timeout_s;	/* -1 = none */
};

int version_parse(int argc, char **argv, struct version_opts *o, struct kiste_err *err);
int version_run(const struct version_opts *o);
int check_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err);
int check_run(const struct json_opts *o);
int create_parse(int argc, char **argv, struct create_opts *o, struct kiste_err *err);
int create_run(const struct create_opts *o);
int list_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err);
int list_run(const struct json_opts *o);
int inspect_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err);
struct cli_global;
int inspect_run(const struct cli_global *g, const struct ref_opts *o);
int kill_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err);
int kill_run(const struct ref_opts *o);
int delete_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err);
int delete_run(const struct ref_opts *o);
int events_parse(int argc, char **argv, struct events_opts *o, struct kiste_err *err);
int events_run(const struct events_opts *o);
int stats_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err);
int stats_run(const struct json_opts *o);

/*
 * The options before the command, as runc takes them (engines pass them to
 * every verb); only the OCI verbs use them.
 */
struct cli_global {
	const char *root;	/* --root: the containers' state; default /run/kiste */
	const char *log;	/* --log FILE: warnings and errors, for the engine */
	bool log_json;		/* --log-format json */
	const char *mode;	/* --mode: containers without org.kiste.mode */
	bool given;		/* any of runc's global options was given */
};

#define CLI_OCI_ROOT_DEFAULT "/run/kiste"

/* A subcommand as main() dispatches it: parse, print usage or the usage error, run. */
struct cli_cmd {
	const char *name;
	const char *summary;
	const char *usage; /* full --help text */
	int (*main)(int argc, char **argv);
	/* Instead of main, for the commands that take the global options (OCI verbs). */
	int (*gmain)(const struct cli_global *g, int argc, char **argv);
};

extern const struct cli_cmd cli_cmd_version, cli_cmd_check, cli_cmd_create, cli_cmd_list,
	cli_cmd_inspect, cli_cmd_kill, cli_cmd_delete, cli_cmd_events, cli_cmd_stats,
	cli_cmd_policy, cli_cmd_sandbox, cli_cmd_syscalls, cli_cmd_trace;
/* The OCI runtime verbs (cli/oci_*.c), with runc's semantics. */
extern const struct cli_cmd cli_cmd_oci_create, cli_cmd_oci_start, cli_cmd_oci_state,
	cli_cmd_oci_kill, cli_cmd_oci_delete, cli_cmd_oci_run, cli_cmd_oci_list, cli_cmd_oci_ps,
	cli_cmd_oci_pause, cli_cmd_oci_resume, cli_cmd_oci_update, cli_cmd_oci_events,
	cli_cmd_oci_features, cli_cmd_oci_spec, cli_cmd_oci_exec;

/* `kiste run` is the OCI verb unless --mode comes after it (kiste's own run, cli/run.c). */
int cli_run_workload_main(int argc, char **argv);

/* ---- common.c ---- */
/* Resets getopt so parse functions can run more than once in one process. */
void cli_getopt_reset(void);
/* Fills @err for getopt_long's '?' or ':' return. Returns -EINVAL. */
int cli_getopt_error(const char *cmd, int c, char **argv, struct kiste_err *err);
int cli_usage_err(struct kiste_err *err, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parsing for subcommands that take only --json and --help. */
int cli_json_opts_parse(const char *cmd, int argc, char **argv, struct json_opts *o,
			struct kiste_err *err);
/*
 * Parsing for subcommands that take ID|NAME: --help, --json when @json_ok, then
 * the reference and up to one more positional argument stored in *@extra when
 * @extra is non-NULL.
 */
int cli_ref_parse(const char *cmd, int argc, char **argv, bool json_ok, const char **extra,
		  struct ref_opts *o, struct kiste_err *err);
/* The same for a sandbox or an OCI container's id (kiste inspect), no extra argument. */
int cli_ref_parse_or_container(const char *cmd, int argc, char **argv, bool json_ok,
			       struct ref_opts *o, struct kiste_err *err);
int cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* After a failed parse or --help: prints the error (exit 2) or the usage (exit 0). */
int cli_finish_parse(const struct cli_cmd *cmd, int ret, const struct kiste_err *err);
/* Prints "kiste: MSG" on stderr and returns KISTE_EXIT_FAIL. */
int cli_fail(const struct kiste_err *err);
/* Opens the netlink client, warning once when the module's interface differs. */
int cli_nl_open(struct kiste_nl **nl, struct kiste_err *err);
/* An operation on one sandbox: 0 or negative errno with @err set. */
typedef int (*cli_sandbox_fn)(struct kiste_nl *nl, uint32_t id, void *arg, struct kiste_err *err);
/*
 * Opens the client, resolves ID|NAME @ref and applies @fn to it; returns the
 * exit code, having printed the failure if any step failed.
 */
int cli_sandbox_do(const char *ref, cli_sandbox_fn fn, void *arg);
/* Prints @o as one line of JSON, then frees it; KISTE_EXIT_FAIL if @o is NULL. */
int cli_print_json(struct json_object *o);
void cli_format_size(uint64_t bytes, char *buf, size_t len);

#endif /* KISTE_CLI_H */
