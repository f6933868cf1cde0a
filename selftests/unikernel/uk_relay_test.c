// SPDX-License-Identifier: GPL-2.0
// uk_relay_test.c - --network pasta's frame relay fed good frames and garbage from both sides.
// kiste-suite: host uk_relay_test
/*
 * The relay (userspace/unikernel/host/relay.c) sits between passt's stream
 * (a 4-byte big-endian length, then the frame) and the unikernel's
 * SOCK_SEQPACKET end.  Here both sides are socketpairs the test holds: a
 * length of 0, one below an Ethernet header, a huge one and an oversized
 * frame from "passt"; empty, short and oversized messages from the
 * "unikernel"; a frame cut short; a unikernel that never reads.  Last, the
 * confined relay process itself: it relays, and when passt's stream breaks
 * it kills the unikernel instead of dying of its own filter.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "relay.h"

FIXTURE(relay)
{
	struct uk_relay *r;
	int passt;	/* the test's end of the stream: plays passt */
	int uk;		/* the test's end of the SOCK_SEQPACKET pair: plays the unikernel */
};

FIXTURE_SETUP(relay)
{
	int s[2], d[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, d));
	self->r = calloc(1, sizeof(*self->r));
	ASSERT_NE(NULL, self->r);
	uk_relay_init(self->r, s[0], d[0]);
	self->passt = s[1];
	self->uk = d[1];
	fcntl(self->uk, F_SETFL, O_NONBLOCK);
}

FIXTURE_TEARDOWN(relay)
{
	close(self->r->stream);
	close(self->r->dev);
	close(self->passt);
	close(self->uk);
	free(self->r);
}

/* A frame of @len bytes whose bytes say @tag, behind its length as passt sends it. */
static size_t framed(uint8_t *buf, uint32_t announce, uint32_t len, uint8_t tag)
{
	uint32_t be = htobe32(announce);

	memcpy(buf, &be, 4);
	memset(buf + 4, tag, len);
	return 4 + len;
}

static ssize_t send_all(int fd, const void *p, size_t n)
{
	return send(fd, p, n, MSG_NOSIGNAL);
}

/* The next message the unikernel would read: its length, or -1 when there is none. */
static ssize_t uk_read(int uk, uint8_t *buf, size_t n)
{
	return recv(uk, buf, n, MSG_DONTWAIT);
}

TEST_F(relay, frame_from_passt_arrives_whole)
{
	uint8_t buf[2048], got[2048];

	ASSERT_EQ(4 + 60, send_all(self->passt, buf, framed(buf, 60, 60, 0xa5)));
	ASSERT_EQ(0, uk_relay_stream_in(self->r));
	ASSERT_EQ(60, uk_read(self->uk, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, buf + 4, 60));
	EXPECT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
}

TEST_F(relay, frame_in_single_bytes_arrives_once)
{
	uint8_t buf[2048], got[2048];
	size_t n = framed(buf, UK_RELAY_FRAME_MAX, UK_RELAY_FRAME_MAX, 0x11), i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, send_all(self->passt, buf + i, 1));
		ASSERT_EQ(0, uk_relay_stream_in(self->r));
		if (i + 1 < n)
			ASSERT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
	}
	ASSERT_EQ(UK_RELAY_FRAME_MAX, uk_read(self->uk, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, buf + 4, UK_RELAY_FRAME_MAX));
}

TEST_F(relay, zero_length_breaks_the_stream)
{
	uint8_t buf[8];

	ASSERT_EQ(4, send_all(self->passt, buf, framed(buf, 0, 0, 0)));
	EXPECT_EQ(-1, uk_relay_stream_in(self->r));
	EXPECT_TRUE(self->r->passt_gone);
	EXPECT_NE(NULL, self->r->why);
}

TEST_F(relay, length_below_a_header_breaks_the_stream)
{
	uint8_t buf[32];

	ASSERT_EQ(4 + 13, send_all(self->passt, buf, framed(buf, 13, 13, 1)));
	EXPECT_EQ(-1, uk_relay_stream_in(self->r));
	EXPECT_TRUE(self->r->passt_gone);
}

