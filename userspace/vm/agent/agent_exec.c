// SPDX-License-Identifier: GPL-2.0
// agent_exec.c - `kiste exec` in the guest: each exec slot's request run as a process, its stdio through the slot.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

/*
 * The host (the VMM) writes a request and REQ; this side owns everything
 * after: RUN with the pid, the rings it produces (stdout, stderr) and the
 * one it consumes (stdin), DONE with the wait status once the process is
 * reaped and what it wrote until then is in the rings.  What a process's
 * children write after it ended is not waited for (kiste exec ends with
 * the process, as runc's does).
 */
enum { S_IDLE, S_RUN, S_REAPED };

struct exec_sess {
	int phase;
	pid_t pid;
	int status;
	int in_fd;		/* stdin's write end (a pty: the master), -1 once closed */
	int out_fd[2];		/* stdout's and stderr's read ends (a pty: the master, -1) */
	int tty;
	uint32_t winsz;		/* tty: the size last applied */
	uint32_t in_tail;	/* this side's own counts, never read back */
	int eof_done;		/* tty: bytes of the typing's end typed (agent_pty_eof) */
	uint32_t out_head[2];
};

static struct exec_sess sess[KISTE_CHAN_EXEC_SLOTS];
/* Rounds in a row that moved nothing: after EXEC_QUIET the loop polls at its idle pace. */
static unsigned int quiet;
#define EXEC_QUIET	25
static const struct agent_spec *main_spec;
/* One request at a time is read: its strings and the process's spec. */
static char strings[KISTE_CHAN_EXEC_REQ_MAX + 1];
static struct agent_spec spec;

static struct kiste_chan_exec *slot_of(struct agent_chan *ch, unsigned int i)
{
	return (struct kiste_chan_exec *)((uint8_t *)ch->hdr + KISTE_CHAN_EXEC_OFF +
					  i * KISTE_CHAN_EXEC_SLOT);
}

static uint8_t *area(struct agent_chan *ch, unsigned int i, uint32_t off)
{
	return (uint8_t *)slot_of(ch, i) + off;
}

void agent_exec_init(const struct agent_spec *main)
{
	unsigned int i;

	main_spec = main;
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
		sess[i] = (struct exec_sess){ .in_fd = -1, .out_fd = { -1, -1 } };
}

static void fail(struct kiste_chan_exec *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct kiste_chan_exec *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->error = err;
	__atomic_store_n(&c->state, KISTE_CHAN_EXEC_FAIL, __ATOMIC_RELEASE);
}

/* The request's strings into spec: cwd, argv, env over the defaults; -1 when malformed. */
static int req_read(struct kiste_chan_exec *c, const uint8_t *req)
{
	uint32_t len = c->req_len, argc = c->argc, envc = c->envc, k;
	char *p, *end;

	if (len > KISTE_CHAN_EXEC_REQ_MAX || argc < 1 || argc > KISTE_CHAN_EXEC_ARGS_MAX ||
	    envc > KISTE_CHAN_EXEC_ARGS_MAX)
		return -1;
	memcpy(strings, req, len);
	strings[len] = 0;
	end = strings + len;
	spec = *main_spec;
	spec.exe = NULL;
	agent_env_defaults(&spec);
	p = strings;
	spec.cwd = p;
	p += strlen(p) + 1;
	for (k = 0; k < argc && p < end; k++, p += strlen(p) + 1)
		spec.argv[k] = p;
	spec.argc = (int)k;
	spec.argv[k] = NULL;
	for (k = 0; k < envc && p < end; k++, p += strlen(p) + 1)
		if (agent_env_add(&spec, p) < 0)
			return -1;
	if (spec.argc != (int)argc || k != envc || spec.cwd >= end)
		return -1;
	spec.uid = c->uid;
	spec.gid = c->gid;
	spec.tty = !!(c->flags & KISTE_CHAN_EXEC_TTY);
	return 0;
}

static void winsize(struct exec_sess *s, struct kiste_chan_exec *c)
{
	if (s->tty && s->out_fd[0] >= 0)
		agent_pty_winsize(__atomic_load_n(&c->winsize, __ATOMIC_ACQUIRE), &s->winsz,
				  s->out_fd[0]);
}

