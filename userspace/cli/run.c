// SPDX-License-Identifier: GPL-2.0
// kiste run: start a workload in a temporary sandbox (unikernel mode: the tender's code).
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int run_parse(int argc, char **argv, struct run_opts *o, struct kiste_err *err)
{
	int ret = kiste_uk_opts_parse(argc, argv, false, &o->uk, err);

	o->argc = argc;
	o->argv = argv;
	return ret;
}

/* kiste-tender sits next to the kiste binary; KISTE_TENDER overrides (tests, installs). */
int cli_tender_path(char *buf, size_t len, struct kiste_err *err)
{
	const char *env = getenv("KISTE_TENDER");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return kiste_err_set(err, -ENOENT,
				     "cannot find kiste's own path: mount /proc or "
				     "set KISTE_TENDER to kiste-tender's path");
	self[n] = 0;
	slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	if ((size_t)snprintf(buf, len, "%s/kiste-tender", self) >= len)
		return kiste_err_set(err, -ENAMETOOLONG, "kiste's path is too long: move it");
	if (access(buf, X_OK) < 0)
		return kiste_err_set(err, -ENOENT,
				     "cannot run %s: %s: reinstall kiste or set "
				     "KISTE_TENDER",
				     buf, strerror(errno));
	return 0;
}

/*
 * The tender's entry (userspace/tender/), linked into kiste where the build
 * puts it there: running it in this process saves the exec of kiste-tender,
 * which cost a third of `kiste run`'s start-up.  Weak, so that programs
 * linking the CLI objects without the tender (tests) exec kiste-tender.
 */
int kiste_tender_main(int argc, char **argv) __attribute__((weak));

/*
 * Replaces this process: the tender forwards signals and exits with the
 * unikernel's status.  In-process when linked and KISTE_TENDER is unset.
 */
int cli_exec_tender(const char *sub, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	char path[PATH_MAX];
	char **args;
	int i, ret;

	args = calloc(argc + 3, sizeof(*args));
	if (!args) {
		fprintf(stderr, "kiste: out of memory\n");
		return -1;
	}
	args[0] = "kiste-tender";
	args[1] = (char *)sub;
	for (i = 0; i < argc; i++)
		args[i + 2] = argv[i];
	if (kiste_tender_main && !getenv("KISTE_TENDER")) {
		ret = kiste_tender_main(argc + 2, args);
		free(args);
		exit(ret);
	}
	if (cli_tender_path(path, sizeof(path), &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		free(args);
		return -1;
	}
	fflush(NULL);
	execv(path, args);
	fprintf(stderr, "kiste: cannot run %s: %s: reinstall kiste or set KISTE_TENDER\n", path,
		strerror(errno));
	free(args);
	return -1;
}

int run_run(const struct run_opts *o)
{
	/* argv[0] is "run": the tender parses the same options again, after exec */
	cli_exec_tender("run", o->argc - 1, o->argv + 1);
	return KISTE_RUN_EXIT_REFUSED;
}

/*
 * Modes other than unikernel have their own run implementations; weak so that
 * kiste links (and says "not available") while a mode's files are not built.
 */
int run_vm_main(int argc, char **argv) __attribute__((weak));
int run_shim_main(int argc, char **argv) __attribute__((weak));

/* The --mode value among the options before APP, or NULL. */
static const char *run_mode_arg(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--mode=", 7))
			return argv[i] + 7;
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			return argv[i + 1];
		/* "--opt VALUE": step over the value (flags take none) */
		if (!strchr(argv[i], '=') && strcmp(argv[i], "--help") && strcmp(argv[i], "-h") &&
		    strcmp(argv[i], "--debug") && strcmp(argv[i], "--rw") &&
		    strcmp(argv[i], "--trace"))
			i++;
	}
	return NULL;
}

static int run_main(int argc, char **argv)
{
	const char *mode = run_mode_arg(argc, argv);
	struct kiste_err err = { 0 };
	struct run_opts o;
	int ret;

	if (mode && !strcmp(mode, "vm") && run_vm_main)
		return run_vm_main(argc, argv);
	if (mode && !strcmp(mode, "shim") && run_shim_main)
		return run_shim_main(argc, argv);
	ret = run_parse(argc, argv, &o, &err);

	if (o.uk.help) {
		fputs(cli_cmd_run.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return KISTE_RUN_EXIT_REFUSED; /* kiste run's own failures are 125 (DESIGN.md) */
	}
	return run_run(&o);
}

const struct cli_cmd cli_cmd_run = {
	.name = "run",
	.summary = "run a workload in a temporary sandbox",
	.usage = "Usage: kiste run --mode=unikernel [--block NAME=FILE]... [--net NAME=TAPDEV]...\n"
		 "                 [--memory SIZE] [--timeout SECONDS] [--name N]\n"
		 "                 [--isolation process|vm] [--] APP [ARG...]\n\n"
		 "Run the unikernel APP (built with kiste-uk-cc) with its arguments.  Devices\n"
		 "declared in its manifest are bound by name: --block to a file whose size is a\n"
		 "multiple of 512, --net to an existing tap device.\n\n"
		 "  --isolation process  (default) in this process behind a seccomp filter of at\n"
		 "                       most 7 syscalls (see 'kiste policy unikernel APP')\n"
		 "  --isolation vm       in a tiny KVM guest\n"
		 "  --memory SIZE        unikernel memory, 2M..1G (default 32M)\n"
		 "  --timeout SECONDS    kill it after SECONDS\n"
		 "  --name N             name of the temporary sandbox (with kiste.ko)\n"
		 "  -h, --help           show this help\n\n"
		 "Exit status: the unikernel's; 128+N when killed by signal N (159: by the\n"
		 "seccomp filter); 125 when kiste refused to start it; 126 when APP is not a\n"
		 "unikernel for this ABI; 127 when APP does not exist.\n",
	.main = run_main,
};