TEST_F(relay, huge_length_breaks_the_stream)
{
	uint8_t buf[64], got[64];

	ASSERT_EQ(4 + 32, send_all(self->passt, buf, framed(buf, 0xffffffffu, 32, 2)));
	EXPECT_EQ(-1, uk_relay_stream_in(self->r));
	EXPECT_TRUE(self->r->passt_gone);
	EXPECT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
	/* one above the largest an IPv4 packet can be */
	uk_relay_init(self->r, self->r->stream, self->r->dev);
	ASSERT_EQ(4 + 32, send_all(self->passt, buf,
				   framed(buf, UK_RELAY_STREAM_LEN_MAX + 1, 32, 2)));
	EXPECT_EQ(-1, uk_relay_stream_in(self->r));
}

/* Relays all that "passt" has sent so far; what the last call returned. */
static int pump(struct uk_relay *r)
{
	int queued = 1, ret = 0;

	while (ret == 0 && ioctl(r->stream, FIONREAD, &queued) == 0 && queued > 0)
		ret = uk_relay_stream_in(r);
	return ret;
}

TEST_F(relay, oversized_frame_is_skipped_and_the_next_arrives)
{
	static uint8_t buf[UK_RELAY_STREAM_LEN_MAX + 256];
	uint8_t got[2048];
	size_t n = framed(buf, UK_RELAY_STREAM_LEN_MAX, UK_RELAY_STREAM_LEN_MAX, 0x33);
	size_t off = 0;

	n += framed(buf + n, 100, 100, 0x44);
	/* in pieces, as a stream gives it: the skip spans many reads */
	while (off < n) {
		ssize_t w = send_all(self->passt, buf + off, n - off > 4096 ? 4096 : n - off);

		ASSERT_LT(0, w);
		off += (size_t)w;
		ASSERT_EQ(0, pump(self->r));
	}
	ASSERT_EQ(100, uk_read(self->uk, got, sizeof(got)));
	EXPECT_EQ(0x44, got[0]);
	EXPECT_EQ(0x44, got[99]);
	EXPECT_EQ(1u, self->r->dropped);
	EXPECT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
}

TEST_F(relay, truncated_frame_then_close_delivers_nothing)
{
	uint8_t buf[256], got[256];

	framed(buf, 100, 100, 0x55);
	ASSERT_EQ(4 + 50, send_all(self->passt, buf, 4 + 50));
	ASSERT_EQ(0, uk_relay_stream_in(self->r));
	EXPECT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
	close(self->passt);
	self->passt = -1;
	EXPECT_EQ(-1, uk_relay_stream_in(self->r));
	EXPECT_TRUE(self->r->passt_gone);
	EXPECT_EQ(-1, uk_read(self->uk, got, sizeof(got)));
}

/* What the relay wrote to passt: the whole stream it has now. */
static ssize_t passt_read(int passt, uint8_t *buf, size_t n)
{
	return recv(passt, buf, n, MSG_DONTWAIT);
}

TEST_F(relay, frame_from_unikernel_is_framed)
{
	uint8_t f[UK_RELAY_FRAME_MAX], got[2 * UK_RELAY_FRAME_MAX];
	uint32_t be;

	memset(f, 0x66, sizeof(f));
	ASSERT_EQ((ssize_t)sizeof(f), send(self->uk, f, sizeof(f), 0));
	ASSERT_EQ(0, uk_relay_dev_in(self->r, false));
	ASSERT_EQ(0, uk_relay_stream_out(self->r));
	ASSERT_EQ(4 + (ssize_t)sizeof(f), passt_read(self->passt, got, sizeof(got)));
	memcpy(&be, got, 4);
	EXPECT_EQ(sizeof(f), be32toh(be));
	EXPECT_EQ(0, memcmp(got + 4, f, sizeof(f)));
}

TEST_F(relay, bad_messages_from_unikernel_are_dropped)
{
	uint8_t f[UK_RELAY_FRAME_MAX + 600], got[4096];
	uint32_t be;

	memset(f, 0x77, sizeof(f));
	/* empty, shorter than a header, one byte too long, far too long; then a good one */
	ASSERT_EQ(0, send(self->uk, f, 0, 0));
	ASSERT_EQ(13, send(self->uk, f, 13, 0));
	ASSERT_EQ(UK_RELAY_FRAME_MAX + 1, send(self->uk, f, UK_RELAY_FRAME_MAX + 1, 0));
	ASSERT_EQ((ssize_t)sizeof(f), send(self->uk, f, sizeof(f), 0));
	ASSERT_EQ(14, send(self->uk, f, 14, 0));
	while (uk_relay_dev_in(self->r, false) == 0 && self->r->dropped < 4)
		;
	ASSERT_EQ(0, uk_relay_dev_in(self->r, false));
	ASSERT_EQ(0, uk_relay_stream_out(self->r));
	EXPECT_EQ(4u, self->r->dropped);
	ASSERT_EQ(4 + 14, passt_read(self->passt, got, sizeof(got)));
	memcpy(&be, got, 4);
	EXPECT_EQ(14u, be32toh(be));
	/* the unikernel hanging up is its end, not an empty frame */
	close(self->uk);
	self->uk = -1;
	EXPECT_EQ(-1, uk_relay_dev_in(self->r, true));
	EXPECT_FALSE(self->r->passt_gone);
}

