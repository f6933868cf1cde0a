// SPDX-License-Identifier: GPL-2.0
// relay.c - --network pasta's frame relay process: passt's stream <-> the unikernel's SOCK_SEQPACKET end.
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kiste_passt_frame.h"
#include "kiste_run.h"
#include "relay.h"

/*
 * Why a relay and not passt's stream itself: in process isolation the
 * unikernel reads its device with one read(2) per frame, bounded by the
 * filter to MTU + 14 bytes, and may make no other call on it; a stream would
 * hand it half frames or two at once.  A SOCK_SEQPACKET pair keeps message
 * boundaries, so the unikernel's bindings, the hvt VMM and both filters stay
 * as they are for a tap.  The relay is a process of its own, not the
 * launcher's loop: whatever the unikernel sends, the launcher only waits for
 * its children, and the relay parses passt's stream behind its own filter.
 */

void uk_relay_init(struct uk_relay *r, int stream, int dev)
{
	memset(r, 0, sizeof(*r));
	r->stream = stream;
	r->dev = dev;
}

static int relay_stop(struct uk_relay *r, bool passt, const char *why)
{
	r->why = why;
	r->passt_gone = passt;
	return -1;
}

int uk_relay_stream_fwd(struct uk_relay *r)
{
	uint32_t off = 0, len, k;
	ssize_t n;

	r->in_blocked = false;
	for (;;) {
		if (r->skip) {
			k = r->in_len - off < r->skip ? r->in_len - off : r->skip;
			r->skip -= k;
			off += k;
			if (r->skip)
				break;
			continue;
		}
		if (r->in_len - off < 4)
			break;
		memcpy(&len, r->in + off, 4);
		len = be32toh(len);
		if (len < 14 || len > UK_RELAY_STREAM_LEN_MAX)
			return relay_stop(r, true, "it sent a frame length out of range");
		if (len > UK_RELAY_FRAME_MAX) {
			/* longer than the device's MTU: the unikernel could not read it whole */
			r->dropped++;
			r->skip = len;
			off += 4;
			continue;
		}
		if (r->in_len - off < 4 + len)
			break;
		n = send(r->dev, r->in + off + 4, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
			r->in_blocked = true;
			break;
		}
		if (n < 0)
			return relay_stop(r, false, "the unikernel's end is gone");
		off += 4 + len;
	}
	r->in_len -= off;
	memmove(r->in, r->in + off, r->in_len);
	return 0;
}

int uk_relay_stream_in(struct uk_relay *r)
{
	ssize_t n;

	/* Full only behind a blocked frame (a whole one always fits): nothing to read into. */
	if (r->in_len == sizeof(r->in))
		return uk_relay_stream_fwd(r);
	n = recv(r->stream, r->in + r->in_len, sizeof(r->in) - r->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return relay_stop(r, true, n ? "reading from it failed" : "it closed the connection");
	r->in_len += (uint32_t)n;
	return uk_relay_stream_fwd(r);
}

static bool relay_out_room(const struct uk_relay *r)
{
	return r->out_len + 4 + UK_RELAY_FRAME_MAX <= sizeof(r->out);
}

int uk_relay_dev_in(struct uk_relay *r, bool hup)
{
	uint8_t f[UK_RELAY_FRAME_MAX];
	uint32_t be;
	ssize_t n;

	/* MSG_TRUNC: the message's own length, also when it was longer than f. */
	n = recv(r->dev, f, sizeof(f), MSG_DONTWAIT | MSG_TRUNC);
	/*
	 * ECONNRESET: the unikernel closed its end with frames of ours unread.
	 * Reported once, before what it sent last: read on to its end-of-file.
	 */
	if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ECONNRESET))
		return 0;
	if (n < 0)
		return relay_stop(r, false, "reading the unikernel's end failed");
	if (n == 0 && hup)
		return relay_stop(r, false, "the unikernel closed its end");
	if (n < 14 || n > UK_RELAY_FRAME_MAX || !relay_out_room(r)) {
		r->dropped++;
		return 0;
	}
	/* toward the host's loopback through passt (kiste_passt_frame.h) */
	if (kiste_passt_frame_refused(f, (size_t)n)) {
		r->refused++;
		return 0;
	}
	if (r->out_off + r->out_len + 4 + (size_t)n > sizeof(r->out)) {
		memmove(r->out, r->out + r->out_off, r->out_len);
		r->out_off = 0;
	}
	be = htobe32((uint32_t)n);
	memcpy(r->out + r->out_off + r->out_len, &be, 4);
	memcpy(r->out + r->out_off + r->out_len + 4, f, n);
	r->out_len += 4 + (uint32_t)n;
	return 0;
}

