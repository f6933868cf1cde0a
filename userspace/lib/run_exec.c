// SPDX-License-Identifier: GPL-2.0
// run_exec.c - `kiste exec NAME` into a running `kiste run --mode=shim|vm --name NAME`: socket, defaults.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiste_exec.h"
#include "kiste_run.h"

/*
 * Beside the run's trace switch (RUNDIR/NAME.trace, whose lock the launcher
 * holds while the sandbox runs), the launcher leaves:
 *   NAME.exec       what an exec'd process gets when no option says otherwise
 *                   (the run's environment, --cwd, --user), the launcher's
 *                   pid and the run's mode, written by the launcher: nothing
 *                   of the sandbox's;
 *   NAME.exec.sock  the listening socket the sandbox's init (vm mode: its
 *                   VMM) serves (the launcher binds and listens, so its peer
 *                   credentials are the launcher's: the caller checks them
 *                   against NAME.exec).
 *   NAME.exec.init  "LAUNCHER INIT": the sandbox's init, once its ids are
 *                   mapped, whose uid_map and gid_map kiste exec reads to
 *                   tell which of its descriptors 0-2 to relay (shim/relay.c).
 * The folder is the caller's own, mode 0700: no one else reaches either.
 */
#define DEFAULTS_MAGIC "kiste-run-exec-1"

/*
 * The mode is the numbers line's last word: absent (a record of a kiste
 * before vm mode's exec) it is shim, and such a kiste reads a newer record
 * still (it stops at the fourth number).  The strings, for d->mode.
 */
static const char *const exec_modes[] = { "shim", "vm" };

static const char *exec_mode(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(exec_modes) / sizeof(exec_modes[0]); i++)
		if (!strcmp(s, exec_modes[i]))
			return exec_modes[i];
	return NULL;
}

/* The run folder, checked: a folder of the caller's that no one else may enter. */
static int run_dir_open(char *dir, size_t n, struct kiste_err *err)
{
	struct stat st;
	int dfd;

	if (kiste_trace_run_dir(dir, n) < 0)
		return -ENOENT;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? -ENOENT : kiste_err_set(err, -errno, "cannot open %s: %s",
								 dir, strerror(errno));
	if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(dfd);
		return kiste_err_set(err, -EPERM, "%s is not a folder of yours that only you can "
				     "enter (mode 0700): remove it (kiste makes it again)", dir);
	}
	return dfd;
}

static int sock_addr(struct sockaddr_un *a, int dfd, const char *name)
{
	/* KISTE_RUN_NAME_MAX is what fits with any descriptor number */
	_Static_assert(sizeof("/proc/self/fd/2147483647/.exec.sock") + KISTE_RUN_NAME_MAX <=
		       sizeof(a->sun_path), "KISTE_RUN_NAME_MAX");
	int r = snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s.exec.sock", dfd,
			 name);

	a->sun_family = AF_UNIX;
	return r < 0 || (size_t)r >= sizeof(a->sun_path) ? -ENAMETOOLONG : 0;
}

static int put(char *buf, size_t *len, size_t max, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > max)
		return -E2BIG;
	memcpy(buf + *len, s, n);
	*len += n;
	return 0;
}

int kiste_run_exec_publish(const char *name, const struct kiste_run_exec_defaults *d,
			   struct kiste_err *err)
{
	char dir[PATH_MAX - 80], tmp[96], fin[96], num[64];
	size_t len = 0, max = KISTE_EXEC_STRINGS_MAX + 256, i;
	char *buf = malloc(max);
	struct sockaddr_un a;
	struct stat st;
	int dfd, fd, s, r = 0;