static void start(struct agent_chan *ch, unsigned int i)
{
	struct kiste_chan_exec *c = slot_of(ch, i);
	struct exec_sess *s = &sess[i];
	int io[3], fds[3], r[2], k, e;
	pid_t pid;

	if (req_read(c, area(ch, i, KISTE_CHAN_EXEC_REQ_OFF)) < 0) {
		fail(c, EPROTO, "a malformed exec request: the host's kiste and the guest's "
		     "agent differ");
		return;
	}
	e = spec.tty ? agent_pty_open(spec.uid, io, fds) : agent_pipes_open(io, fds);
	if (e < 0) {
		fail(c, -e, "cannot make the process's %s: %s", spec.tty ? "terminal" : "pipes",
		     strerror(-e));
		return;
	}
	*s = (struct exec_sess){ .phase = S_RUN, .tty = spec.tty, .in_fd = io[0],
				 .out_fd = { io[1], io[2] } };
	winsize(s, c);
	pid = agent_spawn(&spec, fds, r);
	/* The process's ends are its own: a pty's master reads EIO once its slaves are gone. */
	for (k = 0; k < 3; k++)
		if (k == 0 || fds[k] != fds[0])
			close(fds[k]);
	for (k = 0; k < 3; k++)
		if (io[k] >= 0)
			fcntl(io[k], F_SETFL, fcntl(io[k], F_GETFL) | O_NONBLOCK);
	if (pid < 0) {
		for (k = 0; k < 3; k++)
			if (io[k] >= 0)
				close(io[k]);
		*s = (struct exec_sess){ .in_fd = -1, .out_fd = { -1, -1 } };
		fail(c, r[1], "cannot %s %s: %s", agent_spawn_stage(r[0]),
		     r[0] == 2 ? spec.cwd : spec.argv[0], strerror(r[1]));
		return;
	}
	s->pid = pid;
	c->pid = pid;
	__atomic_store_n(&c->state, KISTE_CHAN_EXEC_RUN, __ATOMIC_RELEASE);
}

/* The host's stdin into the process (a closed stdin's bytes taken and dropped); true if any. */
static bool feed(struct agent_chan *ch, unsigned int i)
{
	struct kiste_chan_exec *c = slot_of(ch, i);
	struct exec_sess *s = &sess[i];
	const uint8_t *ring = area(ch, i, KISTE_CHAN_EXEC_IN_OFF);
	uint32_t head = __atomic_load_n(&c->in_head, __ATOMIC_ACQUIRE), tail0 = s->in_tail;

	if (head - s->in_tail > KISTE_CHAN_EXEC_RING)
		return false;	/* not a count the host makes: nothing moves */
	while (head != s->in_tail && s->in_fd >= 0) {
		uint32_t off = s->in_tail & (KISTE_CHAN_EXEC_RING - 1), n = head - s->in_tail;
		ssize_t w;

		if (n > KISTE_CHAN_EXEC_RING - off)
			n = KISTE_CHAN_EXEC_RING - off;
		w = write(s->in_fd, ring + off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			close(s->in_fd);	/* the process closed its stdin */
			s->in_fd = -1;
			break;
		}
		s->in_tail += (uint32_t)w;
	}
	if (s->in_fd < 0)
		s->in_tail = head;
	__atomic_store_n(&c->in_tail, s->in_tail, __ATOMIC_RELEASE);
	/*
	 * The end of the typing, never of a terminal: the master stays for
	 * output, and a terminal's reader is told by its end-of-file character
	 * (agent_pty_eof; a full input queue: next round).  in_eof before
	 * in_head: the host stores them the other way, so a head read after the
	 * end is the last one.
	 */
	if (s->in_fd >= 0 && __atomic_load_n(&c->in_eof, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&c->in_head, __ATOMIC_ACQUIRE) == s->in_tail) {
		if (s->tty && agent_pty_eof(s->in_fd, s->in_tail ?
					    ring[(s->in_tail - 1) & (KISTE_CHAN_EXEC_RING - 1)] : -1,
					    &s->eof_done) < 0)
			return s->in_tail != tail0;
		close(s->in_fd);
		s->in_fd = -1;
	}
	return s->in_tail != tail0;
}

