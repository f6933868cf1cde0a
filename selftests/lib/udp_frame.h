/* SPDX-License-Identifier: GPL-2.0 */
/* udp_frame.h - IPv4 UDP frames with right checksums, for the tests of what passt's guests send. */
#ifndef KISTE_TEST_UDP_FRAME_H
#define KISTE_TEST_UDP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The Internet checksum of @n bytes at @p, added to @sum (not yet folded or inverted). */
static inline uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A 14+20+8+4-byte UDP frame @src:@sp -> @dst:@dp with payload "ping", checksums right. */
static inline size_t udp_frame(uint8_t *f, const uint8_t *src, uint16_t sp, const uint8_t *dst,
			uint16_t dp)
{
	uint8_t pseudo[12];
	uint16_t c;

	memset(f, 0, 46);
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 3] = 32;		/* total length */
	f[14 + 8] = 64;
	f[14 + 9] = 17;
	memcpy(f + 14 + 12, src, 4);
	memcpy(f + 14 + 16, dst, 4);
	c = fold(sum16(0, f + 14, 20));
	f[14 + 10] = c >> 8;
	f[14 + 11] = c & 0xff;
	f[34] = sp >> 8;
	f[35] = sp & 0xff;
	f[36] = dp >> 8;
	f[37] = dp & 0xff;
	f[39] = 12;		/* UDP length */
	memcpy(f + 42, "ping", 4);
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = 0;
	pseudo[11] = 12;
	c = fold(sum16(sum16(0, pseudo, 12), f + 34, 12));
	f[40] = c >> 8;
	f[41] = c & 0xff;
	return 46;
}

/* Both checksums of the UDP frame @f verify (the sums over header and pseudo-header are 0). */
static inline bool udp_frame_sums_ok(const uint8_t *f)
{
	uint8_t pseudo[12] = { [9] = 17, [11] = 12 };

	memcpy(pseudo, f + 14 + 12, 8);
	return fold(sum16(0, f + 14, 20)) == 0 &&
	       fold(sum16(sum16(0, pseudo, 12), f + 34, 12)) == 0;
}

#endif /* KISTE_TEST_UDP_FRAME_H */
