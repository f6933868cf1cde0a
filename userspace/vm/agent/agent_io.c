// SPDX-License-Identifier: GPL-2.0
// agent_io.c - the agent's side of the VMM channel: /dev/mem mapping, stdio forwarding, exit port.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

/* How long the agent sleeps between looks at the stdin ring and the signal word. */
#define IDLE_POLL_MS		2
#define BUSY_POLL_MS		20

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

int agent_chan_open(struct agent_chan *ch)
{
	char buf[4096], *p;
	unsigned long long addr, size;
	ssize_t n;
	void *m;
	int fd;

	*ch = (struct agent_chan){ 0 };
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strstr(buf, "kiste.chan=");
	if (!p || sscanf(p + 11, "%llx,%llx", &addr, &size) != 2)
		return 0;
	if (size != KISTE_CHAN_SIZE)
		return -EINVAL;
	fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, addr);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	ch->hdr = m;
	if (ch->hdr->magic != KISTE_CHAN_MAGIC) {
		ch->hdr = NULL;
		return -EPROTO;
	}
	ch->in = (uint8_t *)m + KISTE_CHAN_IN_OFF;
	ch->out = (uint8_t *)m + KISTE_CHAN_OUT_OFF;
	return 0;
}

/* An empty stdout write: tells the VMM the kernel has booted and the workload is forked. */
void agent_chan_started(void)
{
	outl(KISTE_CHAN_PORT_OUT, 0);
}

void agent_chan_flush(struct agent_chan *ch)
{
	if (!ch->hdr || !ch->out_len)
		return;
	/* The VMM has written the bytes out when this OUT completes. */
	outl(KISTE_CHAN_PORT_OUT, ch->out_len | (ch->out_stream ? KISTE_CHAN_OUT_STDERR : 0));
	ch->out_len = 0;
}

void agent_chan_write(struct agent_chan *ch, int stream, const void *p, size_t len)
{
	size_t n;

	if (!ch->hdr)
		return;
	while (len) {
		if (ch->out_len && (ch->out_stream != stream || ch->out_len == KISTE_CHAN_OUT_SIZE))
			agent_chan_flush(ch);
		ch->out_stream = stream;
		n = KISTE_CHAN_OUT_SIZE - ch->out_len;
		if (n > len)
			n = len;
		memcpy(ch->out + ch->out_len, p, n);
		ch->out_len += n;
		p = (const uint8_t *)p + n;
		len -= n;
	}
}

void agent_chan_exit(int code)
{
	outl(KISTE_CHAN_PORT_EXIT, KISTE_CHAN_EXIT_MAGIC | (code & 0xff));
}

