// SPDX-License-Identifier: GPL-2.0
// oci_common.c - the OCI verbs' shared steps: the --log, failures, signalling, teardown, start.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oci.h"

void oci_vlog(const struct cli_global *g, const char *level, const char *fmt, va_list ap)
{
	char msg[1024], when[64];
	struct timespec ts;
	struct tm tm;
	json_object *o;
	FILE *f;

	if (!g->log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	f = fopen(g->log, "ae");
	if (!f)
		return;
	if (g->log_json) {
		o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string(level));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(when));
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	fclose(f);
}

void oci_log(const struct cli_global *g, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oci_vlog(g, level, fmt, ap);
	va_end(ap);
}

int oci_fail(const struct cli_global *g, const struct kiste_err *err)
{
	fprintf(stderr, "kiste: %s\n", err->msg);
	oci_log(g, "error", "%s", err->msg);
	return KISTE_EXIT_FAIL;
}

int oci_usage_fail(const struct cli_global *g, const struct kiste_err *err)
{
	fprintf(stderr, "%s\n", err->msg);
	oci_log(g, "error", "%s", err->msg);
	return KISTE_EXIT_USAGE;
}

int oci_load(const struct cli_global *g, const char *id, struct kiste_oci_state *s,
	     struct kiste_err *err)
{
	return kiste_oci_state_load(g->root, id, s, err);
}

static int pidfd_signal(int fd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Members signalled per round: their pidfds stay well inside any descriptor limit. */
#define SIGNAL_BATCH 128

/*
 * One round of signal_all: pidfds of @pids (@n of them, at most SIGNAL_BATCH)
 * opened, the members listed again, each one listed again signalled through its
 * pidfd; the count in *@sent.  The init (@init) must live after the listing:
 * without a cgroup, membership is descent from it.  Returns 0, 1 when the init
 * has ended (no more rounds), or -errno.
 */
static int signal_batch(const struct kiste_oci_state *s, int init, const pid_t *pids, size_t n,
			int sig, int *sent)
{
	int fds[SIGNAL_BATCH], ret = 0;
	pid_t *again = NULL;
	size_t m = 0, i;

	kiste_test_phase("oci-signal-listed");
	for (i = 0; i < n; i++) {
		fds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (fds[i] < 0 && errno != ESRCH)
			ret = -errno;	/* a member left unsignalled is no success */
	}
	if (ret == 0 && kiste_oci_pids(s, &again, &m, NULL) < 0)
		ret = -EIO;
	kiste_test_phase("oci-signal-relisted");
	/* The init ended (a KILL of an earlier round, say): its namespace's members go with it. */
	if (ret == 0 && pidfd_signal(init, 0) < 0)
		ret = 1;
	for (i = 0; ret == 0 && i < n; i++)
		if (fds[i] >= 0 && bsearch(&pids[i], again, m, sizeof(*again), cmp_pid) &&
		    pidfd_signal(fds[i], sig) == 0)
			++*sent;
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(again);
	return ret;
}

/*
 * Every process of the container (its cgroup's, or its pid namespace's
 * without one), each signalled through a pidfd opened before the members are
 * listed a second time: a pid listed again is a member's, so the descriptor
 * opened on it is that member (or it has ended since, and the signal finds
 * nobody), never a process that took the pid of one that ended.  The init is
 * held the same way (kiste_oci_init_pidfd).  In rounds of SIGNAL_BATCH, so
 * that a container of many processes never runs kiste out of descriptors.
 */
static int signal_all(const struct kiste_oci_state *s, int sig)
{
	pid_t *pids = NULL;
	size_t n = 0, at;
	int init, sent = 0, ret = 0;

	init = kiste_oci_init_pidfd(s);
	if (init < 0)
		return init;
	if (kiste_oci_pids(s, &pids, &n, NULL) < 0)
		ret = -EIO;
	for (at = 0; ret == 0 && at < n; at += SIGNAL_BATCH)
		ret = signal_batch(s, init, pids + at, n - at < SIGNAL_BATCH ? n - at : SIGNAL_BATCH,
				   sig, &sent);
	free(pids);
	close(init);
	return ret < 0 ? ret : sent ? 0 : -ESRCH;
}

int oci_signal(const struct kiste_oci_state *s, int sig, bool all, struct kiste_err *err)
{
	int ret, fd;

	kiste_test_phase("oci-signal");
	if (all) {
		ret = signal_all(s, sig);
	} else {
		fd = kiste_oci_init_pidfd(s);
		ret = fd < 0 ? fd : pidfd_signal(fd, sig) < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
	}
	if (ret == -ESRCH)
		return kiste_err_set(err, ret, "container %s is not running", s->id);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot signal container %s: %s", s->id,
				     strerror(-ret));
	return 0;
}

