/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_passt_reply.h - a guest's UDP answers to a client on the host's loopback, through passt. */
#ifndef KISTE_PASST_REPLY_H
#define KISTE_PASST_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* KISTE_PASST_GATEWAY (kiste_passt.h) as bytes: vm_nic and uk_relay tests hold them equal. */
#define KISTE_PASST_GATEWAY_IP4	{ 10, 0, 2, 2 }

/*
 * passt (Debian 12's 0.0~git20230309) hands the guest a datagram from the
 * host's loopback (127.0.0.0/8) to a published UDP port as one from the
 * gateway, KISTE_PASST_GATEWAY, and sends a guest's datagram to the gateway
 * to 127.0.0.1 only without --no-map-gw.  With it, the answer goes to the
 * gateway's own address on the host and is lost; without it, any datagram
 * or connection to the gateway would reach the host's loopback.  So kiste
 * keeps --no-map-gw and maps answers itself, in front of passt (the VMM's
 * NIC, the unikernel's relay):
 *  - a datagram from passt from the gateway's port X to the guest's port P
 *    opens (X, P) (kiste_passt_reply_note);
 *  - a guest's datagram from P to the gateway's port X, while (X, P) is
 *    open, goes to 127.0.0.1:X instead (kiste_passt_reply_map): passt sends
 *    it from the published port's socket, where the client waits.
 * Only the last KISTE_PASST_REPLY_SLOTS pairs are open; a new one replaces
 * the one whose client was heard from longest ago.  The guest's own frames
 * never open or refresh a pair, so it can only answer at a port a client on
 * the host's loopback sent from.  Unfragmented IPv4 only (passt runs -4; a
 * fragment has no ports to match).  TCP needs none of this: passt finds a
 * connection's answers by the connection.
 */
#define KISTE_PASST_REPLY_SLOTS	64
/* The bytes kiste_passt_reply_map reads and may change: Ethernet, IPv4 with options, UDP. */
#define KISTE_PASST_REPLY_PEEK	(14 + 60 + 8)

struct kiste_passt_reply {
	struct {
		uint16_t gw_port, guest_port;	/* host order */
		uint64_t heard;			/* the clock when opened or refreshed; 0: free */
	} slot[KISTE_PASST_REPLY_SLOTS];
	uint64_t clock;				/* datagrams noted so far */
};

static inline uint16_t kiste_passt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The UDP header's offset in @f (@len bytes): an unfragmented IPv4 UDP datagram; else 0. */
static inline size_t kiste_passt_udp4(const uint8_t *f, size_t len)
{
	size_t ihl;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || f[14] >> 4 != 4)
		return 0;
	ihl = (size_t)(f[14] & 0x0f) * 4;
	if (ihl < 20 || f[14 + 9] != 17 || len < 14 + ihl + 8)
		return 0;
	/* MF, or an offset: the flags byte's low bits and the next byte */
	if ((f[14 + 6] & 0x3f) || f[14 + 7])
		return 0;
	return 14 + ihl;
}

/* A frame passt sends the guest (@len bytes): from the gateway, it opens or refreshes its pair. */
static inline void kiste_passt_reply_note(struct kiste_passt_reply *t, const uint8_t *f, size_t len)
{
	static const uint8_t gw[4] = KISTE_PASST_GATEWAY_IP4;
	size_t u = kiste_passt_udp4(f, len), i, old = 0;
	uint16_t x, p;

	if (!u || memcmp(f + 14 + 12, gw, 4))
		return;
	x = kiste_passt_get16(f + u);
	p = kiste_passt_get16(f + u + 2);
	t->clock++;
	for (i = 0; i < KISTE_PASST_REPLY_SLOTS; i++) {
		if (t->slot[i].heard && t->slot[i].gw_port == x && t->slot[i].guest_port == p) {
			t->slot[i].heard = t->clock;
			return;
		}
		if (t->slot[i].heard < t->slot[old].heard)
			old = i;
	}
	t->slot[old].gw_port = x;
	t->slot[old].guest_port = p;
	t->slot[old].heard = t->clock;
}

/* RFC 1624's update of checksum @sum for one 4-byte field changed from @from to @to. */
static inline uint16_t kiste_passt_csum_swap(uint16_t sum, const uint8_t *from, const uint8_t *to)
{
	uint32_t s = (uint16_t)~sum;
	int i;

	for (i = 0; i < 4; i += 2)
		s += (uint16_t)~kiste_passt_get16(from + i) + kiste_passt_get16(to + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * A frame from the guest, already past kiste_passt_frame_refused: @f's
 * first @len bytes (at least KISTE_PASST_REPLY_PEEK when the frame is that
 * long; the caller sends these bytes, not the guest's again).  An answer to
 * an open pair gets 127.0.0.1 as its destination, both checksums updated;
 * returns whether it did.
 */
static inline bool kiste_passt_reply_map(const struct kiste_passt_reply *t, uint8_t *f, size_t len)
{
	static const uint8_t gw[4] = KISTE_PASST_GATEWAY_IP4, lo[4] = { 127, 0, 0, 1 };
	size_t u = kiste_passt_udp4(f, len), i;
	uint16_t x, p, sum;

	if (!u || memcmp(f + 14 + 16, gw, 4))
		return false;
	p = kiste_passt_get16(f + u);
	x = kiste_passt_get16(f + u + 2);
	for (i = 0; i < KISTE_PASST_REPLY_SLOTS; i++)
		if (t->slot[i].heard && t->slot[i].gw_port == x && t->slot[i].guest_port == p)
			break;
	if (i == KISTE_PASST_REPLY_SLOTS)
		return false;
	sum = kiste_passt_csum_swap(kiste_passt_get16(f + 14 + 10), gw, lo);
	f[14 + 10] = sum >> 8;
	f[14 + 11] = sum & 0xff;
	/* 0: the sender computed none; a computed 0 is sent as 0xffff */
	sum = kiste_passt_get16(f + u + 6);
	if (sum) {
		sum = kiste_passt_csum_swap(sum, gw, lo);
		sum = sum ? sum : 0xffff;
		f[u + 6] = sum >> 8;
		f[u + 7] = sum & 0xff;
	}
	memcpy(f + 14 + 16, lo, 4);
	return true;
}

#endif /* KISTE_PASST_REPLY_H */