/* Reads what @fd has into the channel buffer; returns 0 at EOF, 1 otherwise. */
static int drain(struct agent_chan *ch, int fd, int stream)
{
	ssize_t n;

	for (;;) {
		size_t room;

		if (ch->out_len && ch->out_stream != stream)
			agent_chan_flush(ch);
		if (ch->out_len == KISTE_CHAN_OUT_SIZE)
			agent_chan_flush(ch);
		ch->out_stream = stream;
		room = KISTE_CHAN_OUT_SIZE - ch->out_len;
		n = read(fd, ch->out + ch->out_len, room);
		if (n > 0) {
			ch->out_len += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* A pty master reads EIO once its last slave is closed, after what they wrote. */
		return n == 0 || (n < 0 && errno == EIO) ? 0 : 1;
	}
}

/*
 * Moves stdin from the ring into the workload's pipe or terminal: -1 once
 * the workload closed it, 1 at the end of the host's input, else 0.
 */
static int feed(struct agent_chan *ch, int fd)
{
	struct kiste_chan_hdr *h = ch->hdr;
	uint32_t head = __atomic_load_n(&h->in_head, __ATOMIC_ACQUIRE), tail = h->in_tail;
	ssize_t n;

	while (head != tail) {
		uint32_t off = tail & (KISTE_CHAN_IN_SIZE - 1), len = head - tail;

		if (len > KISTE_CHAN_IN_SIZE - off)
			len = KISTE_CHAN_IN_SIZE - off;
		n = write(fd, ch->in + off, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;	/* the workload closed its stdin */
		tail += n;
		__atomic_store_n(&h->in_tail, tail, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&h->in_eof, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&h->in_head, __ATOMIC_ACQUIRE) == tail ? 1 : 0;
}

/* The last byte of stdin the workload was given, or -1: none yet. */
static int last_typed(const struct agent_chan *ch)
{
	uint32_t tail = ch->hdr->in_tail;

	return tail ? ch->in[(tail - 1) & (KISTE_CHAN_IN_SIZE - 1)] : -1;
}

/* Reaps every child (PID 1 inherits orphans); returns 1 once @pid was reaped. */
static int reap(pid_t pid, int *status, int sfd)
{
	struct signalfd_siginfo si;
	int st, done = 0;
	pid_t p;

	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == pid) {
			*status = st;
			done = 1;
		} else {
			agent_exec_reaped(p, st);
		}
	}
	return done;
}

static void nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int stdin_pending(const struct agent_chan *ch)
{
	const struct kiste_chan_hdr *h = ch->hdr;

	return __atomic_load_n(&h->in_head, __ATOMIC_ACQUIRE) != h->in_tail ||
	       __atomic_load_n(&h->in_eof, __ATOMIC_ACQUIRE);
}

/* The signals the host set (vm_agent.h), lowest first; none once the workload is gone. */
static void forward_signal(struct agent_chan *ch, pid_t pid, int exited)
{
	uint64_t pend = __atomic_exchange_n(&ch->hdr->sigpend, 0, __ATOMIC_ACQ_REL) |
			(uint64_t)__atomic_exchange_n(&ch->hdr->sigpend_hi, 0, __ATOMIC_ACQ_REL) << 32;
	int sig;

	for (sig = 1; pend && !exited; sig++, pend >>= 1)
		if (pend & 1)
			kill(pid, sig);
}

/* The host is the guest's owner, but a word out of range is no terminal's: ignored. */
void agent_chan_winsize(struct agent_chan *ch, int master)
{
	agent_pty_winsize(__atomic_load_n(&ch->hdr->winsize, __ATOMIC_ACQUIRE), &ch->winsz, master);
}

int agent_forward(struct agent_chan *ch, pid_t pid, int in_fd, int out_fd, int err_fd, int sfd,
		  int tty)
{
	int status = 0, exited = 0, fed, eof_done = 0;

	nonblock(in_fd);
	nonblock(out_fd);
	nonblock(err_fd);
	while (out_fd >= 0 || err_fd >= 0 || !exited) {
		int pend = in_fd >= 0 && stdin_pending(ch);
		struct pollfd p[4] = { { .fd = out_fd, .events = POLLIN },
				       { .fd = err_fd, .events = POLLIN },
				       { .fd = exited ? -1 : sfd, .events = POLLIN },
				       { .fd = pend ? in_fd : -1, .events = POLLOUT } };

		if (tty && out_fd >= 0)
			agent_chan_winsize(ch, out_fd);
		/* The rings (stdin's, kiste exec's) are polled: often while they are in use. */
		poll(p, 4, (in_fd >= 0 && !pend) || agent_exec_busy() ? IDLE_POLL_MS : BUSY_POLL_MS);
		if (p[0].revents && !drain(ch, out_fd, 0)) {
			close(out_fd);
			out_fd = -1;
		}
		if (p[1].revents && !drain(ch, err_fd, 1)) {
			close(err_fd);
			err_fd = -1;
		}
		if (!exited && reap(pid, &status, sfd)) {
			exited = 1;
			/* The workload is the container: what it left behind ends with it. */
			kill(-1, SIGKILL);
		}
		fed = in_fd >= 0 ? feed(ch, in_fd) : 0;
		/* A terminal stays for output: its typing ends as agent_pty_eof types it. */
		if (fed < 0 || (fed > 0 && (!tty || agent_pty_eof(in_fd, last_typed(ch),
								  &eof_done) == 0))) {
			close(in_fd);
			in_fd = -1;
		}
		forward_signal(ch, pid, exited);
		if (!exited)
			agent_exec_serve(ch);
		agent_chan_flush(ch);
	}
	if (in_fd >= 0)
		close(in_fd);
	return status;
}
