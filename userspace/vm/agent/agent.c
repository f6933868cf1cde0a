// SPDX-License-Identifier: GPL-2.0
// agent.c - the vm-mode guest's PID 1: sets the guest up, runs the workload, reports, powers off.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define SPEC_PATH	KISTE_VM_SPEC_PATH
/* The host writes the spec; anything bigger than this is not one. */
#define SPEC_MAX	KISTE_VM_SPEC_MAX

static struct agent_chan chan;

void agent_log(struct agent_chan *ch, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "kiste-agent: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0 && !ch)
		return;
	if (ch && ch->hdr)
		agent_chan_write(ch, 1, buf, n);
}

static void setup_mounts(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 01777);
	mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/* The kernel gave us /dev/console as 0-2 if it could; otherwise fill them with /dev/null. */
static void setup_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd < 3)
		;
	if (fd > 2)
		close(fd);
}

static int spec_read(struct agent_spec *s)
{
	static char buf[SPEC_MAX + 1];
	ssize_t n, len = 0;
	char *p;
	int fd = open(SPEC_PATH, O_RDONLY | O_CLOEXEC);

	*s = (struct agent_spec){ .cwd = "/", .hostname = "kiste" };
	if (fd < 0)
		return -errno;
	/* One byte more than the cap: a longer spec is refused, never cut. */
	while (len <= SPEC_MAX && (n = read(fd, buf + len, SPEC_MAX + 1 - len)) > 0)
		len += n;
	close(fd);
	if (len > SPEC_MAX)
		return -E2BIG;
	buf[len] = 0;
	agent_env_defaults(s);
#define KEY(k) (!strncmp(p, k, sizeof(k) - 1) ? p + sizeof(k) - 1 : NULL)
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		const char *v;

		if ((v = KEY(KISTE_VM_SPEC_ARG)) || (v = KEY(KISTE_VM_SPEC_ENV))) {
			/* Over the caps the run is refused: no argument is dropped silently. */
			if (p[0] == 'a' && s->argc < AGENT_ARGS_MAX)
				s->argv[s->argc++] = (char *)v;
			else if (p[0] != 'e' || agent_env_add(s, v) < 0)
				return -E2BIG;
		}
		else if ((v = KEY(KISTE_VM_SPEC_EXE)) && v[0] == '/')
			s->exe = v;
		else if ((v = KEY(KISTE_VM_SPEC_CWD)))
			s->cwd = v;
		else if ((v = KEY(KISTE_VM_SPEC_HOST)))
			s->hostname = v;
		else if ((v = KEY(KISTE_VM_SPEC_UID)))
			s->uid = strtoul(v, NULL, 10);
		else if ((v = KEY(KISTE_VM_SPEC_GID)))
			s->gid = strtoul(v, NULL, 10);
		else if ((v = KEY(KISTE_VM_SPEC_PIDS)))
			s->pids = strtoul(v, NULL, 10);
		else if ((v = KEY(KISTE_VM_SPEC_ROOT)))
			s->root = v;
		else if ((v = KEY(KISTE_VM_SPEC_NET)))
			s->net = v;
		else if ((v = KEY(KISTE_VM_SPEC_MTU)))
			s->mtu = v;
		else if ((v = KEY(KISTE_VM_SPEC_TTY)))
			s->tty = !strcmp(v, "1");
		else if ((v = KEY(KISTE_VM_SPEC_PID1)))
			s->pid1 = !strcmp(v, "1");
		else if ((v = KEY(KISTE_VM_SPEC_VOL))) {
			if (s->nvols == KISTE_VM_VOL_MAX)
				return -E2BIG;
			s->vols[s->nvols++] = (char *)v;
		}
		else if ((v = KEY(KISTE_VM_SPEC_SYSCTL))) {
			if (s->nsysctls == KISTE_VM_SYSCTL_MAX)
				return -E2BIG;
			s->sysctls[s->nsysctls++] = (char *)v;
		}
		else if ((v = KEY(KISTE_VM_SPEC_FILE))) {
			if (s->nfiles == KISTE_VM_FILE_MAX)
				return -E2BIG;
			s->files[s->nfiles++] = (char *)v;
		}
		else if ((v = KEY(KISTE_VM_SPEC_MOD)) || (v = KEY(KISTE_VM_SPEC_BLK))) {
			/* A disk left out would be a run without it: over the caps, refused. */
			if (p[0] == 'm' && s->nmods < KISTE_VM_MOD_MAX)
				s->mods[s->nmods++] = (char *)v;
			else if (p[0] == 'b' && s->ndisks < KISTE_VM_BLK_MAX)
				s->disks[s->ndisks++] = (char *)v;
			else
				return -E2BIG;
		}
	}
