/* SPDX-License-Identifier: GPL-2.0 */
/* relay.h - --network pasta's frame relay: passt's length-prefixed stream <-> one frame per message. */
#ifndef KISTE_UK_RELAY_H
#define KISTE_UK_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <kiste/unikernel.h>

/* The largest frame either way: the device's MTU and the Ethernet header (the filter's bound). */
#define UK_RELAY_FRAME_MAX (KISTE_UK_NET_MTU + 14)
/*
 * The largest length passt's stream may announce (an IPv4 packet and its
 * Ethernet header): longer frames than UK_RELAY_FRAME_MAX up to it are
 * skipped, a length above it or below a header means the stream is garbage.
 */
#define UK_RELAY_STREAM_LEN_MAX (65535 + 14)
/* Frames from the unikernel waiting for passt to read them: about 40. */
#define UK_RELAY_OUT_SIZE (64u << 10)

/*
 * One relay: @stream is passt's end of its socketpair (qemu's framing: a
 * 4-byte big-endian length, then the frame), @dev ours of the unikernel's
 * SOCK_SEQPACKET pair (a frame per message, so that one read is one frame).
 * Both non-blocking.  Nothing either side sends can make the relay wait on
 * it: frames toward the unikernel wait in @in while its queue is full (passt
 * waits behind them), frames from it are dropped while @out is full.
 */
struct uk_relay {
	int stream, dev;
	uint8_t in[4 + UK_RELAY_FRAME_MAX];	/* stream bytes not yet forwarded */
	uint32_t in_len;
	uint32_t skip;		/* bytes left of an oversized frame being skipped */
	bool in_blocked;	/* the unikernel's queue was full: wait for it */
	uint8_t out[UK_RELAY_OUT_SIZE];		/* framed, for passt */
	uint32_t out_off, out_len;
	uint64_t dropped;	/* frames skipped either way (too long or short, no room) */
	uint64_t refused;	/* frames from the unikernel passt must not see (kiste_passt_frame.h) */
	const char *why;	/* why the relay stopped */
	bool passt_gone;	/* ... and it was passt's side (else the unikernel's) */
};

void uk_relay_init(struct uk_relay *r, int stream, int dev);
/*
 * Reads what passt sent and forwards its whole frames (uk_relay_stream_fwd).
 * 0 to go on, -1 with r->why when passt closed its end, the stream broke, or
 * the unikernel's end is gone.
 */
int uk_relay_stream_in(struct uk_relay *r);
/* Forwards the whole frames in r->in to the unikernel until its queue is full. */
int uk_relay_stream_fwd(struct uk_relay *r);
/*
 * One message from the unikernel, framed into r->out: dropped when it is
 * shorter than an Ethernet header or longer than UK_RELAY_FRAME_MAX (cut by
 * the read), or there is no room; refused (counted in r->refused) when
 * kiste_passt_frame_refused says so (toward the host's loopback).  @hup: poll said the unikernel hung up, so
 * that a zero-length read is its end rather than an empty message.
 */
int uk_relay_dev_in(struct uk_relay *r, bool hup);
/* Writes what r->out holds to passt, as much as it takes now. */
int uk_relay_stream_out(struct uk_relay *r);
/* The loop over the four above until either side is gone; returns 0 or -1 with r->why. */
int uk_relay_run(struct uk_relay *r);

/* The relay process's filter, a row a line with its reason (kiste policy unikernel --network pasta). */
void uk_relay_filter_print(FILE *f);

/*
 * The relay's process, forked from the launcher after the unikernel's: moves
 * @stream, @dev, passt's stderr @passt_err and @unikernel (a pidfd the
 * launcher took while the unikernel was its unreaped child) to 3-6, drops
 * its capabilities, confines itself (seccomp: those descriptors, and SIGKILL
 * through that pidfd only), relays, and when passt stops first, prints why
 * and kills the unikernel (whose device would otherwise read end-of-file
 * forever).  INT, TERM, HUP and QUIT are ignored: kiste forwards them to the
 * unikernel, whose hang-up ends the relay.  Never returns.
 */
void __attribute__((noreturn)) uk_relay_child(int stream, int dev, int passt_err, int unikernel,
					      pid_t parent);

#endif /* KISTE_UK_RELAY_H */