/*
 * The process's stream @k into its ring while there is room; once it is
 * reaped, a stream with nothing more to read now is closed (its children's
 * later writes are not waited for).  True when bytes moved.
 */
static bool drain(struct agent_chan *ch, unsigned int i, int k)
{
	struct kiste_chan_exec *c = slot_of(ch, i);
	struct exec_sess *s = &sess[i];
	uint8_t *ring = area(ch, i, KISTE_CHAN_EXEC_OUT_OFF + (uint32_t)k * KISTE_CHAN_EXEC_RING);
	uint32_t tail = __atomic_load_n(&c->out_tail[k], __ATOMIC_ACQUIRE), head0 = s->out_head[k];

	if (s->out_head[k] - tail > KISTE_CHAN_EXEC_RING)
		return false;
	while (s->out_fd[k] >= 0 && s->out_head[k] - tail < KISTE_CHAN_EXEC_RING) {
		uint32_t off = s->out_head[k] & (KISTE_CHAN_EXEC_RING - 1);
		uint32_t n = KISTE_CHAN_EXEC_RING - (s->out_head[k] - tail);
		ssize_t got;

		if (n > KISTE_CHAN_EXEC_RING - off)
			n = KISTE_CHAN_EXEC_RING - off;
		got = read(s->out_fd[k], ring + off, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got > 0) {
			s->out_head[k] += (uint32_t)got;
			continue;
		}
		/* EOF, a pty's EIO (its last slave gone), or nothing now after the reap. */
		if (got == 0 || errno != EAGAIN || s->phase == S_REAPED) {
			close(s->out_fd[k]);
			s->out_fd[k] = -1;
		}
		break;
	}
	__atomic_store_n(&c->out_head[k], s->out_head[k], __ATOMIC_RELEASE);
	return s->out_head[k] != head0;
}

/* One slot's round; true when something moved (a start, bytes, a signal, the end). */
static bool serve_one(struct agent_chan *ch, unsigned int i)
{
	struct kiste_chan_exec *c = slot_of(ch, i);
	struct exec_sess *s = &sess[i];
	bool moved;
	uint32_t sig;

	if (s->phase == S_IDLE) {
		if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != KISTE_CHAN_EXEC_REQ)
			return false;
		start(ch, i);
		return true;
	}
	sig = __atomic_exchange_n(&c->signal, 0, __ATOMIC_ACQ_REL);
	if (sig && sig < 65 && s->phase == S_RUN)
		kill(s->pid, (int)sig);
	winsize(s, c);
	moved = feed(ch, i) | drain(ch, i, 0) | drain(ch, i, 1) | (sig != 0);
	if (s->phase != S_REAPED || s->out_fd[0] >= 0 || s->out_fd[1] >= 0)
		return moved;
	if (s->in_fd >= 0)
		close(s->in_fd);
	c->status = s->status;
	/* After the heads: the host reads DONE, then what they say is all there is. */
	__atomic_store_n(&c->state, KISTE_CHAN_EXEC_DONE, __ATOMIC_RELEASE);
	*s = (struct exec_sess){ .in_fd = -1, .out_fd = { -1, -1 } };
	return true;
}

void agent_exec_serve(struct agent_chan *ch)
{
	unsigned int i;

	bool moved = false;

	if (!ch->hdr || !main_spec)
		return;
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
		moved |= serve_one(ch, i);
	quiet = moved ? 0 : quiet + 1;
}

void agent_exec_reaped(pid_t pid, int status)
{
	unsigned int i;

	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
		if (sess[i].phase == S_RUN && sess[i].pid == pid) {
			sess[i].phase = S_REAPED;
			sess[i].status = status;
			quiet = 0;
		}
}

int agent_exec_busy(void)
{
	unsigned int i;

	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS && quiet < EXEC_QUIET; i++)
		if (sess[i].phase != S_IDLE)
			return 1;
	return 0;
}
