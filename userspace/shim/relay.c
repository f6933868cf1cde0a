// SPDX-License-Identifier: GPL-2.0
// relay.c - the caller's descriptors 0-2 relayed through pipes when the sandbox could change their file's metadata.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiste_tty_eof.h"
#include "relay_int.h"

/*
 * Why (README.md, "Descriptors 0-2"): the guest kernel refuses fchmod & co.
 * on inherited descriptors, but a gate jump reaches the host's fchmod,
 * fchown, utimensat and fsetxattr rows with any descriptor below 1000.  A
 * pipe's metadata is nobody's, so such a descriptor becomes a pipe and the
 * launcher, outside the sandbox, moves the bytes.
 */

#define RELAY_TTY_DRAIN_S 5	/* out_drain: a terminal's writers past the sandbox's end */

static const char *const std_names[3] = { "standard input", "standard output",
					   "standard error" };

static const char *chan_name(const struct shim_relay_chan *c)
{
	return c->trace ? "trace output" : c->tty ? "terminal" : std_names[c->host];
}

/* A pipe whose both ends are >= 3 (a caller may have closed 0..2) and close-on-exec. */
static int pipe_above(int p[2])
{
	int i, fd, e;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		if (p[i] > 2)
			continue;
		fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			e = errno;
			close(p[0]);
			close(p[1]);
			return -e;
		}
		close(p[i]);
		p[i] = fd;
	}
	return 0;
}

/*
 * Whether descriptors @a and @b are one open file description: kcmp, or
 * where the kernel has none, the same object, flags and offset (fdinfo's view).
 */
static bool same_description(int a, int b, const struct stat *sa, const struct stat *sb)
{
	pid_t self = getpid();
	long r = syscall(SYS_kcmp, self, self, KCMP_FILE, a, b);

	if (r >= 0)
		return r == 0;
	return sa->st_dev == sb->st_dev && sa->st_ino == sb->st_ino &&
	       fcntl(a, F_GETFL) == fcntl(b, F_GETFL) &&
	       lseek(a, 0, SEEK_CUR) == lseek(b, 0, SEEK_CUR);
}

/*
 * What the caller's @fd is: -1 nothing to relay (closed, a terminal, an
 * anonymous pipe, a socket); 0 a candidate; 1 an O_PATH candidate.  *@out:
 * the direction, by the access mode (a read-write 0 is input, 1 and 2 output).
 */
static int classify(int fd, struct stat *st, bool *out)
{
	struct statfs sf;
	int fl;

	if (fstat(fd, st) < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	if (fl & O_PATH)
		return 1;
	if (isatty(fd))
		return -1;	/* kept: README.md, the caller's terminal */
	if (S_ISFIFO(st->st_mode) && (fstatfs(fd, &sf) < 0 || sf.f_type == PIPEFS_MAGIC))
		return -1;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISCHR(st->st_mode) &&
	    !S_ISBLK(st->st_mode) && !S_ISFIFO(st->st_mode))
		return -1;
	*out = (fl & O_ACCMODE) == O_WRONLY || ((fl & O_ACCMODE) == O_RDWR && fd > 0);
	return 0;
}

int shim_relay_prepare(struct shim_relay *r, bool tty, struct kiste_err *err)
{
	struct shim_relay_chan *c;
	int fd, j, k, p[2];
	bool out = false;

	memset(r, 0, sizeof(*r));
	r->tty.sock = r->tty.master = r->tty.winfd = -1;
	r->plan = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->plan == MAP_FAILED) {
		r->plan = NULL;
		return kiste_err_set(err, -errno, "cannot map the relay's plan: %s",
				     strerror(errno));
	}
	for (fd = 0; fd < 3; fd++) {
		r->plan[fd] = SHIM_RELAY_KEEP;
		r->cand[fd] = SHIM_RELAY_KEEP;
		/* -t: the workload's 0..2 are its terminal, none of the caller's. */
		if (tty)
			continue;
		k = classify(fd, &r->st[fd], &out);
		if (k < 0)
			continue;
		if (k == 1) {
			r->cand[fd] = SHIM_RELAY_CLOSE;
			continue;
		}
		for (j = 0; j < r->nchan; j++)
			if (r->chan[j].out == out &&
			    same_description(r->chan[j].host, fd, &r->st[r->chan[j].host],
					     &r->st[fd]))
				break;
		if (j < r->nchan) {
			r->cand[fd] = j;
			continue;
		}
		k = pipe_above(p);
		if (k < 0)
			return kiste_err_set(err, k, "cannot make a pipe for %s: %s",
					     std_names[fd], strerror(-k));
		c = &r->chan[r->nchan];
		c->host = fd;
		c->out = out;
		c->stream = !S_ISREG(r->st[fd].st_mode) && !S_ISBLK(r->st[fd].st_mode);
		c->mine = out ? p[0] : p[1];
		c->theirs = out ? p[1] : p[0];
		r->cand[fd] = r->nchan++;
	}
	return 0;
}