/* A 60-byte frame of ethertype @type, an IPv4 header to @dst behind it, from the unikernel. */
static void uk_send_to(int uk, uint16_t type, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t f[60];

	memset(f, 0x5a, sizeof(f));
	f[12] = type >> 8;
	f[13] = type & 0xff;
	f[14] = 0x45;
	f[30] = a;
	f[31] = b;
	f[32] = c;
	f[33] = d;
	/* IPv6: the destination (bytes 38-53) ::1 when @a is 127, else 2001:db8::1 */
	if (type == 0x86dd) {
		memset(f + 38, 0, 16);
		f[53] = 1;
		if (a != 127) {
			f[38] = 0x20;
			f[39] = 0x01;
			f[40] = 0x0d;
			f[41] = 0xb8;
		}
	}
	send(uk, f, sizeof(f), 0);
}

/*
 * passt would hand a frame to 127.0.0.1 to the host's loopback: the relay
 * drops it (and 0.0.0.0/8, ::1, tagged ones) before passt's side sees it;
 * ones to 2001:db8::1 and 203.0.113.1 go through.
 */
TEST_F(relay, frames_to_host_loopback_never_reach_passt)
{
	/* to 127.0.113.1, 127.200.113.1, 0.0.113.1; ::1; tagged twice; the last two pass */
	static const struct { uint16_t type; uint8_t a, b; } to[8] = {
		{ 0x0800, 127, 0 }, { 0x0800, 127, 200 }, { 0x0800, 0, 0 }, { 0x86dd, 127, 0 },
		{ 0x8100, 127, 0 }, { 0x88a8, 127, 0 }, { 0x86dd, 203, 0 }, { 0x0800, 203, 0 },
	};
	uint8_t got[256];
	int i;

	for (i = 0; i < 8; i++)
		uk_send_to(self->uk, to[i].type, to[i].a, to[i].b, 113, 1);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, uk_relay_dev_in(self->r, false));
	ASSERT_EQ(0, uk_relay_stream_out(self->r));
	/* two frames of 60 bytes (their big-endian lengths): to 2001:db8::1, to 203.0.113.1 */
	ASSERT_EQ(2 * (4 + 60), passt_read(self->passt, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "\0\0\0\x3c", 4));
	EXPECT_EQ(0, memcmp(got + 4 + 38, "\x20\x01\x0d\xb8", 4));
	EXPECT_EQ(0, memcmp(got + 64 + 4 + 30, "\xcb\x00\x71\x01", 4));
	EXPECT_EQ(-1, passt_read(self->passt, got, sizeof(got)));
	EXPECT_EQ(6u, self->r->refused);
}

/*
 * The unikernel exits with frames of ours unread after sending its last
 * one: its close makes our first recv fail with ECONNRESET, and the frame it
 * sent must still reach passt (then its end-of-file ends the relay).
 */
TEST_F(relay, last_frame_survives_a_reset_hangup)
{
	uint8_t buf[256], got[256];
	int i, ret = 0;

	ASSERT_EQ(4 + 40, send_all(self->passt, buf, framed(buf, 40, 40, 0x21)));
	ASSERT_EQ(0, uk_relay_stream_in(self->r));	/* now queued, unread, at the unikernel */
	memset(buf, 0x44, 50);
	ASSERT_EQ(50, send(self->uk, buf, 50, 0));
	close(self->uk);
	self->uk = -1;
	for (i = 0; i < 4 && ret == 0; i++)
		ret = uk_relay_dev_in(self->r, true);
	EXPECT_EQ(-1, ret);
	EXPECT_FALSE(self->r->passt_gone);
	EXPECT_STREQ("the unikernel closed its end", self->r->why);
	ASSERT_EQ(0, uk_relay_stream_out(self->r));
	ASSERT_EQ(4 + 50, passt_read(self->passt, got, sizeof(got)));
	EXPECT_EQ(0x44, got[4]);
}

