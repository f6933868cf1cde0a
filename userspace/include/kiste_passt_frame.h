/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_passt_frame.h - which guest frames may go to passt: none toward the host's loopback. */
#ifndef KISTE_PASST_FRAME_H
#define KISTE_PASST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * passt (Debian 12's 0.0~git20230309 at least) forwards a guest's IPv4
 * packet to 127.0.0.1 as to the host's own loopback, whatever --no-map-gw
 * says (that flag only stops the gateway's address being mapped there): a
 * guest would reach every service bound to the host's 127.0.0.1.  So every
 * mode that puts passt behind a guest's NIC (vm, unikernel) drops, before
 * passt sees it:
 *  - an IPv4 frame (ethertype 0x0800) whose destination is in 127.0.0.0/8
 *    or 0.0.0.0/8 (0.0.0.0 is "this host" to the kernel), or too short to
 *    hold an IPv4 header;
 *  - any IPv6 frame (0x86dd): passt runs with -4, and ::1 and
 *    ::ffff:127.0.0.0/104 would be the same hole;
 *  - any tagged frame (802.1Q 0x8100, 802.1ad 0x88a8, old QinQ 0x9100):
 *    passt has no VLANs, and a tag must not hide an IPv4 header from us.
 * Other frames (ARP above all) pass.  @f: the frame's first @len bytes (at
 * least KISTE_PASST_FRAME_PEEK when the frame is that long).
 */
#define KISTE_PASST_FRAME_PEEK	(14 + 20)

static inline bool kiste_passt_frame_refused(const uint8_t *f, size_t len)
{
	unsigned int type;

	if (len < 14)
		return true;
	type = (unsigned int)f[12] << 8 | f[13];
	if (type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x86dd)
		return true;
	if (type != 0x0800)
		return false;
	/* the destination address: bytes 16-19 of the IPv4 header, whatever its IHL */
	return len < KISTE_PASST_FRAME_PEEK || f[14 + 16] == 127 || f[14 + 16] == 0;
}

#endif /* KISTE_PASST_FRAME_H */
