// SPDX-License-Identifier: GPL-2.0
// hooks.c - config.json's hooks run as runc runs them: state on stdin, in the bundle, timeout kept.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kiste_oci.h"

extern char **environ;

/* What of a failing hook's stdout and stderr goes into the one error line. */
#define HOOK_OUT_KEEP 256
/* hooks.json is ours: 64 hooks of each kind with their args fit many times over. */
#define HOOKS_FILE_MAX (1u << 20)

char *kiste_oci_hook_state(const struct kiste_oci_state *s, const char *status, pid_t pid)
{
	json_object *o = json_object_new_object(), *a;
	char *text;
	size_t i;

	if (!o)
		return NULL;
	/* runc's specs.State: pid and annotations only when there are some. */
	json_object_object_add(o, "ociVersion", json_object_new_string(s->oci_version));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "status", json_object_new_string(status));
	if (pid > 0)
		json_object_object_add(o, "pid", json_object_new_int64(pid));
	json_object_object_add(o, "bundle", json_object_new_string(s->bundle));
	if (s->nannotations) {
		a = json_object_new_object();
		for (i = 0; a && i < s->nannotations; i++)
			json_object_object_add(a, s->annotations[i].key,
					       json_object_new_string(s->annotations[i].value));
		json_object_object_add(o, "annotations", a);
	}
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* The hook's own process: stdin, stdout, stderr from the pipes, nothing else of ours. */
static __attribute__((noreturn)) void hook_child(const struct kiste_oci_hook *h, const char *bundle,
						 int in, int out, int errfd)
{
	char *argv1[2] = { h->path, NULL };
	sigset_t none;
	int sig;

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	syscall(SYS_close_range, 3, ~0U, 0);
	/* The launcher ignores SIGPIPE and may block signals: a hook starts with neither. */
	for (sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (bundle && chdir(bundle) < 0) {
		fprintf(stderr, "kiste: cannot enter the bundle %s: %s", bundle, strerror(errno));
		_exit(127);
	}
	execve(h->path, h->args.n ? h->args.v : argv1, h->env.n ? h->env.v : environ);
	fprintf(stderr, "kiste: cannot execute %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Up to HOOK_OUT_KEEP bytes of what a pipe holds now; the rest is read and dropped. */
static void drain(int fd, char *keep, size_t *len)
{
	char buf[4096];
	ssize_t n;
	size_t k;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		k = (size_t)n < HOOK_OUT_KEEP - *len ? (size_t)n : HOOK_OUT_KEEP - *len;
		memcpy(keep + *len, buf, k);
		*len += k;
	}
}

/* One line: newlines as "\n", as runc's log shows them, and nothing unprintable. */
static void one_line(char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 3 < outlen; i++) {
		if (s[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
		}
	}
	out[o] = 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hook_io {
	int in, out, err;	/* our ends: stdin to write, stdout and stderr to read */
	char obuf[HOOK_OUT_KEEP], ebuf[HOOK_OUT_KEEP];
	size_t olen, elen;
};

/* Feeds @state and collects output until the hook exits or its time is up (-ETIMEDOUT). */
static int hook_wait(pid_t pid, struct hook_io *io, const char *state, int timeout_s, int *wst)
{
	long long deadline = timeout_s ? now_ms() + timeout_s * 1000LL : 0;
	size_t off = 0, len = strlen(state);
	struct pollfd p[3];
	ssize_t n;

	for (;;) {
		if (waitpid(pid, wst, WNOHANG) == pid)
			break;
		if (deadline && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, wst, 0);
			return -ETIMEDOUT;
		}
		p[0] = (struct pollfd){ .fd = io->in, .events = POLLOUT };
		p[1] = (struct pollfd){ .fd = io->out, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = io->err, .events = POLLIN };
		poll(p, 3, 20);
		if (io->in >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(io->in, state + off, len - off);
			if (n > 0)
				off += (size_t)n;
			/* All of it, or the hook closed its stdin: it gets EOF either way. */
			if (off == len || (n < 0 && errno != EAGAIN)) {
				close(io->in);
				io->in = -1;
			}
		}
		drain(io->out, io->obuf, &io->olen);
		drain(io->err, io->ebuf, &io->elen);
	}
	drain(io->out, io->obuf, &io->olen);
	drain(io->err, io->ebuf, &io->elen);
	return 0;
}

static int run_one(enum kiste_oci_hook_kind kind, size_t idx, const struct kiste_oci_hook *h,
		   const char *bundle, const char *state, struct kiste_err *err)
{
	struct hook_io io = { .in = -1, .out = -1, .err = -1 };
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, wst = 0, ret;
	char o[HOOK_OUT_KEEP * 2 + 4], e[HOOK_OUT_KEEP * 2 + 4];
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(perr, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = kiste_err_set(err, -errno, "cannot run the %s hook: pipe: %s",
				    kiste_oci_hook_names[kind], strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		hook_child(h, bundle, pin[0], pout[1], perr[1]);
	if (pid < 0) {
		ret = kiste_err_set(err, -errno, "cannot run the %s hook: fork: %s",
				    kiste_oci_hook_names[kind], strerror(errno));
		goto out;
	}
	io.in = pin[1];
	io.out = pout[0];
	io.err = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
	fcntl(io.in, F_SETFL, O_NONBLOCK);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	ret = hook_wait(pid, &io, state, h->timeout_s, &wst);
	one_line(io.obuf, io.olen, o, sizeof(o));
	one_line(io.ebuf, io.elen, e, sizeof(e));
	if (ret == -ETIMEDOUT)
		ret = kiste_err_set(err, ret, "error running %s hook #%zu (%s): it ran past its "
				    "timeout of %d s", kiste_oci_hook_names[kind], idx, h->path,
				    h->timeout_s);
	else if (!WIFEXITED(wst) || WEXITSTATUS(wst))
		ret = kiste_err_set(err, -EIO, "error running %s hook #%zu (%s): %s %d, stdout: %s, "
				    "stderr: %s", kiste_oci_hook_names[kind], idx, h->path,
				    WIFEXITED(wst) ? "exit status" : "killed by signal",
				    WIFEXITED(wst) ? WEXITSTATUS(wst) : WTERMSIG(wst), o, e);
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	if (io.in >= 0)
		close(io.in);
	if (io.out >= 0)
		close(io.out);
	if (io.err >= 0)
		close(io.err);
	return ret;
}

int kiste_oci_hooks_run(enum kiste_oci_hook_kind kind, const struct kiste_oci_hook *h, size_t n,
			const char *bundle, const char *state, struct kiste_err *err)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = run_one(kind, i, &h[i], bundle, state, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static json_object *strv_json(const struct kiste_oci_strv *sv)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a && i < sv->n; i++)
		json_object_array_add(a, json_object_new_string(sv->v[i]));
	return a;
}

int kiste_oci_hooks_save(const struct kiste_oci_state *s, const struct kiste_oci_config *c,
			 struct kiste_err *err)
{
	static const enum kiste_oci_hook_kind later[] = { KISTE_OCI_HOOK_POSTSTART,
							  KISTE_OCI_HOOK_POSTSTOP };
	json_object *root, *hooks, *arr, *h;
	char path[PATH_MAX + 32], tmp[PATH_MAX + 40];
	size_t k, i;
	int ret = 0;

	if (!c->nhooks[KISTE_OCI_HOOK_POSTSTART] && !c->nhooks[KISTE_OCI_HOOK_POSTSTOP])
		return 0;
	root = json_object_new_object();
	hooks = json_object_new_object();
	json_object_object_add(root, "hooks", hooks);
	for (k = 0; k < sizeof(later) / sizeof(later[0]); k++) {
		arr = json_object_new_array();
		for (i = 0; i < c->nhooks[later[k]]; i++) {
			const struct kiste_oci_hook *hk = &c->hooks[later[k]][i];

			h = json_object_new_object();
			json_object_object_add(h, "path", json_object_new_string(hk->path));
			if (hk->args.n)
				json_object_object_add(h, "args", strv_json(&hk->args));
			if (hk->env.n)
				json_object_object_add(h, "env", strv_json(&hk->env));
			if (hk->timeout_s)
				json_object_object_add(h, "timeout", json_object_new_int(hk->timeout_s));
			json_object_array_add(arr, h);
		}
		json_object_object_add(hooks, kiste_oci_hook_names[later[k]], arr);
	}
	snprintf(path, sizeof(path), "%s/" KISTE_OCI_HOOKS_FILE, s->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, path) < 0)
		ret = kiste_err_set(err, -EIO, "cannot write %s: %s", path, strerror(errno));
	json_object_put(root);
	return ret;
}

int kiste_oci_hooks_load(const struct kiste_oci_state *s, struct kiste_oci_config *c,
			 struct kiste_err *err)
{
	char path[PATH_MAX + 32], *buf;
	struct stat st;
	ssize_t n;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/" KISTE_OCI_HOOKS_FILE, s->dir);
	/* Ours: a regular file, no link, no FIFO, of a size kiste writes. */
	fd = kiste_open_regular(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, &st);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || st.st_size > HOOKS_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -EINVAL, "%s is not the hooks file kiste wrote: delete "
				     "--force the container", path);
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return kiste_err_set(err, -EIO, "cannot read %s", path);
	}
	buf[n] = 0;
	ret = kiste_oci_hooks_parse(KISTE_OCI_HOOKS_FILE, buf, (size_t)n, c, err);
	free(buf);
	return ret;
}