int uk_relay_stream_out(struct uk_relay *r)
{
	ssize_t n;

	if (!r->out_len)
		return 0;
	n = send(r->stream, r->out + r->out_off, r->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return relay_stop(r, true, "writing to it failed");
	r->out_off += (uint32_t)n;
	r->out_len -= (uint32_t)n;
	if (!r->out_len)
		r->out_off = 0;
	return 0;
}

/*
 * The unikernel's end closed: what it sent last (a reply before its exit)
 * still goes to passt, and the relay waits until passt has read it, since
 * passt stops at our hang-up without reading what is left; at most a second.
 */
static int relay_drain(struct uk_relay *r)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct pollfd p[2] = { { .fd = r->stream }, { .fd = -1 } };
	int i, queued;

	for (i = 0; i < 20; i++) {
		p[0].events = r->out_len ? POLLOUT : 0;
		if (!r->out_len && (ioctl(r->stream, SIOCOUTQ, &queued) < 0 || queued <= 0))
			break;
		if (ppoll(p, 2, &ts, NULL) < 0 || uk_relay_stream_out(r) < 0)
			break;
	}
	return -1;
}

int uk_relay_run(struct uk_relay *r)
{
	const short gone = POLLHUP | POLLERR;
	struct pollfd p[2];
	bool room;

	for (;;) {
		room = relay_out_room(r);
		p[0] = (struct pollfd){ .fd = r->stream, .events = (r->in_blocked ? 0 : POLLIN) |
								(r->out_len ? POLLOUT : 0) };
		p[1] = (struct pollfd){ .fd = r->dev, .events = (room ? POLLIN : 0) |
							     (r->in_blocked ? POLLOUT : 0) };
		if (ppoll(p, 2, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return relay_stop(r, false, "poll failed");
		}
		if ((p[1].revents & POLLOUT) && uk_relay_stream_fwd(r) < 0)
			return -1;
		/* passt left while the unikernel is not reading: nothing more will come. */
		if ((p[0].revents & gone) && r->in_blocked)
			return relay_stop(r, true, "it closed the connection");
		if ((p[0].revents & (POLLIN | gone)) && !r->in_blocked && uk_relay_stream_in(r) < 0)
			return -1;
		/* It hung up while our queue to passt was full: what it sent after that is lost. */
		if ((p[1].revents & gone) && !room)
			return relay_drain(r), relay_stop(r, false, "the unikernel closed its end");
		if ((p[1].revents & (POLLIN | gone)) && uk_relay_dev_in(r, p[1].revents & gone) < 0)
			return r->passt_gone ? -1 : relay_drain(r);
		if ((p[0].revents & POLLOUT) && uk_relay_stream_out(r) < 0)
			return -1;
	}
}

/* The relay process's descriptors (uk_relay_child) and the stderr read it may make of passt. */
enum { R_STREAM = 3, R_DEV, R_PASST_ERR, R_PIDFD, R_NFDS };
#define R_PASST_LINE 256

struct relay_rule {
	int nr;
	unsigned int n;
	struct scmp_arg_cmp c[4];
	const char *why;
};

/* Descriptors are ints: compared on their low 32 bits, as the kernel reads them. */
#define FD_IS(fd) SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0xffffffffULL, (fd))
#define INT_IS(a, v) { a, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (v) }

/*
 * The relay's whole host surface once it has started; anything else kills it.
 * send and recv are sendto and recvfrom without an address.
 */
static const struct relay_rule relay_rules[] = {
	{ SYS_recvfrom, 3, { FD_IS(R_STREAM), SCMP_A2_64(SCMP_CMP_LE, 4 + UK_RELAY_FRAME_MAX),
	  INT_IS(3, MSG_DONTWAIT) }, "passt's stream, into the frame buffer" },
	{ SYS_recvfrom, 3, { FD_IS(R_DEV), SCMP_A2_64(SCMP_CMP_EQ, UK_RELAY_FRAME_MAX),
	  INT_IS(3, MSG_DONTWAIT | MSG_TRUNC) }, "one frame from the unikernel" },
	{ SYS_sendto, 3, { FD_IS(R_DEV), SCMP_A2_64(SCMP_CMP_LE, UK_RELAY_FRAME_MAX),
	  INT_IS(3, MSG_DONTWAIT | MSG_NOSIGNAL) }, "one frame to the unikernel" },
	{ SYS_sendto, 3, { FD_IS(R_STREAM), SCMP_A2_64(SCMP_CMP_LE, UK_RELAY_OUT_SIZE),
	  INT_IS(3, MSG_DONTWAIT | MSG_NOSIGNAL) }, "framed frames to passt" },
	{ SYS_ppoll, 2, { INT_IS(1, 2), SCMP_A3_64(SCMP_CMP_EQ, 0) },
	  "wait for both ends, no signal mask" },
	{ SYS_ioctl, 2, { FD_IS(R_STREAM), INT_IS(1, SIOCOUTQ) },
	  "at the unikernel's end: has passt read its last frames" },
	{ SYS_read, 2, { FD_IS(R_PASST_ERR), SCMP_A2_64(SCMP_CMP_LE, R_PASST_LINE) },
	  "why passt stopped, for the line kiste prints" },
	{ SYS_pidfd_send_signal, 4, { FD_IS(R_PIDFD), INT_IS(1, SIGKILL), SCMP_A2_64(SCMP_CMP_EQ, 0),
	  INT_IS(3, 0) }, "end the unikernel (its pidfd: never a reused pid) when passt stopped" },
	{ SYS_write, 2, { FD_IS(STDERR_FILENO), SCMP_A2_64(SCMP_CMP_LE, 2 * R_PASST_LINE) },
	  "that line" },
	{ SYS_exit_group, 1, { INT_IS(0, 0) },
	  "the end: always status 0 (kiste's exit lines come from the unikernel's)" },
};

#define R_NRULES (sizeof(relay_rules) / sizeof(relay_rules[0]))

static int relay_confine(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	unsigned int i;
	int ret = ctx ? 0 : -ENOMEM;

	for (i = 0; ret == 0 && i < R_NRULES; i++)
		ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, relay_rules[i].nr, relay_rules[i].n,
					     relay_rules[i].c);
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

void uk_relay_filter_print(FILE *f)
{
	static const char *const ops[] = { [SCMP_CMP_EQ] = "==", [SCMP_CMP_LE] = "<=",
					   [SCMP_CMP_MASKED_EQ] = "==" };
	const struct relay_rule *r;
	unsigned int i, k;
	char *name;

	fprintf(f, "# --network pasta: the relay process's filter (fds: %d passt, %d the "
		"unikernel's device pair, %d passt's stderr, %d the unikernel's pidfd), %zu rows, "
		"anything else kills it\n", R_STREAM, R_DEV, R_PASST_ERR, R_PIDFD, R_NRULES);
	for (i = 0; i < R_NRULES; i++) {
		r = &relay_rules[i];
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
		fprintf(f, "#   relay: %s(", name ? name : "?");
		free(name);
		for (k = 0; k < r->n; k++)
			/* ints and flags (masked to 32 bits) in hex, sizes in decimal */
			fprintf(f, r->c[k].op == SCMP_CMP_MASKED_EQ ? "%slo32(arg%u) %s %#llx" :
				"%sarg%u %s %llu", k ? ", " : "", r->c[k].arg, ops[r->c[k].op],
				(unsigned long long)(r->c[k].op == SCMP_CMP_MASKED_EQ ?
						     r->c[k].datum_b : r->c[k].datum_a));
		fprintf(f, ")  %s\n", r->why);
	}
}

/* Our descriptors to 3-6 (through numbers above them: they may overlap), the rest closed. */
static int relay_fds(int stream, int dev, int passt_err, int pidfd)
{
	int fds[4] = { stream, dev, passt_err, pidfd }, i;

	for (i = 0; i < 4; i++) {
		fds[i] = fcntl(fds[i], F_DUPFD, 64);
		if (fds[i] < 0)
			return -1;
	}
	for (i = 0; i < 4; i++)
		if (dup2(fds[i], R_STREAM + i) < 0)
			return -1;
	return syscall(SYS_close_range, R_NFDS, ~0U, 0) < 0 ? -1 : 0;
}

static void relay_report(const struct uk_relay *r)
{
	char msg[R_PASST_LINE], line[2 * R_PASST_LINE];
	ssize_t n = read(R_PASST_ERR, msg, sizeof(msg) - 1);
	int len;

	char *c;

	msg[n > 0 ? n : 0] = 0;
	msg[strcspn(msg, "\n")] = 0;
	/* passt's words, not its terminal escapes */
	for (c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	len = snprintf(line, sizeof(line), "kiste: the network backend (passt) stopped: %s%s%s%s\n",
		       r->why, msg[0] ? " (passt: \"" : "", msg, msg[0] ? "\")" : "");
	if (len > 0 && write(STDERR_FILENO, line, (size_t)len < sizeof(line) ? (size_t)len :
			     sizeof(line) - 1) < 0)
		return;
}

static void relay_kill(void)
{
	syscall(SYS_pidfd_send_signal, R_PIDFD, SIGKILL, NULL, 0);
}

void uk_relay_child(int stream, int dev, int passt_err, int unikernel, pid_t parent)
{
	static struct uk_relay r;

	kiste_helper_child(parent);
	/* the launcher forwards these to the unikernel; its hang-up ends us */
	kiste_helper_ignore_stops();
	if (relay_fds(stream, dev, passt_err, unikernel) < 0) {
		perror("kiste: the network relay's descriptors");
		syscall(SYS_pidfd_send_signal, unikernel, SIGKILL, NULL, 0);
		_exit(KISTE_EXIT_REFUSED);
	}
	uk_relay_init(&r, R_STREAM, R_DEV);
	/* No privilege once its descriptors are set: none left (the filter also holds). */
	if (kiste_caps_clear() < 0 || relay_confine() < 0) {
		fputs("kiste: cannot confine the network relay (capabilities, seccomp)\n", stderr);
		relay_kill();
		_exit(KISTE_EXIT_REFUSED);
	}
	if (uk_relay_run(&r) < 0 && r.passt_gone) {
		relay_report(&r);
		relay_kill();
	}
	/* Not _exit(): a sanitizer's hook there (leak check) makes calls the filter refuses. */
	syscall(SYS_exit_group, 0);
	__builtin_unreachable();
}
