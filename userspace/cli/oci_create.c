// SPDX-License-Identifier: GPL-2.0
// oci_create.c - kiste create and kiste run, the OCI verbs: a container from a bundle, as runc makes it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiste_oci_spec.h"
#include "oci.h"

struct oci_create_opts {
	bool help;
	bool run;		/* kiste run: start it too, then wait unless detach */
	bool detach;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;	/* --preserve-fds N: descriptors 3..3+N-1 go along */
	const char *id;
};

enum { O_BUNDLE = 'b', O_DETACH = 'd', O_HELP = 'h', O_PIDFILE = 0x100, O_CONSOLE, O_PRESERVE,
       O_NOPIVOT, O_NOKEYRING };

static const struct option create_longopts[] = {
	{ "bundle", required_argument, NULL, O_BUNDLE },
	{ "pid-file", required_argument, NULL, O_PIDFILE },
	{ "console-socket", required_argument, NULL, O_CONSOLE },
	{ "preserve-fds", required_argument, NULL, O_PRESERVE },
	{ "no-pivot", no_argument, NULL, O_NOPIVOT },
	{ "no-new-keyring", no_argument, NULL, O_NOKEYRING },
	{ "detach", no_argument, NULL, O_DETACH },
	{ "help", no_argument, NULL, O_HELP },
	{ 0 },
};

static int oci_create_opt(const char *verb, int c, struct oci_create_opts *o, struct kiste_err *err)
{
	switch (c) {
	case O_BUNDLE:
		o->bundle = optarg;
		return 0;
	case O_PIDFILE:
		o->pid_file = optarg;
		return 0;
	case O_CONSOLE:
		o->console_socket = optarg;
		return 0;
	case O_PRESERVE: {
		char *end;
		long n = strtol(optarg, &end, 10);

		/* A descriptor of them that is not open is simply not there, as with runc. */
		if (*end || end == optarg || n < 0 || n > KISTE_OCI_PRESERVE_MAX)
			return cli_usage_err(err, verb, "--preserve-fds %s: give a number of "
					     "descriptors, 0..%d", optarg, KISTE_OCI_PRESERVE_MAX);
		o->preserve_fds = (int)n;
		return 0;
	}
	case O_NOPIVOT:
	case O_NOKEYRING:
		return 0;	/* kiste always pivots and never touches the session keyring */
	case O_DETACH:
		if (!o->run)
			return cli_usage_err(err, verb, "unknown option '--detach': see 'kiste %s "
					     "--help'", verb);
		o->detach = true;
		return 0;
	}
	return cli_usage_err(err, verb, "unknown option: see 'kiste %s --help'", verb);
}

static int oci_create_parse(const char *verb, int argc, char **argv, struct oci_create_opts *o,
			struct kiste_err *err)
{
	int c, ret;

	o->bundle = ".";
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:b:dh", create_longopts, NULL)) != -1) {
		if (c == O_HELP) {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error(verb, c, argv, err);
		ret = oci_create_opt(verb, c, o, err);
		if (ret < 0)
			return ret;
	}
	if (optind >= argc)
		return cli_usage_err(err, verb, "missing container ID: see 'kiste %s --help'", verb);
	o->id = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, verb, "unexpected argument '%s': see 'kiste %s --help'",
				     argv[optind], verb);
	return 0;
}

/* RFC 3339 in UTC with nanoseconds, trailing zeros dropped (what runc's Go time prints). */
static void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char frac[16];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
	n = strlen(frac);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = 0;
	if (n == 1)
		frac[0] = 0;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), "%sZ", frac);
}

static void note_to_log(void *ctx, const char *fmt, va_list ap)
{
	oci_vlog(ctx, "warning", fmt, ap);
}