#undef KEY
	return s->argc ? 0 : -EINVAL;
}

/*
 * --pids-limit inside the guest: a cgroup (v2) for the workload whose pids.max
 * holds the limit; the child joins it before exec.  A guest kernel without
 * the pids controller runs the workload without the cap, and says so.
 */
static int pids_cgroup(const struct agent_spec *s)
{
	char v[32];

	if (!s->pids)
		return 0;
	snprintf(v, sizeof(v), "%lu", s->pids);
	if ((mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) &&
	     errno != EBUSY) ||
	    agent_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+pids") < 0 ||
	    (mkdir(WORKLOAD_CG, 0755) < 0 && errno != EEXIST) ||
	    agent_write_file(WORKLOAD_CG "/pids.max", v) < 0) {
		agent_log(&chan, "the guest kernel has no pids cgroup: the workload runs without "
			  "--pids-limit %lu", s->pids);
		return -1;
	}
	return 0;
}

/* Returns the child's pid, or -(exit code) when it could not be started. */
static pid_t spawn(struct agent_spec *s, int fds[3])
{
	int r[2];
	pid_t pid;

	if (pids_cgroup(s) < 0)
		s->pids = 0;
	pid = agent_spawn(s, fds, r);
	if (pid >= 0)
		return pid;
	agent_log(&chan, "cannot %s %s: %s", agent_spawn_stage(r[0]),
		  r[0] == 2 ? s->cwd : s->argv[0], strerror(r[1]));
	if (r[0] != 4)
		return -KISTE_EXIT_REFUSED;
	return r[1] == ENOENT ? -KISTE_EXIT_NOTFOUND : -KISTE_EXIT_NOEXEC;
}