int shim_relay_trace(struct shim_relay *r, int fd, struct kiste_err *err)
{
	struct shim_relay_chan *c = &r->chan[r->nchan];
	int p[2], k;

	if (!r->plan || r->nchan >= (int)(sizeof(r->chan) / sizeof(r->chan[0])))
		return 0;
	k = pipe_above(p);
	if (k < 0)
		return kiste_err_set(err, k, "cannot make a pipe for the trace output: %s",
				     strerror(-k));
	memset(c, 0, sizeof(*c));
	c->host = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (c->host < 0) {
		close(p[0]);
		close(p[1]);
		return kiste_err_set(err, -errno, "cannot keep the trace output: %s",
				     strerror(errno));
	}
	c->trace = true;
	c->out = true;
	c->mine = p[0];
	c->theirs = p[1];
	r->nchan++;
	return 0;
}

int shim_relay_trace_fd(const struct shim_relay *r)
{
	int i;

	for (i = 0; i < r->nchan; i++)
		if (r->chan[i].trace)
			return r->chan[i].theirs;
	return -1;
}

void shim_relay_child(struct shim_relay *r)
{
	int i;

	for (i = 0; i < r->nchan; i++)
		close(r->chan[i].mine);
	/* Only after shim_relay_tty: an OCI create's relay is all zeroes (fd 0 is no socket). */
	if (r->tty.on && r->tty.sock >= 0)
		close(r->tty.sock);
}

/* Whether @id lies in a map of /proc/@pid/@name ("inside outside count" lines). */
static int id_mapped(pid_t pid, const char *name, unsigned int id)
{
	unsigned long in, outside, count;
	char path[64];
	FILE *f;
	int hit = 0, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!hit && fscanf(f, "%lu %lu %lu", &in, &outside, &count) == 3) {
		n++;
		hit = id >= outside && id - outside < count;
	}
	fclose(f);
	return n ? hit : -EINVAL;
}

/*
 * Whether the sandbox could change @fd's object's metadata: its owner is one
 * of the sandbox's ids (chmod, chown, any time, every xattr), or, for a file
 * or directory, the sandbox may write it (a time set to now, user.* xattrs).
 * An ordinary caller's sandbox has the caller's kuid and groups, so access(2)
 * answers for it; run as root, its ids own nothing outside its range and it
 * has no supplementary groups, so the mode's group and other bits answer
 * (ACL entries naming the sandbox's own range aside).
 */
static int may_change(int fd, const struct stat *st, pid_t init, bool host_root)
{
	unsigned int self = host_root ? 65534 : geteuid(), gself = host_root ? 65534 : getegid();
	int u, g;
	char path[64];

	/* kiste exec without the sandbox's map (an older launcher's run): every candidate. */
	if (init < 0)
		return 1;
	u = init ? id_mapped(init, "uid_map", st->st_uid) : st->st_uid == self;
	g = init ? id_mapped(init, "gid_map", st->st_gid) : st->st_gid == gself;
	if (u < 0 || g < 0)
		return u < 0 ? u : g;
	if (u)
		return 1;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return 0;
	if (st->st_mode & S_IWOTH || (g && (st->st_mode & S_IWGRP)))
		return 1;
	if (host_root)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0;
}

static void chan_close(struct shim_relay_chan *c)
{
	if (c->mine >= 0)
		close(c->mine);
	if (c->theirs >= 0)
		close(c->theirs);
	c->mine = c->theirs = -1;
	c->done = true;
}