/* The state as create leaves it, from the config and the launched init. */
static int record(struct kiste_oci_state *s, const struct kiste_oci_config *c,
		  const struct kiste_oci_spec *sp, const char *bundle,
		  const struct kiste_oci_launch *ol, struct kiste_err *err)
{
	size_t i;

	snprintf(s->oci_version, sizeof(s->oci_version), "%s", c->oci_version);
	snprintf(s->bundle, sizeof(s->bundle), "%s", bundle);
	snprintf(s->rootfs, sizeof(s->rootfs), "%s", sp->rootfs);
	snprintf(s->mode, sizeof(s->mode), "%s", sp->mode->name);
	now_rfc3339(s->created, sizeof(s->created));
	s->owner_uid = geteuid();
	s->pid = ol->pid;
	s->pid_start = kiste_oci_pid_start(ol->pid);
	s->cg = ol->cg;
	s->annotations = calloc(c->nannotations ? c->nannotations : 1, sizeof(*s->annotations));
	if (!s->annotations)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < c->nannotations; i++) {
		s->annotations[i].key = strdup(c->annotations[i].key);
		s->annotations[i].value = strdup(c->annotations[i].value);
		s->nannotations++;
	}
	return kiste_oci_state_save(s, err);
}

/*
 * prestart, then createRuntime: the container's namespaces exist and its
 * init waits, as runc runs them (both in the runtime's namespaces); one that
 * fails fails the create, which then leaves nothing behind.
 */
static int create_hooks(const struct kiste_oci_state *s, const struct kiste_oci_config *c,
			struct kiste_err *err)
{
	static const enum kiste_oci_hook_kind kinds[] = { KISTE_OCI_HOOK_PRESTART,
							  KISTE_OCI_HOOK_CREATE_RUNTIME };
	char *state = NULL;
	size_t k;
	int ret = 0;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && ret == 0; k++) {
		if (!c->nhooks[kinds[k]])
			continue;
		if (!state)
			state = kiste_oci_hook_state(s, "creating", s->pid);
		ret = state ? kiste_oci_hooks_run(kinds[k], c->hooks[kinds[k]], c->nhooks[kinds[k]],
						  s->bundle, state, err) :
			      kiste_err_set(err, -ENOMEM, "out of memory");
	}
	free(state);
	return ret;
}

/*
 * The container's name in kiste.ko's registry: its id, which runc's rule
 * (oci_common.c) keeps to the characters of KISTE_NAME_RULE, unless that is
 * longer, all digits (a sandbox id to every command) or sb-N (the module's
 * own unnamed ones): NULL, an unnamed sandbox, then.
 */
const char *oci_sandbox_name(const char *id)
{
	if (!kiste_name_valid(id) || strspn(id, "0123456789") == strlen(id) ||
	    (!strncmp(id, "sb-", 3) && strspn(id + 3, "0123456789") == strlen(id + 3)))
		return NULL;
	return id;
}

/* Everything after the folder exists: the fifo, the mode's create, the state, the pid file. */
static int launch(const struct cli_global *g, const struct oci_create_opts *o,
		  const struct kiste_oci_config *c, struct kiste_oci_spec *sp, const char *bundle,
		  struct kiste_oci_state *s, struct kiste_err *err)
{
	struct kiste_oci_launch ol = { .hostname = sp->hostname, .env_exact = true,
				       .sysctl = sp->sysctl, .nsysctl = sp->nsysctl,
				       .uid_map = sp->uid_map, .nuid_map = sp->nuid_map,
				       .gid_map = sp->gid_map, .ngid_map = sp->ngid_map,
				       .console_fd = -1, .console_sock = -1,
				       .preserve_fds = o->preserve_fds, .trace_switch_fd = -1,
				       .exec_fd = -1, .creator_pidfd = -1, .commit_fd = -1,
				       .pid1 = c->ns[KISTE_OCI_NS_PID].present &&
					       !c->ns[KISTE_OCI_NS_PID].path };
	char fifo[PATH_MAX + 32], sw[PATH_MAX + 32], cgname[256];
	int ret, lock, commit[2] = { -1, -1 };
	mode_t old_umask;