static void __attribute__((noreturn)) finish(int code)
{
	/*
	 * Every way out reports through the ports, including failures before the
	 * workload ran (bad spec, exec failed): without ioperm here the OUT would
	 * fault, PID 1 would die and the guest would only panic and reset.
	 * Writes the workload left in the page cache reach the disks (--block)
	 * first: the exit report ends the VM at once.
	 */
	sync();
	if (chan.hdr && ioperm(KISTE_CHAN_PORT_EXIT, KISTE_CHAN_PORTS, 1) == 0) {
		agent_chan_flush(&chan);
		agent_chan_exit(code);
	}
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static int run(struct agent_spec *s)
{
	int io[3], fds[3], sfd, status, i;
	sigset_t set;
	pid_t pid;

	if (s->tty) {
		i = agent_pty_open(s->uid, io, fds);
		if (i < 0) {
			agent_log(&chan, "cannot make the workload's terminal (/dev/ptmx): %s",
				  strerror(-i));
			return KISTE_EXIT_REFUSED;
		}
		if (i > 0)
			agent_log(&chan, "cannot give the terminal to uid %u: %s",
				  (unsigned int)s->uid, strerror(i));
		agent_chan_winsize(&chan, io[1]);	/* before the workload's first look */
	} else if (agent_pipes_open(io, fds) < 0) {
		return KISTE_EXIT_REFUSED;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/*
	 * An OCI container's process: the agent's next child is pid 1 of a new
	 * pid namespace, and so is born every later one (kiste exec's) in it.
	 */
	if (s->pid1 && unshare(CLONE_NEWPID) < 0) {
		agent_log(&chan, "cannot make the container's pid namespace: %s", strerror(errno));
		return KISTE_EXIT_REFUSED;
	}
	pid = spawn(s, fds);
	s->pid1_pid = pid;
	/* The workload's ends are its own: a pty's master reads EIO once its slaves are gone. */
	for (i = 0; i < 3; i++)
		if (i == 0 || fds[i] != fds[0])
			close(fds[i]);
	if (pid < 0)
		return -pid;
	/* Only PID 1 gets the ports; the workload was forked before. */
	if (ioperm(KISTE_CHAN_PORT_EXIT, KISTE_CHAN_PORTS, 1) < 0) {
		agent_log(&chan, "ioperm failed: %s", strerror(errno));
		return KISTE_EXIT_REFUSED;
	}
	agent_chan_started();
	agent_exec_init(s);
	status = agent_forward(&chan, pid, io[0], io[1], io[2], sfd, s->tty);
	if (WIFSIGNALED(status))
		return KISTE_EXIT_SIGNAL + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * sysctl= records: VALUE into /proc/sys/PATH in the guest's own kernel, or the
 * run is refused with one line naming it.  The host made PATH from a checked
 * name; a record with no PATH, or one climbing out (".."), is refused all the same.
 */
static int sysctls_set(const struct agent_spec *s)
{
	char path[256];
	const char *eq, *rec;
	ssize_t w;
	size_t n;
	int i, fd, len, e;

	for (i = 0; i < s->nsysctls; i++) {
		rec = s->sysctls[i];
		eq = strchr(rec, '=');
		len = eq ? (int)(eq - rec) : 0;
		if (!len || len > 200 || rec[0] == '/' || memmem(rec, len, "..", 2)) {
			agent_log(&chan, "sysctl record of no PATH=VALUE: refused");
			return -1;
		}
		snprintf(path, sizeof(path), "/proc/sys/%.*s", len, rec);
		n = strlen(eq + 1);
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		w = fd < 0 ? -1 : write(fd, eq + 1, n);
		e = w < 0 ? errno : EIO;
		if (fd >= 0)
			close(fd);
		if (w != (ssize_t)n) {
			agent_log(&chan, "linux.sysctl %.*s: cannot set it: %s", len, rec, strerror(e));
			return -1;
		}
	}
	return 0;
}

/* Without a VMM channel (e.g. qemu in the benchmark) the workload gets the console. */
static int run_plain(struct agent_spec *s)
{
	int fds[3] = { 0, 1, 2 }, status;
	pid_t pid;

	s->tty = 0;	/* the console is the workload's terminal already */
	pid = spawn(s, fds);

	if (pid < 0)
		return -pid;
	while (waitpid(-1, &status, 0) != pid)
		;
	return WIFSIGNALED(status) ? KISTE_EXIT_SIGNAL + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(void)
{
	struct agent_spec spec;
	int ret;

	setup_mounts();
	setup_stdio();
	ret = agent_chan_open(&chan);
	if (ret < 0) {
		agent_log(NULL, "cannot map the channel: %s", strerror(-ret));
		finish(KISTE_EXIT_REFUSED);
	}
	ret = spec_read(&spec);
	if (ret == -E2BIG) {
		agent_log(&chan, "the workload spec at %s is over the agent's caps (%u bytes, %u "
			  "arguments, %u environment entries, %u modules, %u disks): refused",
			  SPEC_PATH, SPEC_MAX, AGENT_ARGS_MAX, AGENT_ARGS_MAX - 2, KISTE_VM_MOD_MAX,
			  KISTE_VM_BLK_MAX);
		finish(KISTE_EXIT_REFUSED);
	}
	if (ret < 0) {
		agent_log(&chan, "no workload spec at %s: the initramfs is incomplete", SPEC_PATH);
		finish(KISTE_EXIT_REFUSED);
	}
	if (sethostname(spec.hostname, strlen(spec.hostname)) < 0)
		agent_log(&chan, "sethostname failed: %s", strerror(errno));
	/*
	 * The disks and network the user asked for, or no run: the workload must
	 * not start without them.  The network last: resolv.conf goes into the
	 * workload's root (and volumes), in place by then.
	 */
	if (agent_files_open(&chan, &spec) < 0 ||
	    agent_modules_load(&chan, spec.mods, spec.nmods) < 0 ||
	    agent_disks_wait(&chan, spec.disks, spec.ndisks) < 0 ||
	    (spec.root && agent_root_switch(&chan, spec.root) < 0) ||
	    agent_volumes_mount(&chan, spec.vols, spec.nvols) < 0 ||
	    agent_net_setup(&chan, spec.net, spec.mtu) < 0 || sysctls_set(&spec) < 0 ||
	    agent_files_place(&chan, &spec) < 0)
		finish(KISTE_EXIT_REFUSED);
	finish(chan.hdr ? run(&spec) : run_plain(&spec));
}
