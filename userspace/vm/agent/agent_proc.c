// SPDX-License-Identifier: GPL-2.0
// agent_proc.c - the agent's processes: environment, stdio (pipes or a pty), fork and exec with a report.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiste_tty_eof.h"
#include "agent.h"

#define DEFAULT_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define ENV_DEFAULTS 2	/* PATH and HOME, first in envp */

/*
 * An env= entry for PATH or HOME replaces the default in place: the first of
 * two entries is what getenv and execvp see, so the default won before.
 */
static bool env_default(struct agent_spec *s, const char *kv)
{
	size_t k = strcspn(kv, "=");
	int j;

	for (j = 0; j < ENV_DEFAULTS && j < s->envc; j++)
		if (!strncmp(s->envp[j], kv, k) && s->envp[j][k] == '=') {
			s->envp[j] = (char *)kv;
			return true;
		}
	return false;
}

void agent_env_defaults(struct agent_spec *s)
{
	s->envc = 0;
	s->envp[s->envc++] = DEFAULT_PATH;
	s->envp[s->envc++] = "HOME=/root";
	s->envp[s->envc] = NULL;
}

int agent_env_add(struct agent_spec *s, const char *kv)
{
	if (env_default(s, kv))
		return 0;
	if (s->envc == AGENT_ARGS_MAX)
		return -E2BIG;
	s->envp[s->envc++] = (char *)kv;
	s->envp[s->envc] = NULL;
	return 0;
}

int agent_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return r;
}


/*
 * pid1=1: the workload, pid 1 of its pid namespace, takes a mount namespace of
 * its own with a /proc of that namespace (a root without /proc goes without);
 * a process kiste exec starts (born in the namespace, not its pid 1) joins it.
 */
static int pid1_mounts(const struct agent_spec *s)
{
	char p[64];
	int fd, r;

	if (getpid() == 1) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return -1;
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    errno != ENOENT)
			return -1;
		return 0;
	}
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)s->pid1_pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNS);
	close(fd);
	return r;
}

/* Child side: identity, cwd, stdio, exec.  Failures go up @report as (stage, errno). */
static void __attribute__((noreturn)) child_exec(struct agent_spec *s, int fds[3], int report)
{
	int r[2] = { 0, 0 };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A writer into a closed pipe is ended by it, as anywhere (PID 1 is spared it). */
	signal(SIGPIPE, SIG_DFL);
	/*
	 * PID 1's channel ports are its own: fork shares the I/O bitmap, and a
	 * process started after PID 1 took them (kiste exec's) could end the VM
	 * with a status of its choosing.  Giving them up needs no privilege.
	 */
	ioperm(KISTE_CHAN_PORT_EXIT, KISTE_CHAN_PORTS, 0);
	setsid();
	if (s->pids)
		agent_write_file(WORKLOAD_CG "/cgroup.procs", "0");
	if (s->pid1 && pid1_mounts(s) < 0)
		r[0] = 6;
	/* tty=1: 0-2 are the pty's slave, which the new session takes as its terminal. */
	else if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0 ||
		 (s->tty && ioctl(0, TIOCSCTTY, 0) < 0))
		r[0] = 1;
	else if (chdir(s->cwd) < 0)
		r[0] = 2;
	else if (setgroups(0, NULL) < 0 || setgid(s->gid) < 0 || setuid(s->uid) < 0)
		r[0] = 3;
	else {
		environ = s->envp;
		/* The packed program by the path it was packed at, as its caller named it. */
		if (s->exe)
			execv(s->exe, s->argv);
		else
			execvp(s->argv[0], s->argv);
		r[0] = 4;
	}
	r[1] = errno;
	if (write(report, r, sizeof(r)) < 0)
		_exit(KISTE_EXIT_REFUSED);
	_exit(KISTE_EXIT_REFUSED);
}

const char *agent_spawn_stage(int stage)
{
	static const char *const what[] = { "", "set up stdio", "change to the directory",
					    "set the identity", "execute", "start",
					    "enter the container's namespaces for" };

	return what[stage >= 1 && stage <= 6 ? stage : 4];
}

pid_t agent_spawn(struct agent_spec *s, int fds[3], int r[2])
{
	int rep[2];
	pid_t pid;

	r[0] = 5;	/* until the child reports */
	r[1] = EAGAIN;
	if (pipe2(rep, O_CLOEXEC) < 0) {
		r[1] = errno;
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child_exec(s, fds, rep[1]);
	r[1] = errno;
	close(rep[1]);
	if (pid < 0) {
		close(rep[0]);
		return -1;
	}
	if (read(rep[0], r, 2 * sizeof(int)) != 2 * sizeof(int)) {
		close(rep[0]);
		return pid;
	}
	close(rep[0]);
	waitpid(pid, NULL, 0);
	return -1;
}

int agent_pty_open(uid_t uid, int io[3], int fds[3])
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), unlock = 0, sl = -1, e;

	if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0 ||
	    (sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    (io[0] = fcntl(m, F_DUPFD_CLOEXEC, 3)) < 0) {
		e = -errno;
		if (m >= 0)
			close(m);
		if (sl >= 0)
			close(sl);
		return e;
	}
	e = fchown(sl, uid, -1) < 0 ? errno : 0;
	io[1] = m;
	io[2] = -1;
	fds[0] = fds[1] = fds[2] = sl;
	return e;
}

int agent_pty_eof(int master, int last, int *done)
{
	char seq[2];
	int n = kiste_tty_eof(master, last, seq);
	ssize_t w;

	while (*done < n) {
		w = write(master, seq + *done, (size_t)(n - *done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return -EAGAIN;
		if (w <= 0)
			break;	/* the terminal is gone: nothing more to tell */
		*done += (int)w;
	}
	return 0;
}

int agent_pipes_open(int io[3], int fds[3])
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, e, i;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		e = -errno;
		for (i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
		}
		return e;
	}
	/* Bigger output pipes mean fewer, larger channel flushes (VM exits). */
	fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
	io[0] = in[1];
	io[1] = out[0];
	io[2] = err[0];
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = err[1];
	return 0;
}

void agent_pty_winsize(uint32_t w, uint32_t *last, int master)
{
	struct winsize ws = { 0 };

	if (w == *last || !kiste_chan_winsz_valid(w))
		return;
	*last = w;
	ws.ws_row = KISTE_CHAN_WINSZ_ROWS(w);
	ws.ws_col = KISTE_CHAN_WINSZ_COLS(w);
	ioctl(master, TIOCSWINSZ, &ws);
}