/*
 * A unikernel that never reads: passt's frames wait (the relay stops
 * reading passt) instead of the relay blocking, and when the unikernel goes
 * the relay's loop ends.  Run in a child with an alarm: a hang fails.
 */
TEST_F(relay, unikernel_that_never_reads_cannot_hang_it)
{
	uint8_t buf[2048];
	size_t n = framed(buf, 1000, 1000, 0x12);
	int i, status;
	pid_t pid;

	fcntl(self->passt, F_SETFL, O_NONBLOCK);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(10);
		close(self->passt);
		close(self->uk);
		_exit(uk_relay_run(self->r) < 0 && !self->r->passt_gone ? 0 : 1);
	}
	close(self->r->stream);
	close(self->r->dev);
	self->r->stream = self->r->dev = -1;
	/* far more than the unikernel's queue holds */
	for (i = 0; i < 2000; i++)
		if (send(self->passt, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
	EXPECT_LT(10, i);
	usleep(200000);
	close(self->uk);
	self->uk = -1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
	TH_LOG("status %#x", status);
}

/*
 * The relay process as run.c forks it: confined by its filter, it relays
 * a frame each way, then passt's stream breaks (a zero length): it says so
 * on stderr (passt's last line without its control characters) and kills
 * the unikernel (here a sleeping child), and exits 0 rather than dying of a
 * call its filter does not admit.  It runs without capabilities.
 */
TEST_F(relay, confined_relay_process_kills_unikernel_when_passt_breaks)
{
	uint8_t buf[256], got[256];
	static const char said[] = "bad \x1b[2Jthing\x07 here\n";
	char line[1024] = "", caps[64] = "", path[64];
	int errp[2], outp[2], status, pidfd;
	FILE *f;
	pid_t uk, relay, self_pid = getpid();
	struct pollfd p;

	ASSERT_EQ(0, pipe2(errp, O_CLOEXEC | O_NONBLOCK));
	ASSERT_EQ(0, pipe2(outp, O_CLOEXEC | O_NONBLOCK));
	/* what passt said last, with a terminal escape in it */
	ASSERT_EQ((ssize_t)sizeof(said) - 1, write(errp[1], said, sizeof(said) - 1));
	uk = fork();
	ASSERT_LE(0, uk);
	if (uk == 0) {
		alarm(20);
		pause();
		_exit(0);
	}
	pidfd = (int)syscall(SYS_pidfd_open, uk, 0);
	ASSERT_LE(0, pidfd);
	relay = fork();
	ASSERT_LE(0, relay);
	if (relay == 0) {
		alarm(20);
		dup2(outp[1], STDERR_FILENO);
		uk_relay_child(self->r->stream, self->r->dev, errp[0], pidfd, self_pid);
	}
	close(errp[0]);
	close(outp[1]);
	close(pidfd);
	/* passt -> unikernel */
	ASSERT_EQ(4 + 40, send_all(self->passt, buf, framed(buf, 40, 40, 0x21)));
	p = (struct pollfd){ .fd = self->uk, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 5000));
	ASSERT_EQ(40, uk_read(self->uk, got, sizeof(got)));
	/* unikernel -> passt */
	memset(buf, 0x31, 50);
	ASSERT_EQ(50, send(self->uk, buf, 50, 0));
	p = (struct pollfd){ .fd = self->passt, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 5000));
	ASSERT_EQ(4 + 50, recv(self->passt, got, sizeof(got), 0));
	snprintf(path, sizeof(path), "/proc/%d/status", relay);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(caps, sizeof(caps), f) && strncmp(caps, "CapEff:", 7))
		;
	fclose(f);
	EXPECT_STREQ("CapEff:\t0000000000000000\n", caps);
	/* garbage from passt */
	ASSERT_EQ(4, send_all(self->passt, buf, framed(buf, 0, 0, 0)));
	ASSERT_EQ(relay, waitpid(relay, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
	TH_LOG("relay status %#x (a signal 31 is its own filter)", status);
	ASSERT_EQ(uk, waitpid(uk, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_LT(0, read(outp[0], line, sizeof(line) - 1));
	EXPECT_NE(NULL, strstr(line, "(passt: \"bad ?[2Jthing? here\")")) TH_LOG("%s", line);
	close(errp[1]);
	close(outp[0]);
}

TEST_HARNESS_MAIN
