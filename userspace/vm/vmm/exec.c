// SPDX-License-Identifier: GPL-2.0
// exec.c - `kiste exec` in vm mode: requests on exec.sock become processes of the guest's agent.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiste_exec.h"
#include "libkiste.h"
#include "exec.h"

/*
 * The main thread serves it (vm.c's loop): no descriptor of the caller's
 * crosses into the VMM (the request has none, and recv drops any attached),
 * so every byte moves on the connection with MSG_DONTWAIT and nothing here
 * can block the loop.  The agent's side polls its slots; this side polls
 * the rings every EXEC_POLL_MS while a session has a process (EXEC_IDLE_MS
 * once they are quiet).  What the
 * guest writes in a slot is the guest's word only: counts are checked
 * against the ring's size, the error and the line are clamped, and a slot
 * whose counts are impossible ends its session, nothing else.
 */
#define EXEC_POLL_MS	2
/* After this many rounds that moved nothing, the rings are looked at every EXEC_IDLE_MS. */
#define EXEC_QUIET	25
#define EXEC_IDLE_MS	20
#define REQ_BYTES	(sizeof(struct kiste_exec_req) + KISTE_EXEC_STRINGS_MAX)
#define SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL)

enum {
	P_FREE,
	P_WAIT_REQ,	/* connected: the request has not come yet */
	P_REQUESTED,	/* in the slot: the agent has not answered */
	P_RUNNING,	/* STARTED sent */
	P_ORPHAN,	/* the connection went while its process runs: killed, the slot waits */
	P_BROKEN,	/* the guest wrote impossible counts: the slot is never used again */
};

int linux_exec_init(struct linux_exec *x, int listen_fd, uint8_t *chan)
{
	unsigned int i;

	memset(x, 0, sizeof(*x));
	x->listen_fd = -1;
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
		x->sess[i].fd = -1;
	if (listen_fd < 0)
		return 0;
	x->buf = malloc(REQ_BYTES + 1);
	for (i = 0; x->buf && i < KISTE_CHAN_EXEC_SLOTS; i++) {
		x->slot[i] = (struct kiste_chan_exec *)(chan + KISTE_CHAN_EXEC_OFF +
							  i * KISTE_CHAN_EXEC_SLOT);
		x->sess[i].stage = malloc(KISTE_EXEC_DATA_MAX);
		if (!x->sess[i].stage)
			break;
	}
	if (!x->buf || i < KISTE_CHAN_EXEC_SLOTS) {
		for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
			free(x->sess[i].stage);
		free(x->buf);
		memset(x, 0, sizeof(*x));
		x->listen_fd = -1;
		return -ENOMEM;
	}
	x->listen_fd = listen_fd;
	return 0;
}

static uint8_t *slot_at(const struct linux_exec *x, unsigned int i, uint32_t off)
{
	return (uint8_t *)x->slot[i] + off;
}

static void send_msg(int fd, int kind, int value, const char *text)
{
	struct kiste_exec_msg m = { .kind = kind, .value = value };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	send(fd, &m, sizeof(m), SEND_FLAGS);
}

static void sess_close(struct linux_exec_sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->stage_len = s->stage_off = 0;
	s->out_blocked = s->taken = s->data_waits = false;
}

/* The session is over and its process gone (or never started): the slot is free again. */
static void slot_free(struct linux_exec *x, unsigned int i)
{
	sess_close(&x->sess[i]);
	x->sess[i].phase = P_FREE;
	__atomic_store_n(&x->slot[i]->state, KISTE_CHAN_EXEC_FREE, __ATOMIC_RELEASE);
}