/* Which candidates the plan takes (may_change), and their buffers; the others' pipes closed. */
static int plan_channels(struct shim_relay *r, pid_t init, bool host_root, struct kiste_err *err)
{
	bool used[4] = { false, false, false, false };
	int fd, k, i;

	for (fd = 0; fd < 3; fd++) {
		k = r->cand[fd];
		if (k == SHIM_RELAY_KEEP)
			continue;
		i = may_change(fd, &r->st[fd], init, host_root);
		if (i < 0)
			return kiste_err_set(err, i, "cannot read the sandbox's id map: %s",
					     strerror(-i));
		if (!i)
			continue;
		r->plan[fd] = k;
		if (k >= 0)
			used[k] = true;
	}
	for (i = 0; i < r->nchan; i++) {
		struct shim_relay_chan *c = &r->chan[i];

		if (!used[i] && !c->trace) {
			chan_close(c);
			continue;
		}
		c->buf = malloc(RELAY_BUF);
		if (!c->buf || fcntl(c->mine, F_SETFL, O_NONBLOCK) < 0)
			return kiste_err_set(err, -ENOMEM, "cannot set up the relay of %s",
					     chan_name(c));
	}
	return 0;
}

/* The sandbox has its ends: output ends when its writers do; input keeps a reader for FIONREAD. */
static void close_theirs(struct shim_relay *r)
{
	int i;

	for (i = 0; i < r->nchan; i++) {
		struct shim_relay_chan *c = &r->chan[i];

		if (c->out && c->theirs >= 0) {
			close(c->theirs);
			c->theirs = -1;
		}
	}
}

int shim_relay_plan(struct shim_relay *r, pid_t init, bool host_root, struct kiste_err *err)
{
	int ret;

	if (!r->plan)
		return 0;	/* an OCI create: its engine's pipes and terminals */
	ret = plan_channels(r, init, host_root, err);

	if (ret < 0)
		return ret;
	/* The sandbox's first process is forked already: it has its own copies. */
	close_theirs(r);
	return 0;
}

int shim_relay_exec_plan(struct shim_relay *r, pid_t init, bool host_root, struct kiste_err *err)
{
	int ret = shim_relay_prepare(r, false, err);

	/* A map exec may not read (the init gone, another's): as unknown, every candidate. */
	if (init > 0 && (id_mapped(init, "uid_map", 0) < 0 || id_mapped(init, "gid_map", 0) < 0))
		init = -1;
	return ret < 0 ? ret : plan_channels(r, init, host_root, err);
}

int shim_relay_exec_fd(const struct shim_relay *r, int fd)
{
	int k = r->plan ? r->plan[fd] : SHIM_RELAY_KEEP;

	if (k == SHIM_RELAY_CLOSE)
		return -1;
	return k >= 0 && k < r->nchan ? r->chan[k].theirs : fd;
}

void shim_relay_exec_sent(struct shim_relay *r)
{
	close_theirs(r);
}

void shim_relay_exec_free(struct shim_relay *r)
{
	int i;

	for (i = 0; i < r->nchan; i++) {
		chan_close(&r->chan[i]);
		free(r->chan[i].buf);
		r->chan[i].buf = NULL;
	}
	r->nchan = 0;
	if (r->plan)
		munmap(r->plan, 4096);
	r->plan = NULL;
}

int shim_relay_changeable(int fd, pid_t init, bool host_root)
{
	struct stat st;
	bool out;

	if (classify(fd, &st, &out) < 0)
		return 0;
	return may_change(fd, &st, init, host_root);
}

int shim_relay_place(const struct shim_relay *r)
{
	int fd, k;

	if (!r->plan)
		return 0;
	for (fd = 0; fd < 3; fd++) {
		k = r->plan[fd];
		if (k == SHIM_RELAY_CLOSE)
			close(fd);
		else if (k >= 0 && k < r->nchan && dup2(r->chan[k].theirs, fd) < 0)
			return -errno;
	}
	return 0;
}

bool shim_relay_active(const struct shim_relay *r)
{
	int i;

	if (r->tty.on)
		return true;
	for (i = 0; i < r->nchan; i++)
		if (!r->chan[i].done)
			return true;
	return false;
}

/*
 * A write error on the caller's file is reported once; the sandbox's end then
 * has no reader, so its next write is EPIPE (SIGPIPE), as a closed pipe's.
 */
static void chan_fail(struct shim_relay_chan *c, int e)
{
	if (e != EPIPE)
		fprintf(stderr, "kiste: relaying the sandbox's %s to the caller's file: %s\n",
			chan_name(c), strerror(e));
	chan_close(c);
	c->len = c->off = 0;
}

/* Writes what buf holds to the caller's file; a stream gets one write per readiness. */
static void out_flush(struct shim_relay_chan *c, bool all)
{
	size_t n;
	ssize_t w;

	while (c->off < c->len) {
		/* After POLLOUT a stream takes PIPE_BUF without blocking (a FIFO's rule). */
		n = c->len - c->off;
		if (c->stream && !all && n > PIPE_BUF)
			n = PIPE_BUF;
		w = write(c->host, c->buf + c->off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && !all)
			return;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = c->host, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		if (w <= 0) {
			chan_fail(c, w < 0 ? errno : EIO);
			return;
		}
		c->off += w;
		if (c->stream && !all)
			break;
	}
	if (c->off == c->len)
		c->len = c->off = 0;
}