	if (!buf)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	dfd = run_dir_open(dir, sizeof(dir), err);
	if (dfd < 0) {
		free(buf);
		return dfd == -ENOENT ? kiste_err_set(err, -ENOENT, "no run folder for kiste exec "
						      "(XDG_RUNTIME_DIR)") : dfd;
	}
	if (!exec_mode(d->mode ? d->mode : "shim")) {
		free(buf);
		close(dfd);
		return kiste_err_set(err, -EINVAL, "kiste exec serves no %s-mode runs", d->mode);
	}
	r = put(buf, &len, max, DEFAULTS_MAGIC);
	snprintf(num, sizeof(num), "%d %d %u %u %s", (int)getpid(), d->user_set, d->uid, d->gid,
		 d->mode ? d->mode : "shim");
	if (r == 0)
		r = put(buf, &len, max, num);
	if (r == 0)
		r = put(buf, &len, max, d->cwd ? d->cwd : "/");
	for (i = 0; r == 0 && i < d->nenv; i++)
		r = put(buf, &len, max, d->env[i]);
	if (r < 0) {
		free(buf);
		close(dfd);
		return kiste_err_set(err, r, "the run's environment is over %d bytes: shorten it",
				     KISTE_EXEC_STRINGS_MAX);
	}
	/* A stale one (its launcher killed) is replaced whole: a reader sees one or the other. */
	snprintf(tmp, sizeof(tmp), "%s.exec.new", name);
	snprintf(fin, sizeof(fin), "%s.exec", name);
	errno = 0;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    write(fd, buf, len) != (ssize_t)len || renameat(dfd, tmp, dfd, fin) < 0)
		r = kiste_err_set(err, -(errno ? errno : EIO), "cannot write %s/%s: %s", dir, fin,
				  strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	free(buf);
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return r;
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || sock_addr(&a, dfd, name) < 0 ||
	    (unlink(a.sun_path) < 0 && errno != ENOENT) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		r = kiste_err_set(err, -errno, "cannot listen on %s/%s.exec.sock: %s", dir, name,
				  strerror(errno));
		if (s >= 0)
			close(s);
		unlinkat(dfd, fin, 0);
		close(dfd);
		return r;
	}
	close(dfd);
	return s;
}

void kiste_run_exec_publish_init(const char *name, pid_t init)
{
	char dir[PATH_MAX - 80], tmp[96], fin[96], num[64];
	struct kiste_err err = { 0 };
	int dfd = run_dir_open(dir, sizeof(dir), &err), fd, n, ok;

	if (dfd < 0)
		return;
	/* Without it kiste exec relays every candidate: the safe side, so errors are quiet. */
	snprintf(tmp, sizeof(tmp), "%s.exec.init.new", name);
	snprintf(fin, sizeof(fin), "%s.exec.init", name);
	n = snprintf(num, sizeof(num), "%d %d\n", (int)getpid(), (int)init);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, num, (size_t)n) == n;
	if (fd >= 0)
		close(fd);
	if (!ok || renameat(dfd, tmp, dfd, fin) < 0)
		unlinkat(dfd, tmp, 0);
	close(dfd);
}

/* The start of the small file @path beneath @dfd into @buf, NUL-terminated: 0, or -1. */
static int read_small(int dfd, const char *path, char *buf, size_t n)
{
	int fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = 0;
	return 0;
}

/*
 * The init NAME.exec.init names, when @launcher wrote it and that process is
 * @launcher's child still (no pid used again since); else -1.
 */
static pid_t read_init(int dfd, const char *name, pid_t launcher)
{
	char path[96], buf[512], *p;
	int l, i, pp;

	snprintf(path, sizeof(path), "%s.exec.init", name);
	if (read_small(dfd, path, buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "%d %d", &l, &i) != 2 || l != launcher || i <= 0)
		return -1;
	/* /proc/INIT/stat: "pid (comm) state ppid ...", comm may hold anything but the last ')'. */
	snprintf(path, sizeof(path), "/proc/%d/stat", i);
	if (read_small(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &pp) != 1 || pp != launcher)
		return -1;
	return i;
}

/* The launcher's end: the socket and the defaults go, before the name's lock is let go. */
void kiste_run_exec_unpublish(const char *name)
{
	char dir[PATH_MAX - 80], path[PATH_MAX];
	struct kiste_err err = { 0 };
	int dfd = run_dir_open(dir, sizeof(dir), &err);

	if (dfd < 0)
		return;
	snprintf(path, sizeof(path), "%s.exec.init", name);
	unlinkat(dfd, path, 0);
	snprintf(path, sizeof(path), "%s.exec.sock", name);
	unlinkat(dfd, path, 0);
	snprintf(path, sizeof(path), "%s.exec", name);
	unlinkat(dfd, path, 0);
	close(dfd);
}

void kiste_run_name_watch(const char *name, const char *lock_path, int lock)
{
	if (!kiste_watch_exit("kiste-name", &lock))
		return;
	kiste_run_exec_unpublish(name);
	unlink(lock_path);
	_exit(0);
}

static int read_defaults(int dfd, const char *dir, const char *name,
			 struct kiste_run_exec_defaults *d, pid_t *launcher, struct kiste_err *err)
{
	char path[96], *p, *end;
	struct stat st;
	size_t n = 0, cap;
	int fd, user_set, pid, k = 0;
	ssize_t got;

