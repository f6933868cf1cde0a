/* SPDX-License-Identifier: GPL-2.0 */
/* linux_chan.h - the vm-mode channel between the micro-VMM and the guest agent: ports, layout. */
#ifndef KISTE_LINUX_CHAN_H
#define KISTE_LINUX_CHAN_H

#include <stdint.h>

/*
 * The channel is a region at the top of guest RAM that the e820 map marks
 * reserved, so the guest kernel never uses it and the agent (root, PID 1)
 * can map it through /dev/mem.  Its address and size reach the agent on the
 * kernel command line as "kiste.chan=ADDR,SIZE" (hex).
 *
 * Guest -> host (stdout, stderr): the agent fills the output buffer and
 * writes "len | stream << 31" to KISTE_CHAN_PORT_OUT; the VMM writes those
 * bytes out before the OUT instruction completes, so the buffer is free again
 * when the agent's OUT returns.  One exit per buffer, not per byte.
 *
 * Host -> guest (stdin): a single-producer ring; the VMM advances in_head,
 * the agent advances in_tail (free-running byte counts) and sets nothing
 * else; in_eof says no bytes will follow in_head.  The agent polls it.
 *
 * Exit: the agent writes KISTE_CHAN_EXIT_MAGIC | code (code 0..255, the
 * value kiste run exits with) to KISTE_CHAN_PORT_EXIT, then powers off.
 */
#define KISTE_CHAN_PORT_EXIT	0x0510
#define KISTE_CHAN_PORT_OUT	0x0514
#define KISTE_CHAN_PORTS	8	/* ioperm range from KISTE_CHAN_PORT_EXIT */

#define KISTE_CHAN_MAGIC	0x4b435631u	/* "KCV1" */
#define KISTE_CHAN_EXIT_MAGIC	0x4b450000u
#define KISTE_CHAN_OUT_STDERR	(1u << 31)

#define KISTE_CHAN_SIZE		(2u << 20)
#define KISTE_CHAN_IN_OFF	0x1000u
#define KISTE_CHAN_IN_SIZE	(512u << 10)	/* power of two */
#define KISTE_CHAN_OUT_OFF	(1u << 20)
#define KISTE_CHAN_OUT_SIZE	(1u << 20)

struct kiste_chan_hdr {
	uint32_t magic;		/* KISTE_CHAN_MAGIC, set by the VMM */
	uint32_t in_size;
	uint32_t out_size;
	uint32_t in_head;	/* host: bytes of stdin produced */
	uint32_t in_tail;	/* guest: bytes of stdin consumed */
	uint32_t in_eof;	/* host: 1 once stdin reached EOF */
	uint32_t signal;	/* host: a signal to forward to the workload; guest clears */
	uint32_t pad;
};

#endif /* KISTE_LINUX_CHAN_H */