/* Sandbox -> file: one read of the pipe, written on at once unless the file is a stream. */
static void out_step(struct shim_relay_chan *c, bool all)
{
	ssize_t n;

	if (c->len) {
		out_flush(c, all);
		return;
	}
	n = read(c->mine, c->buf, RELAY_BUF);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		chan_close(c);
		return;
	}
	c->len = n;
	c->off = 0;
	if (!c->stream || all)
		out_flush(c, all);
}

/* File -> sandbox: one read of the file at its shared offset, then into the pipe. */
static void in_step(struct shim_relay_chan *c)
{
	ssize_t n;

	if (!c->len) {
		n = read(c->host, c->buf, RELAY_BUF);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0 && errno != EISDIR)
			fprintf(stderr, "kiste: relaying the caller's %s to the sandbox: %s\n",
				chan_name(c), strerror(errno));
		if (n <= 0) {
			/*
			 * A terminal's end is a dup of the master, which stays for
			 * output: its reader is told as kiste_tty_eof says (^D),
			 * written as any input (its queue may be full), then the
			 * read here ends again.
			 */
			if (c->tty && !c->eof_typed) {
				c->eof_typed = true;
				c->len = (size_t)kiste_tty_eof(c->mine, c->last, c->buf);
				c->off = 0;
				if (c->len)
					return;
			}
			/* EOF for the sandbox; its end stays here to count what it left. */
			close(c->mine);
			c->mine = -1;
			c->done = true;
			return;
		}
		c->len = n;
		c->off = 0;
		c->last = (unsigned char)c->buf[n - 1];
	}
	n = write(c->mine, c->buf + c->off, c->len - c->off);
	if (n < 0)
		return;	/* EAGAIN: the pipe is full (its reader is ours too: never EPIPE) */
	c->off += n;
	if (c->off == c->len)
		c->len = c->off = 0;
}

/* Milliseconds until @end (at least 0), or -1 without a deadline. */
static int ms_left(const struct timespec *end, unsigned int timeout_s)
{
	struct timespec now;
	long long ms;

	if (!timeout_s)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (end->tv_sec - now.tv_sec) * 1000LL + (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Signals, the terminal's socket and every channel: the poll set's most. */
#define RELAY_NPOLL (2 + (int)(sizeof(((struct shim_relay *)0)->chan) / \
			       sizeof(((struct shim_relay *)0)->chan[0])))
#define WHO_SOCK (-2)

/* Each live channel's side that can move now, from @p[0]. */
static int chan_poll_set(struct shim_relay *r, struct pollfd *p, int *who)
{
	int i, n = 0;

	for (i = 0; i < r->nchan; i++) {
		struct shim_relay_chan *c = &r->chan[i];

		if (c->done)
			continue;
		if (c->out) {
			p[n].fd = c->len ? c->host : c->mine;
			p[n].events = c->len ? POLLOUT : POLLIN;
		} else {
			p[n].fd = c->len ? c->mine : c->host;
			p[n].events = c->len ? POLLOUT : POLLIN;
		}
		who[n++] = i;
	}
	return n;
}

/* The poll set: the signals, the terminal's socket, each live channel's side that can move now. */
static int poll_set(struct shim_relay *r, int sfd, struct pollfd *p, int *who)
{
	int n = 0;

	p[n].fd = sfd;
	p[n].events = POLLIN;
	who[n++] = -1;
	if (r->tty.on && r->tty.sock >= 0) {
		p[n].fd = r->tty.sock;
		p[n].events = POLLIN;
		who[n++] = WHO_SOCK;
	}
	return n + chan_poll_set(r, p + n, who + n);
}

/* What poll said of @p[0..n-1] (poll_set's or chan_poll_set's), moved on. */
static void poll_steps(struct shim_relay *r, const struct pollfd *p, const int *who, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!p[i].revents || who[i] == -1)
			continue;
		if (who[i] == WHO_SOCK)
			relay_tty_attach(r, false);
		else if (r->chan[who[i]].out)
			out_step(&r->chan[who[i]], false);
		else
			in_step(&r->chan[who[i]]);
	}
}