	snprintf(fifo, sizeof(fifo), "%s/" KISTE_OCI_START_FIFO, s->dir);
	/* The init reads it (O_RDWR: no writer needed to open it, no EOF while it waits). */
	if (mkfifo(fifo, 0600) < 0)
		return kiste_err_set(err, -errno, "cannot make %s: %s", fifo, strerror(errno));
	ol.start_fd = open(fifo, O_RDWR | O_CLOEXEC);
	if (ol.start_fd < 0)
		return kiste_err_set(err, -errno, "cannot open %s: %s", fifo, strerror(errno));
	/* Shim mode's guest kernels read `kiste trace ID on|off`'s switch (ROOT/ID/trace). */
	if (sp->mode->oci_trace) {
		snprintf(sw, sizeof(sw), "%s/" KISTE_OCI_TRACE_FILE, s->dir);
		ret = kiste_trace_switch_create(sw, true, &lock, &ol.trace_switch_fd, err);
		if (ret < 0) {
			close(ol.start_fd);
			return ret;
		}
		close(lock);
	}
	/* `kiste exec`'s requests, served by the container's init (vm mode: its VMM). */
	if (sp->mode->oci_exec) {
		ol.exec_fd = kiste_oci_exec_socket(s->dir, true, err);
		if (ol.exec_fd < 0) {
			close(ol.start_fd);
			if (ol.trace_switch_fd >= 0)
				close(ol.trace_switch_fd);
			return ol.exec_fd;
		}
	}
	snprintf(cgname, sizeof(cgname), "%.200s", o->id);
	ol.cgroup_name = cgname;
	ol.sandbox_name = oci_sandbox_name(o->id);
	fflush(NULL);
	/* Shim mode's init makes the terminal inside the container, as runc does. */
	ret = 0;
	if (o->console_socket && sp->mode->oci_console == KISTE_OCI_CONSOLE_INSIDE) {
		ol.console_sock = kiste_console_connect(o->console_socket, err);
		ret = ol.console_sock < 0 ? ol.console_sock : 0;
		ol.console_rows = c->process.console_rows;
		ol.console_cols = c->process.console_cols;
	} else if (o->console_socket) {
		ret = oci_console_open(o->console_socket, c,
				       sp->mode->oci_console == KISTE_OCI_CONSOLE_HOST_RAW,
				       &ol.console_fd, err);
	}
	/*
	 * A create killed from here on takes its init with it: the init watches
	 * this process's pidfd until the commit byte below (kiste_oci_wait_start).
	 */
	if (ret == 0) {
		ol.creator_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (ol.creator_pidfd < 0 || pipe2(commit, O_CLOEXEC | O_NONBLOCK) < 0)
			ret = kiste_err_set(err, -errno, "cannot watch create for its init: %s",
					    strerror(errno));
		ol.commit_fd = commit[0];
	}
	/* process.umask: the init and the workload inherit it from here. */
	old_umask = c->process.umask >= 0 ? umask((mode_t)c->process.umask) : (mode_t)-1;
	if (ret == 0)
		ret = sp->mode->oci_create(&sp->o, sp->mo, &ol, err);
	if (old_umask != (mode_t)-1)
		umask(old_umask);
	if (ol.creator_pidfd >= 0)
		close(ol.creator_pidfd);
	if (commit[0] >= 0)
		close(commit[0]);
	close(ol.start_fd);
	if (ol.console_fd >= 0)
		close(ol.console_fd);
	if (ol.console_sock >= 0)
		close(ol.console_sock);
	if (ol.trace_switch_fd >= 0)
		close(ol.trace_switch_fd);
	if (ol.exec_fd >= 0)
		close(ol.exec_fd);
	if (ret < 0) {
		if (commit[1] >= 0)
			close(commit[1]);
		return ret;
	}
	/*
	 * No cgroup this caller may write (not root, none delegated): what only a
	 * cgroup enforces is not, and the log says so (shim mode's memory falls
	 * back to RLIMIT_AS; a vm's guest is its size either way).
	 */
	if (!ol.cg.version && (c->resources.memory || c->resources.pids || c->resources.cpus_milli))
		oci_log(g, "warning", "linux.resources: no cgroup this caller may write (not root, "
			"none delegated): its%s%s%s not enforced by a cgroup",
			c->resources.memory ? " memory limit" : "",
			c->resources.pids ? " pids limit" : "",
			c->resources.cpus_milli ? " CPU quota" : "");
	/* The init alone so far: whatever it starts inherits the freezer and cpuacct cgroups. */
	s->cg = ol.cg;
	kiste_oci_cgroup_extra(s, ol.pid, err);
	ret = record(s, c, sp, bundle, &ol, err);
	if (ret == 0)
		ret = kiste_oci_hooks_save(s, c, err);
	if (ret == 0)
		ret = create_hooks(s, c, err);
	if (ret == 0 && o->pid_file)
		ret = oci_write_pid_file(o->pid_file, ol.pid, err);
	/* Complete: the init outlives create from here on. */
	if (ret == 0 && write(commit[1], "c", 1) != 1)
		ret = kiste_err_set(err, -errno, "cannot tell the init create is done: %s",
				    strerror(errno));
	close(commit[1]);
	if (ret < 0) {
		s->pid = ol.pid;
		s->pid_start = kiste_oci_pid_start(ol.pid);
		s->cg = ol.cg;
	}
	(void)g;
	return ret;
}