	snprintf(path, sizeof(path), "%s.exec", name);
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size > KISTE_EXEC_STRINGS_MAX + 256) {
		close(fd);
		return kiste_err_set(err, -EPERM, "%s/%s is not a file kiste made for you", dir,
				     path);
	}
	cap = (size_t)st.st_size + 1;
	d->buf = malloc(cap);
	if (!d->buf) {
		close(fd);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	while (n < cap - 1 && (got = read(fd, d->buf + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	d->buf[n] = 0;
	end = d->buf + n;
	/* magic, numbers (and the mode), cwd, then each K=V: every field NUL-ended */
	if (n == 0 || end[-1] || strcmp(d->buf, DEFAULTS_MAGIC))
		goto bad;
	p = d->buf + strlen(d->buf) + 1;
	if (p >= end || sscanf(p, "%d %d %u %u%n", &pid, &user_set, &d->uid, &d->gid, &k) != 4 ||
	    pid <= 0)
		goto bad;
	d->mode = !p[k] ? "shim" : p[k] == ' ' ? exec_mode(p + k + 1) : NULL;
	if (!d->mode)
		goto bad;
	*launcher = pid;
	d->user_set = user_set != 0;
	p += strlen(p) + 1;
	if (p >= end || p[0] != '/')
		goto bad;
	d->cwd = p;
	p += strlen(p) + 1;
	d->env = calloc((size_t)(end - p) + 1, sizeof(char *));
	if (!d->env)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	for (d->nenv = 0; p < end; p += strlen(p) + 1)
		d->env[d->nenv++] = p;
	return 0;
bad:
	return kiste_err_set(err, -EINVAL, "%s/%s is not one this kiste reads: the run was "
			     "started by another version", dir, path);
}

void kiste_run_exec_defaults_free(struct kiste_run_exec_defaults *d)
{
	free(d->buf);
	free(d->env);
	memset(d, 0, sizeof(*d));
}

const char *kiste_run_exec_mode(const char *name)
{
	struct kiste_run_exec_defaults d = { 0 };
	struct kiste_err err = { 0 };
	char dir[PATH_MAX - 80];
	const char *mode = NULL;
	pid_t launcher;
	int dfd;

	if (kiste_run_name_check(name, NULL) < 0)
		return NULL;
	dfd = run_dir_open(dir, sizeof(dir), &err);
	if (dfd < 0)
		return NULL;
	if (read_defaults(dfd, dir, name, &d, &launcher, &err) == 0)
		mode = d.mode;	/* a string of exec_modes, or a literal: outlives d */
	kiste_run_exec_defaults_free(&d);
	close(dfd);
	return mode;
}

int kiste_run_exec_connect(const char *name, struct kiste_run_exec_defaults *d,
			   struct kiste_err *err)
{
	char dir[PATH_MAX - 80], path[96];
	struct sockaddr_un a;
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	pid_t launcher = 0;
	int dfd, fd, s, r;

	memset(d, 0, sizeof(*d));
	if (kiste_run_name_check(name, NULL) < 0)
		return -ENOENT;
	dfd = run_dir_open(dir, sizeof(dir), err);
	if (dfd < 0)
		return dfd;
	/* A switch nobody holds is a stale one: its sandbox is gone (kiste trace's rule). */
	snprintf(path, sizeof(path), "%s.trace", name);
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
		if (fd >= 0)
			close(fd);
		close(dfd);
		return -ENOENT;
	}
	close(fd);
	r = read_defaults(dfd, dir, name, d, &launcher, err);
	if (r == -ENOENT && !err->code)
		r = kiste_err_set(err, -EOPNOTSUPP, "the run %s takes no exec requests: kiste "
				  "exec reaches vm-mode runs and shim-mode runs started with "
				  "namespaces (not --unsafe-no-namespaces), not an older "
				  "kiste's", name);
	s = r < 0 ? -1 : socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (r == 0 && (s < 0 || sock_addr(&a, dfd, name) < 0 ||
		       connect(s, (struct sockaddr *)&a, sizeof(a)) < 0))
		r = kiste_err_set(err, -errno, "cannot reach the run %s (%s/%s.exec.sock: %s): it "
				  "is ending", name, dir, name, strerror(errno));
	/*
	 * The listener is the launcher that wrote the defaults (it listened
	 * before its sandbox began), and the caller's: never a later run's
	 * socket read with an earlier one's defaults, nor anyone else's.
	 */
	if (r == 0 && (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
		       cr.uid != geteuid() || cr.pid != launcher))
		r = kiste_err_set(err, -ESTALE, "the run %s changed while kiste exec looked at it: "
				  "try again", name);
	if (r == 0)
		d->init = read_init(dfd, name, launcher);
	close(dfd);
	if (r < 0) {
		if (s >= 0)
			close(s);
		kiste_run_exec_defaults_free(d);
		return r;
	}
	return s;
}