/* Everything the pipe holds now, written out; a writer that is still alive is not waited for. */
/*
 * What is left in @c's pipe or terminal once the sandbox has ended.  A
 * terminal's slave may still be held outside the sandbox (passed on by
 * SCM_RIGHTS): its writer gets RELAY_TTY_DRAIN_S seconds, not forever.
 */
static void out_drain(struct shim_relay_chan *c)
{
	struct timespec t0, t;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!c->done) {
		if (c->tty) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= RELAY_TTY_DRAIN_S)
				break;
		}
		if (c->len) {
			out_flush(c, true);
			continue;
		}
		n = read(c->mine, c->buf, RELAY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c->len = n;
		c->off = 0;
	}
}

/*
 * The sandbox has ended (its pid namespace with it: no writer is left but
 * one that escaped a run without namespaces, which is not waited for): what
 * its pipes hold goes on, and input it left unread goes back to the file's
 * offset, as a process that read no further would leave it.
 */
static void relay_finish(struct shim_relay *r)
{
	int i, unread;
	off_t back;

	/* The master sent before the sandbox ended is in the socket still: its output too. */
	if (r->tty.on && r->tty.sock >= 0)
		relay_tty_attach(r, true);

	for (i = 0; i < r->nchan; i++) {
		struct shim_relay_chan *c = &r->chan[i];

		/* The terminal's master reads EIO once its last slave is gone: no wait. */
		if (c->out) {
			out_drain(c);
		} else if (c->theirs >= 0 && !c->stream &&
			   ioctl(c->theirs, FIONREAD, &unread) == 0) {
			back = (off_t)unread + (off_t)(c->len - c->off);
			if (back > 0)
				lseek(c->host, -back, SEEK_CUR);
		}
		chan_close(c);
		if (c->trace && c->host >= 0)
			close(c->host);
		free(c->buf);
		c->buf = NULL;
	}
	if (!r->tty.on)
		return;
	/* The caller's terminal back, and the fatal signals' default actions (lib/tty_raw.c). */
	kiste_tty_release();
	if (r->tty.master >= 0)
		close(r->tty.master);
	if (r->tty.sock >= 0)
		close(r->tty.sock);
	r->tty.master = r->tty.sock = -1;
}

/* A pending signal of @set, or 0. */
static int next_signal(int sfd, const sigset_t *set)
{
	struct timespec zero = { 0, 0 };
	struct signalfd_siginfo si;

	int sig;

	if (sfd < 0) {
		sig = sigtimedwait(set, NULL, &zero);
		return sig > 0 ? sig : 0;
	}
	return read(sfd, &si, sizeof(si)) == sizeof(si) ? (int)si.ssi_signo : 0;
}

bool shim_relay_supervise(struct shim_relay *r, pid_t child, const sigset_t *set,
			  unsigned int timeout_s, int *wstatus)
{
	struct pollfd p[RELAY_NPOLL];
	struct timespec end;
	bool timed_out = false;
	int who[RELAY_NPOLL], n, ms, sfd, sig;
	sigset_t sigs = *set;

	*wstatus = 0;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	/* -t: resizes of the caller's terminal are passed on (the master sets the size again). */
	if (r->tty.on) {
		sigaddset(&sigs, SIGWINCH);
		sigprocmask(SIG_BLOCK, &sigs, NULL);
	}
	/* The signals are blocked already (kiste_run_block_signals); without a signalfd, 50 ms polls. */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		if (waitpid(child, wstatus, WNOHANG) == child)
			break;
		ms = ms_left(&end, timeout_s);
		if (timeout_s && !ms) {
			kill(child, SIGKILL);
			waitpid(child, wstatus, 0);
			timed_out = true;
			break;
		}
		if (sfd < 0 && (ms < 0 || ms > 50))
			ms = 50;
		n = poll_set(r, sfd, p, who);
		if (poll(p, n, ms) < 0 && errno != EINTR)
			ms = 0;
		while ((sig = next_signal(sfd, &sigs)) > 0) {
			if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
				kill(child, sig);
			else if (sig == SIGWINCH)
				relay_tty_resize(&r->tty);
		}
		poll_steps(r, p, who, n);
	}
	if (sfd >= 0)
		close(sfd);
	relay_finish(r);
	return timed_out;
}

int shim_relay_exec_poll(struct shim_relay *r, struct pollfd *p, int *who)
{
	return chan_poll_set(r, p, who);
}

void shim_relay_exec_step(struct shim_relay *r, const struct pollfd *p, const int *who, int n)
{
	poll_steps(r, p, who, n);
}

void shim_relay_exec_end(struct shim_relay *r)
{
	relay_finish(r);
}
