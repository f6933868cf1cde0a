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
 *  - an IPv6 frame (0x86dd) to ::1, ::, or an IPv4-mapped or -compatible
 *    address in 127.0.0.0/8 or 0.0.0.0/8 (passt runs with -4 and forwards no
 *    IPv6, but would be the same hole without it), or too short to hold an
 *    IPv6 header.  Other IPv6 frames pass: passt learns the guest's MAC from
 *    whatever it sends first (a Linux guest's first frames are IPv6 router
 *    solicitations), and without it cannot hand the guest a published
 *    port's connection;
 *  - any tagged frame (802.1Q 0x8100, 802.1ad 0x88a8, old QinQ 0x9100):
 *    passt has no VLANs, and a tag must not hide an IPv4 header from us.
 * Other frames (ARP above all) pass.  @f: the frame's first @len bytes (at
 * least KISTE_PASST_FRAME_PEEK when the frame is that long).
 */
#define KISTE_PASST_FRAME_PEEK	(14 + 40)

/* @a (16 bytes): ::, ::1 or any ::/96 or ::ffff:0:0/96 address whose IPv4 part is 0/8 or 127/8. */
static inline bool kiste_passt_v6_host_local(const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < 10; i++)
		if (a[i])
			return false;
	if (!((a[10] == 0 && a[11] == 0) || (a[10] == 0xff && a[11] == 0xff)))
		return false;
	return a[12] == 0 || a[12] == 127;
}

static inline bool kiste_passt_frame_refused(const uint8_t *f, size_t len)
{
	unsigned int type;

	if (len < 14)
		return true;
	type = (unsigned int)f[12] << 8 | f[13];
	if (type == 0x8100 || type == 0x88a8 || type == 0x9100)
		return true;
	/* the destination address: bytes 24-39 of the IPv6 header */
	if (type == 0x86dd)
		return len < KISTE_PASST_FRAME_PEEK || kiste_passt_v6_host_local(f + 14 + 24);
	if (type != 0x0800)
		return false;
	/* the destination address: bytes 16-19 of the IPv4 header, whatever its IHL */
	return len < 14 + 20 || f[14 + 16] == 127 || f[14 + 16] == 0;
}

#endif /* KISTE_PASST_FRAME_H */