static int create_container(const struct cli_global *g, const struct oci_create_opts *o,
			    struct kiste_oci_state *s, struct kiste_err *err)
{
	struct kiste_oci_config c;
	struct kiste_oci_spec sp = { .note = note_to_log, .note_ctx = (void *)g };
	char bundle[PATH_MAX];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = kiste_oci_id_check(o->id, err);
	if (ret < 0)
		return ret;
	if (!realpath(o->bundle, bundle))
		return kiste_err_set(err, -errno, "--bundle %s: %s: give the bundle's folder",
				     o->bundle, strerror(errno));
	ret = kiste_oci_config_load(bundle, &c, err);
	if (ret == 0)
		ret = kiste_oci_spec_build(kiste_modes, &c, bundle, g->mode, &sp, err);
	/* runc's rules: a terminal only through the engine's socket, a socket only for one. */
	if (ret == 0 && sp.terminal && !o->console_socket)
		ret = kiste_err_set(err, -EINVAL, "config.json: process.terminal: true needs "
				    "--console-socket: give one, or run without a terminal (no -t)");
	if (ret == 0 && !sp.terminal && o->console_socket)
		ret = kiste_err_set(err, -EINVAL, "--console-socket needs process.terminal: true "
				    "in config.json: leave it out, or ask for a terminal");
	if (ret == 0)
		ret = kiste_oci_state_new(g->root, o->id, s, err);
	if (ret < 0)
		goto out;
	/*
	 * No lock on the folder: mkdir made it ours alone, other verbs see no
	 * state.json until it is complete, and the init would inherit the lock.
	 */
	ret = launch(g, o, &c, &sp, bundle, s, err);
	if (ret < 0) {
		/* Nothing of a failed create stays: its init, its cgroup, its folder. */
		struct kiste_err ignored;

		oci_destroy(g, s, &ignored);
	}
out:
	kiste_oci_spec_free(&sp);
	kiste_oci_config_free(&c);
	return ret;
}

