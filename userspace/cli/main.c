// SPDX-License-Identifier: GPL-2.0
// kiste's entry point: global options (runc's, for the OCI verbs) and dispatch to one subcommand.
//
// How the OCI verbs and kiste's own commands share one binary (issue 13): the
// verbs an engine calls (create, start, state, kill, delete, run, list, ps,
// pause, resume, update, events ID, features, spec) have
// runc's meaning, so `podman --runtime $(command -v kiste)` and anyone who
// knows runc get what they expect, with no guessing from the arguments.  The
// commands on the module's registry that used those names moved under
// `kiste sandbox` (create, list, kill, delete); inspect, events and stats
// keep their names (events with a container id is runc's: cli/oci_events.c).  `kiste run --mode=M -- CMD` stays kiste's one-shot run:
// OCI run never takes --mode after the verb, so --mode there picks it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_cmd *const cmds[] = {
	&cli_cmd_version,    &cli_cmd_check,	 &cli_cmd_oci_run,	       &cli_cmd_oci_create,
	&cli_cmd_oci_start,  &cli_cmd_oci_state, &cli_cmd_oci_kill,    &cli_cmd_oci_delete,
	&cli_cmd_oci_list,   &cli_cmd_oci_ps,	 &cli_cmd_oci_pause,   &cli_cmd_oci_resume,
	&cli_cmd_oci_update, &cli_cmd_oci_events, &cli_cmd_oci_features, &cli_cmd_oci_spec,
	&cli_cmd_oci_exec,
	&cli_cmd_sandbox,    &cli_cmd_inspect,	 &cli_cmd_stats,       &cli_cmd_policy,
	&cli_cmd_syscalls,   &cli_cmd_trace,
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: kiste [--help] [--version] [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
	      "Run and control kiste sandboxes; an OCI runtime with runc's command line.\n\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i]->name, cmds[i]->summary);
	fputs("\nGlobal options (runc's; the OCI verbs use them):\n"
	      "  --root DIR          the containers' state (default " CLI_OCI_ROOT_DEFAULT ")\n"
	      "  --log FILE          warnings and errors, for the engine (default: stderr only)\n"
	      "  --log-format text|json\n"
	      "  --mode MODE         containers without the annotation org.kiste.mode (default:\n"
	      "                      the mode in " KISTE_RUNTIME_CONF ", else shim)\n"
	      "  --debug, --systemd-cgroup, --rootless VALUE, --criu PATH  accepted, no effect\n"
	      "\nRun 'kiste COMMAND --help' for a command's options.\n",
	      f);
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL when argv[*i] is not --@opt. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* Returns the index of the command, or -1 with the usage error printed. */
static int parse_global(int argc, char **argv, struct cli_global *g)
{
	static const char *const valued[] = { "--root", "--log", "--log-format", "--mode",
					      "--rootless", "--criu" };
	const char *v;
	bool missing = false;
	size_t k;
	int i;

	g->root = CLI_OCI_ROOT_DEFAULT;
	/*
	 * Not the host's root (an ordinary user, or rootless podman's runtime in a
	 * user namespace of its own, where /run/kiste is nobody's): runc's rule,
	 * the caller's own $XDG_RUNTIME_DIR/kiste.
	 */
	if (!kiste_host_root() && getenv("XDG_RUNTIME_DIR") && getenv("XDG_RUNTIME_DIR")[0] == '/') {
		static char xdg[PATH_MAX];

		if (snprintf(xdg, sizeof(xdg), "%s/kiste", getenv("XDG_RUNTIME_DIR")) <
		    (int)sizeof(xdg))
			g->root = xdg;
	}
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "--version"))
			break;
		if (!strcmp(argv[i], "--debug") || !strcmp(argv[i], "--systemd-cgroup")) {
			g->given = true;
			continue;
		}
		for (k = 0, v = NULL; k < sizeof(valued) / sizeof(valued[0]) && !v && !missing; k++)
			v = opt_value(argc, argv, &i, valued[k], &missing);
		if (missing) {
			fprintf(stderr, "kiste: option '%s' needs a value: see 'kiste --help'\n",
				argv[i]);
			return -1;
		}
		if (!v) {
			fprintf(stderr, "kiste: unknown option '%s': see 'kiste --help'\n", argv[i]);
			return -1;
		}
		k--;
		if (k != 3)
			g->given = true;
		if (k == 0)
			g->root = v;
		else if (k == 1)
			g->log = v;
		else if (k == 2 && (!strcmp(v, "json") || !strcmp(v, "text")))
			g->log_json = !strcmp(v, "json");
		else if (k == 2) {
			fprintf(stderr, "kiste: bad --log-format '%s': use text or json\n", v);
			return -1;
		} else if (k == 3)
			g->mode = v;
	}
	return i;
}

/*
 * A kiste binary that is not root's (a build of one's own): shim mode's
 * workload process is kiste until it enters the guest kernel, so its
 * /proc/self/exe is that file, and a gate jump through the procfs could
 * fchmod it, setuid for every local user (hostile review).  Commands that
 * start sandboxes run such a binary from a sealed memfd copy instead, as runc
 * does since CVE-2019-5736; an installed, root-owned kiste runs as it is.
 */
static void exe_sealed(char **argv)
{
	extern char **environ;
	char link[32];
	struct stat st;
	ssize_t n;
	off_t off = 0;
	int src, fd;

	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	if (n > 0 && (link[n] = 0, !strncmp(link, "/memfd:", 7)))
		return;
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return;
	fd = fstat(src, &st) == 0 && st.st_uid ?
	     memfd_create("kiste", MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1;
	while (fd >= 0 && off < st.st_size && sendfile(fd, src, &off, st.st_size - off) > 0)
		;
	close(src);
	if (fd < 0)
		return;
	if (off == st.st_size && fchmod(fd, 0555) == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0)
		fexecve(fd, argv, environ);
	/* Not possible here (a memfd refused exec, vm.memfd_noexec): the file as it is. */
	close(fd);
}

/*
 * Descriptors 0-2 that are closed when kiste starts become /dev/null, for
 * every command and mode: else the first descriptors kiste opens (a device's
 * socket, passt's stream) would take their numbers, and every helper kiste
 * forks keeps 0-2 open: the unikernel's relay would hold the unikernel's own
 * end and never see its hang-up, and a line written to "stderr" would go
 * down a socket.
 */
static void std_fds_open(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(KISTE_EXIT_REFUSED);
}

int main(int argc, char **argv)
{
	struct cli_global g = { 0 };
	const char *name;
	size_t i;
	int at;

	std_fds_open();
	at = parse_global(argc, argv, &g);

	if (at < 0)
		return KISTE_EXIT_USAGE;
	name = at < argc ? argv[at] : NULL;
	if (!name) {
		fprintf(stderr, "kiste: missing command: see 'kiste --help'\n");
		return KISTE_EXIT_USAGE;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return KISTE_EXIT_OK;
	}
	if (!strcmp(name, "--version"))
		name = "version";
	if (!strcmp(name, "run") || !strcmp(name, "create"))
		exe_sealed(argv);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i]->name))
			continue;
		if (cmds[i]->gmain)
			return cmds[i]->gmain(&g, argc - at, argv + at);
		return cmds[i]->main(argc - at, argv + at);
	}
	if (name[0] == '-')
		fprintf(stderr, "kiste: unknown option '%s': see 'kiste --help'\n", name);
	else
		fprintf(stderr, "kiste: unknown command '%s': see 'kiste --help'\n", name);
	return KISTE_EXIT_USAGE;
}