static void refuse(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(int fd, int err, const char *fmt, ...)
{
	char text[sizeof(((struct kiste_exec_msg *)0)->text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	send_msg(fd, KISTE_EXEC_ERROR, -err, text);
}

/* The guest broke the slot's counts: its session ends, the slot stays out of use. */
static void slot_broken(struct linux_exec *x, unsigned int i)
{
	if (x->sess[i].fd >= 0)
		refuse(x->sess[i].fd, EPROTO, "the guest's agent broke the exec channel: the "
		       "sandbox's guest is not to be trusted; end it");
	sess_close(&x->sess[i]);
	x->sess[i].phase = P_BROKEN;
}

/* Checks the request's strings: exactly 1 + argc + envc of them, each NUL-ended. */
static int req_check(int fd, const struct kiste_exec_req *h, const char *str, size_t len)
{
	size_t n = 0, i;

	if (!(h->flags & KISTE_EXEC_F_STREAM)) {
		refuse(fd, EPROTO, "this kiste exec is older than the sandbox's kiste (vm mode "
		       "takes stdio on the connection): run the same kiste");
		return -1;
	}
	if (len > KISTE_CHAN_EXEC_REQ_MAX) {
		refuse(fd, E2BIG, "the command, its environment and cwd are %zu bytes; vm mode "
		       "takes %u: shorten them", len, KISTE_CHAN_EXEC_REQ_MAX);
		return -1;
	}
	if (h->argc < 1 || h->argc > KISTE_CHAN_EXEC_ARGS_MAX ||
	    h->envc > KISTE_CHAN_EXEC_ARGS_MAX) {
		refuse(fd, E2BIG, "%u arguments and %u environment variables; vm mode takes 1 to "
		       "%d of each (no environment is fine): give fewer", h->argc, h->envc,
		       KISTE_CHAN_EXEC_ARGS_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		n += !str[i];
	if (n != 1 + (size_t)h->argc + h->envc || (len && str[len - 1])) {
		refuse(fd, EPROTO, "a malformed exec request: run the same kiste as the sandbox's");
		return -1;
	}
	return 0;
}

/* The request on session @i's connection, into slot @i for the agent. */
static void take_request(struct linux_exec *x, unsigned int i)
{
	struct linux_exec_sess *s = &x->sess[i];
	struct kiste_exec_req h;
	struct kiste_chan_exec *c = x->slot[i];
	ssize_t n = recv(s->fd, x->buf, REQ_BYTES + 1, MSG_DONTWAIT);
	size_t len;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < (ssize_t)sizeof(h)) {
		if (n >= 0)
			refuse(s->fd, EPROTO, "not a kiste exec request: run kiste exec");
		slot_free(x, i);
		return;
	}
	memcpy(&h, x->buf, sizeof(h));
	len = (size_t)n - sizeof(h);
	if (h.magic != KISTE_EXEC_MAGIC || h.len != len) {
		refuse(s->fd, EPROTO, "not a kiste exec request: run kiste exec");
		slot_free(x, i);
		return;
	}
	if (req_check(s->fd, &h, (const char *)x->buf + sizeof(h), len) < 0) {
		slot_free(x, i);
		return;
	}
	memcpy(slot_at(x, i, KISTE_CHAN_EXEC_REQ_OFF), x->buf + sizeof(h), len);
	memset(c, 0, sizeof(*c));
	c->req_len = (uint32_t)len;
	c->argc = h.argc;
	c->envc = h.envc;
	c->uid = h.flags & KISTE_EXEC_F_USER ? h.uid : 0;
	c->gid = h.flags & KISTE_EXEC_F_USER ? h.gid : 0;
	c->flags = h.flags & KISTE_EXEC_F_TTY ? KISTE_CHAN_EXEC_TTY : 0;
	c->winsize = kiste_chan_winsz(h.rows, h.cols);
	s->in_head = s->out_tail[0] = s->out_tail[1] = 0;
	__atomic_store_n(&c->state, KISTE_CHAN_EXEC_REQ, __ATOMIC_RELEASE);
	s->phase = P_REQUESTED;
}

static void accept_one(struct linux_exec *x)
{
	unsigned int i;
	int fd = accept4(x->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS && x->sess[i].phase != P_FREE; i++)
		;
	if (i == KISTE_CHAN_EXEC_SLOTS) {
		refuse(fd, EBUSY, "the sandbox runs %d kiste exec processes already, vm mode's "
		       "most: wait for one to end", KISTE_CHAN_EXEC_SLOTS);
		close(fd);
		return;
	}
	x->sess[i].fd = fd;
	x->sess[i].phase = P_WAIT_REQ;
}

/* The caller went while its process runs: the process is killed, its stdin ends. */
static void orphan(struct linux_exec *x, unsigned int i)
{
	sess_close(&x->sess[i]);
	x->sess[i].phase = P_ORPHAN;
	__atomic_store_n(&x->slot[i]->in_eof, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&x->slot[i]->signal, SIGKILL, __ATOMIC_RELEASE);
}

/*
 * Guest -> caller: what stream @k's ring holds; the bytes moved, or -1
 * when the counts are impossible.  Without a caller (it went) the bytes
 * are dropped, so the process is not held up while it is killed.
 */
static long out_move(struct linux_exec *x, unsigned int i, int k)
{
	long moved = 0;
	struct linux_exec_sess *s = &x->sess[i];
	uint32_t head = __atomic_load_n(&x->slot[i]->out_head[k], __ATOMIC_ACQUIRE);
	uint32_t *tail = &s->out_tail[k];
	const uint8_t *ring = slot_at(x, i, KISTE_CHAN_EXEC_OUT_OFF + k * KISTE_CHAN_EXEC_RING);
	struct kiste_exec_data d = { .kind = KISTE_EXEC_DATA, .value = k + 1 };

	if (head - *tail > KISTE_CHAN_EXEC_RING)
		return -1;
	while (head != *tail && !s->out_blocked) {
		uint32_t n = head - *tail, off = *tail & (KISTE_CHAN_EXEC_RING - 1), first;
		ssize_t sent = 0;

		if (n > KISTE_EXEC_DATA_MAX)
			n = KISTE_EXEC_DATA_MAX;
		if (s->fd >= 0) {
			first = n < KISTE_CHAN_EXEC_RING - off ? n : KISTE_CHAN_EXEC_RING - off;
			memcpy(x->buf, &d, sizeof(d));
			memcpy(x->buf + sizeof(d), ring + off, first);
			memcpy(x->buf + sizeof(d) + first, ring, n - first);
			sent = send(s->fd, x->buf, sizeof(d) + n, SEND_FLAGS);
			if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
				s->out_blocked = errno == EAGAIN;
				break;
			}
		}
		if (sent < 0)
			orphan(x, i);
		*tail += n;
		moved += n;
		__atomic_store_n(&x->slot[i]->out_tail[k], *tail, __ATOMIC_RELEASE);
	}
	return moved;
}

/* Caller -> guest: the staged stdin into the ring; the bytes moved, or -1: impossible counts. */
static long in_move(struct linux_exec *x, unsigned int i)
{
	long moved = 0;
	struct linux_exec_sess *s = &x->sess[i];
	struct kiste_chan_exec *c = x->slot[i];
	uint32_t *head = &s->in_head;
	uint32_t tail = __atomic_load_n(&c->in_tail, __ATOMIC_ACQUIRE);
	uint8_t *ring = slot_at(x, i, KISTE_CHAN_EXEC_IN_OFF);

	if (*head - tail > KISTE_CHAN_EXEC_RING)
		return -1;
	while (s->stage_off < s->stage_len && *head - tail < KISTE_CHAN_EXEC_RING) {
		uint32_t off = *head & (KISTE_CHAN_EXEC_RING - 1);
		uint32_t n = s->stage_len - s->stage_off, room = KISTE_CHAN_EXEC_RING - (*head - tail);

		if (n > room)
			n = room;
		if (n > KISTE_CHAN_EXEC_RING - off)
			n = KISTE_CHAN_EXEC_RING - off;
		memcpy(ring + off, s->stage + s->stage_off, n);
		s->stage_off += n;
		moved += n;
		*head += n;
		__atomic_store_n(&c->in_head, *head, __ATOMIC_RELEASE);
	}
	if (s->stage_len && s->stage_off == s->stage_len) {
		s->stage_off = s->stage_len = 0;
		s->taken = true;
		s->data_waits = false;
	}
	return moved;
}

/*
 * Messages from the caller: stdin (staged), signals, the terminal's size.
 * With stdin staged (the process is not reading it) a DATA waits in the
 * connection, but what comes after it is read: the caller sends one stdin
 * message before TAKEN, so a SIGNAL is never behind a second one.
 */
static void caller_read(struct linux_exec *x, unsigned int i)
{
	struct linux_exec_sess *s = &x->sess[i];
	struct kiste_chan_exec *c = x->slot[i];
	struct kiste_exec_data d;
	unsigned int round;

	for (round = 0; round < 16 && s->fd >= 0; round++) {
		ssize_t n;

		if (s->stage_len) {
			n = recv(s->fd, &d, sizeof(d), MSG_DONTWAIT | MSG_PEEK);
			/* A caller's second stdin message: not looked at again until TAKEN. */
			s->data_waits = n == (ssize_t)sizeof(d) && d.kind == KISTE_EXEC_DATA;
			if (s->data_waits)
				return;
		}
		n = recv(s->fd, x->buf, sizeof(d) + KISTE_EXEC_DATA_MAX, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			orphan(x, i);
			return;
		}
		if (n < (ssize_t)sizeof(d))
			continue;
		memcpy(&d, x->buf, sizeof(d));
		if (d.kind == KISTE_EXEC_DATA && d.value == 0) {
			/* Only read with nothing staged: an empty message ends what went before. */
			s->stage_len = (uint32_t)n - sizeof(d);
			s->stage_off = 0;
			memcpy(s->stage, x->buf + sizeof(d), s->stage_len);
			if (!s->stage_len)
				__atomic_store_n(&c->in_eof, 1, __ATOMIC_RELEASE);
		} else if (d.kind == KISTE_EXEC_SIGNAL && d.value > 0 && d.value < 65) {
			__atomic_store_n(&c->signal, (uint32_t)d.value, __ATOMIC_RELEASE);
		} else if (d.kind == KISTE_EXEC_WINSIZE) {
			__atomic_store_n(&c->winsize, kiste_chan_winsz((uint32_t)d.value >> 16,
								       d.value & 0xffff),
					 __ATOMIC_RELEASE);
		}
	}
}

/* The agent's answer to a request: STARTED, or ERROR with its line. */
static void answer(struct linux_exec *x, unsigned int i, uint32_t st)
{
	struct kiste_chan_exec *c = x->slot[i];
	struct linux_exec_sess *s = &x->sess[i];
	char msg[sizeof(c->msg)];
	int e;

	if (st == KISTE_CHAN_EXEC_RUN || st == KISTE_CHAN_EXEC_DONE) {
		send_msg(s->fd, KISTE_EXEC_STARTED, __atomic_load_n(&c->pid, __ATOMIC_RELAXED),
			 NULL);
		s->phase = P_RUNNING;
		return;
	}
	if (st != KISTE_CHAN_EXEC_FAIL)
		return;
	e = __atomic_load_n(&c->error, __ATOMIC_RELAXED);
	memcpy(msg, c->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = 0;
	kiste_printable(msg);
	refuse(s->fd, e > 0 && e < 4096 ? e : EIO, "%s", msg);
	slot_free(x, i);
}

/* The caller may send its next stdin message; -1 when it is gone. */
static int send_taken(struct linux_exec_sess *s)
{
	struct kiste_exec_data d = { .kind = KISTE_EXEC_TAKEN };

	if (!s->taken || s->fd < 0)
		return 0;
	if (send(s->fd, &d, sizeof(d), SEND_FLAGS) == (ssize_t)sizeof(d)) {
		s->taken = false;
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR) {
		s->out_blocked = errno == EAGAIN;
		return 0;
	}
	return -1;
}

/*
 * A session's round: the agent's answer, stdin in, output out, TAKEN, and
 * the status once all of the output went.  True when something moved.
 */
static bool sess_move(struct linux_exec *x, unsigned int i)
{
	struct linux_exec_sess *s = &x->sess[i];
	uint32_t st = __atomic_load_n(&x->slot[i]->state, __ATOMIC_ACQUIRE);
	int phase = s->phase;
	long in, o0, o1;
	bool empty;

	if (s->phase == P_REQUESTED) {
		answer(x, i, st);
		if (s->phase != P_RUNNING)
			return s->phase != phase;
	}
	/* Its caller went before it started, and it did not start: the slot is free. */
	if (s->phase == P_ORPHAN && st == KISTE_CHAN_EXEC_FAIL) {
		slot_free(x, i);
		return true;
	}
	in = in_move(x, i);
	o0 = in < 0 ? 0 : out_move(x, i, 0);
	o1 = in < 0 || o0 < 0 ? 0 : out_move(x, i, 1);
	if (in < 0 || o0 < 0 || o1 < 0) {
		slot_broken(x, i);
		return true;
	}
	if (send_taken(s) < 0)
		orphan(x, i);
	if (st != KISTE_CHAN_EXEC_DONE)
		return in + o0 + o1 > 0 || s->phase != phase;
	/* DONE is stored after the last heads: what they say now is all there is. */
	empty = s->out_tail[0] == __atomic_load_n(&x->slot[i]->out_head[0], __ATOMIC_ACQUIRE) &&
		s->out_tail[1] == __atomic_load_n(&x->slot[i]->out_head[1], __ATOMIC_ACQUIRE);
	if (!empty && s->fd >= 0)
		return true;
	if (s->fd >= 0) {
		struct kiste_exec_msg m = { .kind = KISTE_EXEC_EXITED,
					    .value = __atomic_load_n(&x->slot[i]->status,
								     __ATOMIC_RELAXED) };

		if (send(s->fd, &m, sizeof(m), SEND_FLAGS) < 0 && errno == EAGAIN) {
			s->out_blocked = true;
			return true;
		}
	}
	slot_free(x, i);
	return true;
}

unsigned int linux_exec_poll(struct linux_exec *x, struct pollfd *p, int *timeout_ms)
{
	int t = x->quiet < EXEC_QUIET ? EXEC_POLL_MS : EXEC_IDLE_MS;
	unsigned int i, n = 0;

	if (x->listen_fd < 0)
		return 0;
	p[n++] = (struct pollfd){ .fd = x->listen_fd, .events = POLLIN };
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		struct linux_exec_sess *s = &x->sess[i];
		short ev = 0;

		if (s->phase == P_REQUESTED || s->phase == P_RUNNING || s->phase == P_ORPHAN)
			if (*timeout_ms < 0 || *timeout_ms > t)
				*timeout_ms = t;
		/* A caller that is gone shows as POLLHUP, which needs no event asked for. */
		if (s->phase == P_WAIT_REQ || (s->phase == P_RUNNING && !s->data_waits))
			ev |= POLLIN;
		if (s->out_blocked)
			ev |= POLLOUT;
		p[n++] = (struct pollfd){ .fd = s->fd, .events = ev };
	}
	return n;
}

void linux_exec_serve(struct linux_exec *x, const struct pollfd *p)
{
	bool moved = false;
	unsigned int i;

	if (x->listen_fd < 0)
		return;
	if (p[0].revents & POLLIN)
		accept_one(x);
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		struct linux_exec_sess *s = &x->sess[i];
		short rev = p[1 + i].revents;

		if (rev & POLLOUT)
			s->out_blocked = false;
		if (s->phase == P_WAIT_REQ && rev) {
			take_request(x, i);
			moved = true;
			continue;
		}
		/* Its caller is gone (killed, say): whatever it left unread will not matter. */
		if ((s->phase == P_REQUESTED || s->phase == P_RUNNING) &&
		    (rev & (POLLHUP | POLLERR)))
			orphan(x, i);
		if (s->phase == P_RUNNING && (rev & POLLIN)) {
			caller_read(x, i);
			moved = true;
		}
		if (s->phase == P_REQUESTED || s->phase == P_RUNNING || s->phase == P_ORPHAN)
			moved |= sess_move(x, i);
	}
	x->quiet = moved ? 0 : x->quiet + 1;
}

void linux_exec_end(struct linux_exec *x)
{
	unsigned int i;

	if (!x->buf)
		return;	/* no exec, or ended already */
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		struct linux_exec_sess *s = &x->sess[i];

		if (s->fd < 0)
			continue;
		if (s->phase == P_RUNNING) {
			/* Its last output (a full connection drops the rest), then its end. */
			out_move(x, i, 0);
			out_move(x, i, 1);
			if (__atomic_load_n(&x->slot[i]->state, __ATOMIC_ACQUIRE) ==
			    KISTE_CHAN_EXEC_DONE)
				send_msg(s->fd, KISTE_EXEC_EXITED, x->slot[i]->status, NULL);
			else
				send_msg(s->fd, KISTE_EXEC_EXITED, SIGKILL, NULL);
		} else {
			refuse(s->fd, ECHILD, "the sandbox stopped before the process started");
		}
		sess_close(s);
	}
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++)
		free(x->sess[i].stage);
	free(x->buf);
	x->buf = NULL;
	x->listen_fd = -1;
}