/* poststop: after the container is gone, before its state is; a failure is only logged (runc). */
static void poststop(const struct cli_global *g, const struct kiste_oci_state *s)
{
	struct kiste_oci_config hooks;
	struct kiste_err err = { 0 };
	char *state = NULL;
	int ret = kiste_oci_hooks_load(s, &hooks, &err);

	if (ret == 0 && hooks.nhooks[KISTE_OCI_HOOK_POSTSTOP]) {
		state = kiste_oci_hook_state(s, "stopped", 0);
		ret = state ? kiste_oci_hooks_run(KISTE_OCI_HOOK_POSTSTOP,
						  hooks.hooks[KISTE_OCI_HOOK_POSTSTOP],
						  hooks.nhooks[KISTE_OCI_HOOK_POSTSTOP], NULL, state,
						  &err) :
			      kiste_err_set(&err, -ENOMEM, "out of memory");
	}
	if (ret < 0) {
		fprintf(stderr, "kiste: warning: %s\n", err.msg);
		if (g)
			oci_log(g, "warning", "%s", err.msg);
	}
	free(state);
	kiste_oci_config_free(&hooks);
}

int oci_poststart(const struct kiste_oci_state *s, struct kiste_err *err)
{
	struct kiste_oci_config hooks;
	char *state;
	int fd, ret = kiste_oci_hooks_load(s, &hooks, err);

	if (ret == 0 && hooks.nhooks[KISTE_OCI_HOOK_POSTSTART]) {
		state = kiste_oci_hook_state(s, "running", s->pid);
		ret = state ? kiste_oci_hooks_run(KISTE_OCI_HOOK_POSTSTART,
						  hooks.hooks[KISTE_OCI_HOOK_POSTSTART],
						  hooks.nhooks[KISTE_OCI_HOOK_POSTSTART], s->bundle,
						  state, err) :
			      kiste_err_set(err, -ENOMEM, "out of memory");
		free(state);
		/* As runc: a container whose poststart failed does not go on running. */
		fd = ret < 0 ? kiste_oci_init_pidfd(s) : -1;
		if (fd >= 0) {
			pidfd_signal(fd, SIGKILL);
			close(fd);
		}
	}
	kiste_oci_config_free(&hooks);
	return ret;
}

int oci_destroy(const struct cli_global *g, struct kiste_oci_state *s, struct kiste_err *err)
{
	struct pollfd p = { .fd = kiste_oci_init_pidfd(s), .events = POLLIN };
	int r = 0;

	if (p.fd < 0 && p.fd != -ESRCH)
		return kiste_err_set(err, p.fd, "cannot end container %s: its init %d: %s", s->id,
				     (int)s->pid, strerror(-p.fd));
	if (p.fd >= 0) {
		/* The init is pid 1 of the container: its death takes every other process. */
		pidfd_signal(p.fd, SIGKILL);
		/* A frozen (paused) task dies only once thawed. */
		if (kiste_oci_frozen(s))
			kiste_oci_freeze(s, false, err);
		/* Readable once the init has ended (a zombie is no running container). */
		while ((r = poll(&p, 1, 5000)) < 0 && errno == EINTR)
			;
		close(p.fd);
		if (r <= 0)
			return kiste_err_set(err, -EBUSY, "container %s: its init %d did not die "
					     "within 5 s of SIGKILL: try again", s->id, (int)s->pid);
	}
	kiste_cgroup_destroy(&s->cg);
	kiste_oci_cgroup_extra_remove(s);
	poststop(g, s);
	return kiste_oci_state_remove(s, err);
}

int oci_start_init(const struct kiste_oci_state *s, struct kiste_err *err)
{
	char fifo[PATH_MAX + 32];
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/" KISTE_OCI_START_FIFO, s->dir);
	/* Non-blocking: with no reader (the init died) this fails at once with ENXIO. */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot start a container that has stopped");
	if (write(fd, "s", 1) != 1) {
		close(fd);
		return kiste_err_set(err, -EIO, "cannot start container %s: %s", s->id,
				     strerror(errno));
	}
	close(fd);
	/* Gone means started: state reads "running" from here on, and start again refuses. */
	unlink(fifo);
	return 0;
}

int oci_id_parse(const char *verb, int argc, char **argv, const char **id, bool *help,
		 struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*help = false;
	*id = NULL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (c != 'h')
			return cli_getopt_error(verb, c, argv, err);
		*help = true;
		return 0;
	}
	if (optind >= argc)
		return cli_usage_err(err, verb, "missing container ID: see 'kiste %s --help'", verb);
	*id = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, verb, "unexpected argument '%s': see 'kiste %s --help'",
				     argv[optind], verb);
	return 0;
}

int oci_write_pid_file(const char *path, pid_t pid, struct kiste_err *err)
{
	char tmp[PATH_MAX], buf[16];
	int fd, n;

	if (snprintf(tmp, sizeof(tmp), "%s.kiste-tmp", path) >= (int)sizeof(tmp))
		return kiste_err_set(err, -ENAMETOOLONG, "--pid-file %s: too long a path", path);
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	/* A fresh file: a link planted at the temporary name is not followed. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0 || rename(tmp, path) < 0)
		return kiste_err_set(err, -errno, "cannot write --pid-file %s: %s", path,
				     strerror(errno));
	return 0;
}