/* kiste run (OCI): waits for the init it made, then deletes the container. */
static int run_wait(const struct cli_global *g, struct kiste_oci_state *s)
{
	struct kiste_err err = { 0 };
	sigset_t set, old;
	int wst = 0;

	kiste_run_block_signals(&set, &old);
	kiste_run_supervise(s->pid, &set, 0, &wst, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (oci_destroy(g, s, &err) < 0)
		fprintf(stderr, "kiste: %s\n", err.msg);
	if (WIFEXITED(wst))
		return WEXITSTATUS(wst);
	return KISTE_EXIT_SIGNAL + WTERMSIG(wst);
}

static int create_main_common(const struct cli_global *g, const struct cli_cmd *cmd, bool run,
			      int argc, char **argv)
{
	struct oci_create_opts o = { .run = run };
	struct kiste_oci_state s;
	struct kiste_err err = { 0 };
	int ret = oci_create_parse(cmd->name, argc, argv, &o, &err);

	if (o.help) {
		fputs(cmd->usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	ret = create_container(g, &o, &s, &err);
	if (ret == 0 && run) {
		ret = oci_start_init(&s, &err);
		if (ret == 0)
			ret = oci_poststart(&s, &err);
		/* run owns the container: one it could not start (or whose poststart failed) goes. */
		if (ret < 0) {
			struct kiste_err ignored = { 0 };

			oci_destroy(g, &s, &ignored);
		}
	}
	if (ret < 0) {
		kiste_oci_state_free(&s);
		return oci_fail(g, &err);
	}
	ret = run && !o.detach ? run_wait(g, &s) : KISTE_EXIT_OK;
	kiste_oci_state_free(&s);
	return ret;
}

static int oci_create_main(const struct cli_global *g, int argc, char **argv)
{
	return create_main_common(g, &cli_cmd_oci_create, false, argc, argv);
}

#define CREATE_OPTS                                                                            \
	"  -b, --bundle DIR        the bundle: config.json and the rootfs (default .)\n"          \
	"      --pid-file FILE     write the container's pid (its init) there\n"                  \
	"      --console-socket SOCKET  with process.terminal: the pty's master goes there\n"   \
	"      --preserve-fds N    descriptors 3..3+N-1 go to the process too (shim mode)\n"   \
	"      --no-pivot, --no-new-keyring   runc's\n"

const struct cli_cmd cli_cmd_oci_create = {
	.name = "create",
	.summary = "create a container from an OCI bundle (runc's create)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] create [--bundle DIR] [--pid-file FILE] ID\n\n"
		 "Create container ID from the bundle: its sandbox is set up and its process\n"
		 "waits for 'kiste start ID'.  The mode is the annotation org.kiste.mode, else\n"
		 "the global --mode, else the line 'mode = MODE' of " KISTE_RUNTIME_CONF ",\n"
		 "else shim.  State goes under --root (default " CLI_OCI_ROOT_DEFAULT ").\n"
		 "(The module registry's create is 'kiste sandbox create'.)\n\n" CREATE_OPTS
		 "  -h, --help              show this help\n",
	.gmain = oci_create_main,
};

/* kiste run: --mode after the verb is kiste's own run; otherwise runc's. */
static int oci_run_main(const struct cli_global *g, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--mode") || !strncmp(argv[i], "--mode=", 7))
			return cli_run_workload_main(argc, argv);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_run_workload_main(argc, argv);
	return create_main_common(g, &cli_cmd_oci_run, true, argc, argv);
}

const struct cli_cmd cli_cmd_oci_run = {
	.name = "run",
	.summary = "run a workload (--mode) or an OCI container (runc's run)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] run [--bundle DIR] [--pid-file FILE] [--detach] ID\n\n"
		 "Create and start container ID from the bundle, wait for it, delete it and\n"
		 "exit with its status (with --detach: return once it runs).\n"
		 "'kiste run --mode=MODE ... -- CMD' is kiste's own run: see 'kiste run --help'.\n\n"
		 CREATE_OPTS
		 "  -d, --detach            do not wait for the container\n"
		 "  -h, --help              show this help\n",
	.gmain = oci_run_main,
};
